// Portal transfer: the page's side of the transfer worker (promises and progress), the upload of a sealed file
// from the origin-private file system straight to storage through presigned URLs, and the saved result of a
// verified download.
import type { PresignedPart } from '../../../shared/api/exchange.ts';
import { PouchError, type PouchErrorCode } from '../../../shared/domain/errors.ts';
import type { ExpectedDocument, SealedDigests, TransferEvent, TransferRequest } from './transfer-protocol.ts';

export type ProgressListener = (
  stage: 'seal' | 'download' | 'open' | 'upload',
  done: number,
  total: number,
) => void;

type Pending = {
  resolve: (value: TransferEvent) => void;
  reject: (error: unknown) => void;
  progress?: ProgressListener;
};

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function transferWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./transfer-worker.ts', import.meta.url), {
    type: 'module',
    name: 'pouch-transfer',
  });
  worker.addEventListener('message', (event: MessageEvent<TransferEvent>) => {
    const message = event.data;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    if (message.type === 'progress') {
      waiting.progress?.(message.stage, message.done, message.total);
      return;
    }
    pending.delete(message.id);
    if (message.type === 'failed') {
      waiting.reject(new PouchError(message.code as PouchErrorCode, message.message));
    } else {
      waiting.resolve(message);
    }
  });
  return worker;
}

type RequestBody = TransferRequest extends infer R
  ? R extends TransferRequest
    ? Omit<R, 'id'>
    : never
  : never;

function send(request: RequestBody, progress?: ProgressListener): Promise<TransferEvent> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, ...(progress ? { progress } : {}) });
    transferWorker().postMessage({ ...request, id });
  });
}

/** Seal a file (or generated text) for `recipients` into OPFS file `target`, in the worker. */
export async function sealInWorker(
  file: Blob,
  recipients: readonly string[],
  target: string,
  progress?: ProgressListener,
): Promise<SealedDigests> {
  const answer = await send({ type: 'seal', file, recipients, target }, progress);
  if (answer.type !== 'sealed')
    throw new PouchError('ERR_INTERNAL', 'Unexpected answer from the transfer worker');
  return answer.digests;
}

/** Download, verify and open one document in the worker; resolves once both digests matched. */
export async function fetchInWorker(
  url: string,
  expected: ExpectedDocument,
  identity: CryptoKey,
  targets: { sealed: string; opened: string },
  progress?: ProgressListener,
): Promise<void> {
  await send(
    { type: 'fetch', url, expected, identity, sealedTarget: targets.sealed, openedTarget: targets.opened },
    progress,
  );
}

/** A file of the origin-private file system, as a Blob (read lazily, never whole in memory). */
export async function readPrivateFile(name: string): Promise<File> {
  const root = await navigator.storage.getDirectory();
  return (await root.getFileHandle(name)).getFile();
}

export async function removePrivateFile(name: string): Promise<void> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(name).catch(() => undefined);
}

/** How parts go up: a few at a time, each retried with backoff when it fails or stalls. */
export const uploadPolicy = {
  concurrency: 4,
  attempts: 5,
  /** Backoff before attempt n+1: base · 2^(n-1), with jitter. */
  backoffBaseMs: 400,
  /** A part that has not finished in this time (plus time for its size at a slow link) is abandoned and retried. */
  stallMs: 30_000,
  slowestBytesPerSecond: 256 * 1024,
} as const;

export interface UploadOptions {
  readonly progress?: ProgressListener;
  /** Called as each part lands (the journal records it, so a reload skips it). */
  readonly onStored?: (part: { partNumber: number; etag: string }) => Promise<void> | void;
  /** Bytes of the file already in storage before this call (for the progress bar). */
  readonly alreadyStored?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One PUT of one part, retried with backoff on a network failure, a stall, or a 5xx/429 from storage. */
async function putPart(body: Blob, part: PresignedPart): Promise<string> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= uploadPolicy.attempts; attempt++) {
    if (attempt > 1) {
      const backoff = uploadPolicy.backoffBaseMs * 2 ** (attempt - 2);
      await sleep(backoff / 2 + Math.random() * backoff);
    }
    const limit = uploadPolicy.stallMs + (body.size / uploadPolicy.slowestBytesPerSecond) * 1000;
    let response: Response;
    try {
      response = await fetch(part.url, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', ...part.headers },
        body,
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        signal: AbortSignal.timeout(limit),
      });
    } catch (error) {
      lastError = error;
      continue;
    }
    if (response.ok) {
      const etag = response.headers.get('etag');
      if (!etag) throw new PouchError('ERR_DEPENDENCY_UNAVAILABLE', 'Storage answered without an ETag');
      return etag;
    }
    lastError = new PouchError(
      'ERR_DEPENDENCY_UNAVAILABLE',
      `Storage refused part ${part.partNumber} (HTTP ${response.status})`,
    );
    // A 4xx other than throttling will not change on a retry (a wrong checksum, an expired URL).
    if (response.status < 500 && response.status !== 429 && response.status !== 408) break;
  }
  if (lastError instanceof PouchError) throw lastError;
  throw new PouchError(
    'ERR_DEPENDENCY_UNAVAILABLE',
    `Storage could not be reached for part ${part.partNumber} after ${uploadPolicy.attempts} attempts`,
    { cause: lastError },
  );
}

/**
 * PUT each presigned part of a sealed OPFS file straight to storage, with the signed headers exactly as given,
 * a few at a time, each retried on failure. Resolves to the parts with their ETags, for the commit.
 */
export async function uploadParts(
  file: Blob,
  urls: readonly PresignedPart[],
  partSize: number,
  options: UploadOptions = {},
): Promise<Array<{ partNumber: number; etag: string }>> {
  const parts: Array<{ partNumber: number; etag: string }> = [];
  let done = options.alreadyStored ?? 0;
  let next = 0;
  let failed = false;
  const worker = async () => {
    for (;;) {
      const part = failed ? undefined : urls[next++];
      if (!part) return;
      const start = (part.partNumber - 1) * partSize;
      const body = file.slice(start, Math.min(file.size, start + partSize));
      const etag = await putPart(body, part).catch((error: unknown) => {
        failed = true;
        throw error;
      });
      parts.push({ partNumber: part.partNumber, etag });
      await options.onStored?.({ partNumber: part.partNumber, etag });
      done += body.size;
      options.progress?.('upload', done, file.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(uploadPolicy.concurrency, urls.length) }, worker));
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}
