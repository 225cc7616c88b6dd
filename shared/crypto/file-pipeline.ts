// Crypto layer (Node fast path): a file-to-file slot transform over three threads, used to seal and open large files.
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/**
 * The per-slot work. Input arrives in slots of `inputSlotBytes`; every slot but the last is full, so a transform
 * whose slot is a whole number of chunks never sees a chunk split across slots. It runs either on the calling
 * thread (`transform`) or, unit by unit, on the input's worker (`inWorker`).
 */
export type SlotTransform = SlotShape &
  (
    | {
        /**
         * Transform whole units (or the input's trailing partial unit) into `out` at `offset`, on the calling
         * thread, returning the bytes written. `final` is true only for the call holding the input's last unit.
         * A slot arrives in two calls.
         */
        transform(input: Buffer, final: boolean, out: Buffer, offset: number): number;
        readonly inWorker?: undefined;
      }
    | {
        /**
         * Run on the input's worker instead: `source` is the source text of a self-contained function
         * `(crypto, key, unit, index, last) => Uint8Array` (node:crypto is passed in), called for each unit in
         * order with its index from the input's first unit, `last` for the input's last unit. The calling thread
         * then only reads, so the work, the two hashes and the write spread over both workers. A unit function's
         * Error with a `code` (and `reason`) rejects the pipeline with those properties. What it returns is freed
         * as soon as it is copied into the output (RELEASE_SOURCE): return a fresh buffer, never one it keeps.
         */
        readonly inWorker: { readonly source: string; readonly key: Uint8Array };
      }
  );

/** The slot geometry of a {@link SlotTransform}. */
export interface SlotShape {
  readonly inputSlotBytes: number;
  /** The input unit (a chunk); a slot holds a whole number of them, the last slot possibly a partial one. */
  readonly unitBytes: number;
  /** The largest output one slot can produce. */
  readonly outputSlotBytes: number;
}

/** SHA-256 (hex) and byte count of everything one side of the pipeline saw, prefix included. */
export interface SideDigest {
  readonly sha256: string;
  readonly size: number;
}

/** Positional reads, as a FileHandle does them; a reader may wait for bytes still arriving (a download). */
export interface PositionalReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

export interface PipelineInput {
  /** An open input file (or a reader like one); it is read from `offset` with positional reads and not closed here. */
  readonly handle: PositionalReader;
  readonly offset: number;
  /** Input bytes before `offset` that the caller already consumed (a header): hashed, not transformed. */
  readonly prefix: Uint8Array;
  /** Called after each slot with the input bytes done so far, prefix included. */
  readonly onProgress?: ((inputBytes: number) => void) | undefined;
  /** Read no further than this position (the size a caller planned for; a file that grew is cut here). */
  readonly end?: number | undefined;
  /** Also hash the input (prefix included) in slices of `size` bytes, as {@link PipelineOutput.parts} does. */
  readonly parts?: { readonly size: number; readonly onPart: (part: OutputPart) => void } | undefined;
}

/** One `size`-byte slice of the output, hashed and written; the last one may be shorter. */
export interface OutputPart {
  /** 1-based, as storage numbers parts. */
  readonly partNumber: number;
  /** SHA-256 of the slice, base64 (storage's checksum form). */
  readonly sha256: string;
  /** Output bytes written so far: the slice ends here, and everything before it is in the file. */
  readonly end: number;
}

export interface PipelineOutput {
  /** Created or truncated; the caller removes it if the pipeline rejects. */
  readonly path: string;
  /** Bytes written (and hashed) before the first transformed slot. */
  readonly prefix: Uint8Array;
  /** File mode if the file is created (before the umask); 0o666 when absent. */
  readonly mode?: number;
  /**
   * Also hash the output in slices of `size` bytes (the multipart upload's parts), on the same pass; each slice
   * is reported once its bytes are written, so an uploader can send it while later slices are being sealed.
   */
  readonly parts?: { readonly size: number; readonly onPart: (part: OutputPart) => void } | undefined;
  /**
   * Start writing the output to disk (fdatasync, on the thread pool) each time this many more bytes are written,
   * one sync at a time: a caller that makes the file durable at the end then waits only for the last stretch
   * instead of the whole file's writeback. A failed sync fails the pipeline (its error is reported only once).
   */
  readonly syncEvery?: number | undefined;
  /**
   * With `syncEvery`: called after each of those syncs (not the last one, which the caller makes) with the byte
   * count it made durable, every byte before it included. A resumable fetch keeps these bytes across a crash.
   */
  readonly onSynced?: ((bytes: number) => void) | undefined;
}

/** Slots per side: enough that reading, transforming, hashing and writing all overlap; memory stays fixed. */
const SLOTS = 4;

/**
 * Run `transform` over a whole file with both digests. The work is split across three threads so that a
 * 2-core machine spends no core idle: a worker hashes each input slot straight from shared memory while this
 * thread transforms it, and a second worker hashes and writes each output slot. Memory is two fixed rings of
 * {@link SLOTS} slots, whatever the file size. Reads stop at the first short read, so a file that grows while
 * it is read is cut at that point rather than split mid-chunk.
 *
 * @example
 * const { input, output } = await transformFile({ handle, offset: 0, prefix: empty }, { path, prefix: header }, sealer);
 */
export async function transformFile(
  source: PipelineInput,
  target: PipelineOutput,
  work: SlotTransform,
): Promise<{ input: SideDigest; output: SideDigest }> {
  const output = await open(target.path, 'w', target.mode);
  const writes = new SlotRing(work.outputSlotBytes, output.fd, target.parts, undefined, target);
  const reads = new SlotRing(
    work.inputSlotBytes,
    undefined,
    source.parts,
    work.inWorker && {
      ...work.inWorker,
      unitBytes: work.unitBytes,
      memory: writes.memory,
      slotBytes: work.outputSlotBytes,
    },
  );
  try {
    reads.sendBytes(source.prefix);
    writes.sendBytes(target.prefix);
    let position = source.offset;
    const fill = async (slot: number): Promise<number> => {
      await reads.whenFree(slot);
      const buffer = reads.slot(slot);
      let length = 0;
      const room = Math.min(buffer.length, (source.end ?? Number.POSITIVE_INFINITY) - position);
      while (length < room) {
        const { bytesRead } = await source.handle.read(buffer, length, room - length, position);
        if (bytesRead === 0) break;
        length += bytesRead;
        position += bytesRead;
      }
      return length;
    };
    let slot = 0;
    let done = source.prefix.length;
    let length = await fill(0);
    if (work.inWorker) {
      // The input's worker transforms each slot into the output slot of the same number, then this thread hands
      // that slot to the output's worker. A unit's index counts from the input's first unit.
      reads.onTransformed = (index, written, inputBytes) => {
        writes.post(index, written);
        done += inputBytes;
        source.onProgress?.(done);
      };
      writes.onFailure = (error) => reads.fail(error);
      reads.onFailure = (error) => writes.fail(error);
      for (let unitIndex = 0; ; ) {
        const next = (slot + 1) % SLOTS;
        // Only a full slot can have a successor; knowing it is empty is what makes this slot the final one.
        const nextLength = length === work.inputSlotBytes ? await fill(next) : 0;
        const final = nextLength === 0;
        await writes.whenFree(slot);
        writes.reserve(slot);
        reads.post(slot, length, { unitIndex, final });
        unitIndex += Math.ceil(length / work.unitBytes);
        if (final) break;
        slot = next;
        length = nextLength;
      }
      // The input worker answers in order: once its digest is in, every transformed slot went to the writer.
      const input = await reads.finish();
      return { input, output: await writes.finish() };
    }
    for (;;) {
      reads.post(slot, length);
      const next = (slot + 1) % SLOTS;
      // Only a full slot can have a successor; knowing it is empty is what makes this slot the final one.
      const reading = length === work.inputSlotBytes ? fill(next) : Promise.resolve(0);
      reading.catch(() => undefined); // awaited below unless the transform throws first
      await writes.whenFree(slot);
      const input = reads.slot(slot).subarray(0, length);
      const out = writes.slot(slot);
      // Every unit but the slot's last is certainly not the input's last: transform those while the next read runs.
      const head = length === 0 ? 0 : Math.floor((length - 1) / work.unitBytes) * work.unitBytes;
      let written = work.transform(input.subarray(0, head), false, out, 0);
      const nextLength = await reading;
      const final = nextLength === 0;
      written += work.transform(input.subarray(head), final, out, written);
      writes.post(slot, written);
      done += length;
      source.onProgress?.(done);
      if (final) break;
      slot = next;
      length = nextLength;
    }
    const [input, out] = await Promise.all([reads.finish(), writes.finish()]);
    return { input, output: out };
  } finally {
    await Promise.all([reads.stop(), writes.stop()]);
    await output.close();
  }
}

/**
 * `release(view)`, which both pipelines' workers include (source text): frees a chunk's cipher output now rather
 * than at V8's next collection. node:crypto returns each chunk's output in a fresh 64 KiB ArrayBuffer; left to the
 * collector, about 30 MB of them pile up in each worker between collections, and the allocator hands that memory
 * back to the kernel and faults it in again for the next chunks. On the development VM a seal worker's cipher call
 * took 45-65 us per chunk that way, against 25-28 us with this, and a 1 GiB seal's peak RSS fell from 152 to 85 MB.
 * Transferring the buffer through a closed port detaches it and drops it at once: Node's postMessage
 * (src/node_messaging.cc) serializes, and so detaches, its transfer list even when the port is closing, as the
 * HTML message-port steps do. Only a buffer that is wholly the view's own is released, never a shared, pooled or
 * sliced one, and the view must not be used afterwards. It never fails the work it speeds up: from Node 21 on,
 * postMessage throws for a buffer already detached or untransferable, and such a buffer is simply left alone.
 */
export const RELEASE_SOURCE = `
const releasePort = new (require('node:worker_threads').MessageChannel)().port1;
releasePort.close();
function release(view) {
  const buffer = view.buffer;
  if (view.byteOffset !== 0 || view.byteLength !== buffer.byteLength || !(buffer instanceof ArrayBuffer)) return;
  try {
    releasePort.postMessage(null, [buffer]);
  } catch {}
}`;

/**
 * `copyInto(target, offset, view)`, which both pipelines' workers include (source text): copies a chunk's output
 * into a ring of shared memory, `target` being a Buffer over it. `TypedArray#set` into a SharedArrayBuffer copies
 * with V8's relaxed atomic memmove, word by word: about 55 ms per GiB on the development VM, against 13-18 ms for
 * the same copy into an ArrayBuffer, and 1-3% of a seal's CPU in `perf`. `Buffer#fill` with a value exactly as
 * long as the range is one memcpy in node:buffer's native fill (src/node_buffer.cc), at 12-18 ms per GiB into
 * shared memory. Only whole-range copies go this way, so the fill never repeats its value; an empty view copies
 * nothing, and a view running past the end of `target` throws (ERR_OUT_OF_RANGE) before anything is written. The
 * view must be a byte view (anything else is refused) that does not overlap `target`: the cipher outputs are fresh
 * buffers.
 */
export const COPY_SOURCE = `
function copyInto(target, offset, view) {
  // Buffer#fill reads any other value (an array, a wider typed array) differently from TypedArray#set.
  if (!(view instanceof Uint8Array)) throw new TypeError('copyInto copies bytes: give it a Uint8Array or Buffer');
  if (view.length > 0) target.fill(view, offset, offset + view.length);
}`;

/**
 * `settleVectorState(crypto)`, which every worker that hashes includes (source text, part of SINK_SOURCE): call it just
 * before a SHA-256 update that follows chunk sealing or opening on the same thread. OpenSSL 3.0's Poly1305 for AVX-512
 * IFMA CPUs handles a short input (the lengths block that ends every chunk's tag) in `poly1305_blocks_vpmadd52`, which
 * returns with the upper halves of ymm0-5 still dirty: no `vzeroupper` (seen in Node 20's binary with objdump).
 * OpenSSL's SHA-256 on such CPUs is the SHA-NI code, encoded as legacy SSE, and SSE after dirty upper halves pays the
 * SSE/AVX transition; on the development VM (Zen 4) a thread that sealed chunks between 1 MiB updates hashed at 0.73 s
 * per GiB, against 0.62-0.63 s after this. The remedy is any call that ends in `vzeroupper`/`vzeroall`: the raw
 * ChaCha20 keystream of one 64-byte block under a constant all-zero key (its AVX-512 code ends in `vzeroall`), output
 * discarded; it costs a few microseconds per slot. No secret is involved and nothing it computes is used. On other CPUs
 * it only costs those microseconds, and so it does in the workers that hash without sealing (the sink of a plain
 * upload). Should a build refuse the raw `chacha20` cipher, it is skipped after the first refusal rather than failing
 * the work.
 */
export const SETTLE_SOURCE = `
const settleZeros = new Uint8Array(64);
let settleAvailable = true;
function settleVectorState(crypto) {
  if (!settleAvailable) return;
  try {
    crypto.createCipheriv('chacha20', settleZeros.subarray(0, 32), settleZeros.subarray(0, 16)).update(settleZeros);
  } catch {
    settleAvailable = false;
  }
}`;

/**
 * The hashing writer both pipelines' workers include (source text; see SLOT_WORKER and the seal workers):
 * `createSink(crypto, fs, post, fd, partSize, syncEvery)` returns `take(view)`, which hashes the bytes (whole, and
 * in `partSize` slices when that is above 0) and writes them to `fd` unless it is undefined, and `finish(done)`,
 * which ends the last slice and calls `done(error, digest)`. Each slice is posted as a `part` reply once its bytes
 * are written, so a reader of the file sees it whole. With `syncEvery`, an fdatasync starts on the thread pool
 * each time that many bytes were written since the last one began (one at a time), so the sync before the file
 * takes its name waits for the last stretch only; each of those syncs that succeeds is posted as a `synced` reply
 * with the bytes it made durable. `finish` waits for a sync under way (after it no sync uses the descriptor) and
 * reports the first failure instead of the digest.
 */
export const SINK_SOURCE = `${SETTLE_SOURCE}
function createSink(crypto, fs, post, fd, partSize, syncEvery) {
  const hash = crypto.createHash('sha256');
  let part = partSize > 0 ? crypto.createHash('sha256') : undefined;
  let inPart = 0, partNumber = 0, size = 0;
  let writtenBytes = 0, syncedBytes = 0, syncing = false, syncError, onSynced;
  function endPart() {
    partNumber += 1;
    post({ type: 'part', partNumber, sha256: part.digest('base64'), end: size });
    part = crypto.createHash('sha256');
    inPart = 0;
  }
  function startSync() {
    syncing = true;
    syncedBytes = writtenBytes;
    const durable = syncedBytes;
    fs.fdatasync(fd, (error) => {
      syncing = false;
      if (error) syncError ??= error;
      else if (!onSynced) post({ type: 'synced', bytes: durable });
      if (onSynced) onSynced();
    });
  }
  function take(view) {
    settleVectorState(crypto);
    hash.update(view);
    if (fd !== undefined) {
      for (let done = 0; done < view.length; ) done += fs.writeSync(fd, view, done, view.length - done);
      writtenBytes += view.length;
      if (syncEvery && !syncing && writtenBytes - syncedBytes >= syncEvery) startSync();
    }
    if (part === undefined) {
      size += view.length;
      return;
    }
    for (let offset = 0; offset < view.length; ) {
      const n = Math.min(view.length - offset, partSize - inPart);
      part.update(view.subarray(offset, offset + n));
      offset += n;
      inPart += n;
      size += n;
      if (inPart === partSize) endPart();
    }
  }
  function finish(done) {
    if (part !== undefined && (inPart > 0 || partNumber === 0)) endPart();
    onSynced = () => (syncError ? done(syncError) : done(undefined, { sha256: hash.digest('hex'), size }));
    if (!syncing) onSynced();
  }
  return { take, finish };
}`;

/**
 * The worker: plain CommonJS evaluated from a string, so it needs no loader under tsx, vitest or a bundle. It
 * hashes each slot (or loose bytes) in arrival order and, given a file descriptor, writes them there too.
 */
const SLOT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { memory, slotBytes, fd, partSize, transform, syncEvery } = workerData;
${SINK_SOURCE}
${RELEASE_SOURCE}
${COPY_SOURCE}
const openUnit = transform ? new Function('return (' + transform.source + ')')() : undefined;
function transformSlot(message, view) {
  const { unitBytes } = transform;
  const out = Buffer.from(transform.memory, message.slot * transform.slotBytes, transform.slotBytes);
  // The input's last unit is always transformed: an empty one is a missing final unit.
  const units = Math.ceil(view.length / unitBytes) || (message.final ? 1 : 0);
  let written = 0;
  for (let i = 0; i < units; i++) {
    const unit = view.subarray(i * unitBytes, (i + 1) * unitBytes);
    const piece = openUnit(crypto, transform.key, unit, message.unitIndex + i, message.final && i === units - 1);
    copyInto(out, written, piece);
    written += piece.length;
    release(piece);
  }
  return written;
}
const sink = createSink(crypto, fs, (reply) => parentPort.postMessage(reply), fd, partSize, syncEvery);
parentPort.on('message', (message) => {
  try {
    if (message.type === 'bytes') return sink.take(message.bytes);
    if (message.type === 'finish') {
      return sink.finish((error, digest) =>
        error ? fail(error) : parentPort.postMessage({ type: 'digest', ...digest }),
      );
    }
    const view = new Uint8Array(memory, message.slot * slotBytes, message.length);
    sink.take(view);
    if (message.unitIndex === undefined) return parentPort.postMessage({ type: 'free', slot: message.slot });
    const written = transformSlot(message, view);
    parentPort.postMessage({ type: 'free', slot: message.slot, written, length: message.length });
  } catch (error) {
    fail(error);
  }
});
function fail(error) {
  parentPort.postMessage({
    type: 'error',
    message: String(error && error.message),
    code: error && error.code,
    reason: error && error.reason,
  });
}`;

type WorkerReply =
  | { type: 'free'; slot: number; written?: number; length?: number }
  | ({ type: 'part' } & OutputPart)
  | { type: 'digest'; sha256: string; size: number }
  | { type: 'synced'; bytes: number }
  | { type: 'error'; message: string; code?: string; reason?: string };

/** A transform run on the input's worker (see SlotTransform.inWorker), writing into the output ring's memory. */
interface WorkerTransform {
  readonly source: string;
  readonly key: Uint8Array;
  readonly unitBytes: number;
  readonly memory: SharedArrayBuffer;
  readonly slotBytes: number;
}

/** A ring of slots in shared memory, each lent to one worker until it reports the slot free again. */
class SlotRing {
  readonly memory: SharedArrayBuffer;
  /** With a worker transform: called, in slot order, once a slot's output is in the output ring's slot. */
  onTransformed: ((slot: number, written: number, inputBytes: number) => void) | undefined;
  /** Called once, with the first failure (a linked ring stops waiting on this one). */
  onFailure: ((error: Error) => void) | undefined;
  private readonly worker: Worker;
  /** Per slot, a promise that settles when the worker is done with it (or has failed). */
  private readonly busy: (Promise<void> | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly release: ((() => void) | undefined)[] = new Array(SLOTS).fill(undefined);
  private failure: Error | undefined;
  private digest: { resolve: (value: SideDigest) => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly slotBytes: number,
    fd?: number,
    parts?: PipelineOutput['parts'],
    transform?: WorkerTransform,
    sync?: Pick<PipelineOutput, 'syncEvery' | 'onSynced'>,
  ) {
    const syncEvery = sync?.syncEvery;
    this.memory = new SharedArrayBuffer(slotBytes * SLOTS);
    this.worker = new Worker(SLOT_WORKER, {
      eval: true,
      workerData: { memory: this.memory, slotBytes, fd, partSize: parts?.size, transform, syncEvery },
    });
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'free') {
        if (reply.written !== undefined) this.onTransformed?.(reply.slot, reply.written, reply.length ?? 0);
        this.settle(reply.slot);
      } else if (reply.type === 'part') {
        try {
          parts?.onPart({ partNumber: reply.partNumber, sha256: reply.sha256, end: reply.end });
        } catch (error) {
          this.fail(error instanceof Error ? error : new Error(String(error)));
        }
      } else if (reply.type === 'digest') this.digest?.resolve({ sha256: reply.sha256, size: reply.size });
      else if (reply.type === 'synced') {
        try {
          sync?.onSynced?.(reply.bytes);
        } catch (error) {
          this.fail(error instanceof Error ? error : new Error(String(error)));
        }
      } else
        this.fail(
          Object.assign(
            new Error(reply.message),
            reply.code ? { code: reply.code } : {},
            reply.reason ? { reason: reply.reason } : {},
          ),
        );
    });
    this.worker.on('error', (error) => this.fail(error));
  }

  slot(index: number): Buffer {
    return Buffer.from(this.memory, index * this.slotBytes, this.slotBytes);
  }

  sendBytes(bytes: Uint8Array): void {
    if (bytes.length > 0) this.worker.postMessage({ type: 'bytes', bytes });
  }

  /** Mark a slot busy before its bytes arrive (a worker transform fills it); {@link post} then sends it. */
  reserve(index: number): void {
    this.busy[index] ??= new Promise<void>((resolve) => {
      this.release[index] = resolve;
    });
  }

  /** Lend a slot to the worker; with `transform`, the worker also transforms it into the linked ring. */
  post(index: number, length: number, transform?: { unitIndex: number; final: boolean }): void {
    this.reserve(index);
    this.worker.postMessage({ type: 'slot', slot: index, length, ...transform });
  }

  async whenFree(index: number): Promise<void> {
    if (this.failure) throw this.failure;
    await this.busy[index];
    if (this.failure) throw this.failure;
  }

  finish(): Promise<SideDigest> {
    if (this.failure) return Promise.reject(this.failure);
    const result = new Promise<SideDigest>((resolve, reject) => {
      this.digest = { resolve, reject };
    });
    this.worker.postMessage({ type: 'finish' });
    return result;
  }

  /** Stop the worker; anything still waiting on a slot (a read begun before a failure) is released with an error. */
  async stop(): Promise<void> {
    this.fail(new Error('The file pipeline has stopped'));
    await this.worker.terminate();
  }

  private settle(index: number): void {
    this.busy[index] = undefined;
    this.release[index]?.();
    this.release[index] = undefined;
  }

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (let index = 0; index < SLOTS; index++) this.settle(index);
    this.digest?.reject(error);
    this.onFailure?.(error);
  }
}
