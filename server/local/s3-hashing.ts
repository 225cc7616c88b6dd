// Local mode infrastructure: the embedded S3's body digests (a part's MD5 for its ETag, SHA-256 for its checksum)
// computed on a worker thread, so that hashing never holds up the event loop that reads every upload's socket.
// Used by s3-checksums.ts for part and object bodies as they stream to disk.
//
// Why: a send's parts were hashed twice (MD5, SHA-256) on the storage's one event loop, 64 KiB at a time, beside
// the socket reads and the assembly writes: on the 2-core development machine that loop was the slowest stage of
// a 1 GiB send while a core sat idle (bench/send-timeline.ts). Here the bytes are copied into 1 MiB batches that
// move to the worker without a copy and come back to be reused; hashing is in order per stream, and a stream
// whose worker has more than a few batches waiting stops taking bytes until it catches up (bounded memory).
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

export type DigestAlgorithm = 'md5' | 'sha256';

/** Bytes per batch handed to the worker. */
const BATCH_BYTES = 1024 * 1024;
/** Batches of one stream at the worker before it stops taking bytes. */
const MAX_QUEUED_BATCHES = 4;

/** The worker's source: CommonJS, evaluated as is (no file to find, from tsx or from a bundle). */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const streams = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'open') {
    streams.set(m.id, m.algorithms.map((a) => createHash(a)));
  } else if (m.op === 'update') {
    const hashes = streams.get(m.id);
    if (hashes) {
      const view = new Uint8Array(m.buffer, 0, m.length);
      for (const h of hashes) h.update(view);
    }
    parentPort.postMessage({ op: 'ack', id: m.id, buffer: m.buffer }, [m.buffer]);
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
  | { op: 'ack'; id: number; buffer: ArrayBuffer }
  | { op: 'digest'; id: number; digests: string[] | undefined };

interface StreamHandlers {
  ack(buffer: ArrayBuffer): void;
  digest(digests: string[] | undefined): void;
  fail(error: Error): void;
}

/** One worker for the process, started on first use and not keeping the process alive. */
class HashWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly streams = new Map<number, StreamHandlers>();

  open(algorithms: readonly DigestAlgorithm[], handlers: StreamHandlers): number {
    const worker = this.start();
    const id = this.nextId++;
    this.streams.set(id, handlers);
    worker.postMessage({ op: 'open', id, algorithms });
    return id;
  }

  update(id: number, buffer: ArrayBuffer, length: number): void {
    this.worker?.postMessage({ op: 'update', id, buffer, length }, [buffer]);
  }

  digest(id: number): void {
    this.worker?.postMessage({ op: 'digest', id });
  }

  drop(id: number): void {
    if (this.streams.delete(id)) this.worker?.postMessage({ op: 'drop', id });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerSource, { eval: true });
    worker.unref();
    worker.on('message', (message: WorkerMessage) => {
      const handlers = this.streams.get(message.id);
      if (!handlers) return;
      if (message.op === 'ack') handlers.ack(message.buffer);
      else {
        this.streams.delete(message.id);
        handlers.digest(message.digests);
      }
    });
    const failAll = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      const streams = [...this.streams.values()];
      this.streams.clear();
      for (const handlers of streams) handlers.fail(error);
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the hashing worker exited with ${code}`)));
    this.worker = worker;
    return worker;
  }
}

const shared = new HashWorker();

/**
 * A pass-through stream that digests every byte that passes with `algorithms`, off this thread. The digests
 * (hex, in the order asked) are known once the stream has ended: {@link HashingStream.digests}.
 */
export class HashingStream extends Transform {
  private readonly id: number;
  private readonly free: ArrayBuffer[] = [];
  private batch: Buffer | undefined;
  private filled = 0;
  private queued = 0;
  /** A transform callback held back while the worker has too many of this stream's batches. */
  private heldBack: (() => void) | undefined;
  private finished: ((error?: Error) => void) | undefined;
  private failure: Error | undefined;
  private result: Map<DigestAlgorithm, string> | undefined;

  constructor(algorithms: readonly DigestAlgorithm[]) {
    super();
    this.id = shared.open(algorithms, {
      ack: (buffer) => {
        this.queued--;
        this.free.push(buffer);
        const resume = this.heldBack;
        this.heldBack = undefined;
        resume?.();
      },
      digest: (digests) => {
        if (digests) this.result = new Map(algorithms.map((a, i) => [a, digests[i] as string]));
        const finished = this.finished;
        this.finished = undefined;
        finished?.(digests ? undefined : new Error('the hashing worker lost this stream'));
      },
      fail: (error) => {
        this.failure = error;
        const resume = this.heldBack;
        this.heldBack = undefined;
        resume?.();
        const finished = this.finished;
        this.finished = undefined;
        finished?.(error);
      },
    });
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
      this.batch ??= Buffer.from(this.free.pop() ?? new ArrayBuffer(BATCH_BYTES));
      const n = chunk.copy(this.batch, this.filled, at);
      this.filled += n;
      at += n;
      if (this.filled === this.batch.length) this.send();
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
    shared.digest(this.id);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    shared.drop(this.id);
    callback(error);
  }

  private send(): void {
    const batch = this.batch as Buffer;
    this.batch = undefined;
    this.queued++;
    shared.update(this.id, batch.buffer as ArrayBuffer, this.filled);
    this.filled = 0;
  }
}
