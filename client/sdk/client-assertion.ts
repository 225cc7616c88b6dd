// SDK (runtime-neutral): signs the RFC 7523 client assertion that the token endpoint exchanges for a token.
import { base64url, type CryptoKey, type KeyObject, SignJWT } from 'jose';
import { CLIENT_ASSERTION_TYPE } from '../../shared/api/identity.ts';

/** Signature algorithms the exchange accepts for member keys (its pinned allow-list). */
export type SigningAlgorithm = 'ES256' | 'EdDSA';

export const signingAlgorithms: readonly SigningAlgorithm[] = ['ES256', 'EdDSA'];

/** The `typ` header the exchange pins for assertions (RFC 8725 explicit typing). */
export const assertionType = 'client-authentication+jwt';

/** The OAuth `client_assertion_type` for a JWT bearer assertion (RFC 7523 §2.2). */
export const jwtBearerAssertionType = CLIENT_ASSERTION_TYPE;

/** Seconds an assertion stays valid. The server refuses more than 300. */
export const assertionLifetimeSeconds = 60;

/** What a client signs with: its id on the exchange and one of its registered member keys. */
export interface ClientCredentials {
  /** `<authorityId>:<memberId>`; becomes both `iss` and `sub`. */
  clientId: string;
  /** The key's id in the directory (its RFC 7638 thumbprint). */
  kid: string;
  /** The private key, or a function that unlocks it on first use (e.g. after a passphrase prompt). */
  privateKey: CryptoKey | KeyObject | (() => Promise<CryptoKey | KeyObject>);
  alg: SigningAlgorithm;
}

/** The exchange's issuer: its base URL without a trailing slash. */
export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** The token endpoint URL, which is also the assertion's `aud`. */
export function tokenEndpoint(baseUrl: string): string {
  return `${normalizeBaseUrl(baseUrl)}/v1/token`;
}

/**
 * Sign a fresh, single-use client assertion for the token endpoint of `baseUrl`.
 *
 * @example
 * const jwt = await signClientAssertion(credentials, 'http://127.0.0.1:8787');
 */
export async function signClientAssertion(
  credentials: ClientCredentials,
  baseUrl: string,
  nowMs: number = Date.now(),
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const key =
    typeof credentials.privateKey === 'function' ? await credentials.privateKey() : credentials.privateKey;
  return new SignJWT({})
    .setProtectedHeader({ alg: credentials.alg, typ: assertionType, kid: credentials.kid })
    .setIssuer(credentials.clientId)
    .setSubject(credentials.clientId)
    .setAudience(tokenEndpoint(baseUrl))
    .setIssuedAt(iat)
    .setExpirationTime(iat + assertionLifetimeSeconds)
    .setJti(base64url.encode(crypto.getRandomValues(new Uint8Array(16))))
    .sign(key);
}
