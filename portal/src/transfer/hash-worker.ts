// Portal transfer hash worker: SHA-256 of one stream, whole and per part, with the same part loop as everywhere
// (shared/crypto/part-hasher-web.ts), in its own thread so that hashing runs beside age's sealing instead of
// after it. Each chunk is acknowledged once hashed, so the sender can bound what waits in this queue. A file
// (Blob) is read here directly, one slice ahead of the hashing, so its bytes never pass through another thread.

import type { PartHasherOf } from '../../../shared/crypto/part-hasher-core.ts';
import { createWebPartHasher } from '../../../shared/crypto/part-hasher-web.ts';
import type { HashAnswer, HashRequest } from './hash-protocol.ts';

interface WorkerScope {
  postMessage(message: HashAnswer): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HashRequest>) => void): void;
}
const scope: WorkerScope = globalThis as WorkerScope;

let hasher: PartHasherOf<Uint8Array> | undefined;

/** Large slices: few reads, each hashed while the next one is read. */
const BLOB_SLICE_BYTES = 4 * 1024 * 1024;

async function hashBlob(blob: Blob, into: PartHasherOf<Uint8Array>): Promise<void> {
  const read = (at: number) =>
    blob
      .slice(at, Math.min(blob.size, at + BLOB_SLICE_BYTES))
      .arrayBuffer()
      .then((buffer) => new Uint8Array(buffer));
  let pending = blob.size > 0 ? read(0) : undefined;
  for (let at = 0; pending; ) {
    const slice = await pending;
    at += slice.length;
    pending = at < blob.size ? read(at) : undefined;
    into.update(slice);
  }
}

function answerDigest(): void {
  if (!hasher) throw new Error('digest before start');
  const digests = hasher.digest();
  hasher = undefined;
  scope.postMessage({ type: 'digest', size: digests.size, parts: digests.parts, whole: digests.whole });
}

function answerFailure(error: unknown): void {
  scope.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  try {
    if (request.type === 'start') {
      hasher = createWebPartHasher(request.partSize, { whole: true });
    } else if (request.type === 'chunk') {
      hasher?.update(request.chunk);
      scope.postMessage({ type: 'ack', bytes: request.chunk.length });
    } else if (request.type === 'blob') {
      if (!hasher) throw new Error('blob before start');
      hashBlob(request.blob, hasher).then(answerDigest).catch(answerFailure);
    } else {
      answerDigest();
    }
  } catch (error) {
    answerFailure(error);
  }
});
