// Domain layer, custody ledger: receipt payloads, the exchange's signed evidence of submission, delivery and
// retrieval. Use cases build one from the appended event; shared/custody/receipts.ts signs and verifies it.
//
// Evidence types follow ETSI EN 319 522 (electronic registered delivery), whose events are identified by URIs
// `http://uri.etsi.org/19522/Event/<name>`:
// - `message.sent` → SubmissionAcceptance: the exchange accepted the sender's submission;
// - `message.delivered` → ContentConsignment: the content was made available to (consigned to) the recipient,
//   which Pouch records when the recipient first sees the message;
// - `document.retrieved` → ContentHandover: the recipient took the content (downloaded the sealed document).
import { PouchError } from '../errors.ts';
import {
  type DocumentDigest,
  type LedgerAction,
  type LedgerEvent,
  type LedgerOutcome,
  sameDocumentDigest,
} from './event.ts';

/** The EN 319 522 evidence Pouch issues, by the ledger action that triggers it. */
export const EVIDENCE_BY_ACTION = {
  'message.sent': 'SubmissionAcceptance',
  'message.delivered': 'ContentConsignment',
  'document.retrieved': 'ContentHandover',
} as const satisfies Partial<Record<LedgerAction, string>>;

/** An action that earns a receipt. */
export type ReceiptAction = keyof typeof EVIDENCE_BY_ACTION;

/** An EN 319 522 evidence event name. */
export type EvidenceType = (typeof EVIDENCE_BY_ACTION)[ReceiptAction];

/** The URI EN 319 522 gives an evidence event. */
export function evidenceUri(type: EvidenceType): string {
  return `http://uri.etsi.org/19522/Event/${type}`;
}

/** What a receipt says. Every member is bound by the signature; the event hash binds it to the ledger. */
export interface ReceiptPayload {
  readonly v: 1;
  readonly evidence: EvidenceType;
  readonly evidenceUri: string;
  /** Exchange id (the chain). */
  readonly chain: string;
  readonly seq: number;
  /** `hash` of the ledger event this receipt attests. */
  readonly eventHash: string;
  /** The event's time (the moment of submission, delivery or retrieval). */
  readonly eventTime: string;
  readonly action: ReceiptAction;
  readonly outcome: LedgerOutcome;
  /**
   * Authority ids of the two parties, named by what they did (see {@link receiptPartiesOf}): `sender` sent the
   * message, `recipient` is the other party (submission) or the party that read or took it (delivery, retrieval).
   */
  readonly sender: string;
  readonly recipient: string;
  /** Message or document the event concerns, when it has one. */
  readonly messageId?: string;
  readonly documentId?: string;
  readonly documents: readonly DocumentDigest[];
  /** When the exchange issued the receipt (UTC ISO 8601 ms). */
  readonly issuedAt: string;
}

/** True when the action earns a receipt. */
export function isReceiptAction(action: LedgerAction): action is ReceiptAction {
  return Object.hasOwn(EVIDENCE_BY_ACTION, action);
}

/** The two parties a receipt names. */
export interface ReceiptParties {
  readonly sender: string;
  readonly recipient: string;
}

/**
 * The parties a receipt of `event` must name: the ONE rule, used by the exchange when it issues a receipt and by
 * every verifier when it checks one.
 * - `message.sent`: the sender is the acting authority (the side that sent this message), the recipient the
 *   other party of the exchange;
 * - `message.delivered`, `document.retrieved`: the recipient is the acting authority (the reader, the
 *   retriever), the sender is the authority that sent the message (`messageSender`, the actor of that message's
 *   `message.sent` event). A party retrieving its own document is both.
 * Undefined when the event does not say (an actor outside the exchange, an unknown message).
 *
 * Receipts issued before this rule always named the requester as sender and the requested authority as
 * recipient. For a message the requester sent that is the same answer, so those receipts still verify; for a
 * message the requested authority sent it was wrong, and a verifier rejects it (docs/custody-bundle.md).
 */
export function receiptPartiesOf(
  event: Pick<LedgerEvent, 'action' | 'actor'>,
  exchange: { readonly requesterId: string; readonly requestedId: string },
  messageSender: string | undefined,
): ReceiptParties | undefined {
  const actor = event.actor.authorityId;
  if (actor !== exchange.requesterId && actor !== exchange.requestedId) return undefined;
  if (event.action === 'message.sent') {
    const recipient = actor === exchange.requesterId ? exchange.requestedId : exchange.requesterId;
    return { sender: actor, recipient };
  }
  if (event.action === 'message.delivered' || event.action === 'document.retrieved') {
    if (messageSender !== exchange.requesterId && messageSender !== exchange.requestedId) return undefined;
    return { sender: messageSender, recipient: actor };
  }
  return undefined;
}

/**
 * Build the receipt for an appended event. Throws ERR_VALIDATION when the action earns no receipt.
 *
 * @example
 * const event = await ledger.append(exchangeId, () => fields);
 * const parties = receiptPartiesOf(event, label, messageSender);
 * const jws = await signReceipt(signer, buildReceiptPayload(event, parties, new Date()));
 */
export function buildReceiptPayload(
  event: LedgerEvent,
  parties: { sender: string; recipient: string },
  issuedAt: Date,
): ReceiptPayload {
  if (!isReceiptAction(event.action)) {
    throw new PouchError('ERR_VALIDATION', `The action ${event.action} earns no receipt`);
  }
  const evidence = EVIDENCE_BY_ACTION[event.action];
  return {
    v: 1,
    evidence,
    evidenceUri: evidenceUri(evidence),
    chain: event.chain,
    seq: event.seq,
    eventHash: event.hash,
    eventTime: event.time,
    action: event.action,
    outcome: event.outcome,
    sender: parties.sender,
    recipient: parties.recipient,
    ...(event.subject?.messageId ? { messageId: event.subject.messageId } : {}),
    ...(event.subject?.documentId ? { documentId: event.subject.documentId } : {}),
    documents: event.documents ?? [],
    issuedAt: issuedAt.toISOString(),
  };
}

/**
 * The first way a (signature-verified) receipt disagrees with the ledger event it names, or undefined when it
 * matches. With `parties` (from {@link receiptPartiesOf}), the receipt must name exactly those (`parties`).
 */
export function describeReceiptMismatch(
  receipt: ReceiptPayload,
  event: LedgerEvent,
  parties?: ReceiptParties,
): string | undefined {
  if (receipt.chain !== event.chain) return 'chain';
  if (receipt.seq !== event.seq) return 'seq';
  if (receipt.eventHash !== event.hash) return 'eventHash';
  if (receipt.eventTime !== event.time) return 'eventTime';
  if (receipt.action !== event.action) return 'action';
  if (!isReceiptAction(event.action) || receipt.evidence !== EVIDENCE_BY_ACTION[event.action])
    return 'evidence';
  if (receipt.outcome !== event.outcome) return 'outcome';
  if (parties && (receipt.sender !== parties.sender || receipt.recipient !== parties.recipient)) {
    return 'parties';
  }
  const docs = event.documents ?? [];
  if (receipt.documents.length !== docs.length) return 'documents';
  for (let i = 0; i < docs.length; i++) {
    if (!sameDocumentDigest(receipt.documents[i] as DocumentDigest, docs[i] as DocumentDigest)) {
      return 'documents';
    }
  }
  return undefined;
}

/** Check the shape of a decoded receipt payload; returns the first problem or undefined. */
export function describeReceiptPayloadProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const p = value as Record<string, unknown>;
  if (p.v !== 1) return 'v';
  if (typeof p.action !== 'string' || !isReceiptAction(p.action)) return 'action';
  if (p.evidence !== EVIDENCE_BY_ACTION[p.action]) return 'evidence';
  if (p.evidenceUri !== evidenceUri(p.evidence as EvidenceType)) return 'evidenceUri';
  for (const key of ['chain', 'eventHash', 'eventTime', 'sender', 'recipient', 'issuedAt', 'outcome']) {
    if (typeof p[key] !== 'string' || (p[key] as string).length === 0) return key;
  }
  if (!Number.isSafeInteger(p.seq) || (p.seq as number) < 0) return 'seq';
  if (!/^[0-9a-f]{64}$/.test(p.eventHash as string)) return 'eventHash';
  if (!Array.isArray(p.documents)) return 'documents';
  return undefined;
}
