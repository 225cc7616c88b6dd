// Crypto layer (browser binding, `#es256` under the `browser` condition): the same synchronous ES256 checks and
// segment decoding as es256-node.ts, on @noble/curves and @scure/base, for the portal's bundle verifier.
import { p256 } from '@noble/curves/nist.js';
import { base64urlnopad } from '@scure/base';

export type Es256PublicKey = Uint8Array;

/** Import a public P-256 key from its JWK coordinates; throws when they are not a point of the curve. */
export function importEs256PublicKey(jwk: {
  x?: string | undefined;
  y?: string | undefined;
}): Es256PublicKey {
  const x = base64urlnopad.decode(jwk.x ?? '');
  const y = base64urlnopad.decode(jwk.y ?? '');
  if (x.length !== 32 || y.length !== 32) throw new Error('not a P-256 point');
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  p256.Point.fromBytes(point).assertValidity();
  return point;
}

/** Whether `signature` (64 bytes, r||s) is a valid ES256 signature of `data` under `key`. */
export function verifyEs256(key: Es256PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  // ECDSA accepts high-S signatures (node:crypto and KMS produce them); noble refuses them unless told.
  return p256.verify(signature, data, key, { lowS: false, prehash: true, format: 'compact' });
}

/** Decode base64url that the caller has already found canonical (see es256-node.ts); @scure/base is strict anyway. */
export function decodeCheckedBase64url(segment: string): Uint8Array {
  return base64urlnopad.decode(segment);
}
