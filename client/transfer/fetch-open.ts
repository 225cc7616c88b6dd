// Client transfer engine: `pouch fetch` in one pass. Ranges of a sealed document download in parallel into a
// bounded window in memory (or, to keep the sealed copy, a private spool) while, in order and as they arrive, the
// bytes are hashed (whole file and parts) and opened into a private temp file; the plaintext takes its name only
// after every digest matched. A journal makes the fetch resumable: from the plaintext made durable, sealed again,
// or from the spool's written bytes.
import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { z } from 'zod';
import { MAX_HEADER_BYTES } from '../../shared/crypto/age-header.ts';
import {
  CHUNK_SIZE,
  createResealer,
  openFile,
  openFromReader,
  PARALLEL_MIN_BYTES,
  SEALED_CHUNK_SIZE,
} from '../../shared/crypto/age-native.ts';
import type { PositionalReader } from '../../shared/crypto/file-pipeline.ts';
import { partsDigestOf } from '../../shared/crypto/sealed-digest.ts';
import { isPouchError, PouchError } from '../../shared/domain/errors.ts';
import { hashFileParts, transferChunkBytes } from './hash-file.ts';
import { createStateWriter, isRetryable, type RetryPolicy, sleep } from './part-sender.ts';
import {
  type BodySink,
  IDLE_TIMEOUT_MS,
  otherRange,
  type RangeAnswer,
  socketGet,
  tooLong,
} from './range-get.ts';

export interface FetchOpenOptions {
  /** Presigned GET URL of the sealed object (ranged GETs are sent to it). */
  readonly url: string;
  /** A private folder (0700) for the spool, the journal and the plaintext until it is verified. Same folder, same document: resumes. */
  readonly workDir: string;
  readonly identities: readonly string[];
  /** What the signed manifest says; every one is checked before anything is returned. */
  readonly expected: {
    readonly sealedSize: number;
    /** Hex SHA-256 of the whole sealed file. */
    readonly sealedSha256: string;
    /**
     * Multipart: the parts' composite the exchange confirmed and signed, and the part size. Checked too: the
     * whole-file SHA-256 is only the sender's claim, and a sender and an operator in collusion could make it name
     * other bytes than the ones the exchange signed (docs/transfer.md, "What a fetch checks").
     */
    readonly sealedPartsSha256?: string | undefined;
    readonly partSize?: number | undefined;
    readonly plaintextSha256: string;
    readonly plaintextSize: number;
  };
  /** Bytes per ranged GET (default {@link DEFAULT_RANGE_BYTES}). */
  readonly rangeBytes?: number;
  /** Open on three threads as the ranges arrive (true), or after the download on this thread (false); by size by default. */
  readonly parallel?: boolean;
  /** Ranged GETs in flight at once (default 4). */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /**
   * A fresh URL for the same object, asked for when storage refuses the current one (HTTP 403: a presigned URL
   * lives 5 minutes, a large fetch longer). Without it a 403 fails the fetch (ERR_STORAGE, resumable).
   */
  readonly refreshUrl?: () => Promise<string>;
  /**
   * Keep the verified sealed copy (`sealedPath`): the ranges are then written to a spool as they arrive. Without
   * it, a document large enough for the parallel opener is opened from memory as it arrives and never written
   * sealed (see {@link fetchAndOpen}).
   */
  readonly keepSealed?: boolean;
  /**
   * On the streamed path, the plaintext is made durable each time this many more bytes are written (default
   * {@link PLAINTEXT_SYNC_BYTES}): an interrupted call's head start, so at most this much is opened again.
   */
  readonly plaintextSyncBytes?: number;
  /** A fetch for the ranged GETs instead of node:http(s) (tests inject faults through it). */
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  /** Sealed bytes verified and opened so far. */
  readonly onProgress?: (progress: { bytesDone: number; totalBytes: number }) => void;
  /** Sealed bytes downloaded so far (ahead of, or equal to, the verified ones). */
  readonly onDownloadProgress?: (progress: { bytesDone: number; totalBytes: number }) => void;
}

export interface FetchOpenResult {
  /** The verified plaintext, inside `workDir`: the caller moves it to its name. */
  readonly plaintextPath: string;
  /** The verified sealed copy, inside `workDir`, when it was kept (`keepSealed`, or a small document). */
  readonly sealedPath?: string | undefined;
  /** Ranges this call downloaded, from their start or from where an interrupted earlier call stopped. */
  readonly rangesFetched: number;
  /** Ranges not downloaded: from an earlier call's spool, or sealed again from the plaintext it opened. */
  readonly rangesReused: number;
}

/**
 * Bytes per ranged GET. Measured against the embedded S3 (bench/fetch-stages.ts): 8 MiB ranges four at a time
 * came in at a third of one GET's speed, 32 MiB ranges as fast as it; the opener follows each range byte by
 * byte, so a larger range costs no overlap, and the journal keeps a range's written bytes, so no resumability.
 */
export const DEFAULT_RANGE_BYTES = 32 * 1024 * 1024;
/**
 * Journal a range's partial progress each time this many more of its bytes are written (and always when the
 * call stops). Every 4 MiB was 256 journal writes per GiB, about 90 ms of CPU; a process killed outright now
 * downloads again at most this much per range in flight.
 */
const PARTIAL_JOURNAL_BYTES = 16 * 1024 * 1024;
/**
 * Received bytes of a range are gathered (by the kernel, range-get.ts) in reused buffers of this size, each
 * written to the spool in one positional write: one write per 64 KiB socket read cost the main thread more (in
 * thread-pool hand-offs) than the bytes themselves.
 */
const WRITE_BATCH_BYTES = 1024 * 1024;
/**
 * Batches just written stay in memory, up to this many bytes, for the opener to copy from instead of reading
 * them back from the spool; those furthest ahead of the opener are dropped first (it reads them from the spool).
 * With four ranges in flight the opener finds about a fifth of its bytes here (50 of 256 MiB); the buffers are
 * reused, so the window costs a fixed 8 MiB and no garbage (peak RSS of the bin's fetch: 169 MB at 1 GiB).
 */
const HOT_BYTES = 8 * 1024 * 1024;
/**
 * The plaintext is made durable before it takes its name. Synced only then, its whole writeback (a GiB takes
 * about a second on the development machine's disk) came after the last byte was opened; its writeback now
 * starts each time this many more bytes are written, alongside the download, and the final sync waits for the
 * last stretch only.
 */
const PLAINTEXT_SYNC_BYTES = 32 * 1024 * 1024;
/** Fresh URLs one range may ask for in a row without a byte arriving: a 403 that persists is a refusal. */
const MAX_URL_REFRESHES = 3;

/** The spool path's files in the work folder: the sealed copy and the plaintext opened from it. */
const SPOOL_FILES = { sealed: 'sealed.age', plaintext: 'plain' } as const;
/** The streamed path's plaintext in the work folder: a name this module made, never a path. */
const PLAINTEXT_NAME = /^plain-[0-9a-f]{12}$/;

const journalSchema = z.object({
  version: z.literal(1),
  sealedSize: z.number().int().nonnegative(),
  sealedSha256: z.string(),
  rangeBytes: z.number().int().positive(),
  done: z.array(z.number().int().nonnegative()),
  /** Ranges begun but not finished: range index → bytes written from its start (resumed with a Range GET). */
  partial: z.record(z.string().regex(/^\d+$/), z.number().int().positive()).optional(),
  /**
   * The streamed path's head start: the plaintext file in the work folder (a name this module made, never a
   * path), how many of its first bytes were synced, and the sealed header and nonce (base64) they were opened with.
   */
  opened: z
    .object({
      plaintext: z.string().regex(PLAINTEXT_NAME),
      bytes: z.number().int().positive(),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9+/]*={0,2}$/)
        .max(1_000_000),
    })
    .optional(),
});
type Journal = z.infer<typeof journalSchema>;

/** A storage answer to a ranged GET. */
class RangeHttpError extends PouchError {
  readonly retryable: boolean;
  constructor(status: number, index: number) {
    super(
      status === 404 ? 'ERR_NOT_FOUND' : 'ERR_STORAGE',
      `Storage answered HTTP ${status} for range ${index}`,
      {
        details: { status, range: index },
      },
    );
    this.retryable = status >= 500 || status === 408 || status === 429;
  }
}

/**
 * Download, verify and open a sealed document; the plaintext is returned only once every digest matched.
 * - A document large enough for the parallel opener, unless `keepSealed`, is opened from memory: ranges
 *   download `concurrency` at a time into a bounded window the opener reads in order, and nothing sealed is
 *   written (see {@link fetchStreamed}). An interrupted call keeps the plaintext it made durable, and the next
 *   call with the same `workDir` seals those chunks again instead of downloading them.
 * - Otherwise the ranges are written to a spool as they arrive (see {@link fetchViaSpool}); an interrupted call
 *   keeps the spool, and the next call downloads only the missing bytes.
 * A range that fails is retried with backoff. On a digest or integrity failure everything kept is deleted (the
 * next try downloads afresh) and the error thrown.
 */
export async function fetchAndOpen(options: FetchOpenOptions): Promise<FetchOpenResult> {
  const parallel = options.parallel ?? options.expected.sealedSize >= PARALLEL_MIN_BYTES;
  return parallel && !options.keepSealed ? fetchStreamed(options) : fetchViaSpool(options);
}

/**
 * The spool path: ranges download `concurrency` at a time into the spool, each written as its bytes arrive; the
 * opener follows the contiguous prefix, so the cryptography runs behind the transfer. A journal keeps which
 * ranges (and how much of unfinished ones) the spool holds.
 */
async function fetchViaSpool(options: FetchOpenOptions): Promise<FetchOpenResult> {
  const { expected } = options;
  const size = expected.sealedSize;
  const rangeBytes = Math.max(1, options.rangeBytes ?? DEFAULT_RANGE_BYTES);
  const rangeCount = Math.max(1, Math.ceil(size / rangeBytes));
  const sealedPath = join(options.workDir, SPOOL_FILES.sealed);
  const plaintextPath = join(options.workDir, SPOOL_FILES.plaintext);
  const journalPath = join(options.workDir, 'fetch.json');
  const previous = await readJournal(journalPath);
  const reusable =
    previous !== undefined &&
    previous.sealedSize === size &&
    previous.sealedSha256 === expected.sealedSha256 &&
    previous.rangeBytes === rangeBytes;
  const done = new Set<number>(reusable ? previous.done.filter((i) => i < rangeCount) : []);
  const lengthOf = (index: number): number => Math.min(rangeBytes, size - index * rangeBytes);
  /** Bytes written from the start of each range not yet done (what the opener may read, and a retry skips). */
  const filled = new Map<number, number>();
  for (const [key, bytes] of Object.entries(reusable ? (previous.partial ?? {}) : {})) {
    const index = Number(key);
    if (index < rangeCount && !done.has(index)) filled.set(index, Math.min(bytes, lengthOf(index)));
  }
  // Positional writes: never 'a' (O_APPEND ignores the offset).
  const spool = await open(sealedPath, reusable ? 'r+' : 'w+', 0o600).catch(async (error) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return open(sealedPath, 'w+', 0o600);
  });
  const reused = done.size;
  let downloaded =
    [...done].reduce((n, i) => n + lengthOf(i), 0) + [...filled.values()].reduce((n, b) => n + b, 0);
  const onBytes = (n: number): void => {
    downloaded += n;
    options.onDownloadProgress?.({ bytesDone: downloaded, totalBytes: size });
  };
  const writer = createStateWriter<Journal>(journalPath, writeJournal, () => ({
    version: 1,
    sealedSize: size,
    sealedSha256: expected.sealedSha256,
    rangeBytes,
    done: [...done].sort((a, b) => a - b),
    ...(filled.size > 0
      ? {
          partial: Object.fromEntries(
            [...filled].filter(([, bytes]) => bytes > 0).map(([i, b]) => [String(i), b]),
          ),
        }
      : {}),
  }));

  const ranges = createRangeDownloads(options, { size, rangeBytes }, { done, filled }, onBytes);
  const hot = createHotBatches(HOT_BYTES, WRITE_BATCH_BYTES);
  const onWritten = (index: number, bytes: number): void => {
    const before = filled.get(index) ?? 0;
    ranges.received(index, bytes);
    if (Math.floor((before + bytes) / PARTIAL_JOURNAL_BYTES) > Math.floor(before / PARTIAL_JOURNAL_BYTES)) {
      writer.schedule();
    }
  };
  const queue = Array.from({ length: rangeCount }, (_, i) => i).filter((i) => !done.has(i));
  const fetched = queue.length;
  const downloads = ranges.run(queue, hot, (index) => ({
    store: async (batch, at, length) => {
      for (let written = 0; written < length; ) {
        written += (await spool.write(batch, written, length - written, at + written)).bytesWritten;
      }
      hot.add(at, batch, length);
      onWritten(index, length);
    },
    finished: () => writer.schedule(),
  }));

  /**
   * The spool as the opener reads it: a read waits until the bytes it asks for (up to its range's end) are
   * written and never crosses into the next range, so the three-thread opener (sealed hash and parts on one
   * worker, plaintext hash and writes on another) follows the download as the bytes arrive.
   */
  const reader: PositionalReader = {
    async read(buffer, offset, length, position) {
      if (position >= size) return { bytesRead: 0 };
      const index = Math.floor(position / rangeBytes);
      const start = index * rangeBytes;
      const want = Math.min(position + length, start + lengthOf(index)) - start;
      await ranges.arrived(index, want);
      if (ranges.failure !== undefined) throw ranges.failure;
      const wanted = start + want - position;
      // The opener reads in order: what it asks for now was most often written a moment ago, and is still here.
      const copied = hot.copy(buffer, offset, wanted, position);
      return copied > 0 ? { bytesRead: copied } : spool.read(buffer, offset, wanted, position);
    },
  };
  try {
    const partSha256s: string[] = [];
    let digests: Awaited<ReturnType<typeof openFromReader>>;
    try {
      if (options.parallel ?? size >= PARALLEL_MIN_BYTES) {
        digests = await openFromReader(reader, plaintextPath, options.identities, {
          syncEvery: PLAINTEXT_SYNC_BYTES,
          onProgress: (bytesDone) => options.onProgress?.({ bytesDone, totalBytes: size }),
          ...(expected.partSize
            ? { parts: { size: expected.partSize, onPart: (part) => partSha256s.push(part.sha256) } }
            : {}),
        });
      } else {
        // A small document is not worth two worker threads: download it, then open it on this thread.
        await downloads;
        if (ranges.failure !== undefined) throw ranges.failure;
        digests = await openFile(sealedPath, plaintextPath, options.identities, {
          parallel: false,
          onProgress: (bytesDone) => options.onProgress?.({ bytesDone, totalBytes: size }),
        });
        if (expected.partSize)
          partSha256s.push(...(await hashFileParts(sealedPath, expected.partSize)).partSha256s);
      }
    } catch (error) {
      if (ranges.failure !== undefined || !(isPouchError(error) && error.code.startsWith('ERR_SEAL_')))
        throw error;
      // Bytes that fail to open were most likely altered: finish the download and hash it, so that a copy which
      // is not the one the manifest names is reported as such (ERR_HASH_MISMATCH), and a bad seal as what it is.
      await downloads;
      if (ranges.failure === undefined && (await hashSpool(spool, size)) !== expected.sealedSha256) {
        throw mismatch('sealed SHA-256');
      }
      throw error;
    }
    await downloads;
    if (ranges.failure !== undefined) throw ranges.failure;
    await verifyOpened(expected, digests, partSha256s, plaintextPath);
  } catch (error) {
    ranges.fail(error);
    await downloads;
    hot.clear();
    // The last written bytes of unfinished ranges, so that a resumed call asks only for the rest.
    writer.schedule();
    await writer.flush().catch(() => undefined);
    await spool.close();
    await rm(plaintextPath, { force: true });
    // Bytes that failed verification are never reused; an interrupted download is.
    if (!isInterruption(error, options.signal)) {
      await rm(sealedPath, { force: true });
      await rm(journalPath, { force: true });
    }
    throw error;
  }
  hot.clear();
  await writer.flush();
  await spool.close();
  await rm(journalPath, { force: true });
  return { plaintextPath, sealedPath, rangesFetched: fetched, rangesReused: reused };
}

/** How one ranged GET keeps its batches, and what happens once the range is whole. */
interface RangeStore {
  readonly store: (batch: Buffer, at: number, length: number) => Promise<void> | undefined;
  readonly finished?: () => void;
}

/**
 * The ranged GETs of one fetch, `concurrency` at a time over a queue (each retried by {@link fetchRange}), which
 * bytes of each range have arrived (`done`, and `filled` from a range's start), and the opener's waits for them.
 * The first failure aborts every GET and releases every wait; the opener then throws it.
 */
function createRangeDownloads(
  options: FetchOpenOptions,
  geometry: { readonly size: number; readonly rangeBytes: number },
  state: { readonly done: Set<number>; readonly filled: Map<number, number> },
  onBytes: (n: number) => void,
  onFailure?: () => void,
) {
  const { size, rangeBytes } = geometry;
  const { done, filled } = state;
  const lengthOf = (index: number): number => Math.min(rangeBytes, size - index * rangeBytes);
  const available = (index: number): number => (done.has(index) ? lengthOf(index) : (filled.get(index) ?? 0));
  // The opener waits on one range for a number of its bytes; each arrival in that range wakes it to look again.
  const waiting = new Map<number, { bytes: number; resolve: () => void }[]>();
  let failure: unknown;
  const wake = (index: number): void => {
    const waiters = waiting.get(index);
    if (!waiters) return;
    const have = available(index);
    const still = waiters.filter((w) => failure === undefined && have < w.bytes);
    for (const w of waiters) if (!still.includes(w)) w.resolve();
    if (still.length > 0) waiting.set(index, still);
    else waiting.delete(index);
  };
  const urls = createUrlSource(options.url, options.refreshUrl);
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  const fail = (error: unknown): void => {
    failure ??= error;
    if (!abort.signal.aborted) abort.abort(error);
    for (const index of [...waiting.keys()]) wake(index);
    onFailure?.();
  };
  return {
    lengthOf,
    available,
    fail,
    get failure(): unknown {
      return failure;
    },
    /** Resolves once `bytes` of the range from its start have arrived, or the fetch failed (nothing wakes it then). */
    arrived: (index: number, bytes: number): Promise<void> =>
      failure !== undefined || available(index) >= bytes
        ? Promise.resolve()
        : new Promise<void>((resolve) =>
            waiting.set(index, [...(waiting.get(index) ?? []), { bytes, resolve }]),
          ),
    /** `bytes` more of the range arrived (after those before them): the opener may read them. */
    received(index: number, bytes: number): void {
      filled.set(index, (filled.get(index) ?? 0) + bytes);
      wake(index);
    },
    /** Download the queued ranges; resolves when all are done or the fetch failed (never rejects). */
    run(queue: number[], hot: HotBatches, keep: (index: number) => RangeStore): Promise<void> {
      const worker = async (): Promise<void> => {
        for (;;) {
          const index = queue.shift();
          if (index === undefined || failure !== undefined) return;
          try {
            const { store, finished } = keep(index);
            await fetchRange(options, urls, index, rangeBytes, size, signal, onBytes, {
              from: filled.get(index) ?? 0,
              hot,
              store,
            });
            done.add(index);
            filled.delete(index);
            finished?.();
            wake(index);
          } catch (error) {
            fail(error);
            return;
          }
        }
      };
      const workers = Math.min(Math.max(1, options.concurrency ?? 4), Math.max(1, queue.length));
      return Promise.all(Array.from({ length: workers }, () => worker())).then(() => undefined);
    },
  };
}

function mismatch(field: string): PouchError {
  return new PouchError(
    'ERR_HASH_MISMATCH',
    `The downloaded document's ${field} does not match the manifest`,
    {
      details: { field },
    },
  );
}

/**
 * Every digest the manifest names, against what the opener saw: sealed size and SHA-256, parts, plaintext. Only
 * then is the plaintext made durable, before its caller gives it a name.
 */
async function verifyOpened(
  expected: FetchOpenOptions['expected'],
  digests: Awaited<ReturnType<typeof openFromReader>>,
  partSha256s: readonly string[],
  plaintextPath: string,
): Promise<void> {
  if (digests.sealedSize !== expected.sealedSize) throw mismatch('sealed size');
  if (digests.sealedSha256 !== expected.sealedSha256) throw mismatch('sealed SHA-256');
  if (expected.partSize && expected.sealedPartsSha256 !== undefined) {
    if (partsDigestOf(partSha256s) !== expected.sealedPartsSha256) throw mismatch('parts digest');
  }
  if (
    digests.plaintextSha256 !== expected.plaintextSha256 ||
    digests.plaintextSize !== expected.plaintextSize
  ) {
    throw mismatch('plaintext SHA-256');
  }
  await syncFile(plaintextPath);
}

/**
 * Received bytes the opener has not read yet, at most this many (the range it reads from may go beyond, by
 * a batch at a time, when it has read everything there): ranges further ahead wait, their sockets unread.
 */
export const FETCH_WINDOW_BYTES = 24 * 1024 * 1024;

/** What an interrupted streamed fetch keeps: the plaintext file it named, and how much of it is durable. */
type KeptPlaintext = NonNullable<Journal['opened']>;

/**
 * The streamed path: the ranges' bytes go into a window in memory that the opener reads in order, and are
 * never written sealed. On the 2-core development machine the spool's writes (a second GiB of page cache per
 * GiB fetched, and its writeback) cost more CPU than the rest of the download (bench/transfer.bench.ts).
 * Resuming: the plaintext is synced every {@link PLAINTEXT_SYNC_BYTES} as it is written, and the journal names
 * the file and its durable length with the sealed header. A later call seals those chunks again from that
 * plaintext (the same key and chunk numbers give the same bytes), so the opener hashes the whole sealed file
 * as before, and downloads only from there. A kept plaintext that was altered gives other sealed bytes, which
 * the digests refuse; nothing unverified ever leaves `workDir`.
 */
async function fetchStreamed(options: FetchOpenOptions): Promise<FetchOpenResult> {
  const { expected } = options;
  const size = expected.sealedSize;
  const rangeBytes = Math.max(1, options.rangeBytes ?? DEFAULT_RANGE_BYTES);
  const rangeCount = Math.max(1, Math.ceil(size / rangeBytes));
  const journalPath = join(options.workDir, 'fetch.json');
  const previous = await readJournal(journalPath);
  const kept =
    previous?.sealedSize === size && previous.sealedSha256 === expected.sealedSha256
      ? previous.opened
      : undefined;
  const resumed = kept ? await resumeFromPlaintext(options.workDir, kept, options) : undefined;
  // Every other plaintext goes: one the journal no longer names (it could not serve, the journal was unreadable,
  // or its last write failed) would otherwise stay in the work folder; so does a spool path's (an earlier call
  // with keepSealed, or a fallback, interrupted), which this path never reads.
  for (const entry of await readdir(options.workDir).catch(() => [])) {
    const spooled = entry === SPOOL_FILES.sealed || entry === SPOOL_FILES.plaintext;
    if (spooled || (PLAINTEXT_NAME.test(entry) && !(resumed && entry === kept?.plaintext))) {
      await rm(join(options.workDir, entry), { force: true });
    }
  }
  const plaintextName = `plain-${randomBytes(6).toString('hex')}`;
  const plaintextPath = join(options.workDir, plaintextName);
  /** Sealed bytes before this position come from the kept plaintext, sealed again; the rest is downloaded. */
  const derivedEnd = resumed?.end ?? 0;
  const firstRange = Math.floor(derivedEnd / rangeBytes);
  /** Bytes received of each range from its start, those before `derivedEnd` counted as received. */
  const filled = new Map<number, number>();
  if (derivedEnd > 0 && firstRange < rangeCount) filled.set(firstRange, derivedEnd - firstRange * rangeBytes);
  const done = new Set<number>();
  let downloaded = derivedEnd;
  const onBytes = (n: number): void => {
    downloaded += n;
    options.onDownloadProgress?.({ bytesDone: downloaded, totalBytes: size });
  };
  let opened: KeptPlaintext | undefined = kept && resumed ? kept : undefined;
  let prefix = resumed?.prefix;
  const writer = createStateWriter<Journal>(journalPath, writeJournal, () => ({
    version: 1,
    sealedSize: size,
    sealedSha256: expected.sealedSha256,
    rangeBytes,
    done: [],
    ...(opened ? { opened } : {}),
  }));

  const ranges = createRangeDownloads(options, { size, rangeBytes }, { done, filled }, onBytes, () =>
    recheckRoom(),
  );
  const hot = createHotBatches(Number.POSITIVE_INFINITY, WRITE_BATCH_BYTES);
  /** The next sealed byte the opener reads, and whether it is waiting for it. */
  let readPosition = derivedEnd;
  let readerWaiting = false;
  const roomWaiters: { index: number; resolve: () => void }[] = [];
  // A range may go on while the window has room; the range the opener reads from also when the opener waits
  // on it, so the window never holds it up.
  const hasRoom = (index: number, promised = 0): boolean =>
    ranges.failure !== undefined ||
    hot.held() + promised < FETCH_WINDOW_BYTES ||
    (readerWaiting && index === Math.floor(readPosition / rangeBytes));
  // Waiters go on in the order they came, each with room for the batch it will fill next, so that the window
  // is not overrun by all of them at once (a range that is not waiting may still add the batch it is filling).
  const recheckRoom = (): void => {
    let promised = 0;
    for (let i = 0; i < roomWaiters.length; ) {
      const waiter = roomWaiters[i] as { index: number; resolve: () => void };
      if (hasRoom(waiter.index, promised)) {
        roomWaiters.splice(i, 1);
        promised += WRITE_BATCH_BYTES;
        waiter.resolve();
      } else i++;
    }
  };

  const queue = Array.from({ length: rangeCount - firstRange }, (_, i) => firstRange + i).filter(
    (i) => ranges.lengthOf(i) > (filled.get(i) ?? 0),
  );
  const fetched = queue.length;
  const downloads = ranges.run(queue, hot, (index) => ({
    store: (batch, at, length) => {
      hot.add(at, batch, length);
      ranges.received(index, length);
      if (hasRoom(index)) return undefined;
      return new Promise<void>((resolve) => roomWaiters.push({ index, resolve }));
    },
  }));

  /**
   * The file's first bytes, kept as read: the header parser reads ahead in whole pieces, and the opener then
   * reads the nonce and the payload from where the header ended, behind bytes the window has let go.
   */
  const early = Buffer.alloc(MAX_HEADER_BYTES + 2 * CHUNK_SIZE);
  let earlyFilled = 0;
  /** The sealed file as the opener reads it: sealed again up to `derivedEnd`, then from the window. */
  const reader: PositionalReader = {
    async read(buffer, offset, length, position) {
      if (position >= size) return { bytesRead: 0 };
      if (resumed && position < derivedEnd) {
        return {
          bytesRead: await resumed.read(buffer, offset, Math.min(length, derivedEnd - position), position),
        };
      }
      if (position < earlyFilled) {
        return { bytesRead: early.copy(buffer, offset, position, Math.min(earlyFilled, position + length)) };
      }
      const index = Math.floor(position / rangeBytes);
      const start = index * rangeBytes;
      if (ranges.available(index) <= position - start) {
        readerWaiting = true;
        recheckRoom();
        await ranges.arrived(index, position - start + 1);
        readerWaiting = false;
      }
      if (ranges.failure !== undefined) throw ranges.failure;
      const wanted = Math.min(length, start + ranges.available(index) - position);
      const copied = hot.copy(buffer, offset, wanted, position);
      if (copied === 0) throw new Error(`Sealed bytes at ${position} are not in the window`);
      if (position === earlyFilled && position < early.length) {
        earlyFilled += buffer.copy(
          early,
          position,
          offset,
          offset + Math.min(copied, early.length - position),
        );
      }
      readPosition = position + copied;
      recheckRoom();
      return { bytesRead: copied };
    },
  };
  let openFailed = false;
  try {
    const partSha256s: string[] = [];
    let digests: Awaited<ReturnType<typeof openFromReader>>;
    try {
      digests = await openFromReader(reader, plaintextPath, options.identities, {
        syncEvery: options.plaintextSyncBytes ?? PLAINTEXT_SYNC_BYTES,
        keepOnFailure: true,
        onPrefix: (bytes) => {
          prefix = bytes;
        },
        onSynced: (bytes) => {
          // The journal names whichever kept plaintext is longer: this call's once it passes the earlier one.
          if (prefix === undefined || (opened !== undefined && bytes <= opened.bytes)) return;
          opened = { plaintext: plaintextName, bytes, prefix: prefix.toString('base64') };
          writer.schedule();
        },
        onProgress: (bytesDone) => options.onProgress?.({ bytesDone, totalBytes: size }),
        ...(expected.partSize
          ? { parts: { size: expected.partSize, onPart: (part) => partSha256s.push(part.sha256) } }
          : {}),
      });
    } catch (error) {
      openFailed = ranges.failure === undefined && isPouchError(error) && error.code.startsWith('ERR_SEAL_');
      throw error;
    }
    await downloads;
    if (ranges.failure !== undefined) throw ranges.failure;
    await verifyOpened(expected, digests, partSha256s, plaintextPath);
  } catch (error) {
    ranges.fail(error);
    await downloads;
    hot.clear();
    await resumed?.close();
    if (isInterruption(error, options.signal)) {
      // Keep the plaintext the journal names (its durable bytes are the next call's head start), only it.
      writer.schedule();
      await writer.flush().catch(() => undefined);
      if (opened?.plaintext !== plaintextName) await rm(plaintextPath, { force: true });
      if (resumed && opened?.plaintext !== kept?.plaintext) await rm(resumed.path, { force: true });
    } else {
      // Bytes that failed verification are never reused.
      await rm(plaintextPath, { force: true });
      if (resumed) await rm(resumed.path, { force: true });
      await writer.flush().catch(() => undefined);
      await rm(journalPath, { force: true });
    }
    // Bytes that fail to open were most likely altered, in transit or in storage, and are gone from memory: the
    // document is downloaded afresh to a spool, whose bytes can be hashed if they fail to open too, so that a
    // copy which is not the one the manifest names is reported as such (ERR_HASH_MISMATCH), and a bad seal as
    // what it is. Bytes altered only in transit open the second time.
    if (openFailed) {
      // The spool only served to tell the two apart: no sealed copy was asked for, so none is left behind.
      const { sealedPath, ...again } = await fetchViaSpool(options);
      if (sealedPath !== undefined) await rm(sealedPath, { force: true });
      return again;
    }
    throw error;
  }
  hot.clear();
  await resumed?.close();
  if (resumed) await rm(resumed.path, { force: true });
  await writer.flush();
  await rm(journalPath, { force: true });
  return { plaintextPath, rangesFetched: fetched, rangesReused: rangeCount - fetched };
}

/** The kept plaintext of an interrupted streamed fetch, as sealed bytes (see {@link fetchStreamed}). */
interface ResumedPlaintext {
  readonly path: string;
  readonly prefix: Buffer;
  /** Sealed bytes [0, end) can be made again: the prefix, then whole chunks that are not the last. */
  readonly end: number;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Open what an interrupted call kept, or undefined when it cannot serve (gone, shorter than the journal says, a
 * header these identities cannot open): the call then downloads from the start.
 */
async function resumeFromPlaintext(
  workDir: string,
  kept: KeptPlaintext,
  options: FetchOpenOptions,
): Promise<ResumedPlaintext | undefined> {
  const prefix = Buffer.from(kept.prefix, 'base64');
  const resealer = await createResealer(prefix, options.identities).catch(() => undefined);
  // Only whole chunks, and never the payload's last one (it carries the last-chunk flag).
  const lastChunk = Math.floor(Math.max(0, options.expected.plaintextSize - 1) / CHUNK_SIZE);
  const chunks = Math.min(Math.floor(kept.bytes / CHUNK_SIZE), lastChunk);
  if (!resealer || chunks === 0) return undefined;
  const end = resealer.prefixLength + chunks * SEALED_CHUNK_SIZE;
  if (end > options.expected.sealedSize) return undefined;
  const path = join(workDir, kept.plaintext);
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  if ((await handle.stat()).size < chunks * CHUNK_SIZE) {
    await handle.close();
    return undefined;
  }
  const plain = Buffer.allocUnsafe(CHUNK_SIZE);
  let cached: { index: number; sealed: Buffer } | undefined;
  return {
    path,
    prefix,
    end,
    async read(buffer, offset, length, position) {
      if (position < resealer.prefixLength) {
        return prefix.copy(buffer, offset, position, Math.min(resealer.prefixLength, position + length));
      }
      const index = Math.floor((position - resealer.prefixLength) / SEALED_CHUNK_SIZE);
      const within = position - resealer.prefixLength - index * SEALED_CHUNK_SIZE;
      if (cached?.index !== index) {
        const { bytesRead } = await handle.read(plain, 0, CHUNK_SIZE, index * CHUNK_SIZE);
        if (bytesRead !== CHUNK_SIZE) throw mismatch('kept plaintext');
        cached = { index, sealed: resealer.seal(plain, index) };
      }
      return cached.sealed.copy(buffer, offset, within, Math.min(SEALED_CHUNK_SIZE, within + length));
    },
    close: () => handle.close(),
  };
}

type RangeGet = (
  url: string,
  range: string,
  index: number,
  sink: BodySink,
  signal: AbortSignal,
) => Promise<RangeAnswer>;

/** Ranged GETs on their own sockets, each body read straight into the batches (range-get.ts). */
const socketRangeGet: RangeGet = (url, range, index, sink, signal) =>
  socketGet(url, range, index, sink, signal, () => nodeGet(url, range, index, sink, signal));

/**
 * Ranged GETs on node:http: only for a body sent in chunks (range-get.ts reads the others). A fetch body, read
 * through its web stream, came in at a fifth of the speed of the same bytes read from an IncomingMessage.
 */
function nodeGet(
  url: string,
  range: string,
  index: number,
  sink: BodySink,
  signal: AbortSignal,
): Promise<RangeAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, { method: 'GET', headers: { range }, signal }, (response) => {
      const other =
        response.statusCode === 206 ? otherRange(range, response.headers['content-range']) : undefined;
      if (other) {
        response.destroy();
        reject(other);
        return;
      }
      resolve({
        status: response.statusCode ?? 0,
        readBody: (length) => readChunksInto(response, sink, length, index),
        cancel: () => response.destroy(),
      });
    });
    request.on('error', reject);
    // As on range-get.ts's sockets: storage that stops sending fails the GET (retried) instead of holding it.
    request.setTimeout(IDLE_TIMEOUT_MS, () =>
      request.destroy(
        new PouchError('ERR_STORAGE', 'Storage sent nothing for too long', { details: { range: index } }),
      ),
    );
    request.end();
  });
}

/** Ranged GETs through a fetch (tests inject faults through it). */
function viaFetch(fetchImpl: typeof fetch): RangeGet {
  return async (url, range, index, sink, signal) => {
    const response = await fetchImpl(url, { headers: { range }, signal });
    const body = response.body;
    return {
      status: response.status,
      readBody: (length) =>
        body ? readChunksInto(readChunks(body), sink, length, index) : Promise.resolve(),
      cancel: () => void body?.cancel().catch(() => undefined),
    };
  };
}

/** Copy a body's chunks into the sink, refusing one longer than `length` before its excess is copied. */
async function readChunksInto(
  chunks: AsyncIterable<Uint8Array>,
  sink: BodySink,
  length: number,
  index: number,
): Promise<void> {
  let received = 0;
  for await (const value of chunks) {
    if (received + value.length > length) throw tooLong(index);
    for (let offset = 0; offset < value.length; ) {
      const room = sink.space(value.length - offset);
      const n = Math.min(room.length, value.length - offset);
      room.set(value.subarray(offset, offset + n));
      offset += n;
      received += n;
      await sink.took(n);
    }
  }
}

async function* readChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The buffers received bytes are gathered in, and the batches kept after their write for the opener to copy
 * from. Buffers are reused: each socket read is copied once into a batch and dies young, so the collector frees
 * it in a scavenge. Kept for the length of a write, the socket's own buffers reached the old generation, and
 * freeing them took full collections of the heap (a third of the main thread's time in bench/fetch-stages.ts).
 */
export interface HotBatches {
  /** A buffer of the batch size for the next received bytes: one given back earlier, or a new one. */
  take(): Buffer;
  /** The first `length` bytes of `buffer` are written to the spool at `at`: keep them for the opener. */
  add(at: number, buffer: Buffer, length: number): void;
  /** A buffer whose bytes are not worth keeping (its write failed). */
  give(buffer: Buffer): void;
  /** Copy up to `length` bytes at `position` from one kept batch; 0 when none holds that position. */
  copy(target: Buffer, offset: number, length: number, position: number): number;
  /** Bytes kept now. */
  held(): number;
  clear(): void;
}

export function createHotBatches(limit: number, batchBytes: number): HotBatches {
  let batches: { at: number; bytes: Buffer; length: number }[] = [];
  let held = 0;
  /**
   * Buffers ready for reuse, all of them: one is made only when none is free, so there are never more than the
   * most ever in use at once (the kept batches, and two per range in flight). One left to the collector instead
   * was freed only by a full collection, which V8 holds off until tens of MB of such memory pile up: the longer
   * the fetch, the higher that pile could reach (peak RSS rose from 1 to 4 GiB).
   */
  const free: Buffer[] = [];
  /** Everything before this position was read: the opener never reads backwards. */
  let consumed = 0;
  const give = (buffer: Buffer): void => {
    if (!free.includes(buffer)) free.push(buffer);
  };
  return {
    take: () => free.pop() ?? Buffer.allocUnsafeSlow(batchBytes),
    give,
    add(at, bytes, length) {
      if (at + length <= consumed) {
        give(bytes);
        return;
      }
      batches.push({ at, bytes, length });
      held += length;
      // Over the limit, drop what the opener needs last: it reads those from the spool when it gets there.
      while (held > limit) {
        let last = 0;
        for (let i = 1; i < batches.length; i++) {
          if ((batches[i]?.at ?? 0) > (batches[last]?.at ?? 0)) last = i;
        }
        const [dropped] = batches.splice(last, 1);
        if (dropped) {
          held -= dropped.length;
          give(dropped.bytes);
        }
      }
    },
    copy(target, offset, length, position) {
      const batch = batches.find((b) => b.at <= position && position < b.at + b.length);
      if (!batch) return 0;
      const n = batch.bytes.copy(
        target,
        offset,
        position - batch.at,
        Math.min(batch.length, position - batch.at + length),
      );
      consumed = position + n;
      if (batches.some((b) => b.at + b.length <= consumed)) {
        const kept: typeof batches = [];
        for (const b of batches) {
          if (b.at + b.length > consumed) kept.push(b);
          else {
            held -= b.length;
            give(b.bytes);
          }
        }
        batches = kept;
      }
      return n;
    },
    held: () => held,
    clear() {
      batches = [];
      held = 0;
      free.length = 0;
    },
  };
}

/** SHA-256 (hex) of the whole spool: only after a failed open, to tell altered bytes from a bad seal. */
async function hashSpool(spool: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const piece = Buffer.allocUnsafe(transferChunkBytes);
  for (let position = 0; position < size; ) {
    const { bytesRead } = await spool.read(piece, 0, Math.min(piece.length, size - position), position);
    if (bytesRead === 0) break;
    hash.update(piece.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}

/** Make the verified plaintext durable before it takes its name. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A failure that leaves good bytes behind (an abort, or storage that stayed unreachable): worth resuming. */
export function isInterruption(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  if (error instanceof PouchError) {
    return error.code === 'ERR_STORAGE' || error.code === 'ERR_DEPENDENCY_UNAVAILABLE';
  }
  return !(error instanceof PouchError);
}

/** The current presigned URL, and one shared refresh when storage refuses it (all ranges wait for the same). */
interface UrlSource {
  current(): string;
  /** A fresh URL unless `stale` was already replaced; undefined when there is no way to refresh. */
  refresh(stale: string): Promise<string | undefined>;
}

function createUrlSource(first: string, refresh: (() => Promise<string>) | undefined): UrlSource {
  let url = first;
  let pending: Promise<string> | undefined;
  return {
    current: () => url,
    async refresh(stale) {
      if (!refresh) return undefined;
      if (stale !== url) return url;
      pending ??= refresh().finally(() => {
        pending = undefined;
      });
      url = await pending;
      return url;
    },
  };
}

/**
 * GET one range with retries, writing its bytes into the spool at their offset as they arrive. `from` bytes of
 * the range are already in the spool (an earlier call or attempt wrote them): the GET asks only for the rest.
 */
async function fetchRange(
  options: FetchOpenOptions,
  urls: UrlSource,
  index: number,
  rangeBytes: number,
  size: number,
  signal: AbortSignal,
  onBytes: (n: number) => void,
  progress: {
    from: number;
    /** Where received bytes are gathered (one batch at a time). */
    hot: HotBatches;
    /**
     * Keep a full batch (its first `length` bytes belong at `at`), which it then owns: written to the spool, or
     * held for the opener. A promise holds the range's next bytes until it settles; a rejection gives it back.
     */
    store: (batch: Buffer, at: number, length: number) => Promise<void> | undefined;
  },
): Promise<void> {
  const get = options.fetch ? viaFetch(options.fetch) : socketRangeGet;
  const attempts = Math.max(1, options.retry?.attempts ?? 4);
  const baseDelayMs = options.retry?.baseDelayMs ?? 250;
  const maxDelayMs = options.retry?.maxDelayMs ?? 8000;
  const end = Math.min(size, (index + 1) * rangeBytes);
  let start = index * rangeBytes + progress.from;
  let refreshes = 0;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    try {
      if (end === start) return;
      const url = urls.current();
      let position = start;
      let batch: Buffer | undefined;
      let filled = 0;
      /** The batch write under way: a retry waits for it, as the range's next bytes start where it ends. */
      let writing: Promise<void> | undefined;
      const write = async (): Promise<void> => {
        if (batch === undefined || filled === 0) return;
        const bytes = batch;
        const at = start;
        const length = filled;
        batch = undefined;
        filled = 0;
        try {
          await progress.store(bytes, at, length);
        } catch (error) {
          progress.hot.give(bytes);
          throw error;
        }
        // Kept bytes stay kept: a retry (or a later call, through the journal) asks for the rest only.
        start = at + length;
        refreshes = 0;
        onBytes(length);
      };
      const flush = (): Promise<void> => {
        writing = write();
        return writing;
      };
      // Received bytes go into the current batch; a full one is written while the next fills.
      const sink: BodySink = {
        space(limit) {
          batch ??= progress.hot.take();
          return batch.subarray(filled, Math.min(batch.length, filled + limit));
        },
        took(n) {
          filled += n;
          position += n;
          return batch !== undefined && filled === batch.length ? flush() : undefined;
        },
      };
      try {
        const response = await get(url, `bytes=${start}-${end - 1}`, index, sink, signal);
        if (response.status === 403 && refreshes < MAX_URL_REFRESHES) {
          // An expired presigned URL: ask the exchange for a fresh one and go on, without spending an attempt.
          response.cancel();
          if ((await urls.refresh(url)) !== undefined) {
            refreshes++;
            attempt--;
            continue;
          }
          throw new RangeHttpError(response.status, index);
        }
        if (response.status !== 206 && !(response.status === 200 && start === 0 && end === size)) {
          response.cancel();
          if (response.status === 200 || response.status === 416) {
            throw new PouchError('ERR_HASH_MISMATCH', 'Storage holds another size than the manifest says', {
              details: { status: response.status, range: index },
            });
          }
          throw new RangeHttpError(response.status, index);
        }
        let finished = false;
        try {
          await response.readBody(end - start);
          await writing;
          await flush();
          finished = true;
        } finally {
          // A body read to its end releases its connection; one left unread is released here.
          if (!finished) {
            response.cancel();
            // What arrived before the failure is as good as what was written: keep it, so a retry skips it.
            await writing?.catch(() => undefined);
            await flush().catch(() => undefined);
          }
        }
      } finally {
        if (batch !== undefined) progress.hot.give(batch);
      }
      if (position !== end)
        throw new PouchError('ERR_STORAGE', 'The range ended early', { details: { range: index } });
      return;
    } catch (error) {
      const retry = error instanceof RangeHttpError ? error.retryable : isRetryable(error);
      if (
        signal.aborted ||
        !retry ||
        attempt >= attempts ||
        (error instanceof PouchError && error.code === 'ERR_HASH_MISMATCH')
      ) {
        throw error instanceof PouchError || (error as { name?: string }).name === 'AbortError'
          ? error
          : new PouchError('ERR_STORAGE', `Downloading range ${index} failed`, {
              cause: error,
              details: { range: index },
            });
      }
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(delay / 2 + Math.random() * (delay / 2), signal);
    }
  }
}

async function readJournal(path: string): Promise<Journal | undefined> {
  try {
    const parsed = journalSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function writeJournal(path: string, journal: Journal): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(journal)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
