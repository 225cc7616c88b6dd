// Portal transfer: a pool of seal workers (seal-worker.ts) the transfer worker hands ranges of one file's sealed
// bytes to, one worker per spare core, so ChaCha20-Poly1305 and the per-part SHA-256 run on every core at once.
import type { PayloadSealer } from '../../../shared/crypto/age-portable.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import type { SealAnswer, SealRequest } from './seal-protocol.ts';

export interface SealedRange {
  readonly start: number;
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`, when asked for. */
  readonly digest: Uint8Array | undefined;
  readonly readMs: number;
  readonly sealMs: number;
  readonly digestMs: number;
}

export interface SealPool {
  readonly size: number;
  /** Seal bytes `[start, end)` of the sealed file; ranges are shared out in turn over the workers. */
  seal(start: number, end: number, digest: boolean): Promise<SealedRange>;
  close(): void;
}

/**
 * How many seal workers: the cores left once the transfer worker and the two whole-file hash workers have
 * one each, at least one and at most eight (each holds a range in memory).
 */
export function sealWorkerCount(cores = globalThis.navigator?.hardwareConcurrency ?? 2): number {
  return Math.max(1, Math.min(8, cores - 2));
}

type Waiting = {
  start: number;
  end: number;
  resolve: (range: SealedRange) => void;
  reject: (error: unknown) => void;
};

export function createSealPool(file: Blob, sealer: PayloadSealer, workerCount?: number): SealPool {
  const wanted = workerCount !== undefined && Number.isFinite(workerCount) ? workerCount : sealWorkerCount();
  const size = Math.max(1, Math.min(8, Math.floor(wanted)));
  const waiting = new Map<number, Waiting>();
  let failure: PouchError | undefined;
  let next = 0;
  const fail = (error: PouchError) => {
    failure ??= error;
    for (const entry of waiting.values()) entry.reject(failure);
    waiting.clear();
  };
  const workers = Array.from({ length: size }, () => {
    const worker = new Worker(new URL('./seal-worker.ts', import.meta.url), {
      type: 'module',
      name: 'pouch-seal',
    });
    worker.addEventListener('message', (event: MessageEvent<SealAnswer>) => {
      const answer = event.data;
      const entry = waiting.get(answer.index);
      if (!entry) return;
      waiting.delete(answer.index);
      if (answer.type === 'failed') {
        fail(new PouchError('ERR_INTERNAL', `Sealing failed: ${answer.message}`));
        entry.reject(failure);
        return;
      }
      // The range is written where it was asked for, so it must be exactly that long.
      if (answer.bytes.length !== entry.end - entry.start) {
        fail(new PouchError('ERR_INTERNAL', 'A seal worker answered with a range of the wrong size'));
        entry.reject(failure);
        return;
      }
      entry.resolve({
        start: entry.start,
        bytes: answer.bytes,
        digest: answer.digest,
        readMs: answer.readMs,
        sealMs: answer.sealMs,
        digestMs: answer.digestMs,
      });
    });
    worker.addEventListener('error', (event) => {
      fail(new PouchError('ERR_INTERNAL', `A seal worker failed: ${event.message}`));
    });
    const start: SealRequest = { type: 'start', file, prefix: sealer.prefix, payloadKey: sealer.payloadKey };
    worker.postMessage(start);
    return worker;
  });

  return {
    size,
    seal(start, end, digest) {
      if (failure) return Promise.reject(failure);
      const index = next++;
      const worker = workers[index % workers.length] as Worker;
      return new Promise<SealedRange>((resolve, reject) => {
        waiting.set(index, { start, end, resolve, reject });
        const request: SealRequest = { type: 'range', index, start, end, digest };
        worker.postMessage(request);
      });
    },
    close() {
      for (const worker of workers) worker.terminate();
      fail(new PouchError('ERR_INTERNAL', 'The seal pool was closed'));
    },
  };
}
