// Port: the exchange's own signing key (access tokens, receipts, checkpoints). KMS on AWS, a key file locally.

/** Signs with the exchange's ES256 key. Implementations never expose the private key. */
export interface Signer {
  /** JOSE algorithm; pinned to ES256 for both implementations. */
  readonly alg: 'ES256';
  /** Key id published in the JWKS and set as `kid` on everything this key signs. */
  readonly kid: string;
  /** Sign `data` and return the JOSE (IEEE P1363, r||s, 64 bytes) signature. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** The public key as a JWK (with `kid`, `alg`, `use`). */
  publicJwk(): Promise<JsonWebKey & { kid: string }>;
  /** Cheap liveness check for /health. */
  check(): Promise<void>;
}

/** The public members of an EC JWK (`kty`, `crv`, `x`, `y`), leaving out any it lacks: never `d`. */
export function publicMembersOf(jwk: JsonWebKey): JsonWebKey {
  const out: JsonWebKey = {};
  if (jwk.kty !== undefined) out.kty = jwk.kty;
  if (jwk.crv !== undefined) out.crv = jwk.crv;
  if (jwk.x !== undefined) out.x = jwk.x;
  if (jwk.y !== undefined) out.y = jwk.y;
  return out;
}
