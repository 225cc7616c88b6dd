// Crypto layer (runtime-neutral): strict, bounded codec for the textual age v1 header; no cryptography here.
import { PouchError } from '../domain/errors.ts';

/** First line of every age v1 file. */
export const AGE_VERSION_LINE = 'age-encryption.org/v1';
/** Hostile-input bound: a header longer than this is rejected before it is parsed. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Hostile-input bound: a header with more stanzas than this is rejected. */
export const MAX_STANZAS = 64;

const NEWLINE = 0x0a;
const DASH = 0x2d;
const BODY_COLUMNS = 64;
const BODY_BYTES_PER_LINE = 48;
const MAC_BYTES = 32;

/** One recipient stanza: `-> type arg...` and its raw (decoded) body. */
export interface AgeStanza {
  readonly args: readonly string[];
  readonly body: Uint8Array;
}

/** A parsed header. `headerNoMac` is the exact byte range the header MAC covers (up to and including `---`). */
export interface AgeHeader {
  readonly stanzas: readonly AgeStanza[];
  readonly headerNoMac: Uint8Array;
  readonly mac: Uint8Array;
  /** Length in bytes of the whole header, MAC line and its newline included. */
  readonly size: number;
}

/** Progress of {@link locateHeaderEnd}: the header length once known, else where to resume scanning. */
export type HeaderScan = { readonly end: number } | { readonly resume: number };

/**
 * Find where the header ends in the first bytes of a file: just past the newline of the MAC line (the first
 * line that starts with `---`). Throws ERR_SEAL_FORMAT as soon as the header is known to exceed
 * {@link MAX_HEADER_BYTES}, so a hostile endless line costs at most that much memory and time.
 *
 * @param bytes - the file's first bytes, as buffered so far
 * @param from - the `resume` of the previous call on a shorter prefix of the same bytes, keeping scans linear
 */
export function locateHeaderEnd(bytes: Uint8Array, from = 0): HeaderScan {
  const limit = Math.min(bytes.length, MAX_HEADER_BYTES);
  let i = Math.max(1, from);
  for (; i + 3 <= limit; i++) {
    if (bytes[i - 1] === NEWLINE && bytes[i] === DASH && bytes[i + 1] === DASH && bytes[i + 2] === DASH) {
      const end = bytes.indexOf(NEWLINE, i);
      if (end >= 0 && end < MAX_HEADER_BYTES) return { end: end + 1 };
      if (end >= MAX_HEADER_BYTES || bytes.length >= MAX_HEADER_BYTES) throw tooLarge();
      return { resume: i };
    }
  }
  if (bytes.length >= MAX_HEADER_BYTES) throw tooLarge();
  return { resume: i };
}

/**
 * Parse a complete header (exactly the bytes {@link locateHeaderEnd} delimited) with the strictness of the
 * reference implementation: canonical unpadded base64, 64-column body lines, printable ASCII only.
 * Throws PouchError ERR_SEAL_FORMAT on any deviation.
 */
export function parseAgeHeader(header: Uint8Array): AgeHeader {
  if (header.length > MAX_HEADER_BYTES) throw tooLarge();
  const lines = splitLines(header);
  let at = 0;
  const next = (): string => {
    const line = lines[at++];
    if (line === undefined) throw formatError('header ends before its MAC line');
    return line;
  };
  if (next() !== AGE_VERSION_LINE) throw formatError('not an age v1 file');
  const stanzas: AgeStanza[] = [];
  for (;;) {
    const line = next();
    if (line.startsWith('---')) {
      if (!line.startsWith('--- ')) throw formatError('malformed MAC line');
      const mac = decodeBase64NoPad(line.slice(4));
      if (mac.length !== MAC_BYTES) throw formatError('malformed MAC line');
      if (at !== lines.length) throw formatError('bytes after the MAC line inside the header');
      const macLineLength = line.length + 1;
      const noMacEnd = header.length - macLineLength + 3;
      return { stanzas, headerNoMac: header.subarray(0, noMacEnd), mac, size: header.length };
    }
    if (!line.startsWith('-> ')) throw formatError('expected a stanza or the MAC line');
    if (stanzas.length >= MAX_STANZAS) throw formatError(`more than ${MAX_STANZAS} stanzas`);
    const args = line.slice(3).split(' ');
    if (args.some((arg) => arg.length === 0)) throw formatError('empty stanza argument');
    const body: Uint8Array[] = [];
    for (;;) {
      const bodyLine = next();
      if (bodyLine.length > BODY_COLUMNS) throw formatError('stanza body line too long');
      body.push(decodeBase64NoPad(bodyLine));
      if (bodyLine.length < BODY_COLUMNS) break;
    }
    stanzas.push({ args, body: concatBytes(body) });
  }
}

/** Encode the header up to and including `---` (the bytes the MAC covers). */
export function encodeHeaderNoMac(stanzas: readonly AgeStanza[]): Uint8Array {
  let text = AGE_VERSION_LINE + '\n';
  for (const stanza of stanzas) {
    text += '-> ' + stanza.args.join(' ') + '\n';
    for (let i = 0; i < stanza.body.length; i += BODY_BYTES_PER_LINE) {
      text += encodeBase64NoPad(stanza.body.subarray(i, i + BODY_BYTES_PER_LINE)) + '\n';
    }
    if (stanza.body.length % BODY_BYTES_PER_LINE === 0) text += '\n';
  }
  return new TextEncoder().encode(text + '---');
}

/** Encode the tail of the header that follows `---`: a space, the MAC and a newline. */
export function encodeMacLineTail(mac: Uint8Array): Uint8Array {
  return new TextEncoder().encode(' ' + encodeBase64NoPad(mac) + '\n');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE_TABLE = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Standard base64 without padding, as age writes it. */
export function encodeBase64NoPad(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/** Strict decoding of unpadded base64: rejects padding, foreign characters and non-zero trailing bits. */
export function decodeBase64NoPad(text: string): Uint8Array {
  if (text.length % 4 === 1) throw formatError('invalid base64 length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE_TABLE[code]! : -1;
    if (value < 0) throw formatError('invalid base64 character');
    acc = ((acc << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw formatError('non-canonical base64');
  return out;
}

/** Concatenate byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function splitLines(header: Uint8Array): string[] {
  if (header[header.length - 1] !== NEWLINE) throw formatError('header does not end with a newline');
  for (const byte of header) {
    if (byte !== NEWLINE && (byte < 0x20 || byte > 0x7e)) throw formatError('non-printable byte in header');
  }
  const text = new TextDecoder().decode(header);
  return text.slice(0, -1).split('\n');
}

function formatError(message: string): PouchError {
  return new PouchError('ERR_SEAL_FORMAT', `Malformed age header: ${message}`);
}

function tooLarge(): PouchError {
  return formatError(`header exceeds ${MAX_HEADER_BYTES} bytes`);
}
