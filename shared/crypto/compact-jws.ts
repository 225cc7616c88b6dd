// Crypto layer: the exchange's compact JWS (ES256) for access tokens, receipts and checkpoints, built by hand over the Signer port (KMS or key file) and
// verified either with jose (reference path) or with a key imported once (bulk path: `#es256`, node:crypto in
// Node, @noble/curves in the portal's build).

import { base64urlnopad } from '@scure/base';
import { compactVerify, type JWK } from 'jose';
import { decodeCheckedBase64url, type Es256PublicKey, importEs256PublicKey, verifyEs256 } from '#es256';
import { PouchError } from '../domain/errors.ts';
import { canonicalJson } from '../domain/ledger/jcs.ts';
import type { Signer } from './signer.ts';

/** The protected header Pouch writes: nothing else, so nothing else needs to be understood. */
export interface PouchJwsHeader {
  readonly alg: 'ES256';
  readonly kid: string;
  readonly typ: string;
}

/** A public ES256 key as the directory publishes it. */
export type PublicJwk = JsonWebKey & { kid?: string };

const B64URL = /^[A-Za-z0-9_-]*$/;
/**
 * Last characters of a canonical 86-character base64url string: 64 bytes are 85 characters of 6 bits and one
 * of 2, so the last character's low four bits must be zero.
 */
const CANONICAL_LAST_64 = 'AQgw';
/**
 * Last characters of canonical base64url by the text's length mod 4: 0 ends on whole bytes, 1 is never valid,
 * 2 leaves four spare bits and 3 leaves two, which must be zero (RFC 4648 §3.5; "no stray bits").
 */
const CANONICAL_LAST_BY_REMAINDER = ['', undefined, CANONICAL_LAST_64, 'AEIMQUYcgkosw048'] as const;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
/** Header members that would make a verifier fetch or trust a key from the token itself: refused outright. */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit', 'b64'];

/**
 * Sign `payload` as a compact JWS: base64url(header) '.' base64url(JCS(payload)) signed (ES256, r||s) by the
 * Signer over the ASCII bytes of that string. The payload is serialised with RFC 8785 so it is reproducible.
 */
export async function signCompactJws(signer: Signer, typ: string, payload: unknown): Promise<string> {
  const header: PouchJwsHeader = { alg: 'ES256', kid: signer.kid, typ };
  const json = canonicalJson(payload);
  const signingInput = `${encodeSegment(JSON.stringify(header))}.${encodeSegment(json)}`;
  let signature: Uint8Array;
  try {
    signature = await signer.sign(textEncoder.encode(signingInput));
  } catch (error) {
    throw error instanceof PouchError
      ? error
      : new PouchError('ERR_SIGNER', 'The signer failed', { cause: error });
  }
  if (signature.length !== 64)
    throw new PouchError('ERR_SIGNER', 'An ES256 signature must be 64 bytes (r||s)');
  return `${signingInput}.${base64urlnopad.encode(signature)}`;
}

/**
 * Verify with jose `compactVerify`, pinned to ES256, then check `typ` and `kid`. Throws ERR_SIGNATURE_INVALID
 * on any failure and returns the decoded payload (not yet shape-checked).
 */
export async function verifyCompactJwsWithJose(
  jws: string,
  publicJwk: PublicJwk,
  typ: string,
): Promise<unknown> {
  checkSegments(jws);
  let result: Awaited<ReturnType<typeof compactVerify>>;
  try {
    result = await compactVerify(jws, publicJwk as JWK, { algorithms: ['ES256'] });
  } catch (error) {
    throw new PouchError('ERR_SIGNATURE_INVALID', 'The signature does not verify', { cause: error });
  }
  checkHeader({ ...result.protectedHeader }, publicJwk, typ);
  return parsePayload(textDecoder.decode(result.payload));
}

/**
 * A synchronous verifier for many tokens under one key: the JWK is imported once as a KeyObject and every token
 * is checked synchronously through `#es256` (no WebCrypto promise per token). Same checks as the jose path.
 *
 * @example
 * const verify = createCompactJwsVerifier(await signer.publicJwk(), RECEIPT_TYP);
 * const payload = verify(jws);
 */
export function createCompactJwsVerifier(publicJwk: PublicJwk, typ: string): (jws: string) => unknown {
  const key = importPublicKey(publicJwk);
  let trustedHeader = '';
  return (jws) => {
    // Header and payload are signed as the exact ASCII text, so any re-encoding of them breaks the signature;
    // only the signature segment needs a canonical-encoding check (else two strings would carry one signature).
    const first = jws.indexOf('.');
    const second = jws.indexOf('.', first + 1);
    if (
      first <= 0 ||
      second <= first + 1 ||
      jws.indexOf('.', second + 1) !== -1 ||
      second === jws.length - 1
    ) {
      throw invalid('A compact JWS has three segments');
    }
    const h = jws.slice(0, first);
    if (h !== trustedHeader) {
      checkHeader(parseSegment(h, 'header'), publicJwk, typ);
      trustedHeader = h;
    }
    const s = jws.slice(second + 1);
    // 64 bytes are 86 base64url characters; the last one carries 2 bits and must leave the 4 spare bits zero.
    if (s.length !== 86 || !B64URL.test(s) || !CANONICAL_LAST_64.includes(s.charAt(85))) {
      throw invalid('The signature is not 64 bytes of canonical base64url');
    }
    const payload = jws.slice(first + 1, second);
    const signature = decodeSegment(s);
    if (signature?.length !== 64 || !B64URL.test(payload)) {
      throw invalid('The signature is not 64 bytes of canonical base64url');
    }
    if (!verifyEs256(key, textEncoder.encode(jws.slice(0, second)), signature)) {
      throw invalid('The signature does not verify');
    }
    return parsePayload(textDecoder.decode(decodeSegment(payload)));
  };
}

/** Import an EC P-256 public JWK once for the bulk path (`#es256`); private members are refused. */
export function importPublicKey(publicJwk: PublicJwk): Es256PublicKey {
  if (publicJwk.kty !== 'EC' || publicJwk.crv !== 'P-256' || publicJwk.d !== undefined) {
    throw invalid('The verification key must be a public EC P-256 JWK');
  }
  try {
    return importEs256PublicKey(publicJwk);
  } catch (error) {
    throw new PouchError('ERR_SIGNATURE_INVALID', 'The verification key is not usable', { cause: error });
  }
}

/** Split a compact JWS and insist on canonical base64url in every segment (no padding, no stray bits). */
function checkSegments(jws: string): [string, string, string] {
  const parts = jws.split('.');
  if (parts.length !== 3) throw invalid('A compact JWS has three segments');
  for (const part of parts) {
    if (part.length === 0 || !B64URL.test(part) || decodeSegment(part) === undefined) {
      throw invalid('A JWS segment is not canonical base64url');
    }
  }
  return parts as [string, string, string];
}

function checkHeader(header: Record<string, unknown>, publicJwk: PublicJwk, typ: string): void {
  if (header.alg !== 'ES256') throw invalid('Only ES256 is accepted');
  if (header.typ !== typ) throw invalid(`Expected typ ${typ}`);
  if (typeof header.kid !== 'string' || (publicJwk.kid !== undefined && header.kid !== publicJwk.kid)) {
    throw invalid('The kid does not name the verification key');
  }
  for (const name of FORBIDDEN_HEADERS)
    if (name in header) throw invalid(`The ${name} header is not accepted`);
}

function parseSegment(segment: string, what: string): Record<string, unknown> {
  const value = parseJson(textDecoder.decode(decodeSegment(segment)), what);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`The ${what} is not an object`);
  return value as Record<string, unknown>;
}

function parsePayload(text: string): unknown {
  return parseJson(text, 'payload');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PouchError('ERR_SIGNATURE_INVALID', `The JWS ${what} is not JSON`, { cause: error });
  }
}

function encodeSegment(text: string): string {
  return base64urlnopad.encode(textEncoder.encode(text));
}

/** The bytes of a base64url segment, or undefined when it is not base64url (the callers then refuse it). */
/** The bytes of a canonical base64url segment (no padding, no stray bits), or undefined for anything else. */
export function decodeSegment(segment: string): Uint8Array | undefined {
  const last = CANONICAL_LAST_BY_REMAINDER[segment.length % 4];
  if (last === undefined || !B64URL.test(segment)) return undefined;
  if (last !== '' && !last.includes(segment.charAt(segment.length - 1))) return undefined;
  return decodeCheckedBase64url(segment);
}

function invalid(message: string): PouchError {
  return new PouchError('ERR_SIGNATURE_INVALID', message);
}
