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
import { toPublicJwk } from '../sdk/public-jwk.ts';

/** A freshly generated signing key: the private JWK to keep and the public JWK to register. */
export interface SigningKeyPair {
  kid: string;
  alg: SigningAlgorithm;
  /** Private JWK (with `d`), carrying kid and alg. A secret. */
  privateJwk: JWK;
  /** Public JWK for the directory: key material plus `kid`, `alg`, `use: 'sig'`. */
  publicJwk: JWK;
}

// One owner for the registered form, shared with the portal's browser-created keys.
export { toPublicJwk };

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
