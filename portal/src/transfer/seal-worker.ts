// Portal transfer seal worker: seals ranges of one file's age payload (shared/crypto/age-portable.ts) read
// straight from the file, so the transfer worker can spread ChaCha20-Poly1305 over every core; a range that is
// an upload part is hashed here with Web Crypto's native SHA-256, on bytes already in hand.
import {
  type PayloadSealer,
  plaintextRangeFor,
  sealPayloadRange,
} from '../../../shared/crypto/age-portable.ts';
import type { SealAnswer, SealRequest } from './seal-protocol.ts';

interface WorkerScope {
  postMessage(message: SealAnswer, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<SealRequest>) => void): void;
}
const scope: WorkerScope = globalThis as WorkerScope;

let file: Blob | undefined;
let sealer: PayloadSealer | undefined;
// Ranges are sealed one at a time, in the order they came: the transfer worker bounds how many wait here.
let queue: Promise<void> = Promise.resolve();

async function sealRange(request: Extract<SealRequest, { type: 'range' }>): Promise<void> {
  if (!file || !sealer) throw new Error('range before start');
  const t0 = performance.now();
  const plain = plaintextRangeFor(sealer.prefix.length, file.size, request.start, request.end);
  const plaintext = new Uint8Array(await file.slice(plain.start, plain.end).arrayBuffer());
  const t1 = performance.now();
  const bytes = sealPayloadRange(sealer, file.size, request.start, request.end, plaintext);
  const t2 = performance.now();
  const digest = request.digest ? new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)) : undefined;
  const t3 = performance.now();
  scope.postMessage(
    {
      type: 'sealed',
      index: request.index,
      bytes,
      digest,
      readMs: t1 - t0,
      sealMs: t2 - t1,
      digestMs: t3 - t2,
    },
    [bytes.buffer as ArrayBuffer],
  );
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  if (request.type === 'start') {
    file = request.file;
    sealer = { prefix: request.prefix, payloadKey: request.payloadKey };
    return;
  }
  queue = queue
    .then(() => sealRange(request))
    .catch((error: unknown) => {
      scope.postMessage({
        type: 'failed',
        index: request.index,
        message: error instanceof Error ? error.message : String(error),
      });
    });
});
