// Crypto layer (Node binding, `#es256` by default): ES256 signature checks on node:crypto with a key imported
// once, and the base64url decoding of a token's segments: the bulk path receipts are verified with. package.json's "imports" map `#es256` to es256-web.ts under
// the `browser` condition (the portal).
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';

export type Es256PublicKey = KeyObject;

/** Import a public P-256 key from its JWK coordinates; throws when they are not a point of the curve. */
export function importEs256PublicKey(jwk: {
  x?: string | undefined;
  y?: string | undefined;
}): Es256PublicKey {
  const key: JsonWebKey = {
    kty: 'EC',
    crv: 'P-256',
    ...(jwk.x === undefined ? {} : { x: jwk.x }),
    ...(jwk.y === undefined ? {} : { y: jwk.y }),
  };
  return createPublicKey({ key, format: 'jwk' });
}

/** Whether `signature` (64 bytes, r||s) is a valid ES256 signature of `data` under `key`. */
export function verifyEs256(key: Es256PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

/**
 * Decode base64url that the caller has already found canonical (alphabet, length and spare bits: see
 * compact-jws.ts): Buffer decodes leniently, so it is only ever handed checked text. Ten times faster than a
 * decoder in JavaScript, which cost receipts verified in bulk a tenth of their time.
 */
export function decodeCheckedBase64url(segment: string): Uint8Array {
  return Buffer.from(segment, 'base64url');
}
