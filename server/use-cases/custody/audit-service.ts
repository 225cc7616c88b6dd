// Use cases, custody, assembled: the auditor's timeline (audit-reads.ts) and the custody bundle export
// (bundles.ts). Both load the label under the policy's read-ledger rule and record custody reads through the one
// ledger recorder before answering.
import { createAuditReads } from './audit-reads.ts';
import { createBundles } from './bundles.ts';
import type { AuditServiceDeps } from './custody-context.ts';

export type { BundleDelivery } from './bundles.ts';
export type { AuditServiceDeps, TimelineManifest } from './custody-context.ts';

/** Build the audit use cases over their ports. */
export function createAuditService(deps: AuditServiceDeps) {
  return { ...createAuditReads(deps), ...createBundles(deps) };
}

export type AuditService = ReturnType<typeof createAuditService>;
