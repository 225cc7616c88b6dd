// Secondary adapter: the local exchange's Signer, an ES256 key kept in a JWK file (0600) under the data dir.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as signBytes,
} from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { publicMembersOf, type Signer } from '../../shared/crypto/signer.ts';
import { PouchError } from '../../shared/domain/errors.ts';

/** Load the key file, or create it (mode 0600) when it does not exist yet. */
export async function loadOrCreateFileSigner(path: string): Promise<Signer> {
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(await readFile(path, 'utf8')) as JsonWebKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new PouchError('ERR_SIGNER', `Cannot read signing key file ${path}`, { cause: error });
    }
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    jwk = privateKey.export({ format: 'jwk' });
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
  }
  return createFileSigner(jwk);
}

/** Build a Signer from a private P-256 JWK. */
export function createFileSigner(privateJwk: JsonWebKey): Signer {
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || !privateJwk.d) {
    throw new PouchError('ERR_SIGNER', 'The signing key file must hold a private EC P-256 JWK');
  }
  const privateKey = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const pub = createPublicKey(privateKey).export({ format: 'jwk' });
  const kid = thumbprint(pub);
  return {
    alg: 'ES256',
    kid,
    async sign(data) {
      return new Uint8Array(signBytes('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    },
    async publicJwk() {
      return { ...publicMembersOf(pub), kid, alg: 'ES256', use: 'sig' };
    },
    async check() {},
  };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC public key: the key's stable id. */
export function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
