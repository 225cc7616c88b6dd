// SDK (runtime-neutral): the custody bundle of one exchange (wire schemas: shared/api/custody.ts), whether the exchange
// answers it inline or, when it is too large for one response, as a presigned download checked by size and hash.

import { BUNDLE_MEDIA_TYPE, type BundleExport, BundleExportSchema } from '../../shared/api/custody.ts';
import { CustodyJwkSetSchema } from '../../shared/api/system.ts';
import type { PublicJwk } from '../../shared/crypto/compact-jws.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { PouchClient } from './pouch-client.ts';

/**
 * Fetch an exchange's custody bundle as JSON Lines text (the export is recorded in its ledger). A stored export
 * is downloaded without the bearer token and must match the size and SHA-256 the exchange announced.
 *
 * @example
 * const text = await fetchCustodyBundle(client, 'exch_...');
 */
export async function fetchCustodyBundle(
  client: PouchClient,
  exchangeId: string,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const body = await client.request<unknown>(
    'GET',
    `/v1/exchanges/${encodeURIComponent(exchangeId)}/bundle`,
    {
      headers: { accept: `${BUNDLE_MEDIA_TYPE}, application/json, application/problem+json` },
    },
  );
  if (typeof body === 'string') return body;
  const stored = readExport(body);
  const response = await fetchImpl(stored.url);
  if (!response.ok) {
    throw new PouchError(
      'ERR_STORAGE',
      `Downloading the stored bundle failed with HTTP ${response.status}; run the export again for a fresh link`,
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  if (bytes.length !== stored.size || digest !== stored.sha256) {
    throw new PouchError(
      'ERR_HASH_MISMATCH',
      'The downloaded bundle does not match the size and SHA-256 the exchange announced',
    );
  }
  return new TextDecoder().decode(bytes);
}

function readExport(body: unknown): BundleExport['export'] {
  const parsed = BundleExportSchema.safeParse(body);
  if (!parsed.success) throw new PouchError('ERR_INTERNAL', 'The exchange did not answer with a bundle');
  return parsed.data.export;
}

/** Where the exchange publishes its custody (receipt and checkpoint) key; /.well-known/jwks.json is the token key. */
export const custodyKeysPath = '/.well-known/pouch-custody-keys.json';

/**
 * The custody keys the exchange publishes now, read with the wire schema that the exchange's route declares
 * (CustodyJwkSetSchema). Throws ERR_PROOF_INVALID when the answer is not a JWK Set or holds no public key.
 *
 * @example
 * const keys = await fetchCustodyKeys(client);
 */
export async function fetchCustodyKeys(client: PouchClient): Promise<PublicJwk[]> {
  const parsed = CustodyJwkSetSchema.safeParse(await client.request<unknown>('GET', custodyKeysPath));
  const keys = parsed.success ? parsed.data.keys.filter((k) => typeof k.x === 'string' && !('d' in k)) : [];
  if (keys.length === 0) {
    throw new PouchError('ERR_PROOF_INVALID', 'The exchange did not publish a custody key set (JWK Set)');
  }
  return keys;
}
