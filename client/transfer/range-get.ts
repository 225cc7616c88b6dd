// Client transfer engine: one ranged GET of `pouch fetch` on its own socket, the body read by the kernel straight
// into the fetch's batch buffers (fetch-open.ts), with no buffer allocated per socket read.
import { isIP, connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { PouchError } from '../../shared/domain/errors.ts';

/** Where a body goes: the fetch's current batch buffer. */
export interface BodySink {
  /** Room for the next bytes: a non-empty view of the caller's buffer, at most `limit` bytes long. */
  space(limit: number): Uint8Array;
  /** `n` bytes were put in the last room given; a promise holds further reads until it settles (a write). */
  took(n: number): Promise<void> | undefined;
}

/** One answer to a ranged GET: its status, and its body for the reading or the dropping. */
export interface RangeAnswer {
  readonly status: number;
  /**
   * Read the whole body into the sink given with the request. It must be `length` bytes: a longer one is
   * refused before it is read (ERR_HASH_MISMATCH: storage holds other bytes than the range), a shorter one
   * rejects when it ends.
   */
  readBody(length: number): Promise<void>;
  /** Release an answer whose body is not read. */
  cancel(): void;
}

/** The most header bytes an answer may start with. */
const MAX_HEAD_BYTES = 64 * 1024;
/**
 * How long storage may stay silent (connecting, mid-head or mid-body) before the GET fails and is retried. A
 * socket has no timeout of its own: without one, storage that stops sending holds the fetch forever.
 */
export const IDLE_TIMEOUT_MS = 60_000;
/**
 * Head buffers (and spill buffers for the body bytes that come with a head) of GETs whose socket has closed, for
 * the next GETs. Each one lives as long as its GET, seconds: made anew, they reached the old generation and
 * waited for a full collection, which V8 holds off until tens of MB of such memory pile up (128 GETs of 64 KiB
 * each at 4 GiB: peak RSS grew with the document).
 */
const spareBuffers: Buffer[] = [];
/** Two per GET in flight, with room to spare: beyond this, a buffer is left to the collector. */
const MAX_SPARE_BUFFERS = 16;
const EMPTY = Buffer.alloc(0);

function takeBuffer(): Buffer {
  return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(MAX_HEAD_BYTES);
}

/** A header name (RFC 9110 token): anything else (a folded line, a space before the colon) refuses the head. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Storage's answer was not a well-formed HTTP/1.1 head (retried: a proxy or a network may have mangled it). */
function malformed(what: string): PouchError {
  return new PouchError('ERR_STORAGE', `Storage answered with a malformed head (${what})`);
}

/**
 * A 206 must be for the range asked, byte for byte: one for another range (a cache, a proxy, storage that
 * ignored the start of a resumed range) would be written at this range's place. Undefined when it matches.
 */
export function otherRange(range: string, contentRange: string | undefined): PouchError | undefined {
  const asked = /^bytes=(\d+)-(\d+)$/.exec(range);
  const got = /^bytes (\d+)-(\d+)\/(?:\d+|\*)$/.exec(contentRange ?? '');
  if (asked && got && Number(asked[1]) === Number(got[1]) && Number(asked[2]) === Number(got[2])) {
    return undefined;
  }
  return new PouchError('ERR_STORAGE', 'Storage answered for another range than the one asked');
}

/** Storage sent more than the range holds: other bytes than the manifest names (never retried). */
export function tooLong(range: number): PouchError {
  return new PouchError('ERR_HASH_MISMATCH', 'Storage sent more bytes than the range holds', {
    details: { range },
  });
}

/**
 * A ranged GET on a plain socket (TLS for https) in HTTP/1.1. Through node:http, each socket read of at most
 * 64 KiB arrives in a buffer of its own; at a GiB that is 16,000 buffers, and their memory, held outside the
 * heap, set off a full collection of the heap every 15 MiB or so (bench/fetch-stages.ts). Here the kernel
 * copies each read into the room the sink gives, so received bytes land, once, in a buffer that is reused.
 * The head is read there too, copied aside, and the body bytes that came with it are moved to the room's start.
 *
 * A body sent in chunks (no Content-Length) is read through `fallback` (node:http) instead: storage that
 * serves objects announces their length, so that path is for other servers only.
 */
export function socketGet(
  url: string,
  range: string,
  index: number,
  sink: BodySink,
  signal: AbortSignal,
  fallback: () => Promise<RangeAnswer>,
  idleMs = IDLE_TIMEOUT_MS,
): Promise<RangeAnswer> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const port = Number(target.port || (secure ? 443 : 80));
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise<RangeAnswer>((resolve, reject) => {
    signal.throwIfAborted();
    const head = takeBuffer();
    /** Holds the body bytes that came with the head: the head buffer takes the next read. */
    let spill: Buffer | undefined;
    let headBytes = 0;
    let phase: 'head' | 'body' | 'done' = 'head';
    /** Body bytes left to read (Infinity: until the server closes). */
    let remaining = Number.POSITIVE_INFINITY;
    /** Body bytes that came with the head, copied aside until the body is asked for. */
    let early: Buffer = EMPTY;
    /** The body was asked for: reads go straight into the sink's room (after the one already given the head buffer). */
    let direct = false;
    /** Reads wait for the sink's write: silence then is the client's, not storage's. */
    let holding = false;
    let body: { resolve: () => void; reject: (error: unknown) => void } | undefined;
    let failure: unknown;

    const settle = (): void => {
      phase = 'done';
      socket.destroy();
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown): void => {
      if (phase === 'done') return;
      settle();
      failure = error;
      reject(error);
      body?.reject(error);
    };
    const finish = (): void => {
      if (phase === 'done') return;
      settle();
      body?.resolve();
    };
    const onAbort = (): void =>
      fail(
        Object.assign(new Error('The range GET was aborted'), { name: 'AbortError', cause: signal.reason }),
      );
    signal.addEventListener('abort', onAbort, { once: true });

    /** After `n` body bytes went to the sink: false pauses the socket until the sink's write settles. */
    const after = (n: number, pending: Promise<void> | undefined): boolean => {
      remaining -= n;
      if (pending !== undefined) holding = true;
      if (remaining <= 0) {
        if (pending === undefined) finish();
        else pending.then(finish, fail);
        return false;
      }
      if (pending === undefined) return true;
      pending.then(() => {
        holding = false;
        if (phase === 'body') socket.resume();
      }, fail);
      return false;
    };
    /** Copy body bytes read elsewhere (with the head, or into the head buffer) into the sink. */
    const copyIn = (bytes: Uint8Array): boolean => {
      const length = Math.min(bytes.length, remaining);
      let pending: Promise<void> | undefined;
      for (let offset = 0; offset < length; ) {
        const room = sink.space(length - offset);
        const n = Math.min(room.length, length - offset);
        room.set(bytes.subarray(offset, offset + n));
        offset += n;
        // A write under way holds the next one: the rest goes to a fresh batch, which cannot fill from here.
        pending = sink.took(n) ?? pending;
      }
      return after(length, pending);
    };

    /** The head is whole at `end`: answer, paused until the body is asked for (or dropped). */
    const onHead = (end: number): boolean => {
      const lines = head.toString('latin1', 0, end).split('\r\n');
      const status = Number(/^HTTP\/1\.[01] ([1-9]\d\d)(?: |$)/.exec(lines[0] ?? '')?.[1] ?? Number.NaN);
      if (!Number.isInteger(status)) {
        fail(new PouchError('ERR_STORAGE', 'Storage answered with something other than HTTP/1.1'));
        return false;
      }
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, Math.max(0, colon)).toLowerCase();
        const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
        // A folded line (obs-fold) or a space before the colon would smuggle a header past a stricter reader.
        if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(value)) {
          fail(malformed('header line'));
          return false;
        }
        // Two lengths that differ: which body is this range's is not known.
        if (headers.has(name) && name === 'content-length' && headers.get(name) !== value) {
          fail(malformed('Content-Length'));
          return false;
        }
        headers.set(name, value);
      }
      if (headers.has('transfer-encoding')) {
        settle();
        fallback().then(resolve, reject);
        return false;
      }
      const announced = headers.get('content-length');
      // A length with a sign, in hex or listed is refused, not read as no length at all.
      if (announced !== undefined && !/^\d+$/.test(announced)) {
        fail(malformed('Content-Length'));
        return false;
      }
      if (status === 206) {
        const other = otherRange(range, headers.get('content-range'));
        if (other) {
          fail(other);
          return false;
        }
      }
      const length = announced === undefined ? undefined : Number(announced);
      remaining = length ?? Number.POSITIVE_INFINITY;
      if (headBytes > end + 4) {
        spill = takeBuffer();
        early = spill.subarray(0, head.copy(spill, 0, end + 4, headBytes));
      }
      phase = 'body';
      resolve({
        status,
        readBody(expected) {
          if (length !== undefined && length > expected) return Promise.reject(tooLong(index));
          // A body that ends when the server closes is read no further than the range: never past its end in
          // the spool (what was asked for is all that is kept, and it is verified like any other).
          if (length === undefined) remaining = expected;
          if (phase === 'done') return failure ? Promise.reject(failure) : Promise.resolve();
          return new Promise<void>((resolveBody, rejectBody) => {
            body = { resolve: resolveBody, reject: rejectBody };
            direct = true;
            if (copyIn(early)) socket.resume();
          });
        },
        cancel: finish,
      });
      return false;
    };

    const onread: OnReadOpts = {
      // Called after each read for the room of the next one. Never more than the body holds: bytes past it
      // are not read into the caller's buffer.
      buffer: () => {
        if (phase === 'head') return head.subarray(headBytes);
        return phase === 'body' && direct && remaining > 0 ? sink.space(remaining) : head;
      },
      callback: (n: number, room: Uint8Array) => {
        if (phase === 'head') {
          headBytes += n;
          const end = head.subarray(0, headBytes).indexOf('\r\n\r\n', Math.max(0, headBytes - n - 3));
          if (end >= 0) return onHead(end);
          if (headBytes < head.length) return true;
          fail(new PouchError('ERR_STORAGE', 'Storage answered with an oversized head'));
          return false;
        }
        if (phase !== 'body') return false;
        // The first read after the body was asked for went into the head buffer (named before it was asked).
        if (room === head) return copyIn(head.subarray(0, n));
        return after(n, sink.took(n));
      },
    };
    // tls.connect passes `onread` on to its socket as net.connect does (Node 20), though its types omit it.
    const tlsOptions: ConnectionOptions & { onread: OnReadOpts } = {
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ALPNProtocols: ['http/1.1'],
      onread,
    };
    const socket: Socket = secure ? tlsConnect(tlsOptions) : netConnect({ host, port, onread });
    socket.on(secure ? 'secureConnect' : 'connect', () => {
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nRange: ${range}\r\nConnection: close\r\n\r\n`,
      );
    });
    socket.on('error', fail);
    socket.setTimeout(idleMs);
    socket.on('timeout', () => {
      // Waiting on the client (a write, or the body not yet asked for) is no silence of storage's.
      if (holding || (phase === 'body' && !direct)) socket.setTimeout(idleMs);
      else
        fail(
          new PouchError('ERR_STORAGE', 'Storage sent nothing for too long', { details: { range: index } }),
        );
    });
    socket.on('end', () => {
      if (phase === 'body' && remaining === Number.POSITIVE_INFINITY) finish();
    });
    // (A close-delimited body read to the range's end finishes in `after`; one closed before it fails below.)
    socket.on('close', () => {
      fail(new PouchError('ERR_STORAGE', 'Storage closed the connection before the range ended'));
      // Closed: no read lands in these any more, and the body was read (or refused) before (phase is done).
      for (const buffer of spill ? [head, spill] : [head]) {
        if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
      }
      spill = undefined;
      early = EMPTY;
    });
  });
}
