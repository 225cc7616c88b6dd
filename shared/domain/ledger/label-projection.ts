// Domain layer, ledger → label: the label fields beyond the status that events carry. The requested authority's
// reference is set by the `message.sent` of a reply that gives it; the label shows the latest one. The exchange
// heals a lagging label with it, and the bundle verifier checks an exported label against it.
import type { LedgerEvent } from './event.ts';

/** The requested reference an event sets, if it sets one. */
export function requestedReferenceSetBy(event: Pick<LedgerEvent, 'action' | 'details'>): string | undefined {
  const value = event.action === 'message.sent' ? event.details?.requestedReference : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The latest requested reference the events set, in order (undefined when none sets one). */
export function latestRequestedReference(
  events: ReadonlyArray<Pick<LedgerEvent, 'action' | 'details'>>,
): string | undefined {
  let latest: string | undefined;
  for (const event of events) latest = requestedReferenceSetBy(event) ?? latest;
  return latest;
}
