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
import type { DocumentDigest, LedgerAction, LedgerEvent, LedgerOutcome } from './event.ts';

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
  /** Authority ids of the two parties. */
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

/**
 * Build the receipt for an appended event. Throws ERR_VALIDATION when the action earns no receipt.
 *
 * @example
 * const event = await ledger.append(exchangeId, () => fields);
 * const jws = await signReceipt(signer, buildReceiptPayload(event, { sender, recipient }, new Date()));
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
 * matches. Sender and recipient are checked by the caller against the exchange label.
 */
export function describeReceiptMismatch(receipt: ReceiptPayload, event: LedgerEvent): string | undefined {
  if (receipt.chain !== event.chain) return 'chain';
  if (receipt.seq !== event.seq) return 'seq';
  if (receipt.eventHash !== event.hash) return 'eventHash';
  if (receipt.eventTime !== event.time) return 'eventTime';
  if (receipt.action !== event.action) return 'action';
  if (!isReceiptAction(event.action) || receipt.evidence !== EVIDENCE_BY_ACTION[event.action])
    return 'evidence';
  if (receipt.outcome !== event.outcome) return 'outcome';
  const docs = event.documents ?? [];
  if (receipt.documents.length !== docs.length) return 'documents';
  for (let i = 0; i < docs.length; i++) {
    const a = receipt.documents[i] as DocumentDigest;
    const b = docs[i] as DocumentDigest;
    if (
      a.documentId !== b.documentId ||
      a.plaintextSha256 !== b.plaintextSha256 ||
      a.sealedSha256 !== b.sealedSha256 ||
      a.size !== b.size
    ) {
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
