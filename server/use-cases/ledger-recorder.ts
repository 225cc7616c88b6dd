// Use cases, custody: the ONE writer of the ledger. Every use case that records an action goes through here; it is
// the only caller of LedgerStore.append. It carries the exchange status on every event, gives every event its own
// id, recognises an event it already wrote (a keyed retry, a lost answer) by that id instead of writing it twice,
// projects the label from the event (guarded) and issues the receipt of a receipt action.
//
// Constant cost per action: nothing here reads the chain. A keyed effect claims its id in the effect index before
// the append and notes the seq after it, so a retry finds its earlier event with two point reads; a lost answer
// is settled by reading the one seq the put aimed at; the store appends against the chain head only.
import type { Signer } from '../../shared/crypto/signer.ts';
import { signReceipt } from '../../shared/custody/receipts.ts';
import { isPouchError, PouchError } from '../../shared/domain/errors.ts';
import { EXCHANGE_STATES, type ExchangeState } from '../../shared/domain/exchange/state-machine.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import { derivedId, newId } from '../../shared/domain/ids.ts';
import {
  isKnownLedgerAction,
  type LedgerActor,
  type LedgerEvent,
  type LedgerEventFields,
} from '../../shared/domain/ledger/event.ts';
import {
  buildReceiptPayload,
  isReceiptAction,
  receiptPartiesOf,
} from '../../shared/domain/ledger/receipt.ts';
import type { EffectClaim, EffectIndex, EffectRecord } from '../ports/effect-index.ts';
import type { ExchangeLabel, ExchangeRepository } from '../ports/exchange-repository.ts';
import type { LedgerStore } from '../ports/ledger-store.ts';
import type { ReceiptStore } from '../ports/receipt-store.ts';

export interface LedgerRecorderDeps {
  readonly ledger: LedgerStore;
  /** Where each keyed effect's event is (claimed before the append, noted after it). */
  readonly effects: EffectIndex;
  readonly exchanges: Pick<ExchangeRepository, 'updateProjection'>;
  readonly receipts: ReceiptStore;
  readonly signer: Signer;
  readonly now?: () => Date;
  /**
   * Projections beyond the label (the clocks' tracker): told of every event once it is in the ledger and settled.
   * Each must be idempotent; a failing one never fails the action (the event has happened) and catches up on the
   * next event of the chain. `onObserverError` hears of the failure.
   */
  readonly observers?: readonly LedgerObserver[];
  readonly onObserverError?: (error: unknown, event: LedgerEvent) => void;
}

/**
 * A projection of the ledger that hears of each event after it lands. `appended`: this very call appended it (not
 * a retry's replay of an earlier event), so the observer may know what came before it without reading.
 */
export type LedgerObserver = (event: LedgerEvent, how: { readonly appended: boolean }) => Promise<void>;

/** What a use case decides against the current status: the event's fields and the status after it. */
export interface Decided {
  readonly fields: LedgerEventFields;
  readonly status: ExchangeState;
}

export interface RecordOptions {
  /**
   * The effect's own id (a keyed action passes the one its first attempt chose): when an event with this id is
   * already in the chain, it is returned and nothing is appended. Without it the event gets a fresh id.
   */
  readonly eventId?: string;
  /**
   * `required`: a failing label write fails the action (the status moved). `best-effort` is for events that
   * never change the status (deliveries, retrievals, reads): once they are in the ledger the action has
   * happened, so a failing label write must not fail it (a retry would record it again); any read heals the
   * lagging label from the chain head.
   */
  readonly projection?: 'required' | 'best-effort';
  /** Label fields that change with this event, projected in the same guarded write. */
  readonly labelChange?: LabelChange;
  /**
   * The authority that sent the message this event is about, when the caller has just read it from that
   * message's `message.sent` event (its receipt names it); otherwise the recorder looks that event up.
   */
  readonly messageSender?: string;
}

export interface LabelChange {
  readonly requestedReference?: string;
}

/** An event the recorder stands behind, and whether it was there already (written by an earlier attempt). */
export interface Recorded {
  readonly event: LedgerEvent;
  readonly replayed: boolean;
}

/**
 * The ids of effects with one natural key: whatever Idempotency-Key a retry carries (or none), the effect is
 * recognised by this id and never appended twice. One message is sent once, delivered once; one document is
 * uploaded once.
 */
export const naturalEventIds = {
  messageSent: (exchangeId: string, messageId: string): string =>
    derivedId('evt', 'message.sent', exchangeId, messageId),
  messageDelivered: (exchangeId: string, messageId: string): string =>
    derivedId('evt', 'message.delivered', exchangeId, messageId),
  documentUploaded: (exchangeId: string, documentId: string): string =>
    derivedId('evt', 'document.uploaded', exchangeId, documentId),
} as const;

/** Who acted, as the ledger records it. */
export const actorOf = (p: Principal): LedgerActor => ({
  authorityId: p.authorityId,
  memberId: p.memberId,
  role: p.role,
});

/** The exchange status recorded with an event (the ledger is the source of truth). */
export function statusAt(event: LedgerEvent | undefined): ExchangeState {
  const status = event?.details?.status;
  if (typeof status !== 'string' || !(EXCHANGE_STATES as readonly string[]).includes(status)) {
    throw new PouchError('ERR_LEDGER_BROKEN', 'The exchange chain does not record its status');
  }
  return status as ExchangeState;
}

/** Thrown inside `build` when the head is the very event this effect is about to write. */
class AlreadyRecorded extends Error {
  constructor(readonly event: LedgerEvent) {
    super('already recorded');
  }
}

/** Build the recorder over its ports. */
export function createLedgerRecorder(deps: LedgerRecorderDeps) {
  const now = deps.now ?? (() => new Date());

  /**
   * The event `record` points at: at its seq when noted, else searched from its bound (an attempt stopped). The
   * chain is the truth and the index only a way into it: an entry whose seq does not hold the id (the main table
   * or the ledger edited out of band) is not followed, and the chain is searched from the bound instead, so an
   * auditor can still export, and the checkpoint log exposes the edit.
   */
  async function located(chain: string, id: string, record: EffectRecord): Promise<LedgerEvent | undefined> {
    if (record.seq !== undefined) {
      const event = await deps.ledger.at(chain, record.seq);
      if (event?.id === id) return event;
    }
    // Claimed, never noted: the attempt stopped after its append or is still running. Only the events since the
    // claim can be it; once found, the note spares every later lookup the search.
    const event = (await deps.ledger.read(chain, record.fromSeq)).find((e) => e.id === id);
    if (event && record.seq === undefined)
      await deps.effects.settle(chain, id, event.seq).catch(() => undefined);
    return event;
  }

  /** The event of `chain` with the id `id` of a keyed effect, if it was recorded. */
  async function find(chain: string, id: string): Promise<LedgerEvent | undefined> {
    const record = await deps.effects.get(chain, id);
    return record ? located(chain, id, record) : undefined;
  }

  /** Note where a keyed effect's event landed; a failed note only makes the next lookup search from the claim. */
  async function note(chain: string, eventId: string | undefined, seq: number): Promise<void> {
    if (eventId !== undefined) await deps.effects.settle(chain, eventId, seq).catch(() => undefined);
  }

  /** As `note`, before handing the event back. */
  async function noted(chain: string, eventId: string | undefined, recorded: Recorded): Promise<Recorded> {
    await note(chain, eventId, recorded.event.seq);
    return recorded;
  }

  /**
   * Append once. The id is fixed before the first attempt, so every retry of the store's race loop writes the same
   * id, and the answer to "did it land?" after a storage error is whether the seq the put aimed at carries it.
   * A keyed effect claims its id first (`fromSeq`: the chain is known to be at least that long), so a later
   * attempt finds the event through the index instead of the chain.
   */
  async function appendOnce(
    chain: string,
    decide: (head: LedgerEvent | undefined) => Decided,
    eventId: string | undefined,
    fromSeq: number,
  ): Promise<Recorded & { readonly noting?: Promise<void> }> {
    let claim: EffectClaim | undefined;
    if (eventId !== undefined) {
      claim = await deps.effects.claim(chain, eventId, fromSeq);
      if (!claim.fresh) {
        const earlier = await located(chain, eventId, claim);
        if (earlier) return noted(chain, eventId, { event: earlier, replayed: true });
      }
    }
    const id = eventId ?? newId('evt');
    let built: { seq: number } | undefined;
    // The head `decide` last refused at; undefined once it accepted.
    let refusedAt: number | undefined;
    try {
      const event = await deps.ledger.append(chain, (head) => {
        // A concurrent attempt of the same effect won the race: that event is ours.
        if (head?.id === id) throw new AlreadyRecorded(head);
        refusedAt = head?.seq ?? -1;
        const decided = decide(head);
        refusedAt = undefined;
        if (!isKnownLedgerAction(decided.fields.action)) {
          throw new PouchError('ERR_INTERNAL', `Unknown ledger action: ${decided.fields.action}`);
        }
        built = { seq: head ? head.seq + 1 : 0 };
        return {
          ...decided.fields,
          id,
          details: { ...(decided.fields.details ?? {}), status: decided.status },
        };
      });
      // The note goes out with the event's projections (the caller awaits both): one round trip less per action.
      return { event, replayed: false, noting: note(chain, eventId, event.seq) };
    } catch (error) {
      if (error instanceof AlreadyRecorded)
        return noted(chain, eventId, { event: error.event, replayed: true });
      if (refusedAt !== undefined && claim?.fresh && eventId !== undefined) {
        // Refused: nothing was appended. Later lookups of this effect need not search what came before.
        await deps.effects.advance(chain, eventId, refusedAt + 1, claim.token).catch(() => undefined);
      }
      const storage = isPouchError(error, 'ERR_STORAGE') || isPouchError(error, 'ERR_STORAGE_THROTTLED');
      if (!storage || !built) throw error;
      // A lost answer: the put may have landed. It did iff its seq carries our id (fail closed otherwise).
      const seq = built.seq;
      const landed = await deps.ledger.at(chain, seq).catch(() => undefined);
      if (landed?.id !== id) throw error;
      return noted(chain, eventId, { event: landed, replayed: false });
    }
  }

  /** Move the label forward to `event` (never backwards: the repository guards on the ledger seq). */
  async function project(label: ExchangeLabel, event: LedgerEvent, extra: LabelChange = {}): Promise<void> {
    await deps.exchanges.updateProjection(label, {
      status: statusAt(event),
      ledgerSeq: event.seq,
      updatedAt: event.time,
      ...(extra.requestedReference === undefined ? {} : { requestedReference: extra.requestedReference }),
    });
  }

  /** The authority that sent message `messageId`: the actor of its `message.sent` event (the ledger says so). */
  async function messageSenderOf(chain: string, messageId: string | undefined): Promise<string | undefined> {
    if (messageId === undefined) return undefined;
    const sent = await find(chain, naturalEventIds.messageSent(chain, messageId));
    return sent?.action === 'message.sent' && sent.subject?.messageId === messageId
      ? sent.actor.authorityId
      : undefined;
  }

  /** Sign and keep the receipt of an event that earns one. A failure here is repaired on the next read. */
  async function issueReceipt(label: ExchangeLabel, event: LedgerEvent, sender?: string): Promise<void> {
    if (!isReceiptAction(event.action)) return;
    try {
      // A receipt names the side that sent and the side that received or read (receiptPartiesOf).
      const messageSender =
        event.action === 'message.sent'
          ? event.actor.authorityId
          : (sender ?? (await messageSenderOf(label.id, event.subject?.messageId)));
      const parties = receiptPartiesOf(event, label, messageSender);
      if (!parties) {
        throw new PouchError('ERR_LEDGER_BROKEN', `Event ${event.seq} names no parties of the exchange`);
      }
      const payload = buildReceiptPayload(event, parties, now());
      await deps.receipts.put(label.id, event.seq, payload.evidence, await signReceipt(deps.signer, payload));
    } catch {
      // The event is in the ledger; listing the receipts re-issues any missing one (the store keeps the first).
    }
  }

  /** Tell the observers (never fails the action; see LedgerRecorderDeps.observers). */
  async function observe(event: LedgerEvent, appended = false): Promise<void> {
    for (const observer of deps.observers ?? []) {
      try {
        await observer(event, { appended });
      } catch (error) {
        deps.onObserverError?.(error, event);
      }
    }
  }

  /** Project and receipt an event that is in the ledger (fresh, or found again on a retry). */
  async function settle(
    label: ExchangeLabel,
    event: LedgerEvent,
    options: Pick<RecordOptions, 'projection' | 'labelChange' | 'messageSender'> = {},
    appended = false,
  ): Promise<void> {
    // The label and the receipt are independent projections of the event (the receipt never fails the action):
    // written together. The observers hear of the event once both are done.
    const [projected] = await Promise.allSettled([
      project(label, event, options.labelChange),
      issueReceipt(label, event, options.messageSender),
    ]);
    if (projected.status === 'rejected' && options.projection !== 'best-effort') throw projected.reason;
    await observe(event, appended);
  }

  return {
    /**
     * Open a chain with its first event (`exchange.created`). A chain that already has events is a conflict,
     * unless its event with `eventId` is the one asked for (a resumed create).
     */
    async open(chain: string, decided: Decided, options: Pick<RecordOptions, 'eventId'> = {}) {
      const recorded = await appendOnce(
        chain,
        (head) => {
          if (head) throw new PouchError('ERR_CONFLICT', 'The exchange already exists');
          return decided;
        },
        options.eventId,
        0,
      );
      const { noting, ...result } = recorded;
      await Promise.all([noting, observe(result.event, !result.replayed)]);
      return result;
    },

    /**
     * Record one action on an existing exchange: `decide` runs against the status at the fresh head (again on
     * every lost race, so it must be pure), the event carries the status it returns, the label is projected and
     * the receipt issued. A keyed retry gets back its first event, settled again, and nothing new.
     */
    async record(
      label: ExchangeLabel,
      decide: (status: ExchangeState) => Decided,
      options: RecordOptions = {},
    ): Promise<Recorded> {
      // The label never runs ahead of the chain, so the next event is at least one past the seq it shows.
      const recorded = await appendOnce(
        label.id,
        (head) => decide(statusAt(head)),
        options.eventId,
        label.ledgerSeq + 1,
      );
      const { noting, ...result } = recorded;
      // Settled only once the note is in too (it never fails), so a retry after a failed settle finds it noted.
      const [settled] = await Promise.allSettled([
        settle(label, result.event, options, !result.replayed),
        noting,
      ]);
      if (settled.status === 'rejected') throw settled.reason;
      return result;
    },

    /**
     * The event of a keyed effect (recorded with `eventId: id`), found through the effect index: two point reads,
     * whatever the chain's length. Undefined when the effect was never recorded.
     */
    find,
    settle,
    project,
    issueReceipt,
    observe,
  };
}

export type LedgerRecorder = ReturnType<typeof createLedgerRecorder>;
