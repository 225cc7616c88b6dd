// Auth (secondary support): JWS compact serialization (RFC 7515 §7.1) signed through the Signer port, whose
// key may live in KMS and which returns raw r||s signatures; jose verifies what this produces.
import type { Signer } from '../ports/signer.ts';

const encoder = new TextEncoder();

/** base64url without padding (RFC 7515 §2). */
export function encodeBase64Url(bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === 'string' ? encoder.encode(bytes) : bytes).toString('base64url');
}

/**
 * Sign `payload` as a compact JWS with the exchange key. `alg` and `kid` always come from the signer, so a
 * caller cannot mislabel the signature.
 *
 * @example
 * const jws = await signCompactJws(signer, { typ: 'at+jwt' }, { sub: 'auth_x:mem_y' });
 */
export async function signCompactJws(
  signer: Signer,
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
): Promise<string> {
  const protectedHeader = encodeBase64Url(JSON.stringify({ ...header, alg: signer.alg, kid: signer.kid }));
  const body = encodeBase64Url(JSON.stringify(payload));
  const signingInput = `${protectedHeader}.${body}`;
  const signature = await signer.sign(encoder.encode(signingInput));
  if (signature.length !== 64) throw new Error('ES256 signatures are 64 bytes (r||s)');
  return `${signingInput}.${encodeBase64Url(signature)}`;
}
