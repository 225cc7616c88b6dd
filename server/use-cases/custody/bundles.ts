// Use cases, custody: the custody bundle export of one exchange (docs/custody-bundle.md), answered inline or, when
// too large for one response, stored in the evidence bucket and presigned. The export is recorded first (auditors:
// `auditor.viewed`, parties: `custody.exported`, view `bundle`), then the chain head is checkpointed, so the
// bundle's inclusion proof covers the whole chain including that record.
import { createHash } from 'node:crypto';
import {
  BUNDLE_MEDIA_TYPE,
  type BundleMaterial,
  type BundleMemberKey,
  writeBundleLines,
} from '../../../shared/custody/bundle.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { objectKeys } from '../../config/storage-definitions.ts';
import { readsAsAuditor } from '../../policy/policy.ts';
import { createExchangeAccess } from '../exchange/exchange-access.ts';
import type { EffectIds } from '../exchange/exchange-context.ts';
import { type AuditServiceDeps, manifestsOf, recordRead, type TimelineManifest } from './custody-context.ts';

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

/** Build the bundle use cases. */
export function createBundles(deps: AuditServiceDeps) {
  const now = deps.now ?? (() => new Date());
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

  /** The custody bundle as lines; the export is recorded and the chain checkpointed first. */
  async function exportBundle(
    principal: Principal,
    exchangeId: string,
    ids: EffectIds = {},
  ): Promise<AsyncGenerator<string>> {
    const recorded = await access.load(principal, exchangeId, 'read-ledger');
    const action = readsAsAuditor(principal) ? 'auditor.viewed' : 'custody.exported';
    await recordRead(deps.recorder, principal, recorded, action, 'bundle', ids);
    await deps.checkpoints.ensureCheckpointed(exchangeId);
    const [label, receipts, manifests, exchangeKey, logged] = await Promise.all([
      deps.exchanges.getExchange(exchangeId),
      deps.listReceipts(principal, exchangeId),
      manifestsOf(deps.exchanges, exchangeId),
      deps.signer.publicJwk(),
      deps.checkpoints.loggedHeads(exchangeId),
    ]);
    const material: BundleMaterial = {
      exchangeId,
      exportedAt: now().toISOString(),
      label: { ...(label ?? recorded), links: [...(label ?? recorded).links] },
      exchangeKey,
      memberKeys: await senderKeys(manifests),
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
}
