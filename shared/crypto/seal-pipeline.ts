// Crypto layer (Node fast path): seals a file to a file on two worker threads sharing the chunk encryption, for sealFile and the send.

import { channel } from 'node:diagnostics_channel';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import {
  COPY_SOURCE,
  type OutputPart,
  type PipelineOutput,
  RELEASE_SOURCE,
  SINK_SOURCE,
  type SideDigest,
} from './file-pipeline.ts';

/** What the chunk sealer needs of node:crypto (passed in, so its source runs unchanged in a worker). */
export interface ChunkCipherCrypto {
  createCipheriv(
    algorithm: 'chacha20-poly1305',
    key: Uint8Array,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): {
    update(data: Uint8Array): Uint8Array;
    final(): unknown;
    getAuthTag(): Uint8Array;
  };
}

/**
 * Seal the STREAM chunk number `index` of a payload: ChaCha20-Poly1305 under the payload key, nonce = 11-byte
 * big-endian counter then the last-chunk flag (age v1). Returns the ciphertext and the tag, which follow each
 * other in the file.
 *
 * It closes over nothing and calls only its arguments, because the seal workers evaluate its source; no inner
 * functions either (a bundler's keep-names pass would wrap them in a helper the worker lacks).
 */
export function sealStreamChunk(
  crypto: ChunkCipherCrypto,
  key: Uint8Array,
  chunk: Uint8Array,
  index: number,
  last: boolean,
): [Uint8Array, Uint8Array] {
  const nonce = new Uint8Array(12);
  for (let i = 10, n = index; i >= 0 && n > 0; i--) {
    nonce[i] = n % 256;
    n = Math.floor(n / 256);
  }
  nonce[11] = last ? 1 : 0;
  const cipher = crypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  const body = cipher.update(chunk);
  cipher.final();
  return [body, cipher.getAuthTag()];
}

/** Plaintext bytes per STREAM chunk (age v1). */
const CHUNK = 64 * 1024;
const SEALED_CHUNK = CHUNK + 16;
/**
 * Chunks per slot: 1 MiB of plaintext, the unit the two workers hand over. Measured on 1 GiB (load 8-10, the
 * RSS child of bench/seal.bench.ts): 2 MiB slots took the same CPU (about 2.6 s) and 11 MB more peak RSS
 * (159-164 MB against 148-152 MB, three runs each); 4 MiB slots took about 0.9 s more CPU and 25 MB more.
 */
export const SEAL_SLOT_CHUNKS = 16;
/** Slots in each ring: the reader can run two slots ahead of the writer while both encrypt the one between. */
const RING = 4;
/**
 * Young generation of each seal worker, in MiB: each chunk leaves a cipher object (with its native context) for
 * V8 to collect, and a small young generation collects them within a few megabytes. The chunks' 64 KiB outputs
 * are not left to it: the workers release each one as soon as it is copied (RELEASE_SOURCE).
 */
const WORKER_YOUNG_MB = 2;

// Control words (Int32) shared by the two workers and this thread.
const PUBLISHED = 0; // slots the reader has read and described (it counts up)
const WRITTEN = 1; // slots the writer has hashed and written; their input and output slots are free again
const ABORT = 2; // set by this thread on any failure: both workers stop waiting and exit
const META = 4; // per ring slot: input length, final flag, next chunk to claim, chunks done
const META_WORDS = 4;

/**
 * Diagnostics: when a seal worker finishes, how many of its waits ran to their timeout (a hand-off whose wake-up
 * never came, or a counterpart slower than 200 ms), and the most ArrayBuffer memory it held. Published only to a
 * subscriber (tests, benches).
 */
export const sealTrace = channel('pouch:seal');
export interface SealTraceEvent {
  readonly side: 'input' | 'output';
  readonly stalls: number;
  /**
   * The most ArrayBuffer memory the worker held at a slot's end, in bytes (sampled only while someone listens when
   * the seal starts): the ring is shared memory and not counted, so this is the chunks' outputs still alive.
   */
  readonly arrayBuffersPeak?: number | undefined;
}

export interface SealThreadOptions {
  /**
   * Which workers seal chunks: both (the default, the split follows the load), or only one of them, so tests can
   * pin either extreme of the split; the output is the same bytes whichever worker sealed a chunk.
   */
  readonly sealers?: 'both' | 'reader' | 'writer';
}

export interface SealInput {
  /** An open input file, read with positional reads from position 0; it is not closed here. */
  readonly fd: number;
  /** Read no further than this position (the size a caller planned for; a file that grew is cut here). */
  readonly end?: number | undefined;
  /** Called after each slot is written, with the input bytes done so far. */
  readonly onProgress?: ((inputBytes: number) => void) | undefined;
}

/**
 * Seal a whole file with both digests (and the output's part digests, `target.parts`) on two worker threads,
 * so that both cores of a 2-core machine stay busy with no hand-off through this thread:
 * - the reader reads each 1 MiB slot into shared memory, hashes the plaintext, then seals chunks of it;
 * - the writer seals chunks of the same slot, then hashes (whole and per part) and writes the sealed slot.
 * The chunks of a slot are claimed one at a time from a shared counter, so whichever worker has time seals more:
 * the split follows the load (the send's part hashes add work to the writer only) without tuning. STREAM chunks
 * are independent given the payload key and their counter, so the order they are sealed in does not matter.
 * Memory is two rings of {@link RING} slots, whatever the file size. Reads stop at the first short read (or at
 * `end`), so a file that grows while it is read is cut there rather than split mid-chunk.
 *
 * What it costs, per GiB on the 2-core development machine (2026-12-01): reading 0.2 s, SHA-256 about 0.63 s
 * twice (plaintext and sealed; 0.73-0.78 s before each hash was preceded by settleVectorState, see SETTLE_SOURCE),
 * sealing the 64 KiB chunks about 0.45 s (16,384 cipher calls, and their copy into the ring with copyInto; each
 * output is released at once, see RELEASE_SOURCE), writing about 0.17 s: about 2.1 core-seconds of user time and
 * 0.3-0.45 of system time, where `age -r` needs 0.85-1.1 s on one core. The two workers take about 80-100 ms to
 * start. A 1 GiB seal takes 1.2-1.35 s (1.4-1.5 s before the two changes above); docs/transfer.md has the
 * breakdown and what was tried.
 *
 * @example
 * const { input, output } = await sealOnThreads({ fd: handle.fd }, { path, prefix: headerAndNonce }, payloadKey);
 */
export async function sealOnThreads(
  source: SealInput,
  target: PipelineOutput,
  payloadKey: Uint8Array,
  options: SealThreadOptions = {},
): Promise<{ input: SideDigest; output: SideDigest }> {
  const sealers = options.sealers ?? 'both';
  const inputSlot = SEAL_SLOT_CHUNKS * CHUNK;
  const outputSlot = SEAL_SLOT_CHUNKS * SEALED_CHUNK;
  const control = new Int32Array(new SharedArrayBuffer((META + RING * META_WORDS) * 4));
  const shared = {
    control: control.buffer,
    input: new SharedArrayBuffer(inputSlot * RING),
    output: new SharedArrayBuffer(outputSlot * RING),
    key: payloadKey,
    sealChunk: sealStreamChunk.toString(),
    trace: sealTrace.hasSubscribers,
  };
  const output = await open(target.path, 'w', target.mode);
  const workers: Worker[] = [];
  try {
    return await new Promise<{ input: SideDigest; output: SideDigest }>((resolve, reject) => {
      const digests: { input?: SideDigest; output?: SideDigest } = {};
      let failed = false;
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        Atomics.store(control, ABORT, 1);
        for (let word = 0; word < control.length; word++) Atomics.notify(control, word);
        reject(error);
      };
      const start = (data: Record<string, unknown>, side: 'input' | 'output'): void => {
        const worker = new Worker(SEAL_WORKER, {
          eval: true,
          workerData: { ...shared, ...data },
          resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
        });
        workers.push(worker);
        worker.on('message', (reply: SealWorkerReply) => {
          if (failed) return;
          try {
            if (reply.type === 'progress') source.onProgress?.(reply.inputBytes);
            else if (reply.type === 'part')
              target.parts?.onPart({ partNumber: reply.partNumber, sha256: reply.sha256, end: reply.end });
            else if (reply.type === 'digest') {
              digests[side] = { sha256: reply.sha256, size: reply.size };
              if (sealTrace.hasSubscribers)
                sealTrace.publish({
                  side,
                  stalls: reply.stalls,
                  arrayBuffersPeak: reply.arrayBuffersPeak,
                } satisfies SealTraceEvent);
              if (digests.input && digests.output) resolve({ input: digests.input, output: digests.output });
            } else fail(workerError(reply));
          } catch (error) {
            fail(error instanceof Error ? error : new Error(String(error)));
          }
        });
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (!digests[side]) fail(new Error(`A seal worker stopped (exit code ${code}) before its digest`));
        });
      };
      start({ role: 'reader', fd: source.fd, end: source.end ?? -1, seals: sealers !== 'writer' }, 'input');
      start(
        {
          role: 'writer',
          fd: output.fd,
          prefix: target.prefix,
          partSize: target.parts?.size ?? 0,
          progress: source.onProgress !== undefined,
          seals: sealers !== 'reader',
        },
        'output',
      );
    });
  } finally {
    Atomics.store(control, ABORT, 1);
    for (let word = 0; word < control.length; word++) Atomics.notify(control, word);
    await Promise.all(workers.map((worker) => worker.terminate()));
    await output.close();
  }
}

type SealWorkerReply =
  | { type: 'progress'; inputBytes: number }
  | ({ type: 'part' } & OutputPart)
  | { type: 'digest'; sha256: string; size: number; stalls: number; arrayBuffersPeak?: number }
  | { type: 'error'; message: string; code?: string };

function workerError(reply: { message: string; code?: string }): Error {
  return Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
}

/**
 * Both workers: plain CommonJS evaluated from a string, so it needs no loader under tsx, vitest or a bundle.
 * Waits block on the control words (Atomics.wait, with a timeout so an abort is seen even if a notify is missed).
 */
const SEAL_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { readSync } = fs;
const { role, fd, key } = workerData;
const sealChunk = new Function('return (' + workerData.sealChunk + ')')();
const CHUNK = ${CHUNK}, SEALED = ${SEALED_CHUNK}, SLOT_CHUNKS = ${SEAL_SLOT_CHUNKS}, RING = ${RING};
const PUBLISHED = ${PUBLISHED}, WRITTEN = ${WRITTEN}, ABORT = ${ABORT}, META = ${META}, WORDS = ${META_WORDS};
const control = new Int32Array(workerData.control);
const input = new Uint8Array(workerData.input);
const output = Buffer.from(workerData.output);
const IN_SLOT = SLOT_CHUNKS * CHUNK, OUT_SLOT = SLOT_CHUNKS * SEALED;
class Aborted extends Error {}
${SINK_SOURCE}
${RELEASE_SOURCE}
${COPY_SOURCE}

let stalls = 0;
let arrayBuffersPeak;
/** With a trace listener, note the ArrayBuffer memory this worker holds (see SealTraceEvent.arrayBuffersPeak). */
function sampleMemory() {
  if (!workerData.trace) return;
  arrayBuffersPeak = Math.max(arrayBuffersPeak ?? 0, process.memoryUsage().arrayBuffers);
}
/**
 * Block until control[word] >= atLeast. The wait is on the very value just compared: reading the word a second
 * time for the wait would sleep on a value that may already satisfy the condition, until the timeout (a 200 ms
 * stall, up to four per GiB before this was the only wait). A wait that times out unaborted is counted.
 */
function waitUntil(word, atLeast) {
  for (;;) {
    if (Atomics.load(control, ABORT) !== 0) throw new Aborted();
    const now = Atomics.load(control, word);
    if (now >= atLeast) return now;
    if (Atomics.wait(control, word, now, 200) === 'timed-out' && Atomics.load(control, ABORT) === 0) stalls++;
  }
}
function units(length, final) {
  // The input's last chunk is always sealed: an empty plaintext is one empty final chunk.
  return Math.ceil(length / CHUNK) || (final ? 1 : 0);
}
/** Seal chunks of slot number n until none is left to claim; returns when this worker's claims are sealed. */
function sealClaims(n) {
  if (!workerData.seals) return;
  const meta = META + (n % RING) * WORDS;
  const length = control[meta], final = control[meta + 1] === 1;
  const count = units(length, final);
  const inBase = (n % RING) * IN_SLOT, outBase = (n % RING) * OUT_SLOT;
  for (;;) {
    const j = Atomics.add(control, meta + 2, 1);
    if (j >= count) return;
    const chunk = input.subarray(inBase + j * CHUNK, inBase + Math.min((j + 1) * CHUNK, length));
    const [body, tag] = sealChunk(crypto, key, chunk, n * SLOT_CHUNKS + j, final && j === count - 1);
    copyInto(output, outBase + j * SEALED, body);
    output.set(tag, outBase + j * SEALED + body.length);
    release(body);
    if (Atomics.add(control, meta + 3, 1) + 1 === count) Atomics.notify(control, meta + 3);
  }
}

function runReader() {
  const hash = crypto.createHash('sha256');
  const end = workerData.end < 0 ? Infinity : workerData.end;
  let position = 0;
  const read = (n) => {
    const base = (n % RING) * IN_SLOT;
    const room = Math.min(IN_SLOT, end - position);
    let length = 0;
    while (length < room) {
      const got = readSync(fd, input, base + length, room - length, position);
      if (got === 0) break;
      length += got;
      position += got;
    }
    return length;
  };
  let length = read(0);
  for (let n = 0; ; n++) {
    // Only a full slot can have a successor; reading it (two slots ahead of the writer at most) is what says
    // whether this slot holds the input's last chunk.
    let next = 0;
    if (length === IN_SLOT) {
      waitUntil(WRITTEN, n + 2 - RING);
      next = read(n + 1);
    }
    const final = next === 0;
    // The output slot is the writer's until it has written the slot that used it last.
    waitUntil(WRITTEN, n + 1 - RING);
    const meta = META + (n % RING) * WORDS;
    control[meta] = length;
    control[meta + 1] = final ? 1 : 0;
    Atomics.store(control, meta + 2, 0);
    Atomics.store(control, meta + 3, 0);
    Atomics.store(control, PUBLISHED, n + 1);
    Atomics.notify(control, PUBLISHED);
    const base = (n % RING) * IN_SLOT;
    settleVectorState(crypto);
    hash.update(input.subarray(base, base + length));
    sealClaims(n);
    sampleMemory();
    if (final) {
      const sha256 = hash.digest('hex');
      parentPort.postMessage({ type: 'digest', sha256, size: position, stalls, arrayBuffersPeak });
      return;
    }
    length = next;
  }
}

function runWriter() {
  const { partSize, progress, prefix } = workerData;
  const sink = createSink(crypto, fs, (reply) => parentPort.postMessage(reply), fd, partSize);
  let inputBytes = 0;
  sink.take(prefix);
  for (let n = 0; ; n++) {
    waitUntil(PUBLISHED, n + 1);
    const meta = META + (n % RING) * WORDS;
    const length = control[meta], final = control[meta + 1] === 1;
    const count = units(length, final);
    sealClaims(n);
    sampleMemory();
    waitUntil(meta + 3, count);
    const base = (n % RING) * OUT_SLOT;
    sink.take(output.subarray(base, base + length + count * 16));
    Atomics.store(control, WRITTEN, n + 1);
    Atomics.notify(control, WRITTEN);
    inputBytes += length;
    if (progress) parentPort.postMessage({ type: 'progress', inputBytes });
    if (final) break;
  }
  // Without syncEvery the sink finishes at once (a failure is thrown into this worker's handler below).
  sink.finish((error, digest) => {
    if (error) throw error;
    parentPort.postMessage({ type: 'digest', ...digest, stalls, arrayBuffersPeak });
  });
}

try {
  if (role === 'reader') runReader();
  else runWriter();
} catch (error) {
  if (!(error instanceof Aborted)) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message), code: error && error.code });
  }
}`;
