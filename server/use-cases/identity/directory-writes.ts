// Use cases (identity): the ONE place the directory's write rules are coded (validation, how an authority, a member
// and a key change are built, audit record first). The caller-facing service, the seed file and the operator
// bootstrap all write through `directoryWrites`.

import { NotFoundError, PouchError } from '../../../shared/domain/errors.ts';
import type {
  AuditActor,
  Authority,
  AuthorityKeyRecord,
  Member,
  MemberKey,
  RequestOrigin,
} from '../../../shared/domain/identity/types.ts';
import { computeJwkThumbprint } from '../../../shared/domain/identity/validation.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import {
  type AuthorityFields,
  buildAuditRecord,
  changesOf,
  checkPublishableProfile,
  digestChange,
  keyDigestView,
  MAX_KEYS_PER_MEMBER,
  revokeKey,
  type VerifiedProfile,
  type VerifiedRecipients,
  validateAuthorityFields,
  valueChange,
  verifyMemberKeysStatement,
} from './directory-model.ts';

/** Who makes a change, from where, and when (ISO time): the audit record's actor, origin and time. */
export interface Change {
  readonly actor: AuditActor;
  readonly origin: RequestOrigin;
  readonly at: string;
}

/** A new member as a write takes it: id chosen, keys already validated (buildMemberKey). */
export interface NewMember {
  readonly id: string;
  readonly displayName: string;
  readonly role: Member['role'];
  readonly keys: readonly MemberKey[];
}

/**
 * The directory's write rules, once. Each builds the record(s) and the audit record, checks what the directory
 * requires, and hands both to the repository, which writes the audit record first.
 */
export function directoryWrites(repo: DirectoryRepository) {
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
        /** The profile the authority signed (version 1, verified by the caller); it replaces `profile`. */
        readonly signedProfile?: VerifiedProfile | undefined;
        readonly summary: Record<string, unknown>;
      },
    ): Promise<{ authority: Authority; admin: Member }> {
      const { id, firstAdmin, authorityKey, signedRecipients, signedProfile } = input;
      if (!signedProfile && input.profile) checkPublishableProfile(id, input.profile);
      const profile = signedProfile ? signedProfile.profile : { ...(input.profile ?? {}), version: 1 };
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
            digestChange('profile', undefined, profile),
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
        profile,
        ...(signedProfile ? { profileStatement: signedProfile.statement } : {}),
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

    /**
     * Publish a member's keys as the authority key signed them (verifyMemberKeysStatement: the next version,
     * only keys the member holds). Pinned clients trust a manifest only under a key such a statement lists.
     */
    async publishMemberKeys(
      change: Change,
      authority: Authority,
      member: Member,
      statement: string,
    ): Promise<Member> {
      const signed = await verifyMemberKeysStatement(authority, member, statement);
      const audit = buildAuditRecord({
        ...change,
        action: 'member.keys',
        target: { authorityId: member.authorityId, memberId: member.id, kids: signed.kids },
        summary: {
          statementVersion: signed.version,
          changes: changesOf(digestChange('keysStatement', member.keysStatement ?? null, signed.statement)),
        },
      });
      const saved: Member = {
        ...member,
        keysStatement: signed.statement,
        keysVersion: signed.version,
        updatedAt: change.at,
        version: member.version + 1,
        auditId: audit.id,
      };
      await repo.putMember(saved, audit);
      return saved;
    },

    /**
     * Add keys to a member and revoke others in the same write (a rotation); a revoked key stays revoked. Once the
     * authority has an authority key, an added key is `pending`: it authenticates only when a `member-keys`
     * statement lists it (isKeySigned), so an admin cannot sign in as the member with a key of its own.
     */
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
      const signedAuthority =
        input.add.length > 0 && (await repo.getAuthority(member.authorityId))?.authorityKey !== undefined;
      const added = signedAuthority ? input.add.map((k): MemberKey => ({ ...k, pending: true })) : input.add;
      const keys = [
        ...member.keys.map((k) => (input.revoke.has(k.kid) ? revokeKey(k, change.at, change.actor) : k)),
        ...added,
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
          addedKeys: added.map((k) => ({
            kid: k.kid,
            alg: k.alg,
            thumbprint: computeJwkThumbprint(k.jwk),
            ...(k.pending ? { pending: true } : {}),
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
