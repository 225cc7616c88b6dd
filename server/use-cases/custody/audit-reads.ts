// Use cases, custody: the custody timeline of one exchange — label, every ledger event, the receipts and the
// messages' manifests, never content. Parties' working members and auditors (policy: read-ledger); an auditor's
// read is recorded (`auditor.viewed`, view `timeline`, once per member and interval: ../read-records.ts) before
// anything is returned, so the answer includes it.
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { readsAsAuditor } from '../../policy/policy.ts';
import { createExchangeAccess } from '../exchange/exchange-access.ts';
import type { EffectIds } from '../exchange/exchange-context.ts';
import { type AuditServiceDeps, manifestsOf } from './custody-context.ts';

/** Build the audit read use cases. */
export function createAuditReads(deps: AuditServiceDeps) {
  const access = createExchangeAccess(deps.exchanges);
  return {
    /**
     * The timeline. `_ids` (a keyed request's effect id) is not needed: a read's effect is its interval's
     * event, which a retry finds by its derived id.
     */
    async timeline(principal: Principal, exchangeId: string, _ids: EffectIds = {}) {
      let label = await access.load(principal, exchangeId, 'read-ledger');
      if (readsAsAuditor(principal)) {
        await deps.reads.record(principal, label, 'auditor.viewed', 'timeline');
        label = (await deps.exchanges.getExchange(exchangeId)) ?? label;
      }
      const [events, receipts, manifests] = await Promise.all([
        deps.ledger.read(exchangeId),
        deps.listReceipts(principal, exchangeId),
        manifestsOf(deps.exchanges, exchangeId),
      ]);
      return { label, events, receipts, manifests };
    },
  };
}
