// Client transfer engine: sends one part (or a single PUT) to its presigned URL with bounded, jittered retries,
// streaming it from a file on disk. Shared by uploadFile (a sealed file) and sealAndUpload (parts as they seal).
import { channel } from 'node:diagnostics_channel';
import { type FileHandle, open } from 'node:fs/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { PartToPresign, PresignedPart } from '../../shared/api/exchange.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { PartRange } from '../../shared/domain/upload-plan.ts';
import { transferChunkBytes } from './hash-file.ts';

/**
 * Where a send's time goes, for bench/send-timeline.ts: `{ event, partNumber?, at }` as parts are sealed, wait
 * for the seal or a URL, go and are stored. Costs nothing unless something subscribes.
 */
export const sendTrace = channel('pouch:send');

export function trace(event: string, partNumber?: number): void {
  if (sendTrace.hasSubscribers) sendTrace.publish({ event, partNumber, at: performance.now() });
}

/** Retries of one part. */
export interface RetryPolicy {
  /** Tries per part, including the first (default 4). */
  readonly attempts?: number;
  /** First backoff in ms, doubled per try with jitter (default 250). */
  readonly baseDelayMs?: number;
  /** Longest backoff in ms (default 8000). */
  readonly maxDelayMs?: number;
}

/**
 * A sender of parts read from `path`: presigned URLs come from `urls` (asked again after a failed try),
 * each failure that may pass is retried with exponential backoff, and anything else is thrown at once.
 * `onBytes` reports bytes handed to the network; `onRetry` a part whose try failed (its bytes start over).
 */
export function createPartSender(deps: {
  readonly path: string;
  readonly urls: { get(partNumber: number): Promise<PresignedPart>; forget(partNumber: number): void };
  readonly fetch?: typeof fetch | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onBytes?: ((partNumber: number, bytes: number) => void) | undefined;
  readonly onRetry?: ((partNumber: number) => void) | undefined;
}): (range: PartRange) => Promise<string> {
  // node:http unless a fetch was injected (as an option, or by replacing the global one, as tests and embedders
  // do to inject faults): undici's stream bodies cost a copy and a promise per chunk on the way out.
  const fetchImpl = deps.fetch ?? (globalThis.fetch === originalFetch ? undefined : globalThis.fetch);
  const attempts = Math.max(1, deps.retry?.attempts ?? 4);
  const baseDelayMs = deps.retry?.baseDelayMs ?? 250;
  const maxDelayMs = deps.retry?.maxDelayMs ?? 8000;
  const { signal } = deps;
  return async function sendPart(range) {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        trace('url-wait', range.partNumber);
        const presigned = await deps.urls.get(range.partNumber);
        trace('url-got', range.partNumber);
        const onBytes = (n: number): void => deps.onBytes?.(range.partNumber, n);
        return fetchImpl
          ? await putRange(fetchImpl, presigned, deps.path, range, signal, onBytes)
          : await putRangeNode(presigned, deps.path, range, signal, onBytes);
      } catch (error) {
        deps.onRetry?.(range.partNumber);
        deps.urls.forget(range.partNumber);
        if (signal?.aborted || !isRetryable(error) || attempt >= attempts) throw asPouchError(error, range);
        const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        await sleep(delay / 2 + Math.random() * (delay / 2), signal);
      }
    }
  };
}

/** A presigned URL this close to expiry is not used for a new request. */
const expiryMarginMs = 30_000;

/** A storage answer with its retry verdict. */
export class TransferHttpError extends PouchError {
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

/** The global fetch as this module found it: a replaced one means someone injects faults through it. */
const originalFetch = globalThis.fetch;

/**
 * PUT one byte range to its presigned URL on node:http(s), streaming it from disk through two reused 1 MiB
 * buffers (no web-stream copies). Resolves the ETag; answers and failures as {@link putRange}.
 */
export async function putRangeNode(
  presigned: PresignedPart,
  path: string,
  range: PartRange,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const target = new URL(presigned.url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = send(target, {
        method: 'PUT',
        // Sealed bytes are opaque; storage needs the length (never chunked encoding).
        headers: {
          'content-type': 'application/octet-stream',
          ...presigned.headers,
          'content-length': String(range.size),
        },
        ...(signal ? { signal } : {}),
      });
      request.on('response', (response) => {
        trace('put-response', range.partNumber);
        resolve(response);
      });
      request.on('error', reject);
      if (range.size === 0) {
        request.end();
        return;
      }
      streamRange(handle, range, request, onBytes).catch((error: unknown) => request.destroy(asError(error)));
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = Buffer.concat(chunks).toString('utf8');
      throw new TransferHttpError(codeForStatus(status, text), status, range.partNumber);
    }
    const etag = response.headers.etag;
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

/**
 * Write a range of the file into a request through two buffers used in turn: one is read while the other is
 * being written, and a buffer is read into again only once its write has reached the socket. A read stream gave
 * each MiB a buffer of its own; with the sealing on worker threads the main thread makes little other garbage,
 * so nothing collected those dead buffers until tens of megabytes of them had piled up (bench/transfer-rss.bench.ts).
 */
async function streamRange(
  handle: FileHandle,
  range: PartRange,
  request: ClientRequest,
  onBytes: (n: number) => void,
): Promise<void> {
  const buffers = [0, 1].map(() => Buffer.allocUnsafe(Math.min(transferChunkBytes, range.size)));
  const written: Array<Promise<void> | undefined> = [undefined, undefined];
  let position = range.start;
  let stopped = false;
  trace('put-body-start', range.partNumber);
  for (let turn = 0; position < range.end; turn = 1 - turn) {
    await written[turn];
    if (stopped) return;
    const buffer = buffers[turn] as Buffer;
    const want = Math.min(buffer.length, range.end - position);
    const { bytesRead } = await handle.read(buffer, 0, want, position);
    if (bytesRead === 0) throw new PouchError('ERR_CONFLICT', 'The file got shorter');
    position += bytesRead;
    onBytes(bytesRead);
    if (request.destroyed) return;
    // A write that fails stops the body; node:http itself reports what matters (storage's answer if one came,
    // else the request's 'error'), as it does for a piped body.
    let flowing = true;
    written[turn] = new Promise<void>((resolve) => {
      flowing = request.write(buffer.subarray(0, bytesRead), (error) => {
        if (error) stopped = true;
        resolve();
      });
    });
    // Backpressure as a pipe keeps it: no next read until the socket has taken this one.
    if (!flowing) await written[turn];
  }
  await Promise.all(written);
  trace('put-body-sent', range.partNumber);
  if (!stopped) request.end();
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** PUT one byte range to its presigned URL, streaming it from disk. Resolves the ETag. */
export async function putRange(
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

export function isRetryable(error: unknown): boolean {
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

export function asPouchError(error: unknown, range: PartRange): unknown {
  if (error instanceof PouchError || (error as { name?: string } | null)?.name === 'AbortError') return error;
  return new PouchError('ERR_STORAGE', `Uploading part ${range.partNumber} failed`, {
    cause: error,
    details: { partNumber: range.partNumber },
  });
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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
export function createUrlCache(deps: {
  presign: (parts: readonly PartToPresign[]) => Promise<readonly PresignedPart[]>;
  batchSize: number;
  upcoming: () => number[];
  describe: (partNumber: number) => PartToPresign;
}): { get(partNumber: number): Promise<PresignedPart>; forget(partNumber: number): void; warm(): void } {
  const cache = new Map<number, Promise<PresignedPart>>();
  let warming = false;
  /**
   * Presign the next parts to go that are not asked for yet, one request at a time, before a sender needs them:
   * a sender that waits for its URL when its turn comes costs a round trip to the API (the senders waited about
   * 2–2.7 s in all per 256 MiB on the 2-core machine). Looks two batches ahead at most, so URLs do not expire
   * waiting. Stops at the first failure: `get` then asks again for its own part.
   */
  function warm(): void {
    if (warming) return;
    const wanted = deps
      .upcoming()
      .slice(0, 2 * deps.batchSize)
      .filter((n) => !cache.has(n))
      .slice(0, deps.batchSize);
    const first = wanted[0];
    if (first === undefined) return;
    warming = true;
    request(wanted);
    (cache.get(first) as Promise<PresignedPart>).then(
      () => {
        warming = false;
        warm();
      },
      () => undefined,
    );
  }
  function request(partNumbers: number[]): void {
    trace('presign-start', partNumbers[0]);
    const batch = deps.presign(partNumbers.map(deps.describe));
    batch.then(
      () => trace('presign-end', partNumbers[0]),
      () => undefined,
    );
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
    warm,
  };
}

/**
 * Serialised, coalescing writer of the resume state: at most one write runs at a time, and parts that
 * finish during a write are saved by the next one.
 */
export function createStateWriter<S>(
  path: string | undefined,
  write: (path: string, state: S) => Promise<void>,
  snapshot: () => S,
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
          await write(path, snapshot());
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
