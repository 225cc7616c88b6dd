// Keystore (runtime-neutral): member signing key pairs — generation, public JWK with RFC 7638 kid, import.
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { PouchError } from '../../shared/domain/errors.ts';
import type { SigningAlgorithm } from '../sdk/client-assertion.ts';

/** A freshly generated signing key: the private JWK to keep and the public JWK to register. */
export interface SigningKeyPair {
  kid: string;
  alg: SigningAlgorithm;
  /** Private JWK (with `d`), carrying kid and alg. A secret. */
  privateJwk: JWK;
  /** Public JWK for the directory: key material plus `kid`, `alg`, `use: 'sig'`. */
  publicJwk: JWK;
}

/** The public members of a JWK, by key type; everything else (`d`, `p`, ...) is private. */
const publicMembers: Readonly<Record<string, readonly string[]>> = {
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};

/** Strip a JWK to its public key material, then label it for registration. */
export function toPublicJwk(jwk: JWK, kid: string, alg: SigningAlgorithm): JWK {
  const members = publicMembers[jwk.kty ?? ''];
  if (!members) throw new PouchError('ERR_VALIDATION', `Unsupported key type '${jwk.kty}'`);
  const pub: Record<string, unknown> = {};
  for (const member of members) pub[member] = (jwk as Record<string, unknown>)[member];
  return { ...pub, kid, alg, use: 'sig' } as JWK;
}

/**
 * Generate an extractable signing key pair; its kid is the RFC 7638 SHA-256 thumbprint of the public key.
 *
 * @example
 * const { publicJwk } = await generateSigningKeyPair('ES256'); // register publicJwk in the directory
 */
export async function generateSigningKeyPair(alg: SigningAlgorithm): Promise<SigningKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const rawPublic = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(rawPublic, 'sha256');
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg };
  return { kid, alg, privateJwk, publicJwk: toPublicJwk(rawPublic, kid, alg) };
}

/** Import a stored private JWK as a non-extractable signing key. */
export async function importSigningKey(privateJwk: JWK, alg: SigningAlgorithm): Promise<CryptoKey> {
  const key = await importJWK(privateJwk, alg, { extractable: false });
  if (key instanceof Uint8Array) throw new PouchError('ERR_VALIDATION', 'A signing key must be asymmetric');
  return key;
}
