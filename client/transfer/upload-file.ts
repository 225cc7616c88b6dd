// Client transfer engine: uploads a sealed file straight to storage through presigned URLs (one PUT, or
// concurrent checksum-bound part PUTs), streaming from disk with constant memory and resuming after a crash.
import { open, stat } from 'node:fs/promises';
import type { PartToPresign, PresignedPart, UploadedPart } from '../../shared/api/exchange.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import { listPartRanges, type PartRange, type UploadPlan } from '../../shared/domain/upload-plan.ts';
import { type FileHashes, hashFileParts, transferChunkBytes } from './hash-file.ts';
import { deleteResumeState, type ResumeState, readResumeState, writeResumeState } from './resume-state.ts';

/** Which server-side upload the bytes belong to; stored in the resume state. */
export interface UploadTarget {
  readonly documentId: string;
  readonly key?: string;
  /** The multipart upload id the API created; absent for a single PUT. */
  readonly uploadId?: string;
}

export interface UploadProgress {
  /** Bytes sent or already stored (parts skipped on resume count as done). Can step back on a retry. */
  readonly bytesDone: number;
  readonly totalBytes: number;
  readonly partsDone: number;
  readonly partCount: number;
}

export interface RetryPolicy {
  /** Tries per part, including the first (default 4). */
  readonly attempts?: number;
  /** First backoff in ms, doubled per try with jitter (default 250). */
  readonly baseDelayMs?: number;
  /** Longest backoff in ms (default 8000). */
  readonly maxDelayMs?: number;
}

export interface UploadFileOptions {
  readonly path: string;
  readonly plan: UploadPlan;
  readonly target: UploadTarget;
  /** Digests from {@link hashFileParts} with the plan's part size; computed here when absent. */
  readonly hashes?: FileHashes;
  /** Ask the API for presigned URLs of these parts (part 1 of a single plan is the single PUT). */
  readonly presign: (parts: readonly PartToPresign[]) => Promise<readonly PresignedPart[]>;
  /** Tell the API every part is stored (all parts, 1..N, with their ETags and checksums). */
  readonly complete: (parts: readonly UploadedPart[]) => Promise<void>;
  /** Where to keep the resume state; without it an interrupted upload starts over. */
  readonly resumeStatePath?: string;
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Parts in flight at once (default 4). */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /** Parts presigned per API call (default 8). URLs close to expiry are presigned again. */
  readonly presignBatchSize?: number;
  /** The fetch used for storage requests (tests inject faults through it). */
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

export interface UploadResult {
  readonly size: number;
  readonly sha256: string;
  readonly sha256Hex: string;
  readonly parts: readonly UploadedPart[];
  /** Parts sent by this call; the others were already stored according to the resume state. */
  readonly partsUploaded: number;
  readonly partsSkipped: number;
}

/** A presigned URL this close to expiry is not used for a new request. */
const expiryMarginMs = 30_000;

/** A storage answer with its retry verdict. */
class TransferHttpError extends PouchError {
  override readonly name = 'TransferHttpError';
  readonly retryable: boolean;
  constructor(
    code: 'ERR_STORAGE' | 'ERR_NOT_FOUND' | 'ERR_HASH_MISMATCH',
    status: number,
    partNumber: number,
  ) {
    super(code, `Storage answered HTTP ${status} for part ${partNumber}`, {
      details: { status, partNumber },
    });
    this.retryable =
      code === 'ERR_STORAGE' && (status >= 500 || status === 403 || status === 408 || status === 429);
  }
}

/**
 * Upload a file according to `plan`. Parts are streamed from disk (no part is held in memory), sent
 * `concurrency` at a time with bounded, jittered retries. With `resumeStatePath`, each finished part is
 * recorded; a later call with the same target skips the recorded parts. The state is deleted once
 * `complete` succeeds.
 *
 * @example
 * const hashes = await hashFileParts(file, plan.kind === 'multipart' ? plan.partSize : plan.size);
 * await uploadFile({
 *   path: file, plan, hashes, target: { documentId, uploadId },
 *   presign: (parts) => api.presignParts(documentId, parts),
 *   complete: (parts) => api.completeUpload(documentId, parts),
 *   resumeStatePath: `${file}.pouch-upload.json`,
 * });
 */
export async function uploadFile(options: UploadFileOptions): Promise<UploadResult> {
  const { path, plan, target } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const batchSize = Math.max(1, options.presignBatchSize ?? 8);
  const attempts = Math.max(1, options.retry?.attempts ?? 4);
  const baseDelayMs = options.retry?.baseDelayMs ?? 250;
  const maxDelayMs = options.retry?.maxDelayMs ?? 8000;
  const signal = options.signal;
  if (plan.kind === 'multipart' && !target.uploadId) {
    throw new PouchError('ERR_VALIDATION', 'A multipart plan needs the upload id', {
      details: { field: 'uploadId' },
    });
  }
  const partSize = plan.kind === 'multipart' ? plan.partSize : Math.max(plan.size, 1);
  const ranges = listPartRanges(plan);

  const file = await stat(path);
  if (file.size !== plan.size) {
    throw new PouchError('ERR_CONFLICT', 'The file size differs from the planned upload', {
      details: { planned: plan.size, actual: file.size },
    });
  }
  const previous = options.resumeStatePath ? await readResumeState(options.resumeStatePath) : undefined;
  const resumable = previous !== undefined && sameUpload(previous, target, plan, partSize, ranges.length);
  if (resumable && (previous.file.size !== file.size || previous.file.mtimeMs !== file.mtimeMs)) {
    throw fileChanged();
  }
  const hashes = options.hashes ?? (await hashFileParts(path, partSize));
  if (
    hashes.size !== plan.size ||
    hashes.partSize !== partSize ||
    hashes.partSha256s.length !== ranges.length
  ) {
    throw new PouchError('ERR_VALIDATION', 'The hashes were not made for this plan', {
      details: { field: 'hashes' },
    });
  }
  if (resumable && previous.file.sha256 !== hashes.sha256) throw fileChanged();

  const done = new Map<number, UploadedPart>();
  if (resumable) {
    for (const part of previous.completedParts) {
      if (part.sha256 === hashes.partSha256s[part.partNumber - 1]) done.set(part.partNumber, part);
    }
  }
  const partsSkipped = done.size;
  const state = createStateWriter(options.resumeStatePath, () => ({
    version: 1,
    kind: plan.kind,
    documentId: target.documentId,
    ...(target.key ? { key: target.key } : {}),
    ...(target.uploadId ? { uploadId: target.uploadId } : {}),
    partSize,
    partCount: ranges.length,
    file: { path, size: file.size, mtimeMs: file.mtimeMs, sha256: hashes.sha256 },
    completedParts: [...done.values()].sort((a, b) => a.partNumber - b.partNumber),
    updatedAt: new Date().toISOString(),
  }));
  state.schedule();
  await state.flush();

  const queue = ranges.filter((r) => !done.has(r.partNumber));
  const inFlightBytes = new Map<number, number>();
  let storedBytes = ranges.filter((r) => done.has(r.partNumber)).reduce((n, r) => n + r.size, 0);
  const report = (): void => {
    if (!options.onProgress) return;
    let sending = 0;
    for (const n of inFlightBytes.values()) sending += n;
    options.onProgress({
      bytesDone: storedBytes + sending,
      totalBytes: plan.size,
      partsDone: done.size,
      partCount: ranges.length,
    });
  };
  report();

  const urls = createUrlCache({
    presign: options.presign,
    batchSize,
    upcoming: () => queue.map((r) => r.partNumber),
    describe: (partNumber) => {
      const range = ranges[partNumber - 1]!;
      return { partNumber, size: range.size, sha256: hashes.partSha256s[partNumber - 1]! };
    },
  });

  async function sendPart(range: PartRange): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        const presigned = await urls.get(range.partNumber);
        return await putRange(fetchImpl, presigned, path, range, signal, (n) => {
          inFlightBytes.set(range.partNumber, (inFlightBytes.get(range.partNumber) ?? 0) + n);
          report();
        });
      } catch (error) {
        inFlightBytes.delete(range.partNumber);
        urls.forget(range.partNumber);
        if (signal?.aborted || !isRetryable(error) || attempt >= attempts) throw asPouchError(error, range);
        const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        await sleep(delay / 2 + Math.random() * (delay / 2), signal);
      }
    }
  }

  let failure: unknown;
  async function worker(): Promise<void> {
    while (failure === undefined) {
      const range = queue.shift();
      if (!range) return;
      try {
        const etag = await sendPart(range);
        const sha256 = hashes.partSha256s[range.partNumber - 1]!;
        done.set(range.partNumber, { partNumber: range.partNumber, etag, sha256 });
        inFlightBytes.delete(range.partNumber);
        storedBytes += range.size;
        state.schedule();
        report();
      } catch (error) {
        failure ??= error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(queue.length, 1)) }, () => worker()));
  await state.flush();
  if (failure !== undefined) throw failure;

  const parts = [...done.values()].sort((a, b) => a.partNumber - b.partNumber);
  await options.complete(parts);
  if (options.resumeStatePath) await deleteResumeState(options.resumeStatePath);
  return {
    size: hashes.size,
    sha256: hashes.sha256,
    sha256Hex: hashes.sha256Hex,
    parts,
    partsUploaded: parts.length - partsSkipped,
    partsSkipped,
  };
}

/** Whether a saved state belongs to this very upload (same target and layout). */
function sameUpload(
  state: ResumeState,
  target: UploadTarget,
  plan: UploadPlan,
  partSize: number,
  partCount: number,
): boolean {
  return (
    state.documentId === target.documentId &&
    state.uploadId === target.uploadId &&
    state.kind === plan.kind &&
    state.partSize === partSize &&
    state.partCount === partCount
  );
}

function fileChanged(): PouchError {
  return new PouchError('ERR_CONFLICT', 'The file changed since this upload started; start a new upload', {
    details: { reason: 'file-changed' },
  });
}

/** PUT one byte range to its presigned URL, streaming it from disk. Resolves the ETag. */
async function putRange(
  fetchImpl: typeof fetch,
  presigned: PresignedPart,
  path: string,
  range: PartRange,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<string> {
  const handle = await open(path, 'r');
  try {
    let position = range.start;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const want = Math.min(transferChunkBytes, range.end - position);
        if (want <= 0) return controller.close();
        const buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buffer, 0, want, position);
        if (bytesRead === 0) return controller.error(new PouchError('ERR_CONFLICT', 'The file got shorter'));
        position += bytesRead;
        onBytes(bytesRead);
        controller.enqueue(buffer.subarray(0, bytesRead));
      },
    });
    const response = await fetchImpl(presigned.url, {
      method: 'PUT',
      // Sealed bytes are opaque; the exchange signs this type into single PUTs (the signed headers win).
      headers: { 'content-type': 'application/octet-stream', ...presigned.headers },
      body,
      // Node's fetch needs half duplex for a stream body; DOM typings do not know the option yet.
      duplex: 'half',
      ...(signal ? { signal } : {}),
    } as RequestInit);
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new TransferHttpError(codeForStatus(response.status, text), response.status, range.partNumber);
    }
    await response.body?.cancel();
    const etag = response.headers.get('etag');
    if (!etag) {
      throw new PouchError('ERR_STORAGE', 'Storage returned no ETag (is ETag an exposed CORS header?)', {
        details: { partNumber: range.partNumber },
      });
    }
    return etag;
  } finally {
    await handle.close();
  }
}

function codeForStatus(status: number, body: string): 'ERR_STORAGE' | 'ERR_NOT_FOUND' | 'ERR_HASH_MISMATCH' {
  if (status === 404) return 'ERR_NOT_FOUND';
  if (status === 400 && /BadDigest|InvalidDigest|XAmzContentChecksumMismatch/.test(body))
    return 'ERR_HASH_MISMATCH';
  return 'ERR_STORAGE';
}

function isRetryable(error: unknown): boolean {
  if (error instanceof TransferHttpError) return error.retryable;
  if (error instanceof PouchError) {
    return (
      error.code === 'ERR_STORAGE_THROTTLED' ||
      error.code === 'ERR_DEPENDENCY_UNAVAILABLE' ||
      error.code === 'ERR_STORAGE'
    );
  }
  // Network failures (fetch rejects with TypeError) and other unexpected errors: try again.
  return true;
}

function asPouchError(error: unknown, range: PartRange): unknown {
  if (error instanceof PouchError || (error as { name?: string } | null)?.name === 'AbortError') return error;
  return new PouchError('ERR_STORAGE', `Uploading part ${range.partNumber} failed`, {
    cause: error,
    details: { partNumber: range.partNumber },
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * Presigned URLs by part number, fetched in batches of the parts about to go, and fetched again when close
 * to expiry or after a failed attempt.
 */
function createUrlCache(deps: {
  presign: (parts: readonly PartToPresign[]) => Promise<readonly PresignedPart[]>;
  batchSize: number;
  upcoming: () => number[];
  describe: (partNumber: number) => PartToPresign;
}): { get(partNumber: number): Promise<PresignedPart>; forget(partNumber: number): void } {
  const cache = new Map<number, Promise<PresignedPart>>();
  function request(partNumbers: number[]): void {
    const batch = deps.presign(partNumbers.map(deps.describe));
    for (const n of partNumbers) {
      const one = batch.then((list) => {
        const found = list.find((p) => p.partNumber === n);
        if (!found) throw new PouchError('ERR_STORAGE', 'The API presigned a different set of parts');
        return found;
      });
      // Parts fetched ahead may never be awaited (an earlier part failed): keep their rejection handled.
      one.catch(() => undefined);
      cache.set(n, one);
    }
  }
  return {
    async get(partNumber) {
      const cached = cache.get(partNumber);
      if (cached !== undefined) {
        const presigned = await cached;
        if (Date.parse(presigned.expiresAt) - Date.now() > expiryMarginMs) return presigned;
        cache.delete(partNumber);
      }
      const ahead = deps.upcoming().filter((n) => n !== partNumber && !cache.has(n));
      request([partNumber, ...ahead.slice(0, deps.batchSize - 1)]);
      return cache.get(partNumber)!;
    },
    forget(partNumber) {
      cache.delete(partNumber);
    },
  };
}

/**
 * Serialised, coalescing writer of the resume state: at most one write runs at a time, and parts that
 * finish during a write are saved by the next one.
 */
function createStateWriter(
  path: string | undefined,
  snapshot: () => ResumeState,
): { schedule(): void; flush(): Promise<void> } {
  let running: Promise<void> | undefined;
  let dirty = false;
  let error: unknown;
  function schedule(): void {
    if (!path) return;
    dirty = true;
    if (running !== undefined) return;
    running = (async () => {
      while (dirty) {
        dirty = false;
        try {
          await writeResumeState(path, snapshot());
        } catch (e) {
          error ??= e;
        }
      }
      running = undefined;
    })();
  }
  return {
    schedule,
    async flush() {
      while (running !== undefined) await running;
      if (error !== undefined) throw error;
    },
  };
}
