// SDK (runtime-neutral): the authority key's life cycle from the admin's side (issue 15 item 1, issue 12 finding
// 3). A rotation is an `authority-key` statement signed by the current key; clients accept recipients, member keys
// and profiles only from the chain's current key, so everything the old key signed is re-signed by the new one,
// but only after it verified under the old key the admin holds: a statement the operator wrote into the table
// must never be laundered into one the new key vouches for.
import {
  authorityKeyFingerprint,
  type DirectoryStatement,
  resolveAuthorityKeyChain,
  type StatementContent,
  type StatementKind,
  signDirectoryStatement,
  toAuthorityJwk,
  verifyDirectoryStatement,
} from '../../shared/directory/statements.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import {
  type AuthorityEntry,
  type AuthoritySigner,
  getAuthorityEntry,
  publishMemberKeysStatement,
  publishProfileStatement,
  publishRecipientsStatement,
} from './directory-api.ts';
import type { PouchClient } from './pouch-client.ts';

/** One served statement that the old key signed and the new key must sign again, as the next version. */
export interface ResignItem<K extends StatementKind> {
  readonly content: StatementContent<K>;
  readonly version: number;
}

/** What a rotation must re-sign: only statements the old key signed (those the new key signed already are done). */
export interface ResignPlan {
  readonly recipients?: ResignItem<'recipients'>;
  readonly profile?: ResignItem<'profile'>;
  readonly members: ReadonlyArray<ResignItem<'member-keys'> & { readonly memberId: string }>;
}

/**
 * Which served statements the old key signed (to re-sign under the new key), checked against both keys the admin
 * holds, never against a key the directory names. A statement neither key signed means the directory was altered:
 * throws ERR_STATEMENT_INVALID rather than re-sign it.
 *
 * @example
 * const plan = await planResign(entry, oldPublicJwk, newPublicJwk);
 */
export async function planResign(
  entry: Pick<AuthorityEntry, 'id' | 'recipientsStatement' | 'profileStatement'> & {
    readonly members: ReadonlyArray<{ readonly id: string; readonly keysStatement?: string | undefined }>;
  },
  oldJwk: unknown,
  newJwk: unknown,
): Promise<ResignPlan> {
  const read = async <K extends StatementKind>(
    jws: string | undefined,
    kind: K,
    what: string,
  ): Promise<DirectoryStatement<K> | undefined> => {
    if (jws === undefined) return undefined;
    const expected = { authorityId: entry.id, kind };
    try {
      await verifyDirectoryStatement(jws, newJwk, expected);
      return undefined;
    } catch (error) {
      if (!(error instanceof PouchError && error.code === 'ERR_STATEMENT_INVALID')) throw error;
    }
    try {
      return await verifyDirectoryStatement(jws, oldJwk, expected);
    } catch (error) {
      if (!(error instanceof PouchError && error.code === 'ERR_STATEMENT_INVALID')) throw error;
      throw new PouchError(
        'ERR_STATEMENT_INVALID',
        `The ${what} statement the exchange serves for ${entry.id} is signed by neither your current authority key nor the new one: it was not published by your authority. Nothing was rotated; tell the operator and re-publish it`,
        { cause: error, details: { authorityId: entry.id, statement: what } },
      );
    }
  };
  const recipients = await read(entry.recipientsStatement, 'recipients', 'recipients');
  const profile = await read(entry.profileStatement, 'profile', 'profile');
  const members: Array<ResignItem<'member-keys'> & { memberId: string }> = [];
  for (const member of entry.members) {
    const statement = await read(member.keysStatement, 'member-keys', `member ${member.id}'s keys`);
    if (!statement) continue;
    if (statement.content.memberId !== member.id) {
      throw new PouchError(
        'ERR_STATEMENT_INVALID',
        `The keys statement served for member ${member.id} of ${entry.id} is about another member: it was not published this way by your authority. Nothing was rotated; tell the operator`,
        { details: { authorityId: entry.id, memberId: member.id } },
      );
    }
    members.push({ memberId: member.id, content: statement.content, version: statement.version + 1 });
  }
  return {
    ...(recipients ? { recipients: { content: recipients.content, version: recipients.version + 1 } } : {}),
    ...(profile ? { profile: { content: profile.content, version: profile.version + 1 } } : {}),
    members,
  };
}

const sign = <K extends StatementKind>(
  signer: AuthoritySigner,
  statement: Omit<DirectoryStatement<K>, 'iat'>,
): Promise<string> =>
  signDirectoryStatement(
    { ...statement, iat: Math.floor(Date.now() / 1000) } as DirectoryStatement<K>,
    signer.privateKey,
    signer.publicJwk,
  );

/** What a rotation did. */
export interface AuthorityKeyRotation {
  readonly authorityId: string;
  readonly previousFingerprint: string;
  readonly fingerprint: string;
  /** The rotation's version in the chain (1 for the first rotation). */
  readonly rotation: number;
  /** False when the exchange already served the new key (a resumed rotation): only re-signing was left. */
  readonly rotated: boolean;
  readonly resigned: {
    readonly recipients: boolean;
    readonly profile: boolean;
    readonly members: readonly string[];
  };
}

/**
 * Rotate an authority key: sign the hand-over to `next` with `current` (the chain's current key), publish it with
 * the recipients re-signed by `next` in the same change, then re-sign every member-keys statement and the profile
 * under `next`. Safe to run again after an interruption: when the exchange already serves `next` as the successor
 * of `current`, only what `current` still signs is re-signed. Throws ERR_AUTHORITY_PIN_MISMATCH when `current` is
 * not the authority's current key, ERR_VALIDATION when `next` was an authority key before, ERR_STATEMENT_INVALID
 * when a served statement is signed by neither key (nothing is changed then).
 *
 * @example
 * const done = await rotateAuthorityKey(client, authorityId, oldSigner, newSigner);
 */
export async function rotateAuthorityKey(
  client: PouchClient,
  authorityId: string,
  current: AuthoritySigner,
  next: AuthoritySigner,
): Promise<AuthorityKeyRotation> {
  let entry = await getAuthorityEntry(client, authorityId);
  if (!entry.authorityKey) {
    throw new PouchError(
      'ERR_STATEMENT_INVALID',
      `Authority ${entry.id} has no authority key to rotate: the operator registers the first one ('pouch authority key register')`,
    );
  }
  const held = await authorityKeyFingerprint(current.publicJwk);
  const nextFingerprint = await authorityKeyFingerprint(next.publicJwk);
  const chain = await resolveAuthorityKeyChain(entry.id, entry.authorityKey.chain);
  const served = chain.fingerprints.at(-1);
  const resumed = served === nextFingerprint && chain.fingerprints.at(-2) === held;
  if (!resumed) {
    if (served !== held) {
      throw new PouchError(
        'ERR_AUTHORITY_PIN_MISMATCH',
        `The key you hold (${held}) is not the current authority key of ${entry.id} (${served}): rotate with the current key (--authority-key NAME)`,
        { details: { authorityId: entry.id, held, served } },
      );
    }
    if (chain.fingerprints.includes(nextFingerprint)) {
      throw new PouchError(
        'ERR_VALIDATION',
        `The new key (${nextFingerprint}) was already an authority key of ${entry.id}: create a fresh one ('pouch keys new --name NAME --alg EdDSA')`,
        { details: { authorityId: entry.id, fingerprint: nextFingerprint } },
      );
    }
  }
  // Checked before anything changes: a statement neither key signed stops the rotation here.
  const plan = await planResign(entry, current.publicJwk, next.publicJwk);
  const rotation = entry.authorityKey.chain.rotations.length + (resumed ? 0 : 1);
  if (!resumed) {
    const statement = await sign(current, {
      authorityId: entry.id,
      kind: 'authority-key',
      content: { jwk: toAuthorityJwk(next.publicJwk) },
      version: rotation,
    });
    const recipientsStatement = plan.recipients
      ? await sign(next, { authorityId: entry.id, kind: 'recipients', ...plan.recipients })
      : undefined;
    await client.request('PUT', `/v1/directory/authorities/${encodeURIComponent(entry.id)}/authority-key`, {
      json: { statement, ...(recipientsStatement ? { recipientsStatement } : {}) },
    });
  } else if (plan.recipients) {
    // Resumed: the hand-over is published but the recipients are still the old key's (an older client's rotation).
    const jws = await sign(next, { authorityId: entry.id, kind: 'recipients', ...plan.recipients });
    await publishRecipientsStatement(client, entry.id, jws);
  }
  for (const member of plan.members) {
    const jws = await sign(next, {
      authorityId: entry.id,
      kind: 'member-keys',
      content: member.content,
      version: member.version,
    });
    await publishMemberKeysStatement(client, entry.id, member.memberId, jws);
  }
  if (plan.profile) {
    const jws = await sign(next, { authorityId: entry.id, kind: 'profile', ...plan.profile });
    await publishProfileStatement(client, entry.id, jws);
  }
  entry = await getAuthorityEntry(client, entry.id);
  return {
    authorityId: entry.id,
    previousFingerprint: held,
    fingerprint: entry.authorityKey?.fingerprint ?? nextFingerprint,
    rotation,
    rotated: !resumed,
    resigned: {
      recipients: plan.recipients !== undefined,
      profile: plan.profile !== undefined,
      members: plan.members.map((m) => m.memberId),
    },
  };
}
