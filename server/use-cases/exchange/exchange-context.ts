// Use cases, exchange: what every exchange use case is built over — the ports, the one ledger recorder and the
// policy-guarded label loader — assembled once by createExchangeService (exchange-service.ts).
import type { Signer } from '../../../shared/crypto/signer.ts';
import type { PlanUploadOptions } from '../../../shared/domain/upload-plan.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import type { DocumentStore } from '../../ports/document-store.ts';
import type { ExchangeRepository } from '../../ports/exchange-repository.ts';
import type { LedgerStore } from '../../ports/ledger-store.ts';
import type { ReceiptStore } from '../../ports/receipt-store.ts';
import type { LedgerRecorder } from '../ledger-recorder.ts';
import type { Quotas } from '../quotas.ts';
import type { ReadRecords } from '../read-records.ts';
import type { ExchangeAccess } from './exchange-access.ts';

export interface ExchangeServiceDeps {
  readonly exchanges: ExchangeRepository;
  /** Read only: every write goes through the recorder. */
  readonly ledger: LedgerStore;
  readonly documents: DocumentStore;
  readonly directory: DirectoryRepository;
  readonly receipts: ReceiptStore;
  readonly signer: Signer;
  readonly maxDocumentBytes: number;
  readonly presignSeconds: number;
  /** Records an auditor's read once per member, exchange and interval. */
  readonly reads: ReadRecords;
  /** Per-authority quotas: exchanges created, bytes declared. */
  readonly quotas: Quotas;
  readonly now?: () => Date;
  /** Tests only: lets small files exercise multipart uploads (see planUpload). */
  readonly uploadPlanOptions?: PlanUploadOptions;
}

export interface ExchangeContext {
  readonly deps: ExchangeServiceDeps;
  readonly recorder: LedgerRecorder;
  readonly access: ExchangeAccess;
  readonly now: () => Date;
}

/**
 * The effect id of a keyed action: the idempotency layer hands a resumed attempt the one its first attempt chose,
 * and the recorder returns the event carrying it instead of appending another.
 */
export interface EffectIds {
  readonly eventId?: string;
}
