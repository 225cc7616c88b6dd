// Portal transfer: a part hasher (shared/crypto/part-hasher-core.ts contract) whose work runs in a hash worker,
// used by the transfer worker to hash the sealed bytes on another core while it seals, and `hashBlob`, which
// hashes a whole file (the plaintext, an annex) in a hash worker that reads it itself. At most `maxInFlight`
// bytes wait in the worker's queue: memory stays bounded whatever the file's size.
import { PouchError } from '../../../shared/domain/errors.ts';
import type { HashAnswer, HashRequest } from './hash-protocol.ts';

export interface ParallelDigests {
  readonly size: number;
  readonly parts: readonly Uint8Array[];
  readonly whole: Uint8Array;
}

export interface ParallelHasher {
  /**
   * Hand a chunk over. With `transfer`, the chunk's buffer moves to the worker (the caller must not use it
   * again); otherwise it is copied. Resolves at once unless too much is waiting.
   */
  update(chunk: Uint8Array, options?: { transfer?: boolean }): Promise<void>;
  digest(): Promise<ParallelDigests>;
  /** Instead of `update` and `digest`: the hash worker reads and hashes the whole `blob` itself. */
  digestBlob(blob: Blob): Promise<ParallelDigests>;
  /** End the worker (after digest, or on failure). */
  close(): void;
}

const DEFAULT_MAX_IN_FLIGHT = 16 * 1024 * 1024;

/**
 * Hash a whole file (per part too, with a finite `partSize`) in a hash worker that reads it in large slices:
 * no chunk of it crosses threads, and the calling thread stays free. The worker ends once it has answered.
 *
 * @example
 * const { whole, size } = await hashBlob(file);
 */
export async function hashBlob(blob: Blob, partSize = Number.POSITIVE_INFINITY): Promise<ParallelDigests> {
  const hasher = createParallelHasher(partSize);
  try {
    return await hasher.digestBlob(blob);
  } finally {
    hasher.close();
  }
}

export function createParallelHasher(partSize: number, maxInFlight = DEFAULT_MAX_IN_FLIGHT): ParallelHasher {
  const worker = new Worker(new URL('./hash-worker.ts', import.meta.url), {
    type: 'module',
    name: 'pouch-hash',
  });
  let inFlight = 0;
  let failure: PouchError | undefined;
  let drained: (() => void) | undefined;
  let finished: ((digests: ParallelDigests) => void) | undefined;
  let rejectFinished: ((error: unknown) => void) | undefined;
  const post = (request: HashRequest, transfer: Transferable[] = []) => worker.postMessage(request, transfer);

  worker.addEventListener('message', (event: MessageEvent<HashAnswer>) => {
    const answer = event.data;
    if (answer.type === 'ack') {
      inFlight -= answer.bytes;
      if (inFlight <= maxInFlight / 2) {
        drained?.();
        drained = undefined;
      }
    } else if (answer.type === 'digest') {
      if (!answer.whole) {
        rejectFinished?.(new PouchError('ERR_INTERNAL', 'The hash worker gave no whole-file digest'));
        return;
      }
      finished?.({ size: answer.size, parts: answer.parts, whole: answer.whole });
    } else {
      failure = new PouchError('ERR_INTERNAL', `Hashing failed: ${answer.message}`);
      drained?.();
      rejectFinished?.(failure);
    }
  });
  worker.addEventListener('error', (event) => {
    failure = new PouchError('ERR_INTERNAL', `The hash worker failed: ${event.message}`);
    drained?.();
    rejectFinished?.(failure);
  });
  post({ type: 'start', partSize });
  const finish = (request: HashRequest): Promise<ParallelDigests> => {
    if (failure) return Promise.reject(failure);
    return new Promise<ParallelDigests>((resolve, reject) => {
      finished = resolve;
      rejectFinished = reject;
      post(request);
    });
  };

  return {
    async update(chunk, options = {}) {
      if (failure) throw failure;
      if (chunk.length === 0) return;
      const owned =
        options.transfer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
          ? chunk
          : chunk.slice();
      inFlight += owned.length;
      post({ type: 'chunk', chunk: owned }, [owned.buffer as ArrayBuffer]);
      if (inFlight > maxInFlight) {
        await new Promise<void>((resolve) => {
          drained = resolve;
        });
        if (failure) throw failure;
      }
    },
    digest() {
      return finish({ type: 'digest' });
    },
    digestBlob(blob) {
      return finish({ type: 'blob', blob });
    },
    close() {
      worker.terminate();
    },
  };
}
