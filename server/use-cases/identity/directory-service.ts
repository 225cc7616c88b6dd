// Use cases (identity): read and change the directory. Every entry point asks the policy first, with the
// principal, and turns "no" into AccessDeniedError (answered as 404); every change carries its audit record.
// The write rules (validation, how an authority, a member and a key change are built, audit record first) are
// coded once in `directoryWrites`: the caller-facing service, the seed file and the operator bootstrap
// (createDirectoryBootstrap) all write through them.

import { createHash } from 'node:crypto';
import { validateRecipients } from '../../../shared/crypto/age-keys.ts';
import { verifyDirectoryStatement } from '../../../shared/directory/statements.ts';
import { NotFoundError, PouchError } from '../../../shared/domain/errors.ts';
import { AccessDeniedError } from '../../../shared/domain/identity/errors.ts';
import {
  authorityIdPattern,
  generateAuditId,
  generateAuthorityId,
  generateMemberId,
} from '../../../shared/domain/identity/ids.ts';
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
import { OPERATOR_ID } from '../../../shared/domain/identity/types.ts';
import {
  computeJwkThumbprint,
  validateCountry,
  validateSigningJwk,
} from '../../../shared/domain/identity/validation.ts';
import { canonicalJson } from '../../../shared/domain/ledger/jcs.ts';
import {
  canManageAuthority,
  canManageDirectory,
  canReadAuthorityAudit,
  canReadMemberKeys,
  canReadPublicDirectory,
  OPERATOR_AUTHORITY_FIELDS,
  type OperatorAuthorityField,
  operatorScopeViolations,
} from '../../policy/policy.ts';
import type { AuditPage, DirectoryRepository } from '../../ports/directory-repository.ts';

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
function valueChange(field: string, from: unknown, to: unknown): FieldChange | undefined {
  if (from !== undefined && canonicalJson(from) === canonicalJson(to)) return undefined;
  return { field, ...(from === undefined ? {} : { from }), to };
}

/** SHA-256 of the old and new value of one field (keys, recipients, profiles); undefined when unchanged. */
function digestChange(field: string, from: unknown, to: unknown): FieldChange | undefined {
  const toSha256 = auditDigest(to);
  if (from === undefined) return { field, toSha256 };
  const fromSha256 = auditDigest(from);
  return fromSha256 === toSha256 ? undefined : { field, fromSha256, toSha256 };
}

const changesOf = (...changes: Array<FieldChange | undefined>): FieldChange[] =>
  changes.filter((c): c is FieldChange => c !== undefined);

/** The public part of a key set, as audit digests cover it (what a verifier could recompute). */
const keyDigestView = (keys: readonly MemberKey[]) =>
  keys.map((k) => ({ kid: k.kid, alg: k.alg, jwk: k.jwk, status: k.status }));

const statementError = (message: string) => new PouchError('ERR_STATEMENT_INVALID', message);

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
    updatedAt: a.updatedAt,
    members: entry.members.map(toPublicMember),
  };
}

/** Who makes a change, from where, and when (ISO time): the audit record's actor, origin and time. */
interface Change {
  readonly actor: AuditActor;
  readonly origin: RequestOrigin;
  readonly at: string;
}

/** A new member as a write takes it: id chosen, keys already validated (buildMemberKey). */
interface NewMember {
  readonly id: string;
  readonly displayName: string;
  readonly role: Member['role'];
  readonly keys: readonly MemberKey[];
}

/**
 * The directory's write rules, once. Each builds the record(s) and the audit record, checks what the directory
 * requires, and hands both to the repository, which writes the audit record first.
 */
function directoryWrites(repo: DirectoryRepository) {
  const checkKeyCount = (count: number): void => {
    if (count > MAX_KEYS_PER_MEMBER) {
      throw new PouchError('ERR_VALIDATION', `A member holds at most ${MAX_KEYS_PER_MEMBER} keys`);
    }
  };

  const newMember = (change: Change, authorityId: string, m: NewMember, auditId: string): Member => ({
    authorityId,
    id: m.id,
    displayName: m.displayName,
    role: m.role,
    status: 'active',
    keys: [...m.keys],
    createdAt: change.at,
    updatedAt: change.at,
    version: 1,
    auditId,
  });

  return {
    /** Register an authority together with its first admin (one audited change). */
    async createAuthority(
      change: Change,
      input: {
        readonly id: string;
        readonly fields: AuthorityFields;
        readonly profile?: Readonly<Record<string, unknown>> | undefined;
        readonly firstAdmin: Omit<NewMember, 'role'>;
        readonly authorityKey?: AuthorityKeyRecord | undefined;
        /** Recipients the authority signed (verified by the caller); they replace `fields.recipients`. */
        readonly signedRecipients?: VerifiedRecipients | undefined;
        readonly summary: Record<string, unknown>;
      },
    ): Promise<{ authority: Authority; admin: Member }> {
      const { id, firstAdmin, authorityKey, signedRecipients } = input;
      const fields = signedRecipients
        ? { ...input.fields, recipients: signedRecipients.recipients }
        : input.fields;
      validateAuthorityFields(fields);
      checkKeyCount(firstAdmin.keys.length);
      const audit = buildAuditRecord({
        ...change,
        action: 'authority.create',
        target: { authorityId: id, memberId: firstAdmin.id, kids: firstAdmin.keys.map((k) => k.kid) },
        summary: {
          firstAdminId: firstAdmin.id,
          changes: changesOf(
            valueChange('name', undefined, fields.name),
            valueChange('country', undefined, fields.country),
            valueChange('roles', undefined, [...new Set(fields.roles)]),
            valueChange('status', undefined, 'active'),
            digestChange('recipients', undefined, [...new Set(fields.recipients)]),
            digestChange('profile', undefined, { ...(input.profile ?? {}), version: 1 }),
            digestChange('keys', undefined, keyDigestView(firstAdmin.keys)),
            authorityKey ? valueChange('authorityKey', undefined, authorityKey.fingerprint) : undefined,
            signedRecipients
              ? digestChange('recipientsStatement', undefined, signedRecipients.statement)
              : undefined,
          ),
          ...input.summary,
        },
      });
      const authority: Authority = {
        id,
        country: fields.country,
        name: fields.name,
        roles: [...new Set(fields.roles)],
        status: 'active',
        recipients: [...new Set(fields.recipients)],
        ...(authorityKey ? { authorityKey } : {}),
        ...(signedRecipients
          ? { recipientsStatement: signedRecipients.statement, recipientsVersion: signedRecipients.version }
          : {}),
        languages: [...new Set(fields.languages)],
        treaties: [...new Set(fields.treaties)],
        profile: { ...(input.profile ?? {}), version: 1 },
        createdAt: change.at,
        updatedAt: change.at,
        version: 1,
        auditId: audit.id,
      };
      const admin = newMember(change, id, { ...firstAdmin, role: 'admin' }, audit.id);
      await repo.createAuthority(authority, admin, audit);
      return { authority, admin };
    },

    /**
     * Give an authority registered before authority keys existed its key (and signed recipients): a system
     * change only (seed, local bootstrap). Never replaces a key it already has, nor newer recipients.
     */
    async attachAuthorityKey(
      change: Change,
      authorityId: string,
      key: AuthorityKeyRecord,
      signed: VerifiedRecipients | undefined,
    ): Promise<boolean> {
      const a = await repo.getAuthority(authorityId);
      if (!a || a.authorityKey) return false;
      const useSigned = signed !== undefined && (a.recipientsVersion ?? 0) < signed.version;
      const audit = buildAuditRecord({
        ...change,
        action: 'authority.key',
        target: { authorityId },
        summary: {
          changes: changesOf(
            valueChange('authorityKey', undefined, key.fingerprint),
            useSigned ? digestChange('recipients', a.recipients, signed.recipients) : undefined,
          ),
        },
      });
      await repo.updateAuthority(
        {
          ...a,
          authorityKey: key,
          ...(useSigned
            ? {
                recipients: signed.recipients,
                recipientsStatement: signed.statement,
                recipientsVersion: signed.version,
              }
            : {}),
          updatedAt: change.at,
          version: a.version + 1,
          auditId: audit.id,
        },
        audit,
      );
      return true;
    },

    /** Add a member with its first key(s). */
    async createMember(
      change: Change,
      authorityId: string,
      input: NewMember,
      summary: Record<string, unknown>,
    ): Promise<Member> {
      checkKeyCount(input.keys.length);
      const audit = buildAuditRecord({
        ...change,
        action: 'member.create',
        target: { authorityId, memberId: input.id, kids: input.keys.map((k) => k.kid) },
        summary: {
          role: input.role,
          changes: changesOf(
            valueChange('displayName', undefined, input.displayName),
            valueChange('role', undefined, input.role),
            valueChange('status', undefined, 'active'),
            digestChange('keys', undefined, keyDigestView(input.keys)),
          ),
          ...summary,
        },
      });
      const member = newMember(change, authorityId, input, audit.id);
      await repo.putMember(member, audit);
      return member;
    },

    /** Add keys to a member and revoke others in the same write (a rotation); a revoked key stays revoked. */
    async changeKeys(
      change: Change,
      member: Member,
      input: { readonly add: readonly MemberKey[]; readonly revoke: ReadonlySet<string> },
      summary: Record<string, unknown>,
    ): Promise<Member> {
      for (const key of input.add) {
        if (member.keys.some((k) => k.kid === key.kid)) {
          throw new PouchError('ERR_CONFLICT', 'The member already has a key with this kid');
        }
      }
      checkKeyCount(member.keys.length + input.add.length);
      for (const kid of input.revoke) {
        if (!member.keys.some((k) => k.kid === kid)) throw new NotFoundError('Key not found');
      }
      const keys = [
        ...member.keys.map((k) => (input.revoke.has(k.kid) ? revokeKey(k, change.at, change.actor) : k)),
        ...input.add,
      ];
      const audit = buildAuditRecord({
        ...change,
        action: input.add.length > 0 ? 'key.add' : 'key.revoke',
        target: {
          authorityId: member.authorityId,
          memberId: member.id,
          kids: [...input.add.map((k) => k.kid), ...input.revoke],
        },
        summary: {
          ...summary,
          // The thumbprint of each added key is what the member compares with the keys it holds.
          addedKeys: input.add.map((k) => ({
            kid: k.kid,
            alg: k.alg,
            thumbprint: computeJwkThumbprint(k.jwk),
          })),
          changes: changesOf(digestChange('keys', keyDigestView(member.keys), keyDigestView(keys))),
        },
      });
      const next: Member = {
        ...member,
        keys,
        updatedAt: change.at,
        version: member.version + 1,
        auditId: audit.id,
      };
      await repo.putMember(next, audit);
      return next;
    },
  };
}

/** A change the exchange makes itself at start-up or from a seed file; audited as `system:<source>`. */
export interface SystemChange {
  /** What made the change (`seed`, `local-bootstrap`): the audit actor is `system:<source>`. */
  readonly source: string;
  /** Epoch milliseconds. */
  readonly now: number;
}

/** An authority as the seed file describes it, ids chosen and keys validated (buildMemberKey). */
export interface AuthoritySeed extends AuthorityFields {
  readonly id: string;
  readonly profile?: Readonly<Record<string, unknown>> | undefined;
  readonly authorityKey?: AuthorityKeyRecord | undefined;
  /** Recipients signed by the authority key, verified (verifyRecipientsStatement). */
  readonly signedRecipients?: VerifiedRecipients | undefined;
  /** At least one admin; the first admin is created with the authority. */
  readonly members: readonly NewMember[];
}

/** What an idempotent bootstrap change did. */
export interface EnsureResult {
  readonly authorityCreated: boolean;
  /** Ids of the members created. */
  readonly membersCreated: readonly string[];
  readonly keysAdded: number;
}

/**
 * Directory changes the exchange makes itself (the seed file, the operator bootstrap): idempotent, and through the
 * same write rules as the caller-facing service. There is no caller to ask the policy about: only entry points
 * (functions/seed-directory.ts, the local start) hold one, and no route is given one.
 */
export function createDirectoryBootstrap(repo: DirectoryRepository) {
  const writes = directoryWrites(repo);
  const changeOf = (c: SystemChange): Change => ({
    actor: { kind: 'system', clientId: `system:${c.source}` },
    origin: { sourceIp: 'local', requestId: `${c.source}-${c.now}` },
    at: new Date(c.now).toISOString(),
  });

  /** Create the member, or add the keys it lacks; never re-activates a revoked key and never removes one. */
  async function ensureMember(
    change: Change,
    authorityId: string,
    input: NewMember,
    summary: Record<string, unknown>,
  ): Promise<{ member: Member; created: boolean; keysAdded: number }> {
    const existing = await repo.getMember(authorityId, input.id);
    if (!existing) {
      const member = await writes.createMember(change, authorityId, input, summary);
      return { member, created: true, keysAdded: member.keys.length };
    }
    const missing = input.keys.filter((k) => !existing.keys.some((e) => e.kid === k.kid));
    if (missing.length === 0) return { member: existing, created: false, keysAdded: 0 };
    const member = await writes.changeKeys(
      change,
      existing,
      { add: missing, revoke: new Set() },
      { role: input.role, ...summary },
    );
    return { member, created: false, keysAdded: missing.length };
  }

  return {
    /** Make sure an authority exists with these members and keys; never overwrites what admins changed since. */
    async ensureAuthority(c: SystemChange, input: AuthoritySeed): Promise<EnsureResult> {
      const change = changeOf(c);
      const membersCreated: string[] = [];
      let keysAdded = 0;
      let pending = input.members;
      let authorityCreated = false;
      if (!(await repo.getAuthority(input.id))) {
        const first = input.members.find((m) => m.role === 'admin');
        if (!first) throw new PouchError('ERR_VALIDATION', 'An authority needs at least one admin');
        await writes.createAuthority(change, {
          id: input.id,
          fields: input,
          profile: input.profile,
          firstAdmin: first,
          authorityKey: input.authorityKey,
          signedRecipients: input.signedRecipients,
          summary: { seeded: true },
        });
        authorityCreated = true;
        membersCreated.push(first.id);
        keysAdded += first.keys.length;
        pending = input.members.filter((m) => m !== first);
      } else if (input.authorityKey) {
        await writes.attachAuthorityKey(change, input.id, input.authorityKey, input.signedRecipients);
      }
      for (const m of pending) {
        const done = await ensureMember(change, input.id, m, { seeded: true });
        if (done.created) membersCreated.push(m.id);
        keysAdded += done.keysAdded;
      }
      return { authorityCreated, membersCreated, keysAdded };
    },

    /** Make sure an operator member exists with these public keys (validated by buildMemberKey). */
    async ensureOperatorMember(
      c: SystemChange,
      input: { readonly id: string; readonly displayName: string; readonly keys: readonly MemberKey[] },
    ): Promise<{ member: Member; created: boolean; keysAdded: number }> {
      return ensureMember(changeOf(c), OPERATOR_ID, { ...input, role: 'operator' }, {});
    },
  };
}

export type DirectoryBootstrap = ReturnType<typeof createDirectoryBootstrap>;

const deny = (action: string, message = 'Not found'): never => {
  throw new AccessDeniedError(action, message);
};

/** Directory use cases over a repository. */
export function createDirectoryService(repo: DirectoryRepository) {
  const iso = (now: number) => new Date(now).toISOString();
  const writes = directoryWrites(repo);
  const changeOf = (ctx: CallContext): Change => ({
    actor: ctx.principal,
    origin: ctx.origin,
    at: iso(ctx.now),
  });

  async function loadEntry(id: string): Promise<AuthorityEntry> {
    const entry = authorityIdPattern.test(id) ? await repo.getAuthorityEntry(id) : undefined;
    if (!entry) throw new NotFoundError('Authority not found');
    return entry;
  }

  async function loadMember(authorityId: string, memberId: string): Promise<Member> {
    const member = await repo.getMember(authorityId, memberId);
    if (!member) throw new NotFoundError('Member not found');
    return member;
  }

  /** Write a changed authority entry with its audit record (the summary says what changed). */
  async function saveAuthority(
    ctx: CallContext,
    entry: AuthorityEntry,
    changed: Authority,
    action: AuditAction,
    summary: Record<string, unknown>,
  ): Promise<PublicAuthorityView> {
    const at = iso(ctx.now);
    const audit = buildAuditRecord({
      actor: ctx.principal,
      origin: ctx.origin,
      at,
      action,
      target: { authorityId: entry.authority.id },
      summary,
    });
    const next: Authority = {
      ...changed,
      updatedAt: at,
      version: entry.authority.version + 1,
      auditId: audit.id,
    };
    await repo.updateAuthority(next, audit);
    return toPublicAuthority({ authority: next, members: entry.members });
  }

  return {
    /** The public directory: every authority, with members' public keys. */
    async listAuthorities(ctx: CallContext): Promise<PublicAuthorityView[]> {
      if (!canReadPublicDirectory(ctx.principal)) deny('directory.list');
      const entries = await repo.listAuthorityEntries();
      return entries.map(toPublicAuthority);
    },

    /** One authority's public entry. */
    async getAuthority(ctx: CallContext, authorityId: string): Promise<PublicAuthorityView> {
      if (!canReadPublicDirectory(ctx.principal)) deny('directory.read', 'Authority not found');
      return toPublicAuthority(await loadEntry(authorityId));
    },

    /** Operator: register an authority and its first admin. */
    async createAuthority(
      ctx: CallContext,
      input: CreateAuthorityInput,
    ): Promise<{ authority: PublicAuthorityView; firstAdminId: string }> {
      if (!canManageDirectory(ctx.principal)) deny('authority.create');
      const change = changeOf(ctx);
      const { authority, admin } = await writes.createAuthority(change, {
        id: generateAuthorityId(),
        fields: input,
        profile: input.profile,
        authorityKey: input.authorityKey === undefined ? undefined : buildAuthorityKey(input.authorityKey),
        firstAdmin: {
          id: generateMemberId(),
          displayName: input.firstAdmin.displayName,
          keys: [buildMemberKey(input.firstAdmin.jwk, change.at, ctx.principal.clientId)],
        },
        summary: {},
      });
      return { authority: toPublicAuthority({ authority, members: [admin] }), firstAdminId: admin.id };
    },

    /**
     * Operator: change an authority's name, country, roles or status. A change that reaches inside the authority
     * (recipients, members, keys, profile, languages, treaties) is refused whole with ERR_DIRECTORY_SCOPE:
     * the operator registers authorities and nothing inside them.
     */
    async updateAuthority(
      ctx: CallContext,
      authorityId: string,
      patch: OperatorAuthorityPatch & Readonly<Record<string, unknown>>,
    ): Promise<PublicAuthorityView> {
      if (!canManageDirectory(ctx.principal)) deny('authority.update', 'Authority not found');
      const given = Object.keys(patch).filter((k) => patch[k] !== undefined);
      const inside = operatorScopeViolations(given);
      if (inside.length > 0) {
        throw new PouchError(
          'ERR_DIRECTORY_SCOPE',
          `The operator does not set ${inside.join(', ')}: the authority's own admins manage them`,
          { details: { fields: inside } },
        );
      }
      const allowed: ReadonlySet<string> = new Set(OPERATOR_AUTHORITY_FIELDS);
      const unknown = given.filter((k) => !allowed.has(k));
      if (unknown.length > 0) {
        throw new PouchError('ERR_VALIDATION', `Unknown fields: ${unknown.join(', ')}`, {
          details: { errors: unknown.map((field) => ({ field, message: 'not a field of an authority' })) },
        });
      }
      validateAuthorityFields(patch);
      const entry = await loadEntry(authorityId);
      const a = entry.authority;
      const next = applyOperatorPatch(a, patch);
      const changes = changesOf(
        ...OPERATOR_AUTHORITY_FIELDS.map((field: OperatorAuthorityField) =>
          patch[field] === undefined ? undefined : valueChange(field, a[field], next[field]),
        ),
      );
      return saveAuthority(ctx, entry, next, 'authority.update', { changes });
    },

    /**
     * Admin of the authority: publish its age recipients (what every sender seals to) as a statement signed by
     * the authority key. Only the authority's own admins may call, and only a statement its key signed is
     * accepted (ERR_STATEMENT_INVALID otherwise, including a bare list): whoever sets the recipients reads what
     * is sealed to the authority, so neither the operator nor a stolen admin token alone can swap them.
     */
    async setRecipients(
      ctx: CallContext,
      authorityId: string,
      input: { readonly statement?: string | undefined; readonly recipients?: readonly string[] | undefined },
    ): Promise<PublicAuthorityView> {
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('authority.recipients', 'Authority not found');
      const entry = await loadEntry(authorityId);
      if (input.statement === undefined) {
        throw statementError(
          'Recipients must be a statement signed by the authority key (field `statement`)',
        );
      }
      const signed = await verifyRecipientsStatement(entry.authority, input.statement);
      const a = entry.authority;
      const changes = changesOf(
        digestChange('recipients', a.recipients, signed.recipients),
        digestChange('recipientsStatement', a.recipientsStatement ?? null, signed.statement),
      );
      return saveAuthority(
        ctx,
        entry,
        {
          ...a,
          recipients: signed.recipients,
          recipientsStatement: signed.statement,
          recipientsVersion: signed.version,
        },
        'authority.recipients',
        { changes, count: signed.recipients.length, statementVersion: signed.version },
      );
    },

    /**
     * The authority key. The operator registers it once, at onboarding (`jwk`, only while the authority has
     * none: afterwards the operator is refused with ERR_DIRECTORY_SCOPE). The authority's admins rotate it with
     * a statement signed by the current key (`statement`, kind `authority-key`, the next version), optionally
     * with recipients re-signed by the new key in the same change, since clients accept recipients only from the
     * current key.
     */
    async setAuthorityKey(
      ctx: CallContext,
      authorityId: string,
      input: {
        readonly jwk?: unknown;
        readonly statement?: string | undefined;
        readonly recipientsStatement?: string | undefined;
      },
    ): Promise<PublicAuthorityView> {
      if (input.jwk !== undefined) {
        if (!canManageDirectory(ctx.principal)) deny('authority.key', 'Authority not found');
        const entry = await loadEntry(authorityId);
        if (entry.authority.authorityKey) {
          throw new PouchError(
            'ERR_DIRECTORY_SCOPE',
            'The operator registers an authority key once, at onboarding; a rotation is signed by the previous key',
            { details: { fields: ['authorityKey'] } },
          );
        }
        const key = buildAuthorityKey(input.jwk);
        return saveAuthority(ctx, entry, { ...entry.authority, authorityKey: key }, 'authority.key', {
          changes: changesOf(valueChange('authorityKey', undefined, key.fingerprint)),
          registered: true,
        });
      }
      if (!canManageAuthority(ctx.principal, authorityId)) deny('authority.key', 'Authority not found');
      const entry = await loadEntry(authorityId);
      const a = entry.authority;
      if (input.statement === undefined) {
        throw statementError(
          'A rotation is a statement signed by the current authority key (field `statement`)',
        );
      }
      if (!a.authorityKey) throw statementError('The authority has no authority key to rotate');
      const rotation = await verifyDirectoryStatement(input.statement, a.authorityKey.current, {
        authorityId,
        kind: 'authority-key',
      });
      const expected = a.authorityKey.rotations.length + 1;
      if (rotation.version !== expected) {
        throw statementError(`The rotation must be version ${expected}, not ${rotation.version}`);
      }
      const next = buildAuthorityKey(rotation.content.jwk);
      const authorityKey: AuthorityKeyRecord = {
        initial: a.authorityKey.initial,
        rotations: [...a.authorityKey.rotations, input.statement],
        current: next.current,
        fingerprint: next.fingerprint,
      };
      const rotated: Authority = { ...a, authorityKey };
      const signed =
        input.recipientsStatement === undefined
          ? undefined
          : await verifyRecipientsStatement(rotated, input.recipientsStatement);
      return saveAuthority(
        ctx,
        entry,
        signed
          ? {
              ...rotated,
              recipients: signed.recipients,
              recipientsStatement: signed.statement,
              recipientsVersion: signed.version,
            }
          : rotated,
        'authority.key',
        {
          changes: changesOf(
            valueChange('authorityKey', a.authorityKey.fingerprint, next.fingerprint),
            signed ? digestChange('recipients', a.recipients, signed.recipients) : undefined,
          ),
          rotation: expected,
        },
      );
    },

    /** Admin of the authority: its languages and treaties. */
    async updateDetails(
      ctx: CallContext,
      authorityId: string,
      patch: AuthorityDetailsPatch,
    ): Promise<PublicAuthorityView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('authority.details', 'Authority not found');
      const entry = await loadEntry(authorityId);
      const a = entry.authority;
      const next: Authority = {
        ...a,
        ...(patch.languages !== undefined ? { languages: [...new Set(patch.languages)] } : {}),
        ...(patch.treaties !== undefined ? { treaties: [...new Set(patch.treaties)] } : {}),
      };
      const changes = changesOf(
        patch.languages === undefined ? undefined : valueChange('languages', a.languages, next.languages),
        patch.treaties === undefined ? undefined : valueChange('treaties', a.treaties, next.treaties),
      );
      return saveAuthority(ctx, entry, next, 'authority.details', { changes });
    },

    /** Admin of the authority: publish a new requirement profile (its version increases by one). */
    async publishProfile(
      ctx: CallContext,
      authorityId: string,
      profile: Readonly<Record<string, unknown>>,
    ): Promise<PublicAuthorityView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('profile.publish', 'Authority not found');
      const entry = await loadEntry(authorityId);
      const a = entry.authority;
      const version = a.profile.version + 1;
      const next = { ...profile, version };
      return saveAuthority(ctx, entry, { ...a, profile: next }, 'profile.publish', {
        profileVersion: version,
        changes: changesOf(digestChange('profile', a.profile, next)),
      });
    },

    /** Admin of the authority: add a member with a first key. */
    async addMember(ctx: CallContext, authorityId: string, input: NewMemberInput): Promise<PublicMemberView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('member.create', 'Authority not found');
      await loadEntry(authorityId);
      const change = changeOf(ctx);
      const member = await writes.createMember(
        change,
        authorityId,
        {
          id: generateMemberId(),
          displayName: input.displayName,
          role: input.role,
          keys: [buildMemberKey(input.jwk, change.at, ctx.principal.clientId)],
        },
        {},
      );
      return toPublicMember(member);
    },

    /**
     * Admin of the authority: change a member's name, role or status. A deactivated member's keys stop
     * authenticating at once (the token check reads the member on every request), and a new role applies to its
     * next request. The last active admin cannot deactivate or demote itself: the authority would be orphaned,
     * and only the operator (who must not manage what is inside an authority) could step in.
     */
    async updateMember(
      ctx: CallContext,
      authorityId: string,
      memberId: string,
      patch: MemberPatch,
    ): Promise<PublicMemberView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('member.update', 'Member not found');
      const entry = await loadEntry(authorityId);
      const member = entry.members.find((m) => m.id === memberId);
      if (!member) throw new NotFoundError('Member not found');
      const next: Member = {
        ...member,
        ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
      };
      const isActiveAdmin = (m: Member) => m.role === 'admin' && m.status === 'active';
      if (isActiveAdmin(member) && !isActiveAdmin(next)) {
        const others = entry.members.filter((m) => m.id !== member.id && isActiveAdmin(m));
        if (others.length === 0) {
          throw new PouchError(
            'ERR_INVALID_STATE',
            'This is the last active admin of the authority: add another admin first',
          );
        }
      }
      const changes = changesOf(
        patch.displayName === undefined
          ? undefined
          : valueChange('displayName', member.displayName, next.displayName),
        patch.role === undefined ? undefined : valueChange('role', member.role, next.role),
        patch.status === undefined ? undefined : valueChange('status', member.status, next.status),
      );
      if (changes.length === 0) return toPublicMember(member);
      const change = changeOf(ctx);
      const audit = buildAuditRecord({
        ...change,
        action: 'member.update',
        target: { authorityId, memberId },
        summary: { changes },
      });
      const saved: Member = {
        ...next,
        updatedAt: change.at,
        version: member.version + 1,
        auditId: audit.id,
      };
      await repo.putMember(saved, audit);
      return toPublicMember(saved);
    },

    /** Admin of the authority: add a key to a member; `revoke` lists kids to revoke in the same write (rotation). */
    async addKey(
      ctx: CallContext,
      authorityId: string,
      memberId: string,
      input: { jwk: unknown; revoke?: readonly string[] | undefined },
    ): Promise<PublicMemberView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('key.add', 'Member not found');
      const member = await loadMember(authorityId, memberId);
      const change = changeOf(ctx);
      const key = buildMemberKey(input.jwk, change.at, ctx.principal.clientId);
      const revoke = new Set(input.revoke ?? []);
      const next = await writes.changeKeys(
        change,
        member,
        { add: [key], revoke },
        { added: key.kid, revoked: [...revoke] },
      );
      return toPublicMember(next);
    },

    /** Admin of the authority: revoke a key. It stops working at once, for new and already-issued tokens. */
    async revokeKey(
      ctx: CallContext,
      authorityId: string,
      memberId: string,
      kid: string,
    ): Promise<PublicMemberView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('key.revoke', 'Member not found');
      const member = await loadMember(authorityId, memberId);
      const key = member.keys.find((k) => k.kid === kid);
      if (!key) throw new NotFoundError('Key not found');
      if (key.status === 'revoked') return toPublicMember(member);
      const next = await writes.changeKeys(
        changeOf(ctx),
        member,
        { add: [], revoke: new Set([kid]) },
        { revoked: kid },
      );
      return toPublicMember(next);
    },

    /**
     * The member itself, and its authority's admins and auditors: every key ever registered under the member's
     * name (keys are revoked, never deleted), with who added it and when.
     */
    async listMemberKeys(ctx: CallContext, authorityId: string, memberId: string): Promise<MemberKeyHistory> {
      if (!canReadMemberKeys(ctx.principal, authorityId, memberId)) deny('key.history', 'Member not found');
      const member = await loadMember(authorityId, memberId);
      return {
        authorityId,
        memberId,
        keys: member.keys.map((k) => ({
          kid: k.kid,
          alg: k.alg,
          fingerprint: computeJwkThumbprint(k.jwk),
          status: k.status,
          createdAt: k.createdAt,
          ...(k.addedBy ? { addedBy: k.addedBy } : {}),
          ...(k.revokedAt ? { revokedAt: k.revokedAt } : {}),
          ...(k.revokedBy ? { revokedBy: k.revokedBy } : {}),
          jwk: { ...k.jwk, kid: k.kid, alg: k.alg, use: 'sig' },
        })),
      };
    },

    /** Admins and auditors of the authority: its directory audit log, newest first. */
    async readAudit(
      ctx: CallContext,
      authorityId: string,
      options: { limit?: number; cursor?: string } = {},
    ): Promise<AuditPage> {
      if (!canReadAuthorityAudit(ctx.principal, authorityId)) deny('audit.read', 'Authority not found');
      await loadEntry(authorityId);
      return repo.listAudit(authorityId, options);
    },
  };
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;

function revokeKey(key: MemberKey, at: string, by: AuditActor): MemberKey {
  return key.status === 'revoked'
    ? key
    : { ...key, status: 'revoked', revokedAt: at, revokedBy: by.clientId };
}

/** The operator's patch applied to an authority (fields validated by the caller). */
function applyOperatorPatch(a: Authority, patch: OperatorAuthorityPatch): Authority {
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
  };
}
