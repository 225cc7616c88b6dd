// Crypto layer (runtime-neutral): age identities and recipients: generation, Bech32 parsing and validation.
import { bech32 } from '@scure/base';
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

/**
 * Throw ERR_VALIDATION (naming `recipients.<index>`) unless every recipient is an age X25519 (`age1...`) or
 * hybrid (`age1pq1...`) one: the check the directory applies to the recipients an authority publishes.
 */
export function validateRecipients(recipients: readonly string[]): void {
  recipients.forEach((text, index) => {
    try {
      parseRecipient(text);
    } catch {
      const message = 'not an age X25519 or hybrid post-quantum recipient';
      throw new PouchError('ERR_VALIDATION', message, {
        details: { errors: [{ field: `recipients.${index}`, message }] },
      });
    }
  });
}

/**
 * Parse the recipients of one seal: duplicates dropped, each validated, and hybrid post-quantum and classic
 * X25519 recipients never mixed. A file sealed to both can be opened by breaking X25519 alone, so one classic
 * recipient silently removes the post-quantum protection the hybrid ones asked for (age itself refuses the mix).
 * Throws ERR_SEAL_FORMAT (none, or malformed) or ERR_SEAL_RECIPIENTS_MIXED.
 *
 * @example
 * parseRecipients([pqA, pqB]); // ok
 * parseRecipients([pqA, classicB]); // throws ERR_SEAL_RECIPIENTS_MIXED
 */
export function parseRecipients(texts: readonly string[]): AgeRecipient[] {
  if (texts.length === 0) throw new PouchError('ERR_SEAL_FORMAT', 'At least one recipient is required');
  const parsed = [...new Set(texts)].map(parseRecipient);
  const hybrid = parsed.filter((r) => r.kind === 'mlkem768x25519').length;
  if (hybrid > 0 && hybrid < parsed.length) {
    throw new PouchError(
      'ERR_SEAL_RECIPIENTS_MIXED',
      'Post-quantum (age1pq1...) and classic (age1...) recipients cannot be mixed: use all hybrid, or none',
      { details: { hybrid, classic: parsed.length - hybrid } },
    );
  }
  return parsed;
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

/**
 * Encode bytes as Bech32 (BIP 173, without its 90-character limit, as age does), with @scure/base. The case of
 * `hrp` is kept: age writes recipients in lower case and identities in upper case.
 */
export function encodeBech32(hrp: string, bytes: Uint8Array): string {
  const out = bech32.encode(hrp.toLowerCase(), bech32.toWords(bytes), false);
  return hrp === hrp.toUpperCase() && hrp !== hrp.toLowerCase() ? out.toUpperCase() : out;
}

/**
 * Decode a Bech32 string into its human-readable part (case as written) and bytes. Mixed case, bad
 * characters, a wrong checksum or non-zero padding bits throw ERR_SEAL_FORMAT.
 */
export function decodeBech32(text: string): { hrp: string; bytes: Uint8Array } {
  if (typeof text !== 'string' || text.length > MAX_BECH32_LENGTH) throw keyError('malformed key');
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) throw keyError('mixed-case key');
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32.decode(text as `${string}1${string}`, false);
  } catch {
    throw keyError('malformed key or bad key checksum');
  }
  let bytes: Uint8Array;
  try {
    bytes = bech32.fromWords(decoded.words);
  } catch {
    throw keyError('non-zero padding in key');
  }
  return { hrp: text.slice(0, decoded.prefix.length), bytes };
}

function keyError(message: string): PouchError {
  return new PouchError('ERR_SEAL_FORMAT', message);
}
