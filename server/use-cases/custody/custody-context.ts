// Use cases, custody: what the audit reads and the bundle export are built over — ports, the one read recorder
// (which records every custody read before it is answered, once per member, exchange, view and interval:
// ../read-records.ts) and the policy-guarded label loader.
import type { Signer } from '../../../shared/crypto/signer.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import type { DocumentStore } from '../../ports/document-store.ts';
import type { ExchangeRepository } from '../../ports/exchange-repository.ts';
import type { LedgerStore } from '../../ports/ledger-store.ts';
import type { StoredReceipt } from '../../ports/receipt-store.ts';
import type { ReadRecords } from '../read-records.ts';
import type { CheckpointService } from './checkpoint-service.ts';

export interface AuditServiceDeps {
  readonly exchanges: ExchangeRepository;
  /** Read only: every write goes through the recorder. */
  readonly ledger: LedgerStore;
  /** Records custody reads (once per member, exchange, view and interval) through the one ledger recorder. */
  readonly reads: ReadRecords;
  readonly directory: DirectoryRepository;
  readonly signer: Signer;
  /**
   * The checkpoint log. An export takes the latest checkpoint that covers the chain; it builds one only for a
   * chain that no checkpoint covers yet (once per exchange), never per request.
   */
  readonly checkpoints: Pick<CheckpointService, 'ensureCheckpointed' | 'inclusionProof' | 'loggedHeads'>;
  /** The exchange's receipts, re-issuing any that failed earlier (ExchangeService.listReceipts). */
  readonly listReceipts: (principal: Principal, exchangeId: string) => Promise<readonly StoredReceipt[]>;
  /** Where bundles too large to answer inline are stored and presigned (the evidence bucket). */
  readonly bundles: {
    readonly store: Pick<DocumentStore, 'putObject' | 'presignGet' | 'confirmObject'>;
    readonly inlineMaxBytes: number;
    readonly presignSeconds: number;
  };
  readonly now?: () => Date;
}

/** A message's custody facts: who sent it, at which ledger seq, and the signed manifest. Never content. */
export interface TimelineManifest {
  readonly messageId: string;
  readonly seq: number;
  readonly kind: string;
  readonly senderClientId: string;
  readonly sentAt: string;
  readonly manifest: string;
}

/** The manifests of an exchange's messages, as the timeline and the bundle show them. */
export async function manifestsOf(
  exchanges: ExchangeRepository,
  exchangeId: string,
): Promise<TimelineManifest[]> {
  return (await exchanges.listMessages(exchangeId)).map((m) => ({
    messageId: m.messageId,
    seq: m.seq,
    kind: m.kind,
    senderClientId: m.senderClientId,
    sentAt: m.sentAt,
    manifest: m.manifest,
  }));
}
