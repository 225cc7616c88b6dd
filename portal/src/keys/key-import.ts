// Portal keys: turns a member keystore file (shared/keystore/member-keystore.ts) into non-extractable Web Crypto
// keys, or creates fresh keys in the browser and exports only their public part for registration.
import { bech32 } from '@scure/base';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { toPublicJwk } from '../../../client/sdk/public-jwk.ts';
import { decodeMemberKeystore, type MemberKeystore } from '../../../shared/keystore/member-keystore.ts';
import type { StoredMember } from './key-store.ts';

/** PKCS #8 prefix of an X25519 private key: Web Crypto imports raw X25519 private keys no other way. */
const X25519_PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/** Import an ES256 private JWK so that it can sign and never be exported. */
export function importSigningKey(privateJwk: MemberKeystore['signing']['privateJwk']): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'jwk',
    { ...privateJwk, ext: false, key_ops: ['sign'] },
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
}

/** Import an age identity (`AGE-SECRET-KEY-1…`) as a non-extractable X25519 key for deriveBits. */
export async function importAgeIdentity(identity: string): Promise<CryptoKey> {
  const decoded = bech32.decodeToBytes(identity.toLowerCase());
  if (decoded.prefix !== 'age-secret-key-' || decoded.bytes.length !== 32) {
    throw new Error('Not an X25519 age identity');
  }
  const pkcs8 = new Uint8Array(X25519_PKCS8_PREFIX.length + 32);
  pkcs8.set(X25519_PKCS8_PREFIX);
  pkcs8.set(decoded.bytes, X25519_PKCS8_PREFIX.length);
  try {
    return await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits']);
  } finally {
    pkcs8.fill(0);
    decoded.bytes.fill(0);
  }
}

/**
 * Open a member keystore file with its passphrase and import its keys. The decrypted JSON lives only inside
 * this call; what comes out holds CryptoKeys only.
 */
export async function importMemberKeystore(file: string, passphrase: string): Promise<StoredMember> {
  const content = await decodeMemberKeystore(file, passphrase);
  const signingKey = await importSigningKey(content.signing.privateJwk);
  const sealing = content.sealing
    ? { identity: await importAgeIdentity(content.sealing.identity), recipient: content.sealing.recipient }
    : undefined;
  return {
    clientId: content.clientId,
    authorityId: content.clientId.split(':')[0] ?? '',
    kid: content.signing.kid,
    alg: 'ES256',
    signingKey,
    ...(sealing ? { sealing } : {}),
    pins: content.pins,
    signedInAt: new Date().toISOString(),
  };
}

/**
 * What an officer hands the directory admin to be registered: the public signing JWK exactly as `pouch keys new`
 * and `pouch keys show` print it (key material, RFC 7638 `kid`, `alg`, `use: 'sig'`), so `pouch keys register`
 * and the API's AddMember/AddKey `jwk` take it as it is; and the age recipient, as `pouch keys new --seal` prints.
 */
export interface PublicKeyExport {
  readonly jwk: JWK;
  readonly recipient: string;
}

/**
 * Create a member's keys in this browser: an ES256 signing pair and an X25519 age identity, both private halves
 * non-extractable. Returns the private CryptoKeys (to keep in IndexedDB) and the public export.
 */
export async function createBrowserKeys(): Promise<{
  signingKey: CryptoKey;
  sealingKey: CryptoKey;
  publicExport: PublicKeyExport;
}> {
  const signing = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const rawJwk = (await crypto.subtle.exportKey('jwk', signing.publicKey)) as JWK;
  const kid = await calculateJwkThumbprint(rawJwk, 'sha256');
  const sealing = (await crypto.subtle.generateKey({ name: 'X25519' }, false, [
    'deriveBits',
  ])) as CryptoKeyPair;
  const rawPublic = new Uint8Array(await crypto.subtle.exportKey('raw', sealing.publicKey));
  return {
    signingKey: signing.privateKey,
    sealingKey: sealing.privateKey,
    publicExport: {
      jwk: toPublicJwk(rawJwk, kid, 'ES256'),
      recipient: bech32.encodeFromBytes('age', rawPublic),
    },
  };
}
