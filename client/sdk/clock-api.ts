// SDK (runtime-neutral): typed wrappers over the clock routes (wire types: shared/api/clocks.ts) — an exchange's
// lineage and clocks, the caller's due list and its authority's delay figures.
import type { DueList, ExchangeClocks, Figures, Lineage } from '../../shared/api/clocks.ts';
import type { PouchClient } from './pouch-client.ts';

export type { DueList, ExchangeClocks, Figures, Lineage, LineageNode } from '../../shared/api/clocks.ts';

const path = (...segments: string[]): string => `/${segments.map(encodeURIComponent).join('/')}`;

/** The lineage tree of an exchange (only the linked exchanges the caller may see). */
export async function getLineage(client: PouchClient, exchangeId: string): Promise<Lineage> {
  return client.request('GET', path('v1', 'exchanges', exchangeId, 'lineage'));
}

/** The clocks of an exchange, as they stand now. */
export async function getClocks(client: PouchClient, exchangeId: string): Promise<ExchangeClocks> {
  return client.request('GET', path('v1', 'exchanges', exchangeId, 'clocks'));
}

/** What is due for the caller's authority: emergencies first, then by due time. */
export async function listDue(client: PouchClient, limit?: number): Promise<DueList> {
  return client.request('GET', '/v1/clocks/due', {
    query: limit === undefined ? {} : { limit: String(limit) },
  });
}

/** The delay figures of the caller's authority (one month, or all). */
export async function getFigures(client: PouchClient, period?: string): Promise<Figures> {
  return client.request('GET', '/v1/figures', { query: period === undefined ? {} : { period } });
}
