// Port: the exchange's label, documents and messages in the main table. The status held here is a
// projection of the custody ledger (the source of truth) and can be rebuilt from it at any time.
import type { ExchangeLabel, ExchangeMessage, SealedDocument } from '../../shared/api/exchange.ts';
import type { ExchangeState } from '../../shared/domain/exchange/state-machine.ts';

export type { Urgency } from '../../shared/domain/exchange/urgency.ts';
// The label and the message are stored exactly as the API shows them: one definition, in the wire schemas.
export type { ExchangeLabel };

export type UploadShape =
  | { readonly kind: 'single' }
  | {
      readonly kind: 'multipart';
      readonly uploadId: string;
      readonly partSize: number;
      readonly partSha256s: readonly string[];
    };

/** A document as stored: its public record plus how it is being uploaded and by whom (never on the wire). */
export interface DocumentRecord extends SealedDocument {
  readonly upload: UploadShape;
  readonly uploaderAuthorityId: string;
}

export type MessageRecord = ExchangeMessage;

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
