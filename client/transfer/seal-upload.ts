// Client transfer engine: `pouch send` in one pass. A file is sealed on three threads into a private spool file
// while its parts, hashed by the same pass, go up to their checksum-bound presigned URLs; a journal beside the
// spool lets an interrupted send resume without sending a stored part again (docs/transfer.md).
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { PartToPresign, PresignedPart, UploadedPart } from '../../shared/api/exchange.ts';
import { type PreparedSeal, prepareSeal, type SealDigests } from '../../shared/crypto/age-native.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { PartRange } from '../../shared/domain/upload-plan.ts';
import {
  createPartSender,
  createStateWriter,
  createUrlCache,
  type RetryPolicy,
  trace,
} from './part-sender.ts';

/** A streamed multipart upload the API declared. */
export interface StreamedDeclaration {
  readonly documentId: string;
  readonly uploadId: string;
  readonly partSize: number;
}

export interface SealUploadProgress {
  /** Plaintext bytes sealed so far. */
  readonly sealedInput: number;
  /** Sealed bytes stored or in flight (parts skipped on resume count as done). Can step back on a retry. */
  readonly bytesDone: number;
  readonly totalBytes: number;
  readonly partsDone: number;
}

export interface SealUploadOptions {
  /** The plaintext file. */
  readonly source: string;
  readonly recipients: readonly string[];
  /** The sealed copy, written 0600 as it is sealed and kept until the caller is done (the resume store). */
  readonly spoolPath: string;
  /** The resume journal (0600 JSON); deleted once the upload is committed. */
  readonly journalPath: string;
  /** Declare (or, with the same idempotency, find again) a streamed upload of this sealed size. */
  readonly declare: (sealedSize: number, attempt: number) => Promise<StreamedDeclaration>;
  /** Presign these parts of the document, each bound to its checksum. */
  readonly presign: (
    documentId: string,
    parts: readonly PartToPresign[],
  ) => Promise<readonly PresignedPart[]>;
  /** Commit: every part with its ETag and checksum, and the whole-file sealed SHA-256 (hex). */
  readonly complete: (
    documentId: string,
    parts: readonly UploadedPart[],
    sealedSha256: string,
  ) => Promise<void>;
  readonly onProgress?: (progress: SealUploadProgress) => void;
  /** Parts in flight at once (default 4). */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /** Parts presigned per API call (default 8). */
  readonly presignBatchSize?: number;
  /** The fetch used for storage requests (tests inject faults through it). */
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

export interface SealUploadResult extends SealDigests {
  readonly documentId: string;
  readonly partSize: number;
  readonly partSha256s: readonly string[];
  readonly partsUploaded: number;
  readonly partsSkipped: number;
}

const sha256Base64 = z.string().regex(/^[A-Za-z0-9+/]{43}=$/);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();

const journalSchema = z.object({
  version: z.literal(1),
  documentId: z.string().min(1),
  uploadId: z.string().min(1),
  partSize: z.number().int().positive(),
  sealedSize: count,
  source: z.object({ size: count, mtimeMs: z.number().nonnegative() }),
  /** Present once the whole file is sealed: only then can the parts already stored be trusted to resume. */
  sealed: z
    .object({
      plaintextSha256: hex64,
      plaintextSize: count,
      sealedSha256: hex64,
      sealedSize: count,
      partSha256s: z.array(sha256Base64).min(1),
      spoolMtimeMs: z.number().nonnegative(),
    })
    .optional(),
  stored: z.array(
    z.object({ partNumber: z.number().int().positive(), etag: z.string().min(1), sha256: sha256Base64 }),
  ),
});
type Journal = z.infer<typeof journalSchema>;

/**
 * Seal `source` into a streamed multipart upload in one pass, and commit it. Parts leave as soon as they are
 * sealed, `concurrency` at a time; memory stays fixed (the pipeline's slot rings, one read buffer per part in
 * flight) because the spool file, not memory, holds the sealed parts that wait.
 *
 * Resuming: once the whole file is sealed the journal lists every part's checksum, and each stored part is
 * added as it lands; a later call skips the stored parts and sends the rest from the spool. If the upload
 * fails, sealing still runs to its end first, so that journal exists. A run killed before sealing ended
 * cannot continue that seal (age's file key is random and is never written to disk): it seals again, and the
 * new parts replace the ones already sent.
 */
export async function sealAndUpload(options: SealUploadOptions): Promise<SealUploadResult> {
  const source = await stat(options.source);
  const previous = await readJournal(options.journalPath);
  const spool = await stat(options.spoolPath).catch(() => undefined);
  const resumable =
    previous?.sealed !== undefined &&
    previous.source.size === source.size &&
    previous.source.mtimeMs === source.mtimeMs &&
    spool !== undefined &&
    spool.size === previous.sealedSize &&
    spool.mtimeMs === previous.sealed.spoolMtimeMs;
  if (resumable) return resume(options, previous);

  let prepared: PreparedSeal = await prepareSeal(options.recipients, source.size);
  let declared = await options.declare(prepared.sealedSize, 1);
  if (previous && previous.documentId !== declared.documentId) await rm(options.journalPath, { force: true });
  let journal: Journal = {
    version: 1,
    documentId: declared.documentId,
    uploadId: declared.uploadId,
    partSize: declared.partSize,
    sealedSize: prepared.sealedSize,
    source: { size: source.size, mtimeMs: source.mtimeMs },
    stored: [],
  };
  if (previous?.documentId === declared.documentId && previous.sealedSize !== prepared.sealedSize) {
    // A header of another size (other recipients) cannot go into the declared upload: declare a new one.
    prepared = await prepareSeal(options.recipients, source.size);
    declared = await options.declare(prepared.sealedSize, 2);
    journal = {
      ...journal,
      documentId: declared.documentId,
      uploadId: declared.uploadId,
      sealedSize: prepared.sealedSize,
    };
  }
  return run(options, prepared, journal);
}

/** Seal and send together. */
async function run(
  options: SealUploadOptions,
  prepared: PreparedSeal,
  journal: Journal,
): Promise<SealUploadResult> {
  const { partSize, sealedSize, documentId } = journal;
  const partCount = Math.max(1, Math.ceil(sealedSize / partSize));
  const ready: PartRange[] = [];
  const ranges = new Map<number, PartRange>();
  const shas: string[] = [];
  const stored = new Map<number, UploadedPart>();
  const writer = createStateWriter<Journal>(options.journalPath, writeJournal, () => ({
    ...journal,
    stored: [...stored.values()].sort((a, b) => a.partNumber - b.partNumber),
  }));
  writer.schedule();
  await writer.flush();

  let sealedInput = 0;
  const sending = new Map<number, number>();
  let storedBytes = 0;
  const report = (): void => {
    if (!options.onProgress) return;
    let inFlight = 0;
    for (const n of sending.values()) inFlight += n;
    options.onProgress({
      sealedInput,
      bytesDone: storedBytes + inFlight,
      totalBytes: sealedSize,
      partsDone: stored.size,
    });
  };

  const waiting: (() => void)[] = [];
  let sealingDone = false;
  /** Told of each part sealed (the senders presign ahead). */
  const watchers: (() => void)[] = [];
  const nudge = (): void => {
    for (const wake of waiting.splice(0)) wake();
    for (const watcher of watchers) watcher();
  };
  const sealing = prepared
    .run(options.source, options.spoolPath, {
      partSize,
      mode: 0o600,
      onPart(part) {
        shas[part.partNumber - 1] = part.sha256;
        const start = (part.partNumber - 1) * partSize;
        const range = { partNumber: part.partNumber, start, end: part.end, size: part.end - start };
        ranges.set(part.partNumber, range);
        ready.push(range);
        trace('sealed', part.partNumber);
        nudge();
      },
      onProgress(done) {
        sealedInput = done;
        report();
      },
    })
    .finally(() => {
      sealingDone = true;
      nudge();
    });
  sealing.catch(() => undefined);

  const uploads = sendParts(options, {
    documentId,
    partSize,
    path: options.spoolPath,
    next: async () => {
      for (;;) {
        const range = ready.shift();
        if (range) return range;
        if (sealingDone) return undefined;
        trace('wait-seal');
        await new Promise<void>((resolve) => waiting.push(resolve));
        trace('sealed-wake');
      }
    },
    upcoming: () => ready.map((r) => r.partNumber),
    watch: (watcher) => watchers.push(watcher),
    sizeOf: (n) => ranges.get(n)?.size ?? partSize,
    checksumOf: (n) => shas[n - 1] as string,
    sending,
    onStored(part, size) {
      stored.set(part.partNumber, part);
      storedBytes += size;
      writer.schedule();
      report();
    },
    report,
  });
  uploads.catch(() => undefined);

  let digests: Awaited<ReturnType<PreparedSeal['run']>>;
  try {
    digests = await sealing;
  } catch (error) {
    await uploads.catch(() => undefined);
    await writer.flush().catch(() => undefined);
    throw error;
  }
  // Sealing is done: from now on a failure can resume from the spool, so the journal says so first.
  const spool = await stat(options.spoolPath);
  journal = {
    ...journal,
    sealed: {
      plaintextSha256: digests.plaintextSha256,
      plaintextSize: digests.plaintextSize,
      sealedSha256: digests.sealedSha256,
      sealedSize: digests.sealedSize,
      partSha256s: [...digests.partSha256s],
      spoolMtimeMs: spool.mtimeMs,
    },
  };
  writer.schedule();
  try {
    await uploads;
  } finally {
    await writer.flush();
  }
  if (digests.partSha256s.length !== partCount) {
    throw new PouchError('ERR_INTERNAL', 'The sealed parts do not match the declared upload', {
      details: { partCount, sealedParts: digests.partSha256s.length },
    });
  }
  return finish(options, journal, stored, 0);
}

/** Send the parts a sealed spool still lacks. */
async function resume(options: SealUploadOptions, journal: Journal): Promise<SealUploadResult> {
  const sealed = journal.sealed as NonNullable<Journal['sealed']>;
  const { partSize, sealedSize } = journal;
  const stored = new Map<number, UploadedPart>();
  for (const part of journal.stored) {
    if (part.sha256 === sealed.partSha256s[part.partNumber - 1]) stored.set(part.partNumber, part);
  }
  const skipped = stored.size;
  const queue: PartRange[] = sealed.partSha256s
    .map((_, i) => {
      const start = i * partSize;
      const end = Math.min(sealedSize, start + partSize);
      return { partNumber: i + 1, start, end, size: end - start };
    })
    .filter((r) => !stored.has(r.partNumber));
  const writer = createStateWriter<Journal>(options.journalPath, writeJournal, () => ({
    ...journal,
    stored: [...stored.values()].sort((a, b) => a.partNumber - b.partNumber),
  }));
  const sending = new Map<number, number>();
  let storedBytes = sealedSize - queue.reduce((n, r) => n + r.size, 0);
  const report = (): void => {
    if (!options.onProgress) return;
    let inFlight = 0;
    for (const n of sending.values()) inFlight += n;
    options.onProgress({
      sealedInput: sealed.plaintextSize,
      bytesDone: storedBytes + inFlight,
      totalBytes: sealedSize,
      partsDone: stored.size,
    });
  };
  report();
  try {
    await sendParts(options, {
      documentId: journal.documentId,
      partSize,
      path: options.spoolPath,
      next: async () => queue.shift(),
      upcoming: () => queue.map((r) => r.partNumber),
      sizeOf: (n) => Math.min(partSize, sealedSize - (n - 1) * partSize),
      checksumOf: (n) => sealed.partSha256s[n - 1] as string,
      sending,
      onStored(part, size) {
        stored.set(part.partNumber, part);
        storedBytes += size;
        writer.schedule();
        report();
      },
      report,
    });
  } finally {
    await writer.flush();
  }
  return finish(options, journal, stored, skipped);
}

/** Commit, drop the journal, and report. */
async function finish(
  options: SealUploadOptions,
  journal: Journal,
  stored: ReadonlyMap<number, UploadedPart>,
  skipped: number,
): Promise<SealUploadResult> {
  const sealed = journal.sealed as NonNullable<Journal['sealed']>;
  const parts = [...stored.values()].sort((a, b) => a.partNumber - b.partNumber);
  if (parts.length !== sealed.partSha256s.length) {
    throw new PouchError('ERR_INTERNAL', 'Not every part was stored', {
      details: { stored: parts.length, partCount: sealed.partSha256s.length },
    });
  }
  trace('complete-start');
  await options.complete(journal.documentId, parts, sealed.sealedSha256);
  trace('complete-end');
  await rm(options.journalPath, { force: true });
  return {
    documentId: journal.documentId,
    plaintextSha256: sealed.plaintextSha256,
    plaintextSize: sealed.plaintextSize,
    sealedSha256: sealed.sealedSha256,
    sealedSize: sealed.sealedSize,
    partSize: journal.partSize,
    partSha256s: sealed.partSha256s,
    partsUploaded: parts.length - skipped,
    partsSkipped: skipped,
  };
}

/**
 * Workers that take parts from `next` until it runs dry and send each one (with retries) from the spool. The
 * first failure stops them all; it is thrown after the parts already in flight have settled.
 */
async function sendParts(
  options: SealUploadOptions,
  deps: {
    documentId: string;
    partSize: number;
    path: string;
    next: () => Promise<PartRange | undefined>;
    upcoming: () => number[];
    /** Registers a listener called when parts become ready (absent: every part is ready from the start). */
    watch?: (listener: () => void) => void;
    sizeOf: (partNumber: number) => number;
    checksumOf: (partNumber: number) => string;
    sending: Map<number, number>;
    onStored: (part: UploadedPart, size: number) => void;
    report: () => void;
  },
): Promise<void> {
  const urls = createUrlCache({
    presign: (parts) => options.presign(deps.documentId, parts),
    batchSize: Math.max(1, options.presignBatchSize ?? 8),
    upcoming: deps.upcoming,
    describe: (partNumber) => ({
      partNumber,
      size: deps.sizeOf(partNumber),
      sha256: deps.checksumOf(partNumber),
    }),
  });
  const sendPart = createPartSender({
    path: deps.path,
    urls,
    fetch: options.fetch,
    retry: options.retry,
    signal: options.signal,
    onBytes: (partNumber, n) => {
      deps.sending.set(partNumber, (deps.sending.get(partNumber) ?? 0) + n);
      deps.report();
    },
    onRetry: (partNumber) => deps.sending.delete(partNumber),
  });
  deps.watch?.(() => urls.warm());
  urls.warm();
  let failure: unknown;
  async function worker(): Promise<void> {
    while (failure === undefined) {
      const range = await deps.next();
      if (!range || failure !== undefined) return;
      urls.warm();
      try {
        trace('part-start', range.partNumber);
        const etag = await sendPart(range);
        trace('part-stored', range.partNumber);
        deps.sending.delete(range.partNumber);
        deps.onStored(
          { partNumber: range.partNumber, etag, sha256: deps.checksumOf(range.partNumber) },
          range.size,
        );
      } catch (error) {
        failure ??= error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, () => worker()));
  if (failure !== undefined) throw failure;
}

async function readJournal(path: string): Promise<Journal | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = journalSchema.safeParse(JSON.parse(text));
    // A damaged journal only costs the parts it listed: seal and send again.
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Atomic: a temp file in the same folder, then rename, so a crash leaves the old journal or the new one. */
async function writeJournal(path: string, journal: Journal): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, `${JSON.stringify(journal)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
