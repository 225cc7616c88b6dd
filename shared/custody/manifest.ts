// Content integrity (shared by the client and the server): the sender's signed manifest, a JWS that lists
// every document of one message with both digests, bound to the exchange and message ids.
import {
  CompactSign,
  type CryptoKey,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  type KeyObject,
} from 'jose';
import { z } from 'zod';
import { PouchError } from '../domain/errors.ts';

/** Explicit JOSE `typ` for manifests, so that a manifest can never pass as a token or receipt (RFC 8725 §3.11). */
export const MANIFEST_TYP = 'pouch-manifest+jwt';
export const MANIFEST_ALGORITHMS = ['ES256', 'EdDSA'] as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 digest');

export const ManifestDocumentSchema = z.object({
  documentId: z.string().min(16).max(64),
  /** The file name as the sender gave it. Display only: never used for storage keys or output paths. */
  name: z.string().min(1).max(255),
  mediaType: z.string().min(3).max(255),
  size: z.number().int().nonnegative(),
  plaintextSha256: sha256Hex,
  sealedSize: z.number().int().nonnegative(),
  sealedSha256: sha256Hex,
});
export type ManifestDocument = z.infer<typeof ManifestDocumentSchema>;

export const ManifestSchema = z.object({
  v: z.literal(1),
  exchangeId: z.string().min(16).max(64),
  messageId: z.string().min(16).max(64),
  messageKind: z.string().min(1).max(32),
  /** Client id of the signer: `<authorityId>:<memberId>`. */
  sender: z.string().min(3).max(200),
  iat: z.number().int().positive(),
  documents: z.array(ManifestDocumentSchema).max(1000),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Sign a manifest with the member's private key. */
export async function signManifest(
  manifest: Manifest,
  key: CryptoKey | KeyObject | Uint8Array,
  header: { alg: (typeof MANIFEST_ALGORITHMS)[number]; kid: string },
): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(ManifestSchema.parse(manifest)));
  return new CompactSign(payload).setProtectedHeader({ ...header, typ: MANIFEST_TYP }).sign(key);
}

/** Read the header of a manifest without trusting it (to look its `kid` up in the directory). */
export function readManifestKid(jws: string): string {
  try {
    const header = decodeProtectedHeader(jws);
    if (typeof header.kid === 'string' && header.kid.length > 0 && header.kid.length <= 200)
      return header.kid;
  } catch {
    // fall through
  }
  throw new PouchError('ERR_MANIFEST_INVALID', 'The manifest has no readable key id');
}

/**
 * Verify a manifest's signature with the sender's public key (taken from the directory by `kid`, never from
 * the token itself), its `typ`, its shape, and its binding to the expected exchange, message and sender.
 */
export async function verifyManifest(
  jws: string,
  publicJwk: JWK,
  expected: { exchangeId: string; messageId?: string; sender: string },
): Promise<{ manifest: Manifest; kid: string }> {
  let payload: Uint8Array;
  let kid: string | undefined;
  try {
    const alg = publicJwk.crv === 'Ed25519' ? 'EdDSA' : 'ES256';
    const key = await importJWK(publicJwk, alg);
    const result = await compactVerify(jws, key, { algorithms: [...MANIFEST_ALGORITHMS] });
    if (result.protectedHeader.typ !== MANIFEST_TYP) throw new Error('typ');
    const header = result.protectedHeader as Record<string, unknown>;
    if (header.jku || header.jwk || header.x5u || header.x5c || header.crit) throw new Error('header');
    payload = result.payload;
    kid = result.protectedHeader.kid;
  } catch (error) {
    throw new PouchError('ERR_SIGNATURE_INVALID', 'The manifest signature does not verify', { cause: error });
  }
  let manifest: Manifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
  } catch (error) {
    throw new PouchError('ERR_MANIFEST_INVALID', 'The manifest is not well formed', { cause: error });
  }
  if (
    manifest.exchangeId !== expected.exchangeId ||
    (expected.messageId !== undefined && manifest.messageId !== expected.messageId) ||
    manifest.sender !== expected.sender
  ) {
    throw new PouchError(
      'ERR_MANIFEST_INVALID',
      'The manifest belongs to another exchange, message or sender',
    );
  }
  return { manifest, kid: kid ?? '' };
}
