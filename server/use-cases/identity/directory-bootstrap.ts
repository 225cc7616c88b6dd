// Use cases (identity): system writes to the directory that no route makes (the seed file, the local operator):
// idempotent `ensure*` calls with no policy check, through the same write rules as the API.

import { PouchError } from '../../../shared/domain/errors.ts';
import type { AuthorityKeyRecord, Member, MemberKey } from '../../../shared/domain/identity/types.ts';
import { OPERATOR_ID } from '../../../shared/domain/identity/types.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import type { AuthorityFields, VerifiedProfile, VerifiedRecipients } from './directory-model.ts';
import { type Change, directoryWrites, type NewMember } from './directory-writes.ts';

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
  /** The profile signed by the authority key (version 1, verified); used when the authority is created. */
  readonly signedProfile?: VerifiedProfile | undefined;
  /** At least one admin; the first admin is created with the authority. */
  readonly members: ReadonlyArray<NewMember & { readonly keysStatement?: string | undefined }>;
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
          signedProfile: input.signedProfile,
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
      // Signed member keys: published once (a member that already has a keys statement keeps its own).
      const authority = await repo.getAuthority(input.id);
      for (const m of input.members) {
        if (m.keysStatement === undefined || !authority) continue;
        const member = await repo.getMember(input.id, m.id);
        if (!member || member.keysStatement !== undefined) continue;
        await writes.publishMemberKeys(change, authority, member, m.keysStatement);
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
