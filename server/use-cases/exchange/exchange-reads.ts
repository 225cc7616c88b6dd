// Use cases, exchange: reads — the caller's exchanges, one exchange with its messages, and its receipts. A read
// can record: the recipient's first sight of a message is `message.delivered` (with a receipt), an auditor's read
// is `auditor.viewed`; and any read catches a lagging label up from the chain head.
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { latestRequestedReference } from '../../../shared/domain/ledger/label-projection.ts';
import { isReceiptAction } from '../../../shared/domain/ledger/receipt.ts';
import {
  authorize,
  canListExchanges,
  canReadExchangeLabel,
  canSeeLinkedExchange,
  readsAsAuditor,
} from '../../policy/policy.ts';
import type { ExchangeLabel, ListFilter, MessageRecord } from '../../ports/exchange-repository.ts';
import type { StoredReceipt } from '../../ports/receipt-store.ts';
import { actorOf, naturalEventIds } from '../ledger-recorder.ts';
import { sideOf } from './exchange-access.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';
import { completeMessages } from './message-records.ts';

/** Build the read use cases. */
export function createExchangeReads(ctx: ExchangeContext) {
  const { deps, recorder, access } = ctx;

  /**
   * The label as this caller may read it: its `links` keep only the earlier exchanges the caller may see (a 24/7
   * contact reading an emergency that follows up an MLA must not learn the MLA's id).
   */
  async function withVisibleLinks(principal: Principal, label: ExchangeLabel): Promise<ExchangeLabel> {
    if (label.links.length === 0) return label;
    const links: string[] = [];
    for (const id of label.links) {
      const linked = await deps.exchanges.getExchange(id);
      if (linked && canSeeLinkedExchange(principal, linked)) links.push(id);
    }
    return links.length === label.links.length ? label : { ...label, links };
  }

  return {
    /** Exchanges of the caller's authority (labels only), for its working members and its auditors. */
    async listExchanges(principal: Principal, filter: ListFilter) {
      authorize(canListExchanges(principal), {
        rule: 'list-exchanges',
        attempt: 'list exchanges',
        message: 'No such resource',
        // No hidden object is at stake: the caller is told its role falls short.
        kind: 'role',
      });
      const page = await deps.exchanges.listForAuthority(principal.authorityId, filter);
      // A 24/7 contact lists only the matters it works (preservation, emergencies).
      const items: ExchangeLabel[] = [];
      for (const label of page.items) {
        if (canReadExchangeLabel(principal, label)) items.push(await withVisibleLinks(principal, label));
      }
      return { ...page, items };
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
      const auditor = readsAsAuditor(principal);
      // The messages and the chain head (before this read's own deliveries) are independent reads: read together.
      const [messages, head] = await Promise.all([
        completeMessages(deps.exchanges, exchangeId, (messageId) =>
          recorder.find(exchangeId, naturalEventIds.messageSent(exchangeId, messageId)),
        ),
        auditor ? undefined : deps.ledger.head(exchangeId),
      ]);
      if (auditor) {
        await deps.reads.record(principal, label, 'auditor.viewed', 'exchange');
        return { label: await withVisibleLinks(principal, label), messages };
      }
      const reader = sideOf(principal, label);
      const undelivered = messages.filter((m) => m.side !== reader && !m.deliveredAt);
      // When each message this read delivered was delivered, as its record now says (written below).
      const deliveredAt = new Map<string, string>();
      let changed = false;
      for (const message of undelivered) {
        // The receipt names the message's sender, as its `message.sent` says (at the seq the record keeps).
        const sent = await deps.ledger.at(exchangeId, message.seq);
        const messageSender =
          sent?.action === 'message.sent' && sent.subject?.messageId === message.messageId
            ? { messageSender: sent.actor.authorityId }
            : {};
        // One delivery per message (its id is derived from the message): delivered earlier but the message
        // record missed it (a failed write), the recorder hands back that event and nothing new is recorded.
        const { event } = await recorder.record(
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
          {
            projection: 'best-effort',
            eventId: naturalEventIds.messageDelivered(exchangeId, message.messageId),
            ...messageSender,
          },
        );
        await deps.exchanges.putMessage({ ...message, deliveredAt: event.time });
        deliveredAt.set(message.messageId, event.time);
        changed = true;
      }
      // The label is a projection of the ledger: if an earlier write of it failed, catch it up from the head.
      // The head read before this read's own deliveries (those project themselves): is the label lagging?
      if (head && head.seq > label.ledgerSeq) {
        // Only the events the label has not caught up with are read: the cost follows the gap, not the chain.
        const reference = latestRequestedReference(await deps.ledger.read(exchangeId, label.ledgerSeq + 1));
        await recorder.project(label, head, reference === undefined ? {} : { requestedReference: reference });
        changed = true;
      }
      if (changed) label = (await deps.exchanges.getExchange(exchangeId)) ?? label;
      // Only a delivery changes the message records read above, and it wrote exactly its deliveredAt.
      return {
        label: await withVisibleLinks(principal, label),
        messages: messages.map((m) => {
          const at = deliveredAt.get(m.messageId);
          return at === undefined ? m : { ...m, deliveredAt: at };
        }),
      };
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
