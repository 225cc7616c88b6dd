// Port: the exchange's label, documents and messages in the main table. The status held here is a
// projection of the custody ledger (the source of truth) and can be rebuilt from it at any time.
import type { ExchangeState, MessageKind, Side } from '../../shared/domain/exchange/state-machine.ts';

export type Urgency = 'normal' | 'urgent' | 'emergency';

/** The label: routing metadata the exchange must see. Never content. */
export interface ExchangeLabel {
  readonly id: string;
  readonly kind: string;
  readonly urgency: Urgency;
  readonly requesterId: string;
  readonly requestedId: string;
  readonly requesterReference: string;
  readonly requestedReference?: string;
  /** Earlier exchanges this one follows (a preservation request followed by MLA, for example). */
  readonly links: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
  /** Projection of the ledger: status after the event at `ledgerSeq`. */
  readonly status: ExchangeState;
  readonly ledgerSeq: number;
  readonly updatedAt: string;
  readonly deadline?: string;
}

export type UploadShape =
  | { readonly kind: 'single' }
  | {
      readonly kind: 'multipart';
      readonly uploadId: string;
      readonly partSize: number;
      readonly partSha256s: readonly string[];
    };

export interface DocumentRecord {
  readonly exchangeId: string;
  readonly documentId: string;
  readonly state: 'pending' | 'committed';
  readonly sealedSize: number;
  /** Hex SHA-256 of the sealed bytes, declared at presign time and confirmed at commit. */
  readonly sealedSha256: string;
  readonly upload: UploadShape;
  readonly uploaderAuthorityId: string;
  readonly createdAt: string;
  readonly committedAt?: string;
  readonly messageId?: string;
}

export interface MessageRecord {
  readonly exchangeId: string;
  readonly messageId: string;
  readonly kind: MessageKind;
  readonly side: Side;
  readonly final?: boolean;
  readonly senderAuthorityId: string;
  readonly senderClientId: string;
  /** The sender's signed manifest (JWS). */
  readonly manifest: string;
  readonly documentIds: readonly string[];
  readonly sentAt: string;
  /** Ledger sequence number of the `message.sent` event. */
  readonly seq: number;
  readonly deliveredAt?: string;
}

/** A message as it will be, before the ledger gives it a sequence number and a time. */
export type MessageIntent = Omit<MessageRecord, 'sentAt' | 'seq' | 'deliveredAt'>;

export interface ListFilter {
  readonly box?: 'inbox' | 'outbox';
  readonly status?: ExchangeState;
  readonly kind?: string;
  readonly counterpart?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface ExchangeRepository {
  /** Write the label and one index item per party. Idempotent: the same label may be written again. */
  putExchange(label: ExchangeLabel): Promise<void>;
  getExchange(id: string): Promise<ExchangeLabel | undefined>;
  /** Move the projection forward; an older projection (lower ledgerSeq) never overwrites a newer one. */
  updateProjection(
    label: ExchangeLabel,
    change: { status: ExchangeState; ledgerSeq: number; updatedAt: string; requestedReference?: string },
  ): Promise<void>;
  listForAuthority(
    authorityId: string,
    filter: ListFilter,
  ): Promise<{ items: ExchangeLabel[]; nextCursor?: string }>;
  putDocument(doc: DocumentRecord): Promise<void>;
  getDocument(exchangeId: string, documentId: string): Promise<DocumentRecord | undefined>;
  putMessage(message: MessageRecord): Promise<void>;
  listMessages(exchangeId: string): Promise<MessageRecord[]>;
  /**
   * Record a message before its ledger event is appended. If the event lands but the message record is not
   * written (a crash, a failed write), readers complete the message from this intent and the event.
   */
  putMessageIntent(intent: MessageIntent): Promise<void>;
  listMessageIntents(exchangeId: string): Promise<MessageIntent[]>;
}
