// Local mode infrastructure: the embedded S3 assembles a multipart upload while its parts arrive, so that
// CompleteMultipartUpload renames one file instead of copying the whole object (S3 completes in about constant
// time; a 1 GiB copy at completion was most of a 1 GiB send's commit). Used by s3-checksums.ts, which falls back
// to concatenating the part files whenever this cannot vouch for every byte of the assembly.
//
// How: each part's body, on its way to s3rver's part file, is also written into `<upload folder>/assembly` at
// (n - 1) × S, where S is part 1's declared length (every part but the last has one size, as both the CLI and
// lib-storage send them). A part counts as in place only when its PUT succeeded (its MD5 is the one s3rver
// recorded for the part file) and no other PUT of the same part overlapped it. At completion the listed parts
// must be 1..N, N-1 of them S bytes long; a part not in place is copied in from its part file (up to a quarter of
// them: more, and concatenating costs less); then the file is cut to the object's size. The state that vouches
// for the bytes is in memory: after a restart no part stored before it counts as in place.
import { close as closeFd, constants, openSync, write } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';

/** A listed part as the completion checked it against s3rver's records. */
export interface CheckedPart {
  readonly number: number;
  readonly md5: string;
  readonly size: number;
}

/** The upload's assembly file's name in its folder (part files are named by number only). */
export const assemblyName = 'assembly';

interface Ticket {
  /** False once another PUT of the same part overlapped this one: neither may vouch for the bytes. */
  clean: boolean;
  /** Set when the PUT settled: a chunk arriving after it is not written. */
  done: boolean;
  /** Bytes of the body written into the assembly so far. */
  written: number;
  /** Not teed (no layout yet, or too long for its slot) or a write failed: the part is not in place. */
  failed: boolean;
}

interface Layout {
  /** Part 1's declared length: the stride of the assembly. */
  partSize?: number;
  broken: boolean;
  /** Parts whose bytes are in place: their MD5 and size. */
  readonly placed: Map<number, { md5: string; size: number }>;
  readonly inFlight: Map<number, Set<Ticket>>;
}

export class PartAssembler {
  private readonly uploads = new Map<string, Layout>();

  /**
   * A PUT of part `partNumber` (`length` bytes declared) is starting: returns the body to hand s3rver (teed into
   * the assembly when the layout allows) and `settle`, to call exactly once when the PUT ended, with the MD5 and
   * size s3rver recorded when it succeeded and undefined when it did not.
   */
  begin(
    uploadId: string,
    folder: string,
    partNumber: number,
    length: number | undefined,
    body: NodeJS.ReadableStream,
  ): { body: NodeJS.ReadableStream; settle: (stored?: { md5: string; size: number }) => Promise<void> } {
    let layout = this.uploads.get(uploadId);
    if (!layout) {
      layout = { broken: false, placed: new Map(), inFlight: new Map() };
      this.uploads.set(uploadId, layout);
    }
    const current = layout;
    current.placed.delete(partNumber);
    let tickets = current.inFlight.get(partNumber);
    if (!tickets) {
      tickets = new Set();
      current.inFlight.set(partNumber, tickets);
    }
    const ticket: Ticket = { clean: tickets.size === 0, done: false, written: 0, failed: false };
    for (const other of tickets) other.clean = false;
    tickets.add(ticket);
    const own = tickets;
    if (partNumber === 1 && length !== undefined) {
      if (current.partSize === undefined) current.partSize = length;
      else if (current.partSize !== length) current.broken = true;
    }

    /** Writes of this body not yet done, and who waits for them to be done. */
    let pending = 0;
    const idle: Array<() => void> = [];
    const whenIdle = (): Promise<void> =>
      pending === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    let fd: number | undefined;
    const close = async (): Promise<void> => {
      await whenIdle();
      const open = fd;
      fd = undefined;
      if (open !== undefined) await new Promise<void>((resolve) => closeFd(open, () => resolve()));
    };

    // The ticket leaves the part's in-flight set only once no write of its body is pending: a PUT of the same
    // part that starts before then is an overlap (neither vouches for the bytes), and a completion (which waits
    // for every PUT to settle) never finds a write still on its way into the assembly.
    const settle = async (stored?: { md5: string; size: number }): Promise<void> => {
      if (ticket.done) return;
      ticket.done = true;
      await close();
      own.delete(ticket);
      const inPlace =
        stored !== undefined &&
        ticket.clean &&
        !ticket.failed &&
        ticket.written === stored.size &&
        stored.size === length;
      if (inPlace) current.placed.set(partNumber, stored);
      else current.placed.delete(partNumber);
    };

    const stride = current.partSize;
    if (current.broken || stride === undefined || length === undefined || length > stride) {
      ticket.failed = true;
      return { body, settle };
    }
    const offset = (partNumber - 1) * stride;
    const path = join(folder, assemblyName);
    // Writes go to libuv's threads, so the event loop that reads every upload's socket does not wait for the page
    // cache; the chunk goes on at once, and only a body whose writes fall behind is held back.
    let held: (() => void) | undefined;
    const wrote = (error: NodeJS.ErrnoException | null | undefined): void => {
      if (error) ticket.failed = true;
      pending--;
      const resume = held;
      held = undefined;
      resume?.();
      if (pending === 0) for (const wake of idle.splice(0)) wake();
    };
    const tee = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
        if (!ticket.done && !ticket.failed) {
          try {
            fd ??= openSync(path, openFlags, 0o600);
            pending++;
            writeFully(fd, chunk, offset + ticket.written, wrote);
            ticket.written += chunk.length;
          } catch {
            ticket.failed = true;
          }
        }
        if (pending < MAX_PENDING_WRITES) return callback(null, chunk);
        held = () => callback(null, chunk);
      },
      flush(callback: TransformCallback) {
        close().then(() => callback(), callback);
      },
      destroy(error: Error | null, callback: (error: Error | null) => void) {
        ticket.failed ||= error !== null;
        callback(error);
      },
    });
    body.on('error', (error) => tee.destroy(error));
    body.pipe(tee);
    return { body: tee, settle };
  }

  /**
   * At completion, with the listed parts checked: the path of the assembly holding exactly their bytes in order,
   * or undefined (then concatenate). Forgets the upload either way.
   */
  async take(uploadId: string, folder: string, parts: readonly CheckedPart[]): Promise<string | undefined> {
    const layout = this.uploads.get(uploadId);
    this.uploads.delete(uploadId);
    const stride = layout?.partSize;
    if (!layout || layout.broken || stride === undefined || parts.length === 0) return undefined;
    const last = parts.length - 1;
    const fits = parts.every(
      (p, i) => p.number === i + 1 && (i < last ? p.size === stride : p.size <= stride),
    );
    if (!fits) return undefined;
    const missing = parts.filter((p) => {
      const placed = layout.placed.get(p.number);
      return placed === undefined || placed.md5 !== p.md5 || placed.size !== p.size;
    });
    // Copying many parts here would cost more than the kernel's concatenation.
    if (missing.length > parts.length / 4) return undefined;
    const path = join(folder, assemblyName);
    const out = await open(path, openFlags, 0o600);
    try {
      for (const part of missing)
        await copyInto(out, join(folder, String(part.number)), (part.number - 1) * stride);
      await out.truncate(last * stride + (parts[last]?.size ?? 0));
    } finally {
      await out.close();
    }
    return path;
  }
}

/** Writes of one body in flight before it stops taking chunks (64 KiB each off the socket). */
const MAX_PENDING_WRITES = 8;

/** `chunk` at `position` of `fd`, however many writes it takes; `done` once, with the first error if any. */
function writeFully(
  fd: number,
  chunk: Buffer,
  position: number,
  done: (error: NodeJS.ErrnoException | null) => void,
): void {
  let at = 0;
  const next = (): void => {
    write(fd, chunk, at, chunk.length - at, position + at, (error, written) => {
      if (error) return done(error);
      at += written;
      if (at < chunk.length) next();
      else done(null);
    });
  };
  next();
}

/** Write-only, created when missing, never truncated on open (parts land at their offsets). */
const openFlags = constants.O_WRONLY | constants.O_CREAT;

async function copyInto(out: FileHandle, source: string, offset: number): Promise<void> {
  const input = await open(source, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let at = 0;
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) return;
      let written = 0;
      while (written < bytesRead) {
        written += (await out.write(buffer, written, bytesRead - written, offset + at + written))
          .bytesWritten;
      }
      at += bytesRead;
    }
  } finally {
    await input.close();
  }
}
