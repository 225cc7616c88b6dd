// Use cases, custody: the auditor's timeline and the custody bundle export of one exchange (answered inline, or
// stored and presigned when too large for one response). Policy
// (canReadLedger) is enforced here, where data is read; an auditor's read is itself recorded in the ledger
// (`auditor.viewed`, carrying details.status from the head like every event) before anything is returned.
import { createHash } from 'node:crypto';
import type { Signer } from '../../../shared/crypto/signer.ts';
import {
  BUNDLE_MEDIA_TYPE,
  type BundleMaterial,
  type BundleMemberKey,
  writeBundleLines,
} from '../../../shared/custody/bundle.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import type { ExchangeState } from '../../../shared/domain/exchange/state-machine.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { ID_PATTERN, newId } from '../../../shared/domain/ids.ts';
import type { LedgerEvent } from '../../../shared/domain/ledger/event.ts';
import { objectKeys } from '../../config/storage-definitions.ts';
import { canReadLedger } from '../../policy/policy.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import type { DocumentStore } from '../../ports/document-store.ts';
import type { ExchangeLabel, ExchangeRepository } from '../../ports/exchange-repository.ts';
import type { LedgerStore } from '../../ports/ledger-store.ts';
import type { StoredReceipt } from '../../ports/receipt-store.ts';
import type { CheckpointService } from './checkpoint-service.ts';

export interface AuditServiceDeps {
  readonly exchanges: ExchangeRepository;
  readonly ledger: LedgerStore;
  readonly directory: DirectoryRepository;
  readonly signer: Signer;
  readonly checkpoints: Pick<CheckpointService, 'ensureCheckpointed' | 'inclusionProof'>;
  /** The exchange's receipts, re-issuing any that failed earlier (ExchangeService.listReceipts). */
  readonly listReceipts: (principal: Principal, exchangeId: string) => Promise<readonly StoredReceipt[]>;
  /** Where bundles too large to answer inline are stored and presigned (the evidence bucket). */
  readonly bundles: {
    readonly store: Pick<DocumentStore, 'putObject' | 'presignGet'>;
    readonly inlineMaxBytes: number;
    readonly presignSeconds: number;
  };
  readonly now?: () => Date;
}

/**
 * A custody bundle as the API hands it out: inline, or, above the inline limit, stored under the exchange's
 * prefix (kept under the bucket's retention, so the very bundle handed out can be produced later) and
 * presigned, with the size and SHA-256 the client checks after downloading.
 */
export type BundleDelivery =
  | { readonly kind: 'inline'; readonly text: string }
  | {
      readonly kind: 'stored';
      readonly url: string;
      readonly expiresAt: string;
      readonly size: number;
      readonly sha256: string;
    };

/** A message's custody facts: who sent it, at which ledger seq, and the signed manifest. Never content. */
export interface TimelineManifest {
  readonly messageId: string;
  readonly seq: number;
  readonly kind: string;
  readonly senderClientId: string;
  readonly sentAt: string;
  readonly manifest: string;
}

/** Build the audit use cases over their ports. */
export function createAuditService(deps: AuditServiceDeps) {
  const now = deps.now ?? (() => new Date());

  async function loadReadable(principal: Principal, exchangeId: string): Promise<ExchangeLabel> {
    if (!ID_PATTERN.test(exchangeId)) throw new PouchError('ERR_NOT_FOUND', 'No such exchange');
    const label = await deps.exchanges.getExchange(exchangeId);
    if (!label || !canReadLedger(principal, label)) throw new PouchError('ERR_NOT_FOUND', 'No such exchange');
    return label;
  }

  /** Record a read (fail closed: no answer without its event). Status is copied from the head. */
  async function recordRead(
    principal: Principal,
    label: ExchangeLabel,
    action: string,
    view: string,
  ): Promise<LedgerEvent> {
    const event = await deps.ledger.append(label.id, (head) => {
      const status = head?.details?.status;
      if (typeof status !== 'string') {
        throw new PouchError('ERR_LEDGER_BROKEN', 'The exchange chain does not record its status');
      }
      return {
        actor: { authorityId: principal.authorityId, memberId: principal.memberId, role: principal.role },
        action,
        outcome: 'success',
        details: { status, view },
      };
    });
    await deps.exchanges.updateProjection(label, {
      status: event.details?.status as ExchangeState,
      ledgerSeq: event.seq,
      updatedAt: event.time,
    });
    return event;
  }

  async function manifestsOf(exchangeId: string): Promise<TimelineManifest[]> {
    return (await deps.exchanges.listMessages(exchangeId)).map((m) => ({
      messageId: m.messageId,
      seq: m.seq,
      kind: m.kind,
      senderClientId: m.senderClientId,
      sentAt: m.sentAt,
      manifest: m.manifest,
    }));
  }

  const service = {
    /**
     * The custody timeline: label, every ledger event, the receipts and the messages' manifests. An auditor's
     * read is recorded first, so the answer includes it.
     */
    async timeline(principal: Principal, exchangeId: string) {
      let label = await loadReadable(principal, exchangeId);
      if (principal.role === 'auditor') {
        await recordRead(principal, label, 'auditor.viewed', 'timeline');
        label = (await deps.exchanges.getExchange(exchangeId)) ?? label;
      }
      const [events, receipts, manifests] = await Promise.all([
        deps.ledger.read(exchangeId),
        deps.listReceipts(principal, exchangeId),
        manifestsOf(exchangeId),
      ]);
      return { label, events, receipts, manifests };
    },

    /**
     * The custody bundle (docs/custody-bundle.md) as lines. The export is recorded (auditors: `auditor.viewed`,
     * parties: `custody.exported`), then the chain's head is checkpointed if it is not yet, so the bundle's
     * inclusion proof covers the whole chain including that record.
     */
    async exportBundle(principal: Principal, exchangeId: string): Promise<AsyncGenerator<string>> {
      const recorded = await loadReadable(principal, exchangeId);
      await recordRead(
        principal,
        recorded,
        principal.role === 'auditor' ? 'auditor.viewed' : 'custody.exported',
        'bundle',
      );
      await deps.checkpoints.ensureCheckpointed(exchangeId);
      const [label, receipts, manifests, exchangeKey, proof] = await Promise.all([
        deps.exchanges.getExchange(exchangeId),
        deps.listReceipts(principal, exchangeId),
        manifestsOf(exchangeId),
        deps.signer.publicJwk(),
        deps.checkpoints.inclusionProof(exchangeId),
      ]);
      const material: BundleMaterial = {
        exchangeId,
        exportedAt: now().toISOString(),
        label: { ...(label ?? recorded), links: [...(label ?? recorded).links] },
        exchangeKey,
        memberKeys: await senderKeys(manifests),
        checkpoint: proof.checkpoint.jws,
        inclusion: {
          leafIndex: proof.leafIndex,
          treeSize: proof.treeSize,
          head: proof.head,
          proof: proof.proof,
        },
        receipts: receipts.map((r) => ({ seq: r.seq, evidence: r.evidence, jws: r.jws })),
        manifests: manifests.map((m) => ({
          messageId: m.messageId,
          seq: m.seq,
          senderClientId: m.senderClientId,
          jws: m.manifest,
        })),
      };
      return writeBundleLines(material, deps.ledger.readLines(exchangeId));
    },

    /** {@link exportBundle}, whole: inline up to the limit, else stored and presigned. */
    async deliverBundle(principal: Principal, exchangeId: string): Promise<BundleDelivery> {
      const parts: string[] = [];
      for await (const line of await service.exportBundle(principal, exchangeId)) parts.push(`${line}\n`);
      const text = parts.join('');
      const body = Buffer.from(text, 'utf8');
      if (body.length <= deps.bundles.inlineMaxBytes) return { kind: 'inline', text };
      const sha256 = createHash('sha256').update(body).digest('hex');
      const key = objectKeys.bundleExport(exchangeId, newId('exp'));
      await deps.bundles.store.putObject({ key, body, sha256, contentType: BUNDLE_MEDIA_TYPE });
      const presigned = await deps.bundles.store.presignGet({
        key,
        expiresInSeconds: deps.bundles.presignSeconds,
      });
      return {
        kind: 'stored',
        url: presigned.url,
        expiresAt: presigned.expiresAt,
        size: body.length,
        sha256,
      };
    },
  };
  return service;

  /** The public keys of every sender (all of each sender's keys, with their validity), from the directory. */
  async function senderKeys(manifests: readonly TimelineManifest[]): Promise<BundleMemberKey[]> {
    const out: BundleMemberKey[] = [];
    const seen = new Set<string>();
    for (const m of manifests) {
      if (seen.has(m.senderClientId)) continue;
      seen.add(m.senderClientId);
      const split = m.senderClientId.indexOf(':');
      const member = await deps.directory.getMember(
        m.senderClientId.slice(0, split),
        m.senderClientId.slice(split + 1),
      );
      for (const key of member?.keys ?? []) {
        out.push({
          clientId: m.senderClientId,
          kid: key.kid,
          alg: key.alg,
          jwk: { ...key.jwk },
          createdAt: key.createdAt,
          ...(key.revokedAt ? { revokedAt: key.revokedAt } : {}),
        });
      }
    }
    return out;
  }
}

export type AuditService = ReturnType<typeof createAuditService>;
