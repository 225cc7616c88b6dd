// SDK (runtime-neutral): the custody bundle of one exchange (wire schemas: shared/api/custody.ts), whether the exchange
// answers it inline or, when it is too large for one response, as a presigned download checked by size and hash.

import { BUNDLE_MEDIA_TYPE, type BundleExport, BundleExportSchema } from '../../shared/api/custody.ts';
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
