// SDK (runtime-neutral): the public JWK a member registers — key material, RFC 7638 `kid`, `alg`, `use: 'sig'` —
// built the same way by the CLI's keystore (`pouch keys new`, `pouch keys show`) and by the portal for keys
// created in the browser, so `pouch keys register` and the directory take either as it is.
import type { JWK } from 'jose';
import { PouchError } from '../../shared/domain/errors.ts';
import type { SigningAlgorithm } from './client-assertion.ts';

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
