// Use cases (identity): read and change the directory. Every entry point asks the policy first, with the
// principal, and turns "no" into AccessDeniedError (answered as 404); every change carries its audit record.

import { validateRecipients } from '../../../shared/crypto/age-keys.ts';
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
  AuthorityRole,
  Member,
  MemberKey,
  MemberRole,
  Principal,
  RequestOrigin,
} from '../../../shared/domain/identity/types.ts';
import { validateCountry, validateSigningJwk } from '../../../shared/domain/identity/validation.ts';
import {
  canManageAuthority,
  canManageDirectory,
  canReadAuthorityAudit,
  canReadPublicDirectory,
} from '../../policy/policy.ts';
import type { AuditPage, DirectoryRepository } from '../../ports/directory-repository.ts';

/** Most keys a member may hold (active and revoked): bounds the item and the public directory. */
export const MAX_KEYS_PER_MEMBER = 20;

/** The authority fields the operator sets. */
export interface AuthorityFields {
  readonly country: string;
  readonly name: string;
  readonly roles: readonly AuthorityRole[];
  readonly recipients: readonly string[];
  readonly languages: readonly string[];
  readonly treaties: readonly string[];
}

export interface NewMemberInput {
  readonly displayName: string;
  readonly role: MemberRole;
  /** The member's first public signing key (JWK). */
  readonly jwk: unknown;
}

export interface CreateAuthorityInput extends AuthorityFields {
  readonly profile?: Readonly<Record<string, unknown>>;
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

export interface PublicMemberView {
  readonly id: string;
  readonly displayName: string;
  readonly role: string;
  readonly keys: readonly PublicKeyView[];
}

/** The public directory entry of an authority: never anything secret. */
export interface PublicAuthorityView {
  readonly id: string;
  readonly country: string;
  readonly name: string;
  readonly roles: readonly AuthorityRole[];
  readonly recipients: readonly string[];
  readonly languages: readonly string[];
  readonly treaties: readonly string[];
  readonly profile: Readonly<Record<string, unknown>> & { readonly version: number };
  readonly members: readonly PublicMemberView[];
  readonly updatedAt: string;
}

/** Build a new member key from a public JWK (validated). */
export function buildMemberKey(jwk: unknown, at: string): MemberKey {
  const { jwk: publicJwk, alg, kid } = validateSigningJwk(jwk);
  return { kid, alg, jwk: publicJwk, status: 'active', createdAt: at };
}

/** Validate authority fields; throws ERR_VALIDATION naming the field. */
export function validateAuthorityFields(fields: Partial<AuthorityFields>): void {
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
    recipients: a.recipients,
    languages: a.languages,
    treaties: a.treaties,
    profile: a.profile,
    updatedAt: a.updatedAt,
    members: entry.members.map(toPublicMember),
  };
}

const deny = (action: string, message = 'Not found'): never => {
  throw new AccessDeniedError(action, message);
};

/** Directory use cases over a repository. */
export function createDirectoryService(repo: DirectoryRepository) {
  const iso = (now: number) => new Date(now).toISOString();

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
      validateAuthorityFields(input);
      const at = iso(ctx.now);
      const id = generateAuthorityId();
      const adminKey = buildMemberKey(input.firstAdmin.jwk, at);
      const audit = buildAuditRecord({
        actor: ctx.principal,
        origin: ctx.origin,
        at,
        action: 'authority.create',
        target: { authorityId: id, kids: [adminKey.kid] },
        summary: { country: input.country, name: input.name, roles: input.roles },
      });
      const authority: Authority = {
        id,
        country: input.country,
        name: input.name,
        roles: [...new Set(input.roles)],
        recipients: [...new Set(input.recipients)],
        languages: [...new Set(input.languages)],
        treaties: [...new Set(input.treaties)],
        profile: { ...(input.profile ?? {}), version: 1 },
        createdAt: at,
        updatedAt: at,
        version: 1,
        auditId: audit.id,
      };
      const admin: Member = {
        authorityId: id,
        id: generateMemberId(),
        displayName: input.firstAdmin.displayName,
        role: 'admin',
        keys: [adminKey],
        createdAt: at,
        updatedAt: at,
        version: 1,
        auditId: audit.id,
      };
      await repo.createAuthority(authority, admin, {
        ...audit,
        summary: { ...audit.summary, firstAdminId: admin.id },
      });
      return { authority: toPublicAuthority({ authority, members: [admin] }), firstAdminId: admin.id };
    },

    /** Operator: change an authority's name, roles, recipients, languages or treaties. */
    async updateAuthority(
      ctx: CallContext,
      authorityId: string,
      patch: Partial<Omit<AuthorityFields, 'country'>>,
    ): Promise<PublicAuthorityView> {
      if (!canManageDirectory(ctx.principal)) deny('authority.update', 'Authority not found');
      validateAuthorityFields(patch);
      const entry = await loadEntry(authorityId);
      const at = iso(ctx.now);
      const changed = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined);
      const audit = buildAuditRecord({
        actor: ctx.principal,
        origin: ctx.origin,
        at,
        action: 'authority.update',
        target: { authorityId },
        summary: { fields: changed },
      });
      const a = entry.authority;
      const next: Authority = {
        ...a,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.roles !== undefined ? { roles: [...new Set(patch.roles)] } : {}),
        ...(patch.recipients !== undefined ? { recipients: [...new Set(patch.recipients)] } : {}),
        ...(patch.languages !== undefined ? { languages: [...new Set(patch.languages)] } : {}),
        ...(patch.treaties !== undefined ? { treaties: [...new Set(patch.treaties)] } : {}),
        updatedAt: at,
        version: a.version + 1,
        auditId: audit.id,
      };
      await repo.updateAuthority(next, audit);
      return toPublicAuthority({ authority: next, members: entry.members });
    },

    /** Admin of the authority: publish a new requirement profile (its version increases by one). */
    async publishProfile(
      ctx: CallContext,
      authorityId: string,
      profile: Readonly<Record<string, unknown>>,
    ): Promise<PublicAuthorityView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('profile.publish', 'Authority not found');
      const entry = await loadEntry(authorityId);
      const at = iso(ctx.now);
      const a = entry.authority;
      const version = a.profile.version + 1;
      const audit = buildAuditRecord({
        actor: ctx.principal,
        origin: ctx.origin,
        at,
        action: 'profile.publish',
        target: { authorityId },
        summary: { profileVersion: version },
      });
      const next: Authority = {
        ...a,
        profile: { ...profile, version },
        updatedAt: at,
        version: a.version + 1,
        auditId: audit.id,
      };
      await repo.updateAuthority(next, audit);
      return toPublicAuthority({ authority: next, members: entry.members });
    },

    /** Admin of the authority: add a member with a first key. */
    async addMember(ctx: CallContext, authorityId: string, input: NewMemberInput): Promise<PublicMemberView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('member.create', 'Authority not found');
      await loadEntry(authorityId);
      const at = iso(ctx.now);
      const key = buildMemberKey(input.jwk, at);
      const id = generateMemberId();
      const audit = buildAuditRecord({
        actor: ctx.principal,
        origin: ctx.origin,
        at,
        action: 'member.create',
        target: { authorityId, memberId: id, kids: [key.kid] },
        summary: { role: input.role },
      });
      const member: Member = {
        authorityId,
        id,
        displayName: input.displayName,
        role: input.role,
        keys: [key],
        createdAt: at,
        updatedAt: at,
        version: 1,
        auditId: audit.id,
      };
      await repo.putMember(member, audit);
      return toPublicMember(member);
    },

    /** Admin of the authority: add a key to a member; `revoke` lists kids to revoke in the same write (rotation). */
    async addKey(
      ctx: CallContext,
      authorityId: string,
      memberId: string,
      input: { jwk: unknown; revoke?: readonly string[] },
    ): Promise<PublicMemberView> {
      if (!canManageAuthority(ctx.principal, authorityId)) deny('key.add', 'Member not found');
      const member = await loadMember(authorityId, memberId);
      const at = iso(ctx.now);
      const key = buildMemberKey(input.jwk, at);
      if (member.keys.some((k) => k.kid === key.kid)) {
        throw new PouchError('ERR_CONFLICT', 'The member already has a key with this kid');
      }
      if (member.keys.length >= MAX_KEYS_PER_MEMBER) {
        throw new PouchError('ERR_VALIDATION', `A member holds at most ${MAX_KEYS_PER_MEMBER} keys`);
      }
      const revoke = new Set(input.revoke ?? []);
      for (const kid of revoke) {
        if (!member.keys.some((k) => k.kid === kid)) throw new NotFoundError('Key not found');
      }
      const audit = buildAuditRecord({
        actor: ctx.principal,
        origin: ctx.origin,
        at,
        action: 'key.add',
        target: { authorityId, memberId, kids: [key.kid, ...revoke] },
        summary: { added: key.kid, revoked: [...revoke] },
      });
      const next: Member = {
        ...member,
        keys: [...member.keys.map((k) => (revoke.has(k.kid) ? revokeKey(k, at) : k)), key],
        updatedAt: at,
        version: member.version + 1,
        auditId: audit.id,
      };
      await repo.putMember(next, audit);
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
      const at = iso(ctx.now);
      const audit = buildAuditRecord({
        actor: ctx.principal,
        origin: ctx.origin,
        at,
        action: 'key.revoke',
        target: { authorityId, memberId, kids: [kid] },
        summary: { revoked: kid },
      });
      const next: Member = {
        ...member,
        keys: member.keys.map((k) => (k.kid === kid ? revokeKey(k, at) : k)),
        updatedAt: at,
        version: member.version + 1,
        auditId: audit.id,
      };
      await repo.putMember(next, audit);
      return toPublicMember(next);
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

function revokeKey(key: MemberKey, at: string): MemberKey {
  return key.status === 'revoked' ? key : { ...key, status: 'revoked', revokedAt: at };
}

/** A member's public view: id, name, role and public keys with their status. */
export function toPublicMember(m: Member): PublicMemberView {
  return {
    id: m.id,
    displayName: m.displayName,
    role: m.role,
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
