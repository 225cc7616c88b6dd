// Domain layer (identity): validation of directory input — public signing keys (JWK), countries, languages,
// treaty ids (age recipients are checked by shared/crypto/age-keys.ts, which can parse them). Used by the
// directory use cases and the seed, so both accept the same.
import { createHash, createPublicKey } from 'node:crypto';
import { PouchError } from '../errors.ts';
import { kidPattern } from './ids.ts';
import { languagePattern, treatyPattern } from './patterns.ts';
import type { MemberKeyAlg, PublicSigningJwk } from './types.ts';

export { languagePattern, treatyPattern };

/** JWK members that only private or symmetric keys have. Any of them present means "not a public key". */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const b64url32 = /^[A-Za-z0-9_-]{43}$/;

/** A validated public signing key, its pinned algorithm and its kid. */
export interface ValidatedKey {
  readonly jwk: PublicSigningJwk;
  readonly alg: MemberKeyAlg;
  readonly kid: string;
}

const invalid = (message: string, field = 'jwk') =>
  new PouchError('ERR_VALIDATION', message, { details: { errors: [{ field, message }] } });

/**
 * Accept a public ES256 (EC P-256) or EdDSA (OKP Ed25519) JWK. Rejects private keys (`d` and friends),
 * symmetric keys, other curves, `alg`/`use` that disagree, and points not on the curve. The kid is the
 * client's when it is URL-safe, else the RFC 7638 thumbprint.
 *
 * @example
 * const { jwk, alg, kid } = validateSigningJwk(await exportJWK(publicKey));
 */
export function validateSigningJwk(input: unknown): ValidatedKey {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid('jwk must be an object');
  const raw = input as Record<string, unknown>;
  for (const member of privateMembers) {
    if (member in raw)
      throw invalid('jwk must be a public key: private or symmetric key material is refused');
  }
  let jwk: PublicSigningJwk;
  let alg: MemberKeyAlg;
  if (raw.kty === 'EC' && raw.crv === 'P-256') {
    if (
      typeof raw.x !== 'string' ||
      typeof raw.y !== 'string' ||
      !b64url32.test(raw.x) ||
      !b64url32.test(raw.y)
    ) {
      throw invalid('EC P-256 jwk needs x and y (32 bytes, base64url)');
    }
    jwk = { kty: 'EC', crv: 'P-256', x: raw.x, y: raw.y };
    alg = 'ES256';
  } else if (raw.kty === 'OKP' && raw.crv === 'Ed25519') {
    if (typeof raw.x !== 'string' || !b64url32.test(raw.x))
      throw invalid('Ed25519 jwk needs x (32 bytes, base64url)');
    jwk = { kty: 'OKP', crv: 'Ed25519', x: raw.x };
    alg = 'EdDSA';
  } else {
    throw invalid('jwk must be EC P-256 (ES256) or OKP Ed25519 (EdDSA)');
  }
  if (raw.alg !== undefined && raw.alg !== alg) throw invalid(`jwk alg must be ${alg} for this key type`);
  if (raw.use !== undefined && raw.use !== 'sig') throw invalid('jwk use must be sig');
  try {
    createPublicKey({ key: { ...jwk }, format: 'jwk' });
  } catch {
    throw invalid('jwk is not a valid public key (point not on the curve)');
  }
  let kid: string;
  if (raw.kid === undefined) kid = computeJwkThumbprint(jwk);
  else if (typeof raw.kid === 'string' && kidPattern.test(raw.kid)) kid = raw.kid;
  else throw invalid('jwk kid must be 1-128 URL-safe characters [A-Za-z0-9._~-]', 'jwk.kid');
  return { jwk, alg, kid };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public signing key. */
export function computeJwkThumbprint(jwk: PublicSigningJwk): string {
  const canonical =
    jwk.kty === 'EC'
      ? JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
      : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** User-assigned ISO 3166-1 alpha-2 codes (AA, QM-QZ, XA-XZ, ZZ), used by the fictional demo States. */
const userAssigned = /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/;
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** True for an assigned or user-assigned ISO 3166-1 alpha-2 code (upper case). */
export function isCountryCode(value: string): boolean {
  if (!/^[A-Z]{2}$/.test(value)) return false;
  if (userAssigned.test(value)) return true;
  const name = regionNames.of(value);
  return name !== undefined && name !== value && name !== 'Unknown Region';
}

/** Throw ERR_VALIDATION unless the country is an ISO 3166-1 alpha-2 code. */
export function validateCountry(country: string): void {
  if (!isCountryCode(country)) throw invalid('country must be an ISO 3166-1 alpha-2 code', 'country');
}
