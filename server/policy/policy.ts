// Domain layer: the ONE authorization policy. Pure functions over a principal and the thing it wants;
// use cases call them where data is read or changed and turn "no" into a not-found answer (404).
// Anything not allowed here is denied.
import type { Principal } from '../../shared/domain/identity/types.ts';

/** The minimal view of an exchange that its access rules need: its two parties. */
export interface ExchangePartiesLabel {
  readonly requesterId: string;
  readonly requestedId: string;
}

const isMemberOf = (p: Principal, authorityId: string): boolean =>
  p.kind === 'member' && p.authorityId === authorityId;

const isPartyTo = (p: Principal, label: ExchangePartiesLabel): boolean =>
  isMemberOf(p, label.requesterId) || isMemberOf(p, label.requestedId);

/**
 * An exchange (label and sealed contents) is visible only to the working members (officers, 24/7 contacts)
 * of its two parties. Auditors never read contents; admins manage people, not cases; the operator is never
 * a party.
 */
export function canReadExchange(principal: Principal, label: ExchangePartiesLabel): boolean {
  return isPartyTo(principal, label) && (principal.role === 'officer' || principal.role === 'contact-247');
}

/** Acting on an exchange (send, acknowledge, answer, upload) follows the same rule as reading it. */
export function canActOnExchange(principal: Principal, label: ExchangePartiesLabel): boolean {
  return canReadExchange(principal, label);
}

/** The label (routing metadata, never contents): the parties' working members and their auditors. */
export function canReadExchangeLabel(principal: Principal, label: ExchangePartiesLabel): boolean {
  return canReadExchange(principal, label) || (isPartyTo(principal, label) && principal.role === 'auditor');
}

/** The custody ledger of an exchange: the parties' working members and the parties' auditors. */
export function canReadLedger(principal: Principal, label: ExchangePartiesLabel): boolean {
  return canReadExchangeLabel(principal, label);
}

/** An authority's admins manage its members, keys and requirement profile. Nobody else. */
export function canManageAuthority(principal: Principal, authorityId: string): boolean {
  return isMemberOf(principal, authorityId) && principal.role === 'admin';
}

/** The operator registers authorities (with their first admin) and edits their directory entries. */
export function canManageDirectory(principal: Principal): boolean {
  return principal.kind === 'operator' && principal.role === 'operator';
}

/** Every authenticated principal reads the public directory (keys, recipients, profiles): nothing secret. */
export function canReadPublicDirectory(principal: Principal): boolean {
  return principal.kind === 'operator' || principal.kind === 'member';
}

/** An authority's directory audit log: its admins and its auditors. */
export function canReadAuthorityAudit(principal: Principal, authorityId: string): boolean {
  return isMemberOf(principal, authorityId) && (principal.role === 'admin' || principal.role === 'auditor');
}
