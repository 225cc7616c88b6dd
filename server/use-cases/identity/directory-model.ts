// Use cases (identity): the directory's model as the use cases see it: inputs, public views, and the pure
// builders and checks (keys, authority keys, recipients statements, audit records) every directory writer shares.

import { createHash } from 'node:crypto';
import { validateRecipients } from '../../../shared/crypto/age-keys.ts';
import { readStoredStatement, verifyDirectoryStatement } from '../../../shared/directory/statements.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { generateAuditId } from '../../../shared/domain/identity/ids.ts';
import type {
  AuditAction,
  AuditActor,
  AuditRecord,
  Authority,
  AuthorityEntry,
  AuthorityKeyRecord,
  AuthorityRole,
  AuthorityStatus,
  FieldChange,
  Member,
  MemberKey,
  MemberRole,
  MemberStatus,
  Principal,
  RequestOrigin,
} from '../../../shared/domain/identity/types.ts';
import {
  computeJwkThumbprint,
  validateCountry,
  validateSigningJwk,
} from '../../../shared/domain/identity/validation.ts';
import { canonicalJson } from '../../../shared/domain/ledger/jcs.ts';
import { validatePublishedProfile } from '../../../shared/domain/requests/profile-publication.ts';

/** Most keys a member may hold (active and revoked): bounds the item and the public directory. */
export const MAX_KEYS_PER_MEMBER = 20;

/** The authority fields set at registration (the operator's onboarding; afterwards, see the two patches below). */
export interface AuthorityFields {
  readonly country: string;
  readonly name: string;
  readonly roles: readonly AuthorityRole[];
  readonly recipients: readonly string[];
  readonly languages: readonly string[];
  readonly treaties: readonly string[];
}

/** What the operator may change after registration (policy: OPERATOR_AUTHORITY_FIELDS). */
export interface OperatorAuthorityPatch {
  readonly name?: string | undefined;
  readonly country?: string | undefined;
  readonly roles?: readonly AuthorityRole[] | undefined;
  readonly status?: AuthorityStatus | undefined;
}

/** What an authority's own admins change about it, besides recipients, members, keys and profile. */
export interface AuthorityDetailsPatch {
  readonly languages?: readonly string[] | undefined;
  readonly treaties?: readonly string[] | undefined;
}

/** What an authority's admins change about one of its members. */
export interface MemberPatch {
  readonly displayName?: string | undefined;
  readonly role?: MemberRole | undefined;
  readonly status?: MemberStatus | undefined;
}

export interface NewMemberInput {
  readonly displayName: string;
  readonly role: MemberRole;
  /** The member's first public signing key (JWK). */
  readonly jwk: unknown;
}

export interface CreateAuthorityInput extends AuthorityFields {
  readonly profile?: Readonly<Record<string, unknown>> | undefined;
  /** The authority key (public JWK) the authority gave the operator at onboarding. */
  readonly authorityKey?: unknown | undefined;
  readonly firstAdmin: { readonly displayName: string; readonly jwk: unknown };
}

/** Who asks, from where, and when (epoch milliseconds). */
export interface CallContext {
  readonly principal: Principal;
  readonly origin: RequestOrigin;
  readonly now: number;
}

/** What the public directory shows of a key. */
export interface PublicKeyView {
  readonly kid: string;
  readonly alg: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly jwk: Readonly<Record<string, string>>;
}

/** One entry of a member's key history: every key ever registered under its name, never deleted. */
export interface KeyHistoryEntry {
  readonly kid: string;
  readonly alg: string;
  /** RFC 7638 thumbprint (SHA-256, base64url) of the public key: what the member compares with its own keys. */
  readonly fingerprint: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  /** Who added the key (client id, or `system:<source>`); absent for keys added before this was kept. */
  readonly addedBy?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  readonly jwk: Readonly<Record<string, string>>;
}

export interface MemberKeyHistory {
  readonly authorityId: string;
  readonly memberId: string;
  readonly keys: readonly KeyHistoryEntry[];
}

export interface PublicMemberView {
  readonly id: string;
  readonly displayName: string;
  readonly role: string;
  readonly status: MemberStatus;
  readonly keys: readonly PublicKeyView[];
  /** The member's keys as its authority signed them: pinned clients trust a manifest only under these. */
  readonly keysStatement?: string;
}

/** The public directory entry of an authority: never anything secret. */
export interface PublicAuthorityView {
  readonly id: string;
  readonly country: string;
  readonly name: string;
  readonly roles: readonly AuthorityRole[];
  readonly status: AuthorityStatus;
  readonly recipients: readonly string[];
  /** The authority key: its current fingerprint and the chain a client walks from the key it pinned. */
  readonly authorityKey?: {
    readonly fingerprint: string;
    readonly jwk: Readonly<Record<string, string>>;
    readonly chain: {
      readonly initial: Readonly<Record<string, string>>;
      readonly rotations: readonly string[];
    };
  };
  /** The recipients as the authority signed them: clients seal only to these, after verifying them. */
  readonly recipientsStatement?: string;
  readonly languages: readonly string[];
  readonly treaties: readonly string[];
  readonly profile: Readonly<Record<string, unknown>> & { readonly version: number };
  /** The profile as the authority signed it. */
  readonly profileStatement?: string;
  readonly members: readonly PublicMemberView[];
  readonly updatedAt: string;
}

/** Build a new member key from a public JWK (validated); `addedBy` is the client id that adds it. */
export function buildMemberKey(jwk: unknown, at: string, addedBy: string): MemberKey {
  const { jwk: publicJwk, alg, kid } = validateSigningJwk(jwk);
  return { kid, alg, jwk: publicJwk, status: 'active', createdAt: at, addedBy };
}

/** SHA-256 (hex) of a value's RFC 8785 canonical JSON: how audit records name keys, recipients and profiles. */
export function auditDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Old and new value of one field; undefined when it did not change. */
export function valueChange(field: string, from: unknown, to: unknown): FieldChange | undefined {
  if (from !== undefined && canonicalJson(from) === canonicalJson(to)) return undefined;
  return { field, ...(from === undefined ? {} : { from }), to };
}

/** SHA-256 of the old and new value of one field (keys, recipients, profiles); undefined when unchanged. */
export function digestChange(field: string, from: unknown, to: unknown): FieldChange | undefined {
  const toSha256 = auditDigest(to);
  if (from === undefined) return { field, toSha256 };
  const fromSha256 = auditDigest(from);
  return fromSha256 === toSha256 ? undefined : { field, fromSha256, toSha256 };
}

export const changesOf = (...changes: Array<FieldChange | undefined>): FieldChange[] =>
  changes.filter((c): c is FieldChange => c !== undefined);

/** The public part of a key set, as audit digests cover it (what a verifier could recompute). */
export const keyDigestView = (keys: readonly MemberKey[]) =>
  keys.map((k) => ({ kid: k.kid, alg: k.alg, jwk: k.jwk, status: k.status }));

export const statementError = (message: string) => new PouchError('ERR_STATEMENT_INVALID', message);

/** A new authority key record from a public JWK (validated like a member key: public, P-256 or Ed25519). */
export function buildAuthorityKey(jwk: unknown): AuthorityKeyRecord {
  const { jwk: key } = validateSigningJwk(stripKeyMetadata(jwk));
  return { initial: key, rotations: [], current: key, fingerprint: computeJwkThumbprint(key) };
}

/** A JWK's key members only: an authority key's kid is its fingerprint, whatever the input says. */
function stripKeyMetadata(jwk: unknown): unknown {
  if (typeof jwk !== 'object' || jwk === null) return jwk;
  const { kid: _kid, use: _use, alg: _alg, ...rest } = jwk as Record<string, unknown>;
  return rest;
}

/** A signed recipients statement, verified against the authority's current key; it must be the next version. */
export interface VerifiedRecipients {
  readonly recipients: readonly string[];
  readonly statement: string;
  readonly version: number;
}

/**
 * Verify a recipients statement for an authority: signed by its current authority key, about this authority,
 * the next version (an old statement cannot be replayed), and age recipients the exchange can parse.
 */
export async function verifyRecipientsStatement(
  authority: {
    readonly id: string;
    readonly authorityKey?: AuthorityKeyRecord;
    readonly recipientsVersion?: number;
  },
  statement: string,
): Promise<VerifiedRecipients> {
  if (!authority.authorityKey) {
    throw statementError('The authority has no authority key yet: the operator registers it at onboarding');
  }
  const verified = await verifyDirectoryStatement(statement, authority.authorityKey.current, {
    authorityId: authority.id,
    kind: 'recipients',
  });
  const expected = (authority.recipientsVersion ?? 0) + 1;
  if (verified.version !== expected) {
    throw statementError(`The recipients statement must be version ${expected}, not ${verified.version}`);
  }
  validateRecipients(verified.content.recipients);
  return { recipients: [...new Set(verified.content.recipients)], statement, version: verified.version };
}

/** A member-keys statement, verified against the authority key and the keys the member holds. */
export interface VerifiedMemberKeys {
  readonly statement: string;
  readonly version: number;
  readonly kids: readonly string[];
}

/**
 * Verify a member-keys statement: signed by the authority's current key, about this member, the next version,
 * and listing only keys the member holds at the exchange (same kid, same public key), none of them signed as
 * active while the exchange has revoked it. It may leave keys out: those stay unsigned, and pinned clients do
 * not trust them.
 */
export async function verifyMemberKeysStatement(
  authority: { readonly id: string; readonly authorityKey?: AuthorityKeyRecord },
  member: Member,
  statement: string,
): Promise<VerifiedMemberKeys> {
  if (!authority.authorityKey) {
    throw statementError('The authority has no authority key yet: the operator registers it at onboarding');
  }
  const verified = await verifyDirectoryStatement(statement, authority.authorityKey.current, {
    authorityId: authority.id,
    kind: 'member-keys',
  });
  if (verified.content.memberId !== member.id) {
    throw statementError('The keys statement is about another member');
  }
  const expected = (member.keysVersion ?? 0) + 1;
  if (verified.version !== expected) {
    throw statementError(`The keys statement must be version ${expected}, not ${verified.version}`);
  }
  const kids = new Set<string>();
  for (const signed of verified.content.keys) {
    const held = member.keys.find((k) => k.kid === signed.kid);
    if (!held || computeJwkThumbprint(held.jwk) !== computeJwkThumbprint(signed.jwk)) {
      throw statementError(`The keys statement lists key ${signed.kid}, which the member does not hold`);
    }
    if (signed.revokedAt === undefined && held.status === 'revoked') {
      throw statementError(`The keys statement lists key ${signed.kid} as active; it is revoked`);
    }
    if (kids.has(signed.kid)) throw statementError(`The keys statement lists key ${signed.kid} twice`);
    kids.add(signed.kid);
  }
  return { statement, version: verified.version, kids: [...kids] };
}

/**
 * Whether a member key may authenticate at the exchange. Once the authority has an authority key, a member with a
 * `member-keys` statement authenticates only with a key its latest statement lists as active; a member without
 * one (a first admin at onboarding, a member its admins just created, a member from before authority keys) only
 * with keys that are not `pending`. So a key an admin adds to an existing member is held but does not sign in
 * until the authority key signs it: an admin cannot act as an officer with a key of its own. An authority without
 * an authority key (registered before they existed) is unpinned: its keys work as registered.
 */
export function isKeySigned(
  authority: { readonly id: string; readonly authorityKey?: AuthorityKeyRecord } | undefined,
  member: Member,
  key: MemberKey,
): boolean {
  if (!authority?.authorityKey) return true;
  if (!member.keysStatement) return key.pending !== true;
  // Stored only after verifyMemberKeysStatement passed; a rotated authority key must not unsign it.
  const { content } = readStoredStatement(member.keysStatement, {
    authorityId: authority.id,
    kind: 'member-keys',
  });
  if (content.memberId !== member.id) return false;
  const thumbprint = computeJwkThumbprint(key.jwk);
  return content.keys.some(
    (k) => k.kid === key.kid && k.revokedAt === undefined && computeJwkThumbprint(k.jwk) === thumbprint,
  );
}

/** A profile statement, verified: the profile it signs (with its version) and the statement. */
export interface VerifiedProfile {
  readonly profile: Readonly<Record<string, unknown>> & { readonly version: number };
  readonly statement: string;
}

/**
 * Verify a profile statement: signed by the authority's current key, about this authority, and the next
 * version of its profile (an old profile cannot be replayed). Its content passed the profile limits when the
 * statement was read (BoundedProfileSchema).
 */
export async function verifyProfileStatement(
  authority: {
    readonly id: string;
    readonly authorityKey?: AuthorityKeyRecord;
    readonly profile?: { readonly version: number };
  },
  statement: string,
): Promise<VerifiedProfile> {
  if (!authority.authorityKey) {
    throw statementError('The authority has no authority key yet: the operator registers it at onboarding');
  }
  const verified = await verifyDirectoryStatement(statement, authority.authorityKey.current, {
    authorityId: authority.id,
    kind: 'profile',
  });
  const expected = (authority.profile?.version ?? 0) + 1;
  if (verified.version !== expected) {
    throw statementError(`The profile statement must be version ${expected}, not ${verified.version}`);
  }
  const { version: _ignored, ...profile } = verified.content.profile;
  checkPublishableProfile(authority.id, profile);
  return { profile: { ...profile, version: verified.version }, statement };
}

/**
 * Refuse a profile senders could not work with (ERR_PROFILE_INVALID, ERR_PROFILE_FIELD_UNKNOWN): every way a
 * profile enters the directory (published bare or signed, at registration, seeded) passes here. An empty one
 * (no field but `version`) withdraws the requirements and is taken as it is.
 */
export function checkPublishableProfile(
  authorityId: string,
  profile: Readonly<Record<string, unknown>>,
): void {
  if (Object.keys(profile).every((k) => k === 'version')) return;
  validatePublishedProfile(authorityId, profile);
}

/** Validate authority fields; throws ERR_VALIDATION naming the field. */
export function validateAuthorityFields(
  fields: {
    readonly [K in keyof AuthorityFields]?: AuthorityFields[K] | undefined;
  },
): void {
  if (fields.country !== undefined) validateCountry(fields.country);
  if (fields.recipients !== undefined) validateRecipients(fields.recipients);
}

/** Build an audit record for a change about to be made. */
export function buildAuditRecord(input: {
  actor: AuditActor;
  origin: RequestOrigin;
  at: string;
  action: AuditAction;
  target: AuditRecord['target'];
  summary?: Record<string, unknown>;
}): AuditRecord {
  return {
    id: generateAuditId(),
    authorityId: input.target.authorityId,
    at: input.at,
    actor: input.actor,
    action: input.action,
    target: input.target,
    summary: input.summary ?? {},
    origin: input.origin,
    outcome: 'pending',
  };
}

/** Turn an entry into its public view. */
export function toPublicAuthority(entry: AuthorityEntry): PublicAuthorityView {
  const a = entry.authority;
  return {
    id: a.id,
    country: a.country,
    name: a.name,
    roles: a.roles,
    status: a.status,
    recipients: a.recipients,
    ...(a.authorityKey
      ? {
          authorityKey: {
            fingerprint: a.authorityKey.fingerprint,
            jwk: { ...a.authorityKey.current },
            chain: { initial: { ...a.authorityKey.initial }, rotations: a.authorityKey.rotations },
          },
        }
      : {}),
    ...(a.recipientsStatement ? { recipientsStatement: a.recipientsStatement } : {}),
    languages: a.languages,
    treaties: a.treaties,
    profile: a.profile,
    ...(a.profileStatement ? { profileStatement: a.profileStatement } : {}),
    updatedAt: a.updatedAt,
    members: entry.members.map(toPublicMember),
  };
}

export function revokeKey(key: MemberKey, at: string, by: AuditActor): MemberKey {
  return key.status === 'revoked'
    ? key
    : { ...key, status: 'revoked', revokedAt: at, revokedBy: by.clientId };
}

/** The operator's patch applied to an authority (fields validated by the caller). */
export function applyOperatorPatch(a: Authority, patch: OperatorAuthorityPatch): Authority {
  return {
    ...a,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.country !== undefined ? { country: patch.country } : {}),
    ...(patch.roles !== undefined ? { roles: [...new Set(patch.roles)] } : {}),
    ...(patch.status !== undefined ? { status: patch.status } : {}),
  };
}

/** A member's public view: id, name, role and public keys with their status. */
export function toPublicMember(m: Member): PublicMemberView {
  return {
    id: m.id,
    displayName: m.displayName,
    role: m.role,
    status: m.status,
    keys: m.keys.map((k) => ({
      kid: k.kid,
      alg: k.alg,
      status: k.status,
      createdAt: k.createdAt,
      ...(k.revokedAt ? { revokedAt: k.revokedAt } : {}),
      jwk: { ...k.jwk, kid: k.kid, alg: k.alg, use: 'sig' },
    })),
    ...(m.keysStatement ? { keysStatement: m.keysStatement } : {}),
  };
}
