// Use cases (identity): read and change the directory. Every entry point asks the policy first, with the
// principal, and turns "no" into AccessDeniedError (answered as 404); every change carries its audit record.
// Writes go through `directoryWrites` (directory-writes.ts); the model and its checks are in directory-model.ts.

import { DIRECTORY_CHAIN } from '../../../shared/directory/directory-log.ts';
import { verifyDirectoryStatement } from '../../../shared/directory/statements.ts';
import { NotFoundError, PouchError } from '../../../shared/domain/errors.ts';
import {
  authorityIdPattern,
  generateAuthorityId,
  generateMemberId,
} from '../../../shared/domain/identity/ids.ts';
import type {
  AuditAction,
  Authority,
  AuthorityEntry,
  AuthorityKeyRecord,
  Member,
} from '../../../shared/domain/identity/types.ts';
import { computeJwkThumbprint } from '../../../shared/domain/identity/validation.ts';
import type { ChainHead } from '../../../shared/domain/ledger/checkpoint.ts';
import {
  authorityDenialKind,
  canManageAuthority,
  canManageDirectory,
  canReadAuthorityAudit,
  canReadMemberKeys,
  canReadPublicDirectory,
  type DenialKind,
  denial,
  OPERATOR_AUTHORITY_FIELDS,
  type OperatorAuthorityField,
  operatorScopeViolations,
} from '../../policy/policy.ts';
import type { AuditPage, DirectoryLog, DirectoryRepository } from '../../ports/directory-repository.ts';
import {
  type AuthorityDetailsPatch,
  applyOperatorPatch,
  buildAuditRecord,
  buildAuthorityKey,
  buildMemberKey,
  type CallContext,
  type CreateAuthorityInput,
  changesOf,
  checkPublishableProfile,
  digestChange,
  type MemberKeyHistory,
  type MemberPatch,
  type NewMemberInput,
  type OperatorAuthorityPatch,
  type PublicAuthorityView,
  type PublicMemberView,
  statementError,
  toPublicAuthority,
  toPublicMember,
  validateAuthorityFields,
  valueChange,
  verifyProfileStatement,
  verifyRecipientsStatement,
} from './directory-model.ts';
import { type Change, directoryWrites } from './directory-writes.ts';

const isStatementInput = (input: unknown): input is { readonly statement: string } =>
  typeof input === 'object' &&
  input !== null &&
  Object.keys(input).length === 1 &&
  typeof (input as { statement?: unknown }).statement === 'string';

/** Throw the policy's "no": the 404 of a miss unless `kind` says the caller's own role falls short (403). */
const deny = (action: string, message = 'Not found', kind: DenialKind = 'hidden'): never => {
  throw denial({ rule: action, attempt: action, message, kind });
};

/** Where the directory log is read, and the checkpoints that logged its heads (both optional in unit set-ups). */
export interface DirectoryLogAccess {
  readonly log: DirectoryLog;
  readonly loggedHeads: (chain: string) => Promise<{
    readonly checkpoint: {
      readonly size: number;
      readonly rootHash: string;
      readonly time: string;
      readonly jws: string;
    };
    readonly treeSize: number;
    readonly heads: ReadonlyArray<{
      readonly leafIndex: number;
      readonly head: ChainHead;
      readonly proof: string[];
    }>;
  }>;
}

/** Directory use cases over a repository. */
export function createDirectoryService(repo: DirectoryRepository, logAccess?: DirectoryLogAccess) {
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
      if (!canManageDirectory(ctx.principal)) deny('authority.create', 'Not found', 'role');
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
      if (!canManageDirectory(ctx.principal)) deny('authority.update', 'Authority not found', 'role');
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
        deny('authority.recipients', 'Authority not found', authorityDenialKind(ctx.principal, authorityId));
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
        if (!canManageDirectory(ctx.principal)) deny('authority.key', 'Authority not found', 'role');
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
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('authority.key', 'Authority not found', authorityDenialKind(ctx.principal, authorityId));
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
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('authority.details', 'Authority not found', authorityDenialKind(ctx.principal, authorityId));
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

    /**
     * Admin of the authority: publish a new requirement profile (its version increases by one). Once the
     * authority has an authority key, the profile is a statement that key signed (the next version); a bare
     * profile is then refused with ERR_STATEMENT_INVALID, since senders check their drafts against it. A bare
     * profile is still taken from an authority registered without a key (nothing could sign it).
     */
    async publishProfile(
      ctx: CallContext,
      authorityId: string,
      input: { readonly statement: string } | Readonly<Record<string, unknown>>,
    ): Promise<PublicAuthorityView> {
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('profile.publish', 'Authority not found', authorityDenialKind(ctx.principal, authorityId));
      const entry = await loadEntry(authorityId);
      const a = entry.authority;
      const statement = isStatementInput(input) ? input.statement : undefined;
      if (statement === undefined && a.authorityKey) {
        throw statementError(
          'The profile must be a statement signed by the authority key (field `statement`, kind profile)',
        );
      }
      const signed = statement === undefined ? undefined : await verifyProfileStatement(a, statement);
      const { version: _ignored, ...bare } = input as Readonly<Record<string, unknown>>;
      if (!signed) checkPublishableProfile(authorityId, bare);
      const next = signed ? signed.profile : { ...bare, version: a.profile.version + 1 };
      const { profileStatement: _previous, ...rest } = a;
      return saveAuthority(
        ctx,
        entry,
        { ...rest, profile: next, ...(signed ? { profileStatement: signed.statement } : {}) },
        'profile.publish',
        {
          profileVersion: next.version,
          signed: signed !== undefined,
          changes: changesOf(digestChange('profile', a.profile, next)),
        },
      );
    },

    /**
     * Admin of the authority: publish a member's keys as the authority key signed them (kind member-keys, the
     * next version for this member). Pinned clients trust a manifest only under a key such a statement lists,
     * so a key added at the exchange by an admin token alone (or written into the table by the operator) signs
     * nothing they accept. ERR_STATEMENT_INVALID when it does not verify or lists a key the member lacks.
     */
    async setMemberKeys(
      ctx: CallContext,
      authorityId: string,
      memberId: string,
      statement: string,
    ): Promise<PublicMemberView> {
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('member.keys', 'Member not found', authorityDenialKind(ctx.principal, authorityId));
      const entry = await loadEntry(authorityId);
      const member = entry.members.find((m) => m.id === memberId);
      if (!member) throw new NotFoundError('Member not found');
      const saved = await writes.publishMemberKeys(changeOf(ctx), entry.authority, member, statement);
      return toPublicMember(saved);
    },

    /** Admin of the authority: add a member with a first key. */
    async addMember(ctx: CallContext, authorityId: string, input: NewMemberInput): Promise<PublicMemberView> {
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('member.create', 'Authority not found', authorityDenialKind(ctx.principal, authorityId));
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
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('member.update', 'Member not found', authorityDenialKind(ctx.principal, authorityId));
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
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('key.add', 'Member not found', authorityDenialKind(ctx.principal, authorityId));
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
      if (!canManageAuthority(ctx.principal, authorityId))
        deny('key.revoke', 'Member not found', authorityDenialKind(ctx.principal, authorityId));
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
      if (!canReadMemberKeys(ctx.principal, authorityId, memberId))
        deny('key.history', 'Member not found', authorityDenialKind(ctx.principal, authorityId));
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

    /**
     * Every authenticated caller: a page of the directory log, with the latest checkpoint's proofs of every
     * logged directory head, so a client can check that what it was served is what was logged.
     */
    async readLog(ctx: CallContext, options: { from?: number | undefined; limit?: number | undefined } = {}) {
      if (!canReadPublicDirectory(ctx.principal)) deny('directory.log');
      if (!logAccess) throw new NotFoundError('The directory log is not kept here');
      const from = options.from ?? 0;
      const limit = options.limit ?? 500;
      // The head first: reading it logs any change a crash left unlogged, so the page includes it.
      const head = (await logAccess.log.head()) ?? null;
      const entries: string[] = [];
      for await (const line of logAccess.log.readLines(from, limit + 1)) entries.push(line);
      const more = entries.length > limit;
      const checkpoint = await logAccess.loggedHeads(DIRECTORY_CHAIN).catch((error: unknown) => {
        if (error instanceof PouchError && error.code === 'ERR_NOT_FOUND') return null;
        throw error;
      });
      return {
        entries: more ? entries.slice(0, limit) : entries,
        ...(more ? { next: from + limit } : {}),
        head,
        checkpoint,
      };
    },

    /** Admins and auditors of the authority: its directory audit log, newest first. */
    async readAudit(
      ctx: CallContext,
      authorityId: string,
      options: { limit?: number; cursor?: string } = {},
    ): Promise<AuditPage> {
      if (!canReadAuthorityAudit(ctx.principal, authorityId))
        deny('audit.read', 'Authority not found', authorityDenialKind(ctx.principal, authorityId));
      await loadEntry(authorityId);
      return repo.listAudit(authorityId, options);
    },
  };
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;
