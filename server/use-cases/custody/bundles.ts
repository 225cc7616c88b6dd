// Use cases, custody: the custody bundle export of one exchange (docs/custody-bundle.md), answered inline or, when
// too large for one response, stored in the evidence bucket and presigned. The export is recorded first (auditors:
// `auditor.viewed`, parties: `custody.exported`, view `bundle`), once per member and interval (../read-records.ts).
//
// Bounded cost: an export neither signs a checkpoint nor locks a new object per request. The bundle carries the
// inclusion proof of the chain's head in the latest checkpoint that covers it (the scheduled checkpoint job
// covers the newer events; the verifier says which head is checkpointed). Only a chain that no checkpoint
// covers yet gets one built, once per exchange. A stored bundle's key is its SHA-256, so the same bytes are the
// same object: repeated exports of an unchanged chain store nothing new under the bucket's Object Lock.
import { createHash } from 'node:crypto';
import {
  BUNDLE_MEDIA_TYPE,
  type BundleAuthority,
  type BundleMaterial,
  type BundleMemberKey,
  writeBundleLines,
} from '../../../shared/custody/bundle.ts';
import { isPouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { objectKeys } from '../../config/storage-definitions.ts';
import { readsAsAuditor } from '../../policy/policy.ts';
import { createExchangeAccess } from '../exchange/exchange-access.ts';
import type { EffectIds } from '../exchange/exchange-context.ts';
import { type AuditServiceDeps, manifestsOf, type TimelineManifest } from './custody-context.ts';

/**
 * A custody bundle as the API hands it out: inline, or, above the inline limit, stored under the exchange's
 * prefix at its SHA-256 (kept under the bucket's retention, so the very bundle handed out can be produced later,
 * and stored once however often it is exported) and presigned, with the size and SHA-256 the client checks after
 * downloading.
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

/** Build the bundle use cases. */
export function createBundles(deps: AuditServiceDeps) {
  const access = createExchangeAccess(deps.exchanges);

  /** The public keys of every sender (all of each sender's keys, with their validity), from the directory. */
  async function senderKeys(manifests: readonly TimelineManifest[]): Promise<BundleMemberKey[]> {
    const out: BundleMemberKey[] = [];
    for (const clientId of new Set(manifests.map((m) => m.senderClientId))) {
      const split = clientId.indexOf(':');
      const member = await deps.directory.getMember(clientId.slice(0, split), clientId.slice(split + 1));
      for (const key of member?.keys ?? []) {
        out.push({
          clientId,
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

  /**
   * What each sender's authority signed about its senders' keys (its authority-key chain and each sender's
   * `member-keys` statement), so an offline verifier checks manifests against the authority key it pinned.
   * Authorities without an authority key, and members without a statement, are left out: a pinned verifier
   * then refuses their manifests, as `--live` does.
   */
  async function senderAuthorities(manifests: readonly TimelineManifest[]): Promise<BundleAuthority[]> {
    const byAuthority = new Map<string, Set<string>>();
    for (const { senderClientId } of manifests) {
      const split = senderClientId.indexOf(':');
      const authorityId = senderClientId.slice(0, split);
      byAuthority.set(
        authorityId,
        (byAuthority.get(authorityId) ?? new Set()).add(senderClientId.slice(split + 1)),
      );
    }
    const out: BundleAuthority[] = [];
    for (const [authorityId, memberIds] of byAuthority) {
      const authority = await deps.directory.getAuthority(authorityId);
      if (!authority?.authorityKey) continue;
      const members: Array<{ memberId: string; keysStatement: string }> = [];
      for (const memberId of memberIds) {
        const member = await deps.directory.getMember(authorityId, memberId);
        if (member?.keysStatement) members.push({ memberId, keysStatement: member.keysStatement });
      }
      out.push({
        authorityId,
        authorityKey: {
          initial: authority.authorityKey.initial,
          rotations: [...authority.authorityKey.rotations],
        },
        members,
      });
    }
    return out;
  }

  /**
   * The proof of the chain's latest checkpointed head in the latest checkpoint. A chain that no checkpoint
   * covers yet (a new exchange, before the scheduled job) is checkpointed now: once per exchange, never again.
   */
  async function chainProof(exchangeId: string) {
    try {
      return await deps.checkpoints.loggedHeads(exchangeId);
    } catch (error) {
      if (!isPouchError(error, 'ERR_NOT_FOUND')) throw error;
      await deps.checkpoints.ensureCheckpointed(exchangeId);
      return deps.checkpoints.loggedHeads(exchangeId);
    }
  }

  /**
   * The custody bundle as lines; the export is recorded first. `exportedAt` is the time of the export's ledger
   * record, so every export a member makes in one interval of an unchanged chain is the same bytes.
   * `_ids` (a keyed request's effect id) is not needed: the export's effect is its interval's event.
   */
  async function exportBundle(
    principal: Principal,
    exchangeId: string,
    _ids: EffectIds = {},
  ): Promise<AsyncGenerator<string>> {
    const recorded = await access.load(principal, exchangeId, 'read-ledger');
    const action = readsAsAuditor(principal) ? 'auditor.viewed' : 'custody.exported';
    const record = await deps.reads.record(principal, recorded, action, 'bundle');
    const [label, receipts, manifests, exchangeKey, logged] = await Promise.all([
      deps.exchanges.getExchange(exchangeId),
      deps.listReceipts(principal, exchangeId),
      manifestsOf(deps.exchanges, exchangeId),
      deps.signer.publicJwk(),
      chainProof(exchangeId),
    ]);
    const material: BundleMaterial = {
      exchangeId,
      exportedAt: record.time,
      label: { ...(label ?? recorded), links: [...(label ?? recorded).links] },
      exchangeKey,
      memberKeys: await senderKeys(manifests),
      authorities: await senderAuthorities(manifests),
      checkpoint: logged.checkpoint.jws,
      // Every head ever logged for the chain, so a deleted or rewritten checkpointed event shows (bundle v2).
      loggedHeads: logged.heads.map((h) => ({ ...h, treeSize: logged.treeSize })),
      receipts: receipts.map((r) => ({ seq: r.seq, evidence: r.evidence, jws: r.jws })),
      manifests: manifests.map((m) => ({
        messageId: m.messageId,
        seq: m.seq,
        senderClientId: m.senderClientId,
        jws: m.manifest,
      })),
    };
    return writeBundleLines(material, deps.ledger.readLines(exchangeId));
  }

  /** Whether these very bytes are stored at `key` already (a miss, or other bytes, is stored again). */
  async function isStored(key: string, size: number, sha256: string): Promise<boolean> {
    try {
      const base64 = Buffer.from(sha256, 'hex').toString('base64');
      await deps.bundles.store.confirmObject({ key, size, expected: { kind: 'single', sha256: base64 } });
      return true;
    } catch (error) {
      if (isPouchError(error, 'ERR_NOT_FOUND') || isPouchError(error, 'ERR_HASH_MISMATCH')) return false;
      throw error;
    }
  }

  return {
    exportBundle,

    /** {@link exportBundle}, whole: inline up to the limit, else stored and presigned. */
    async deliverBundle(
      principal: Principal,
      exchangeId: string,
      ids: EffectIds = {},
    ): Promise<BundleDelivery> {
      const parts: string[] = [];
      for await (const line of await exportBundle(principal, exchangeId, ids)) parts.push(`${line}\n`);
      const text = parts.join('');
      const body = Buffer.from(text, 'utf8');
      if (body.length <= deps.bundles.inlineMaxBytes) return { kind: 'inline', text };
      const sha256 = createHash('sha256').update(body).digest('hex');
      const key = objectKeys.bundleExport(exchangeId, sha256);
      if (!(await isStored(key, body.length, sha256))) {
        await deps.bundles.store.putObject({ key, body, sha256, contentType: BUNDLE_MEDIA_TYPE });
      }
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
}
