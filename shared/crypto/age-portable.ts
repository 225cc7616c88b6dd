// Crypto layer (runtime-neutral): age v1 seal/open over bytes and Web Streams via age-encryption, for browsers.
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
