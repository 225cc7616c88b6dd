// Policy: the ONE authorization policy. Pure functions over a principal and the thing it wants, and `authorize`,
// which use cases call where data is read or changed: a "no" becomes a not-found answer (404) — or, when the
// caller may know the thing exists and only its role falls short, a 403 — that names its rule for the security
// log (the auth middleware writes it). Anything not allowed here is denied.
import { isTwentyFourSevenMatter } from '../../shared/domain/clocks/channel.ts';
import { AccessDeniedError, RoleDeniedError } from '../../shared/domain/identity/errors.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';

/**
 * The minimal view of an exchange that its access rules need: its two parties, and its kind and urgency (a 24/7
 * contact works only 24/7 matters; a view without them is no 24/7 matter).
 */
export interface ExchangePartiesLabel {
  readonly requesterId: string;
  readonly requestedId: string;
  readonly kind?: string;
  readonly urgency?: string;
}

/** Roles that work cases: they create, read, send and retrieve. */
const WORKING_ROLES: ReadonlySet<string> = new Set(['officer', 'contact-247']);

/**
 * Whether a working role may work this matter: an officer any, a 24/7 contact only preservation and emergency
 * matters (Budapest art. 35; shared/domain/clocks/channel.ts), no longer an officer's full rights.
 */
const worksMatter = (p: Principal, matter: { readonly kind?: string; readonly urgency?: string }): boolean =>
  p.role === 'officer' || (p.role === 'contact-247' && isTwentyFourSevenMatter(matter));

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
  return isPartyTo(principal, label) && WORKING_ROLES.has(principal.role) && worksMatter(principal, label);
}

/**
 * Opening an exchange: a working member of any authority (the requested party is checked as input), for a
 * matter its role works (a 24/7 contact opens only preservation and emergency requests).
 */
export function canCreateExchange(
  principal: Principal,
  request: { readonly kind: string; readonly urgency: string },
): boolean {
  return principal.kind === 'member' && WORKING_ROLES.has(principal.role) && worksMatter(principal, request);
}

/** Listing the caller's own authority's exchanges (labels only): its working members and its auditors. */
export function canListExchanges(principal: Principal): boolean {
  return principal.kind === 'member' && (WORKING_ROLES.has(principal.role) || principal.role === 'auditor');
}

/**
 * A declared document belongs to the authority that uploads it: only that authority presigns, commits and sends
 * it. (The other party reads it once it is sent, under {@link canReadExchange}.)
 */
export function isOwnUpload(principal: Principal, doc: { readonly uploaderAuthorityId: string }): boolean {
  return principal.kind === 'member' && doc.uploaderAuthorityId === principal.authorityId;
}

/**
 * An auditor's read is a custody read: it sees the label, the ledger and the manifests, never contents, and
 * every read is itself recorded (`auditor.viewed`).
 */
export function readsAsAuditor(principal: Principal): boolean {
  return principal.kind === 'member' && principal.role === 'auditor';
}

/** Acting on an exchange (send, acknowledge, answer, upload) follows the same rule as reading it. */
export function canActOnExchange(principal: Principal, label: ExchangePartiesLabel): boolean {
  return canReadExchange(principal, label);
}

/**
 * An exchange linked to one the caller reads (lineage): shown only when the caller may read its label, so a link
 * never reveals an exchange the caller cannot see.
 */
export function canSeeLinkedExchange(principal: Principal, linked: ExchangePartiesLabel): boolean {
  return canReadExchangeLabel(principal, linked);
}

/**
 * Delay figures: an authority's officers and auditors, for their own authority's exchanges only (the figures
 * are read from the caller's own partition, never another's).
 */
export function canReadFigures(principal: Principal): boolean {
  return principal.kind === 'member' && (principal.role === 'officer' || principal.role === 'auditor');
}

/**
 * Subscribing the authority to notifications (webhooks, e-mail): its admins, who manage what leaves it. Nobody
 * else, and never the operator.
 */
export function canManageSubscriptions(principal: Principal, authorityId: string): boolean {
  return canManageAuthority(principal, authorityId);
}

/** The label (routing metadata, never contents): the parties' working members and their auditors. */
export function canReadExchangeLabel(principal: Principal, label: ExchangePartiesLabel): boolean {
  return canReadExchange(principal, label) || (isPartyTo(principal, label) && principal.role === 'auditor');
}

/** The custody ledger of an exchange: the parties' working members and the parties' auditors. */
export function canReadLedger(principal: Principal, label: ExchangePartiesLabel): boolean {
  return canReadExchangeLabel(principal, label);
}

/**
 * An authority's admins manage everything inside it: members (their role and status), keys, age recipients,
 * languages, treaties and the requirement profile. Nobody else, and never the operator.
 */
export function canManageAuthority(principal: Principal, authorityId: string): boolean {
  return isMemberOf(principal, authorityId) && principal.role === 'admin';
}

/**
 * The operator registers authorities (with their first admin) and sets what the network needs to know about
 * them: {@link OPERATOR_AUTHORITY_FIELDS}. Nothing inside an authority is the operator's (see
 * {@link operatorScopeViolations}).
 */
export function canManageDirectory(principal: Principal): boolean {
  return principal.kind === 'operator' && principal.role === 'operator';
}

/** The fields of an authority's entry the operator may change after registration. */
export const OPERATOR_AUTHORITY_FIELDS = ['name', 'country', 'roles', 'status'] as const;
export type OperatorAuthorityField = (typeof OPERATOR_AUTHORITY_FIELDS)[number];

/**
 * What lives inside an authority and is managed only by its own admins: whoever sets the recipients reads what
 * is sealed to the authority, and whoever sets members and keys signs as its officers.
 */
export const ADMIN_AUTHORITY_FIELDS = [
  'recipients',
  'languages',
  'treaties',
  'profile',
  'members',
  'keys',
  'authorityKey',
] as const;

/**
 * The fields of an operator's change that reach inside the authority (recipients, members, keys, profile...),
 * in the order given; empty when the change stays within {@link OPERATOR_AUTHORITY_FIELDS}. A non-empty answer
 * refuses the whole change (ERR_DIRECTORY_SCOPE), so nothing is half applied.
 */
export function operatorScopeViolations(fields: readonly string[]): string[] {
  const inside: ReadonlySet<string> = new Set(ADMIN_AUTHORITY_FIELDS);
  return fields.filter((field) => inside.has(field));
}

/** The operator appends chain heads to the checkpoint log and signs checkpoints on demand. */
export function canBuildCheckpoints(principal: Principal): boolean {
  return canManageDirectory(principal);
}

/** The operator reads the per-dependency health check (each call fans out to every table, bucket and key). */
export function canReadDependencyHealth(principal: Principal): boolean {
  return canManageDirectory(principal);
}

/** Every authenticated principal reads the public directory (keys, recipients, profiles): nothing secret. */
export function canReadPublicDirectory(principal: Principal): boolean {
  return principal.kind === 'operator' || principal.kind === 'member';
}

/**
 * A member's key history (every key ever registered under its name, who added it and when): the member
 * itself, so that it sees a key it does not hold, and its authority's admins and auditors.
 */
export function canReadMemberKeys(principal: Principal, authorityId: string, memberId: string): boolean {
  if (!isMemberOf(principal, authorityId)) return false;
  return principal.memberId === memberId || principal.role === 'admin' || principal.role === 'auditor';
}

/** An authority's directory audit log: its admins and its auditors. */
export function canReadAuthorityAudit(principal: Principal, authorityId: string): boolean {
  return isMemberOf(principal, authorityId) && (principal.role === 'admin' || principal.role === 'auditor');
}

/** The exchange rules, by the name the security log gives them. */
export const EXCHANGE_RULES = {
  'read-exchange': canReadExchange,
  'act-on-exchange': canActOnExchange,
  'read-exchange-label': canReadExchangeLabel,
  'read-ledger': canReadLedger,
  'see-linked-exchange': canSeeLinkedExchange,
} as const satisfies Record<string, (p: Principal, l: ExchangePartiesLabel) => boolean>;

export type ExchangeRule = keyof typeof EXCHANGE_RULES;

/**
 * How a "no" answers. `hidden`: the same 404 as a miss, so nobody learns what another authority holds. `role`:
 * 403 ERR_FORBIDDEN, "not permitted for your role", when the caller may know the thing exists (its own
 * authority's exchange or entry, or an action that concerns no hidden object) and only its role falls short —
 * telling it "not found" would send it looking for a typo.
 */
export type DenialKind = 'hidden' | 'role';

/** A no on an exchange: a party's member is told its role falls short; anyone else gets the miss. */
export function exchangeDenialKind(principal: Principal, label: ExchangePartiesLabel): DenialKind {
  return isPartyTo(principal, label) ? 'role' : 'hidden';
}

/** A no inside an authority: its own members are told their role falls short; other authorities get the miss. */
export function authorityDenialKind(principal: Principal, authorityId: string): DenialKind {
  return isMemberOf(principal, authorityId) ? 'role' : 'hidden';
}

/** Why a "no": the rule that said it, what was attempted, on which resource, and the (not-found) message. */
export interface DenialReason {
  readonly rule: string;
  /** What was attempted (`create exchange`, `read-ledger`, ...), as the security log names it. */
  readonly attempt: string;
  readonly resourceId?: string;
  readonly message?: string;
  /** How the no answers (default `hidden`, the 404 of a miss). */
  readonly kind?: DenialKind;
}

/**
 * Deny unless `allowed`: throws the same not-found a miss gives, carrying the rule and resource for the security
 * log. Use cases call this for every decision, so every "no" of an authenticated caller is logged.
 */
export function authorize(allowed: boolean, why: DenialReason): void {
  if (!allowed) throw denial(why);
}

/** The error of a "no" (or of a miss that must look the same and still be logged as a probe). */
export function denial(why: DenialReason): AccessDeniedError | RoleDeniedError {
  const logged = {
    rule: why.rule,
    ...(why.resourceId === undefined ? {} : { resourceId: why.resourceId }),
  };
  if (why.kind === 'role') return new RoleDeniedError(why.attempt, logged);
  return new AccessDeniedError(why.attempt, why.message ?? 'Not found', logged);
}
