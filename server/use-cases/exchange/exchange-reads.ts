// Use cases, exchange: reads — the caller's exchanges, one exchange with its messages, and its receipts. A read
// can record: the recipient's first sight of a message is `message.delivered` (with a receipt), an auditor's read
// is `auditor.viewed`; and any read catches a lagging label up from the chain head.
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { isReceiptAction } from '../../../shared/domain/ledger/receipt.ts';
import { authorize, canListExchanges, canReadExchangeLabel, readsAsAuditor } from '../../policy/policy.ts';
import type { ExchangeLabel, ListFilter, MessageRecord } from '../../ports/exchange-repository.ts';
import type { StoredReceipt } from '../../ports/receipt-store.ts';
import { actorOf } from '../ledger-recorder.ts';
import { sideOf } from './exchange-access.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';
import { completeMessages } from './message-records.ts';

/** Build the read use cases. */
export function createExchangeReads(ctx: ExchangeContext) {
  const { deps, recorder, access } = ctx;

  return {
    /** Exchanges of the caller's authority (labels only), for its working members and its auditors. */
    async listExchanges(principal: Principal, filter: ListFilter) {
      authorize(canListExchanges(principal), {
        rule: 'list-exchanges',
        attempt: 'list exchanges',
        message: 'No such resource',
      });
      const page = await deps.exchanges.listForAuthority(principal.authorityId, filter);
      // A 24/7 contact lists only the matters it works (preservation, emergencies).
      return { ...page, items: page.items.filter((label) => canReadExchangeLabel(principal, label)) };
    },

    /**
     * One exchange with its messages. The recipient's first sight of a message is recorded as delivered
     * (with a receipt); an auditor's read is recorded as `auditor.viewed`, once per member and interval
     * (../read-records.ts; that event is also what a keyed retry finds, so `ids` does not apply to it).
     */
    async getExchange(
      principal: Principal,
      exchangeId: string,
      _ids: EffectIds = {},
    ): Promise<{ label: ExchangeLabel; messages: MessageRecord[] }> {
      let label = await access.load(principal, exchangeId, 'read-exchange-label');
      const events = await deps.ledger.read(exchangeId);
      const messages = await completeMessages(deps.exchanges, exchangeId, events);
      if (readsAsAuditor(principal)) {
        await deps.reads.record(principal, label, 'auditor.viewed', 'exchange');
        return { label, messages };
      }
      const reader = sideOf(principal, label);
      const undelivered = messages.filter((m) => m.side !== reader && !m.deliveredAt);
      const delivered = new Map(
        events
          .filter((e) => e.action === 'message.delivered')
          .map((e) => [e.subject?.messageId ?? '', e] as const),
      );
      let changed = false;
      for (const message of undelivered) {
        // Delivered earlier but the message record missed it (a failed write): repair it, record nothing new.
        const event =
          delivered.get(message.messageId) ??
          (
            await recorder.record(
              label,
              (status) => ({
                status,
                fields: {
                  actor: actorOf(principal),
                  action: 'message.delivered',
                  outcome: 'success',
                  subject: { messageId: message.messageId },
                },
              }),
              { projection: 'best-effort' },
            )
          ).event;
        await deps.exchanges.putMessage({ ...message, deliveredAt: event.time });
        changed = true;
      }
      // The label is a projection of the ledger: if an earlier write of it failed, catch it up now.
      const head = events.at(-1);
      if (head && head.seq > label.ledgerSeq) {
        await recorder.project(label, head);
        changed = true;
      }
      if (changed) label = (await deps.exchanges.getExchange(exchangeId)) ?? label;
      return { label, messages: await deps.exchanges.listMessages(exchangeId) };
    },

    /** The exchange's signed receipts; any receipt that failed to be issued earlier is issued now. */
    async listReceipts(principal: Principal, exchangeId: string): Promise<StoredReceipt[]> {
      const label = await access.load(principal, exchangeId, 'read-exchange-label');
      const stored = await deps.receipts.list(exchangeId);
      const have = new Set(stored.map((r) => r.seq));
      const events = await deps.ledger.read(exchangeId);
      for (const event of events) {
        if (isReceiptAction(event.action) && !have.has(event.seq)) await recorder.issueReceipt(label, event);
      }
      return have.size === events.filter((e) => isReceiptAction(e.action)).length
        ? stored
        : deps.receipts.list(exchangeId);
    },
  };
}
