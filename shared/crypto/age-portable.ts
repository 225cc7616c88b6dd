// Crypto layer (runtime-neutral): age v1 seal/open over bytes and Web Streams via age-encryption, for browsers;
// and the same payload sealed range by range (any range, in any order, on any thread) for the portal's workers.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Decrypter, Encrypter, type ReadableStreamWithSize } from 'age-encryption';
import { PouchError } from '../domain/errors.ts';
import {
  concatBytes,
  type HeaderScan,
  locateHeaderEnd,
  MAX_HEADER_BYTES,
  parseAgeHeader,
} from './age-header.ts';
import { parseIdentity, parseRecipients } from './age-keys.ts';

/**
 * Seal bytes for the given recipients (`age1...`, `age1pq1...`). Same format as the Node fast path.
 *
 * @example
 * const sealed = await sealBytes(new TextEncoder().encode('request'), [recipient]);
 */
export async function sealBytes(plaintext: Uint8Array, recipients: readonly string[]): Promise<Uint8Array> {
  return createEncrypter(recipients).encrypt(plaintext);
}

/**
 * Open sealed bytes with the given identities. Errors: ERR_SEAL_FORMAT, ERR_SEAL_NO_IDENTITY,
 * ERR_SEAL_INTEGRITY, as for the Node path.
 */
export async function openBytes(sealed: Uint8Array, identities: readonly string[]): Promise<Uint8Array> {
  const decrypter = createDecrypter(identities);
  const scan = locateHeaderEnd(sealed);
  if (!('end' in scan)) throw new PouchError('ERR_SEAL_FORMAT', 'File ends inside the age header');
  parseAgeHeader(sealed.subarray(0, scan.end));
  try {
    return await decrypter.decrypt(sealed);
  } catch (cause) {
    throw translateError(cause);
  }
}

/**
 * Seal a Web stream of bytes; the result streams as it is read, in constant memory, and tells the sealed size
 * of a plaintext size (`size(n)`) before a byte is read, so an upload can be planned while it seals.
 */
export async function sealWebStream(
  plaintext: ReadableStream<Uint8Array>,
  recipients: readonly string[],
): Promise<ReadableStreamWithSize> {
  return createEncrypter(recipients).encrypt(plaintext);
}

/**
 * Open a Web stream of sealed bytes. The header is read (at most 64 KiB) and checked before this resolves;
 * payload failures surface as a stream error with a PouchError. Discard the output if the stream errors.
 */
export async function openWebStream(
  sealed: ReadableStream<Uint8Array>,
  identities: readonly AgeIdentity[],
): Promise<ReadableStream<Uint8Array>> {
  const decrypter = createDecrypter(identities);
  const reader = sealed.getReader();
  const parts: Uint8Array[] = [];
  let buffered: Uint8Array = new Uint8Array(0);
  let scan: HeaderScan = { resume: 0 };
  while (!('end' in scan)) {
    const next = await reader.read();
    if (next.done) throw new PouchError('ERR_SEAL_FORMAT', 'File ends inside the age header');
    parts.push(next.value);
    buffered = concatBytes([
      buffered,
      next.value.subarray(0, Math.max(0, MAX_HEADER_BYTES - buffered.length)),
    ]);
    scan = locateHeaderEnd(buffered, scan.resume);
  }
  parseAgeHeader(buffered.subarray(0, scan.end));
  const replay = prependParts(parts, reader);
  let opened: ReadableStream<Uint8Array>;
  try {
    opened = await decrypter.decrypt(replay);
  } catch (cause) {
    throw translateError(cause);
  }
  return mapStreamErrors(opened);
}

/** age's STREAM: 64 KiB plaintext chunks, each sealed with a 16-byte Poly1305 tag. */
export const AGE_CHUNK_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const SEALED_CHUNK_BYTES = AGE_CHUNK_BYTES + TAG_BYTES;
const PAYLOAD_LABEL = new TextEncoder().encode('payload');

/**
 * What sealing a file's payload needs once the header is made: the header and payload nonce that start the
 * sealed file (`prefix`), and the payload key. Anyone holding it can seal any range of the file independently.
 * The payload key opens the file: keep it inside the worker that made it and the workers it hands ranges to.
 */
export interface PayloadSealer {
  readonly prefix: Uint8Array;
  readonly payloadKey: Uint8Array;
}

/**
 * Make an age header for `recipients` and the payload key that goes with it, through age-encryption itself
 * (so stanzas, header MAC and key schedule stay the library's): a recipient that adds no stanza sees the file
 * key. The key schedule is checked against the library's own sealing of an empty payload before it is trusted.
 */
export async function startPayloadSeal(recipients: readonly string[]): Promise<PayloadSealer> {
  const encrypter = createEncrypter(recipients);
  let fileKey: Uint8Array | undefined;
  encrypter.addRecipient({
    wrapFileKey(key: Uint8Array) {
      fileKey = key.slice();
      return [];
    },
  });
  const empty = await encrypter.encrypt(new Uint8Array(0));
  if (!fileKey || empty.length < TAG_BYTES + 16) {
    throw new PouchError('ERR_INTERNAL', 'age-encryption did not hand over the file key');
  }
  const prefix = empty.slice(0, empty.length - TAG_BYTES);
  const payloadKey = hkdf(sha256, fileKey, prefix.subarray(prefix.length - 16), PAYLOAD_LABEL, 32);
  fileKey.fill(0);
  const check = chacha20poly1305(payloadKey, streamNonce(0, true)).encrypt(new Uint8Array(0));
  if (!equalBytes(check, empty.subarray(prefix.length))) {
    throw new PouchError('ERR_INTERNAL', 'The payload key does not match age-encryption’s sealing');
  }
  return { prefix, payloadKey };
}

/** Size of the sealed file for a plaintext of `plaintextSize` bytes after a prefix of `prefixLength` bytes. */
export function sealedSizeOf(prefixLength: number, plaintextSize: number): number {
  const chunks = Math.max(1, Math.ceil(plaintextSize / AGE_CHUNK_BYTES));
  return prefixLength + plaintextSize + chunks * TAG_BYTES;
}

/** The plaintext bytes (`start` inclusive, `end` exclusive) that sealed bytes `[start, end)` are made from. */
export function plaintextRangeFor(
  prefixLength: number,
  plaintextSize: number,
  start: number,
  end: number,
): { readonly start: number; readonly end: number } {
  if (end <= prefixLength) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, start - prefixLength) / SEALED_CHUNK_BYTES);
  const last = Math.floor((end - 1 - prefixLength) / SEALED_CHUNK_BYTES);
  return {
    start: Math.min(plaintextSize, first * AGE_CHUNK_BYTES),
    end: Math.min(plaintextSize, (last + 1) * AGE_CHUNK_BYTES),
  };
}

/**
 * Sealed bytes `[start, end)` of the file, given the plaintext range `plaintextRangeFor` names for them.
 * Chunks cut by the range's ends are sealed whole and trimmed, so ranges sealed apart join byte for byte
 * into what `sealWebStream` would have written with the same header.
 */
export function sealPayloadRange(
  sealer: PayloadSealer,
  plaintextSize: number,
  start: number,
  end: number,
  plaintext: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const total = sealedSizeOf(sealer.prefix.length, plaintextSize);
  if (
    !(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end <= total)
  ) {
    throw new PouchError('ERR_VALIDATION', 'Sealed range outside the file', { details: { field: 'range' } });
  }
  const plain = plaintextRangeFor(sealer.prefix.length, plaintextSize, start, end);
  if (plaintext.length !== plain.end - plain.start) {
    throw new PouchError('ERR_VALIDATION', 'Plaintext does not cover the sealed range', {
      details: { field: 'plaintext' },
    });
  }
  const out = new Uint8Array(end - start);
  const prefixLength = sealer.prefix.length;
  if (start < prefixLength) out.set(sealer.prefix.subarray(start, Math.min(end, prefixLength)));
  if (end <= prefixLength) return out;
  const lastChunk = Math.max(1, Math.ceil(plaintextSize / AGE_CHUNK_BYTES)) - 1;
  const firstChunk = plain.start / AGE_CHUNK_BYTES;
  for (let chunk = firstChunk; ; chunk++) {
    const from = chunk * AGE_CHUNK_BYTES;
    const to = Math.min(plaintextSize, from + AGE_CHUNK_BYTES);
    const at = prefixLength + chunk * SEALED_CHUNK_BYTES;
    if (at >= end || chunk > lastChunk) break;
    const cipher = chacha20poly1305(sealer.payloadKey, streamNonce(chunk, chunk === lastChunk));
    const source = plaintext.subarray(from - plain.start, to - plain.start);
    const sealedLength = to - from + TAG_BYTES;
    if (at >= start && at + sealedLength <= end) {
      cipher.encrypt(source, out.subarray(at - start, at - start + sealedLength));
    } else {
      const whole = cipher.encrypt(source);
      const lo = Math.max(start, at);
      const hi = Math.min(end, at + sealedLength);
      out.set(whole.subarray(lo - at, hi - at), lo - start);
    }
  }
  return out;
}

/** STREAM nonce: an 11-byte big-endian chunk counter, then 1 on the last chunk. */
function streamNonce(counter: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  let rest = counter;
  for (let i = 10; i >= 0 && rest > 0; i--) {
    nonce[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

function createEncrypter(recipients: readonly string[]): Encrypter {
  const encrypter = new Encrypter();
  for (const recipient of parseRecipients(recipients)) encrypter.addRecipient(recipient.text);
  return encrypter;
}

/**
 * An age identity: its text (`AGE-SECRET-KEY-1…`), or, in a browser, a non-extractable X25519 CryptoKey
 * (Web Crypto deriveBits), so the portal opens files without the identity ever being readable as bytes.
 */
export type AgeIdentity = string | CryptoKey;

function createDecrypter(identities: readonly AgeIdentity[]): Decrypter {
  if (identities.length === 0) throw new PouchError('ERR_SEAL_NO_IDENTITY', 'No identity was given');
  const decrypter = new Decrypter();
  for (const identity of identities) {
    decrypter.addIdentity(typeof identity === 'string' ? parseIdentity(identity).text : identity);
  }
  return decrypter;
}

/** Replays the bytes consumed while checking the header, then hands over to the rest of the source. */
function prependParts(
  parts: readonly Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const part = parts[index];
      if (part !== undefined) {
        index++;
        controller.enqueue(part);
        return;
      }
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function mapStreamErrors(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (cause) {
        controller.error(translateError(cause));
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** age-encryption throws plain Errors; its pinned (0.3.1) messages are mapped to stable codes. */
function translateError(cause: unknown): PouchError {
  if (cause instanceof PouchError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (message.includes('no identity matched')) {
    return new PouchError('ERR_SEAL_NO_IDENTITY', 'No identity matches any recipient of the file', { cause });
  }
  if (!message.includes('HMAC') && /stanza|header|version|non-ASCII/i.test(message)) {
    return new PouchError('ERR_SEAL_FORMAT', 'Malformed age file', { cause });
  }
  return new PouchError('ERR_SEAL_INTEGRITY', 'Sealed file failed verification', { cause });
}
