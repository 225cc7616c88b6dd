// Local mode infrastructure: the embedded S3's body digests (a part's MD5 for its ETag, SHA-256 for its checksum)
// computed on a worker thread, so that hashing never holds up the event loop that reads every upload's socket.
// Used by s3-checksums.ts for part and object bodies as they stream to disk.
//
// Why: a send's parts were hashed twice (MD5, SHA-256) on the storage's one event loop, 64 KiB at a time, beside
// the socket reads and the assembly writes: on the 2-core development machine that loop was the slowest stage of
// a 1 GiB send while a core sat idle (bench/send-timeline.ts). Here the bytes are copied into 1 MiB batches that
// move to the worker without a copy and come back to be reused; hashing is in order per stream, and a stream
// whose worker has more than a few batches waiting stops taking bytes until it catches up (bounded memory).
// A worker that dies (crash, exit) fails the streams it was hashing and takes its pool with it; the next stream
// starts a new worker with a new pool, so no batch a failed stream still holds is ever handed to another.
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

export type DigestAlgorithm = 'md5' | 'sha256';

/** Bytes per batch handed to the worker. */
const BATCH_BYTES = 1024 * 1024;
/** Batches in a worker's pool, shared by its streams: the most bytes waiting to be hashed, whatever the uploads. */
const POOL_BATCHES = 16;
/** Batches of one stream at the worker before it stops taking bytes. */
const MAX_QUEUED_BATCHES = 4;

/**
 * The worker's source: CommonJS, evaluated as is (no file to find, from tsx or from a bundle). Batches are
 * slices of one shared buffer, so no buffer is allocated or moved per batch: moving 1 MiB buffers to and fro
 * made the storage's event loop collect garbage for seconds per GiB (V8 counts each as new external memory).
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const pool = workerData.pool;
const streams = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'open') {
    streams.set(m.id, m.algorithms.map((a) => createHash(a)));
  } else if (m.op === 'update') {
    const hashes = streams.get(m.id);
    const bytes = m.data ?? new Uint8Array(pool, m.batch * ${BATCH_BYTES}, m.length);
    if (hashes) for (const h of hashes) h.update(bytes);
    parentPort.postMessage({ op: 'ack', id: m.id, batch: m.batch });
  } else if (m.op === 'digest') {
    const hashes = streams.get(m.id);
    streams.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, digests: hashes ? hashes.map((h) => h.digest('hex')) : undefined });
  } else if (m.op === 'drop') {
    streams.delete(m.id);
  }
});
`;

type WorkerMessage =
  | { op: 'ack'; id: number; batch: number | undefined }
  | { op: 'digest'; id: number; digests: string[] | undefined };

interface StreamHandlers {
  ack(): void;
  digest(digests: string[] | undefined): void;
  fail(error: Error): void;
}

/**
 * One worker and the pool its batches are slices of, for as long as that worker lives. A worker that dies takes
 * its pool with it: a batch a stream was filling, or one in flight to the dead worker, belongs to no free list
 * again, so a worker started after it never hands a slice that some stream still holds to another stream (two
 * streams filling one slice would make digests of bytes neither stream sent).
 */
class Generation {
  private readonly worker: Worker;
  private readonly pool = new SharedArrayBuffer(POOL_BATCHES * BATCH_BYTES);
  private readonly free = Array.from({ length: POOL_BATCHES }, (_, i) => i);
  private readonly streams = new Map<number, StreamHandlers>();
  private alive = true;
  /** Fails every stream of this worker, once, and frees nothing: the pool dies with the worker. */
  private readonly die: (error: Error) => void;

  constructor(onDeath: (generation: Generation) => void) {
    const worker = new Worker(workerSource, { eval: true, workerData: { pool: this.pool } });
    worker.on('message', (message: WorkerMessage) => {
      // A message the dead worker posted before it died is not trusted to give a batch back: the pool is gone.
      if (!this.alive) return;
      if (message.op === 'ack' && message.batch !== undefined) this.free.push(message.batch);
      const handlers = this.streams.get(message.id);
      if (!handlers) return;
      if (message.op === 'ack') handlers.ack();
      else {
        this.streams.delete(message.id);
        handlers.digest(message.digests);
      }
    });
    this.die = (error: Error): void => {
      if (!this.alive) return;
      this.alive = false;
      this.free.length = 0;
      onDeath(this);
      const streams = [...this.streams.values()];
      this.streams.clear();
      for (const handlers of streams) handlers.fail(error);
    };
    worker.on('error', this.die);
    worker.on('exit', (code) => this.die(new Error(`the hashing worker exited with ${code}`)));
    // After the listeners (adding one refs the worker again): the worker never keeps the process alive.
    worker.unref();
    this.worker = worker;
  }

  open(id: number, algorithms: readonly DigestAlgorithm[], handlers: StreamHandlers): void {
    this.streams.set(id, handlers);
    this.worker.postMessage({ op: 'open', id, algorithms });
  }

  /** A free batch of the pool to fill, or undefined when every batch is taken (or the worker died). */
  take(): { index: number; bytes: Buffer } | undefined {
    const index = this.free.pop();
    if (index === undefined) return undefined;
    return { index, bytes: Buffer.from(this.pool, index * BATCH_BYTES, BATCH_BYTES) };
  }

  /** Hash `length` bytes of a batch taken from the pool (it comes back to the pool once hashed). */
  update(id: number, batch: number, length: number): void {
    if (this.alive) this.worker.postMessage({ op: 'update', id, batch, length });
  }

  /** Hash a copy of `bytes` (when the pool has no free batch). */
  updateCopy(id: number, bytes: Uint8Array): void {
    if (this.alive) this.worker.postMessage({ op: 'update', id, data: bytes });
  }

  digest(id: number): void {
    if (this.alive) this.worker.postMessage({ op: 'digest', id });
  }

  drop(id: number): void {
    if (this.streams.delete(id) && this.alive) this.worker.postMessage({ op: 'drop', id });
  }

  /** Resolves once the worker is gone and every stream it held has been failed. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
    this.die(new Error('the hashing worker was terminated'));
  }
}

/** One worker for the process at a time, started on first use and not keeping the process alive. */
class HashWorker {
  private current: Generation | undefined;
  private nextId = 1;

  /** Registers a stream with the live worker (starting one when there is none): its id and that worker's side. */
  open(
    algorithms: readonly DigestAlgorithm[],
    handlers: StreamHandlers,
  ): { id: number; generation: Generation } {
    let generation = this.current;
    if (!generation) {
      generation = new Generation((dead) => {
        if (this.current === dead) this.current = undefined;
      });
      this.current = generation;
    }
    const id = this.nextId++;
    generation.open(id, algorithms, handlers);
    return { id, generation };
  }

  /** For tests only: the worker dies as it would on a crash (its streams fail); the next stream starts another. */
  async terminateForTests(): Promise<void> {
    await this.current?.terminate();
  }
}

const shared = new HashWorker();

/**
 * For tests only: terminates the hashing worker as a crash would. Resolves once every stream it held has failed.
 */
export function terminateHashWorkerForTests(): Promise<void> {
  return shared.terminateForTests();
}

/**
 * A pass-through stream that digests every byte that passes with `algorithms`, off this thread. The digests
 * (hex) are known once the stream has ended: {@link HashingStream.digest}. A stream whose
 * worker died fails (on its next chunk or its end) and never reports a digest.
 */
export class HashingStream extends Transform {
  private readonly id: number;
  /** The worker this stream's bytes go to: always the one it opened with, never a later one. */
  private readonly hashing: Generation;
  private batch: { index: number; bytes: Buffer } | undefined;
  private filled = 0;
  private queued = 0;
  /** A transform callback held back while the worker has too many of this stream's batches. */
  private heldBack: (() => void) | undefined;
  private finished: ((error?: Error) => void) | undefined;
  private failure: Error | undefined;
  private result: Map<DigestAlgorithm, string> | undefined;

  constructor(algorithms: readonly DigestAlgorithm[]) {
    super();
    const { id, generation } = shared.open(algorithms, {
      ack: () => {
        this.queued--;
        const resume = this.heldBack;
        this.heldBack = undefined;
        resume?.();
      },
      digest: (digests) => {
        if (this.failure) return;
        if (digests) this.result = new Map(algorithms.map((a, i) => [a, digests[i] as string]));
        const finished = this.finished;
        this.finished = undefined;
        finished?.(digests ? undefined : new Error('the hashing worker lost this stream'));
      },
      fail: (error) => {
        this.failure = error;
        // Its slice is of the dead worker's pool: never filled or handed on again.
        this.batch = undefined;
        this.filled = 0;
        const resume = this.heldBack;
        this.heldBack = undefined;
        resume?.();
        const finished = this.finished;
        this.finished = undefined;
        finished?.(error);
      },
    });
    this.id = id;
    this.hashing = generation;
  }

  /** The digest (hex) with `algorithm` of every byte that passed, once the stream ended; undefined before. */
  digest(algorithm: DigestAlgorithm): string | undefined {
    return this.result?.get(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failure) {
      callback(this.failure);
      return;
    }
    let at = 0;
    while (at < chunk.length) {
      this.batch ??= this.hashing.take();
      if (!this.batch) {
        // Every pooled batch is taken (many uploads at once): this chunk goes as a copy, still in order.
        this.queued++;
        this.hashing.updateCopy(this.id, new Uint8Array(chunk.subarray(at)));
        break;
      }
      const n = chunk.copy(this.batch.bytes, this.filled, at);
      this.filled += n;
      at += n;
      if (this.filled === BATCH_BYTES) this.send();
    }
    // The bytes go on at once; only a worker that falls behind holds the next chunk back.
    this.push(chunk);
    if (this.queued < MAX_QUEUED_BATCHES) callback();
    else this.heldBack = () => callback(this.failure);
  }

  override _flush(callback: TransformCallback): void {
    if (this.failure) {
      callback(this.failure);
      return;
    }
    if (this.filled > 0) this.send();
    this.finished = (error) => callback(error);
    this.hashing.digest(this.id);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    // A batch being filled goes to the worker anyway (dropped stream: not hashed) so that it returns to the pool.
    // A failed stream has none: its worker, and the pool its batch came from, are gone.
    if (!this.failure) {
      this.send();
      this.hashing.drop(this.id);
    }
    callback(error);
  }

  private send(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    this.queued++;
    this.hashing.update(this.id, batch.index, this.filled);
    this.filled = 0;
  }
}
