// Portal transfer hash worker: SHA-256 of one stream, whole and per part, with the same part loop as everywhere
// (shared/crypto/part-hasher-web.ts), in its own thread so that hashing runs beside age's sealing instead of
// after it. Each chunk is acknowledged once hashed, so the sender can bound what waits in this queue.

import type { PartHasherOf } from '../../../shared/crypto/part-hasher-core.ts';
import { createWebPartHasher } from '../../../shared/crypto/part-hasher-web.ts';
import type { HashAnswer, HashRequest } from './hash-protocol.ts';

interface WorkerScope {
  postMessage(message: HashAnswer): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HashRequest>) => void): void;
}
const scope: WorkerScope = globalThis as WorkerScope;

let hasher: PartHasherOf<Uint8Array> | undefined;

scope.addEventListener('message', (event) => {
  const request = event.data;
  try {
    if (request.type === 'start') {
      hasher = createWebPartHasher(request.partSize, { whole: true });
    } else if (request.type === 'chunk') {
      hasher?.update(request.chunk);
      scope.postMessage({ type: 'ack', bytes: request.chunk.length });
    } else {
      if (!hasher) throw new Error('digest before start');
      const digests = hasher.digest();
      hasher = undefined;
      scope.postMessage({ type: 'digest', size: digests.size, parts: digests.parts, whole: digests.whole });
    }
  } catch (error) {
    scope.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
});
