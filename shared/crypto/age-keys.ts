// Crypto layer (runtime-neutral): age identities and recipients: generation, Bech32 parsing and validation.
import {
  generateHybridIdentity as generateAgeHybridIdentity,
  generateX25519Identity as generateAgeX25519Identity,
  identityToRecipient,
} from 'age-encryption';
import { PouchError } from '../domain/errors.ts';

/** Key types Pouch seals to: classic X25519 and the hybrid post-quantum ML-KEM-768 + X25519. */
export type AgeKeyKind = 'x25519' | 'mlkem768x25519';

/** A validated recipient (`age1...` or `age1pq1...`) with its decoded public key. */
export interface AgeRecipient {
  readonly kind: AgeKeyKind;
  readonly text: string;
  /** 32 bytes (X25519) or 1216 bytes (ML-KEM-768 encapsulation key followed by the X25519 share). */
  readonly publicKey: Uint8Array;
}

/** A validated identity (`AGE-SECRET-KEY-1...` or `AGE-SECRET-KEY-PQ-1...`) with its decoded secret. */
export interface AgeIdentity {
  readonly kind: AgeKeyKind;
  readonly text: string;
  /** The X25519 scalar, or the 32-byte seed of the hybrid key pair. */
  readonly secretKey: Uint8Array;
}

/** A freshly generated identity and the recipient to publish for it. */
export interface AgeKeyPair {
  readonly identity: string;
  readonly recipient: string;
}

const X25519_RECIPIENT_HRP = 'age';
const HYBRID_RECIPIENT_HRP = 'age1pq';
const X25519_IDENTITY_HRP = 'AGE-SECRET-KEY-';
const HYBRID_IDENTITY_HRP = 'AGE-SECRET-KEY-PQ-';
const HYBRID_PUBLIC_KEY_BYTES = 1216;
const MAX_BECH32_LENGTH = 4096;

/**
 * Generate a new identity and its recipient. X25519 by default; `mlkem768x25519` gives a hybrid post-quantum
 * identity (`AGE-SECRET-KEY-PQ-1...` / `age1pq1...`), which the age CLI understands from v1.3 on.
 *
 * @example
 * const { identity, recipient } = await generateIdentity();
 */
export async function generateIdentity(kind: AgeKeyKind = 'x25519'): Promise<AgeKeyPair> {
  const identity = kind === 'x25519' ? await generateAgeX25519Identity() : await generateAgeHybridIdentity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** The recipient (`age1...`) that belongs to an identity. Throws ERR_SEAL_FORMAT for a malformed identity. */
export async function deriveRecipient(identity: string): Promise<string> {
  const parsed = parseIdentity(identity);
  return identityToRecipient(parsed.text);
}

/** Parse and validate a recipient string. Throws PouchError ERR_SEAL_FORMAT when it is not a supported one. */
export function parseRecipient(text: string): AgeRecipient {
  const { hrp, bytes } = decodeBech32(text);
  if (hrp === X25519_RECIPIENT_HRP && bytes.length === 32) return { kind: 'x25519', text, publicKey: bytes };
  if (hrp === HYBRID_RECIPIENT_HRP && bytes.length === HYBRID_PUBLIC_KEY_BYTES) {
    return { kind: 'mlkem768x25519', text, publicKey: bytes };
  }
  throw keyError('unsupported or malformed age recipient');
}

/** Parse and validate an identity string. Throws PouchError ERR_SEAL_FORMAT when it is not a supported one. */
export function parseIdentity(text: string): AgeIdentity {
  const { hrp, bytes } = decodeBech32(text);
  if (bytes.length === 32 && hrp === X25519_IDENTITY_HRP) return { kind: 'x25519', text, secretKey: bytes };
  if (bytes.length === 32 && hrp === HYBRID_IDENTITY_HRP) {
    return { kind: 'mlkem768x25519', text, secretKey: bytes };
  }
  throw keyError('unsupported or malformed age identity');
}

/**
 * Parse an identity file as `age-keygen` writes it: one identity per line, `#` comments and blank lines
 * ignored. Throws ERR_SEAL_FORMAT on any other line, or when the file holds no identity.
 */
export function parseIdentityFile(text: string): AgeIdentity[] {
  const identities = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map(parseIdentity);
  if (identities.length === 0) throw keyError('identity file holds no identity');
  return identities;
}

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/**
 * Encode bytes as Bech32 (BIP 173, without its 90-character limit, as age does). The case of `hrp` is kept:
 * age writes recipients in lower case and identities in upper case.
 */
export function encodeBech32(hrp: string, bytes: Uint8Array): string {
  const words = convertBits(bytes, 8, 5, true);
  const lowerHrp = hrp.toLowerCase();
  const checksum = computeChecksum(lowerHrp, words);
  const data = [...words, ...checksum].map((w) => CHARSET[w]!).join('');
  const out = `${lowerHrp}1${data}`;
  return hrp === hrp.toUpperCase() && hrp !== lowerHrp ? out.toUpperCase() : out;
}

/**
 * Decode a Bech32 string into its human-readable part (case as written) and bytes. Mixed case, bad
 * characters, a wrong checksum or non-zero padding bits throw ERR_SEAL_FORMAT.
 */
export function decodeBech32(text: string): { hrp: string; bytes: Uint8Array } {
  if (typeof text !== 'string' || text.length > MAX_BECH32_LENGTH) throw keyError('malformed key');
  const lower = text.toLowerCase();
  if (text !== lower && text !== text.toUpperCase()) throw keyError('mixed-case key');
  const separator = lower.lastIndexOf('1');
  if (separator < 1 || separator + 7 > lower.length) throw keyError('malformed key');
  const hrp = text.slice(0, separator);
  for (let i = 0; i < hrp.length; i++) {
    const c = hrp.charCodeAt(i);
    if (c < 33 || c > 126) throw keyError('malformed key');
  }
  const values: number[] = [];
  for (const char of lower.slice(separator + 1)) {
    const value = CHARSET.indexOf(char);
    if (value < 0) throw keyError('malformed key');
    values.push(value);
  }
  if (polymod([...expandHrp(lower.slice(0, separator)), ...values]) !== 1) throw keyError('bad key checksum');
  const bytes = Uint8Array.from(convertBits(values.slice(0, -6), 5, 8, false));
  return { hrp, bytes };
}

function computeChecksum(hrp: string, words: readonly number[]): number[] {
  const mod = polymod([...expandHrp(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  return [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
}

function expandHrp(hrp: string): number[] {
  const high: number[] = [];
  const low: number[] = [];
  for (let i = 0; i < hrp.length; i++) {
    high.push(hrp.charCodeAt(i) >> 5);
    low.push(hrp.charCodeAt(i) & 31);
  }
  return [...high, 0, ...low];
}

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATORS[i]!;
  }
  return chk >>> 0;
}

function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxValue = (1 << to) - 1;
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & maxValue);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxValue);
  } else if (bits >= from || acc !== 0) {
    throw keyError('non-zero padding in key');
  }
  return out;
}

function keyError(message: string): PouchError {
  return new PouchError('ERR_SEAL_FORMAT', message);
}
