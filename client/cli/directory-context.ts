// CLI support: what the CLI takes from the public directory, verified against the fingerprint the user pinned
// (`pouch directory pin`) whenever the authority is pinned — a recipient's requirement profile (for the request
// checks: pouch draft, check, send --draft), the age recipients each authority signed (before anything is
// sealed), and the member keys a manifest may be signed with (pouch fetch).

import { readManifestKid } from '../../shared/custody/manifest.ts';
import {
  type AuthorityLogState,
  authorityLogState,
  checkServedAgainstLog,
  latestLoggedStates,
  type MemberLogState,
  memberLogState,
  verifyDirectoryLog,
} from '../../shared/directory/directory-log.ts';
import {
  authorityKeyFingerprint,
  resolvePinnedAuthorityKey,
  type SignedMemberKey,
  verifyPinnedMemberKeys,
  verifyPinnedProfile,
  verifyPinnedRecipients,
} from '../../shared/directory/statements.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import { type Profile, parseProfile } from '../../shared/domain/requests/profile.ts';
import { readPins } from '../keystore/pins.ts';
import { fetchCustodyKeys } from '../sdk/custody-api.ts';
import { fetchDirectoryLog } from '../sdk/directory-api.ts';
import { type DirectoryEntry, fetchDirectoryEntry } from '../sdk/exchange-api.ts';
import type { PouchClient } from '../sdk/pouch-client.ts';

/**
 * The authority's published profile, or undefined when it has not published a valid one yet. When this keystore
 * pinned the authority, only the profile its authority key signed is read (ERR_STATEMENT_INVALID when there is
 * none or it does not verify, ERR_AUTHORITY_PIN_MISMATCH when the key does not chain to the pin): a draft is
 * never checked against requirements the operator wrote.
 */
export async function readPublishedProfile(
  home: string,
  authority: DirectoryEntry,
): Promise<Profile | undefined> {
  const pin = (await readPins(home)).get(authority.id);
  const raw = pin ? await verifyPinnedProfile(authority, pin.fingerprint) : authority.profile;
  if (!raw || Object.keys(raw).filter((k) => k !== 'version').length === 0) return undefined;
  try {
    return parseProfile({ authorityId: authority.id, ...raw });
  } catch (error) {
    throw new PouchError(
      'ERR_VALIDATION',
      `The requirement profile published by ${authority.id} is not valid`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The entry with its `recipients` replaced by those its authority signed, verified against this keystore's pin
 * for it. The list the exchange serves unsigned is never used for sealing. Throws ERR_AUTHORITY_NOT_PINNED (with
 * how to pin), ERR_AUTHORITY_PIN_MISMATCH or ERR_STATEMENT_INVALID.
 *
 * @example
 * const recipient = await withVerifiedRecipients(ctx.keystore.home, await fetchDirectoryEntry(client, to));
 */
export async function withVerifiedRecipients(home: string, entry: DirectoryEntry): Promise<DirectoryEntry> {
  const pin = (await readPins(home)).get(entry.id);
  if (!pin) {
    const served = entry.authorityKey?.fingerprint;
    throw new PouchError(
      'ERR_AUTHORITY_NOT_PINNED',
      `authority ${entry.id} is not pinned: confirm its authority key fingerprint with it out of band${served ? ` (the exchange serves ${served})` : ''}, then run 'pouch directory pin ${entry.id} FINGERPRINT'`,
      { details: { authorityId: entry.id, ...(served ? { served } : {}) } },
    );
  }
  try {
    const recipients = await verifyPinnedRecipients(entry, pin.fingerprint);
    return { ...entry, recipients };
  } catch (error) {
    if (!(error instanceof PouchError && error.code === 'ERR_AUTHORITY_PIN_MISMATCH')) throw error;
    // The officer's next step, not only the fact: nothing is sealed until a person confirms the new key.
    const served = error.details?.served;
    throw new PouchError(
      'ERR_AUTHORITY_PIN_MISMATCH',
      `the authority key the exchange serves for ${entry.id} (${String(served)}) does not chain to the one you pinned (${pin.fingerprint}), so nothing was sealed: re-verify the fingerprint with the authority out of band (phone, letter, meeting), and only if it confirms this key run 'pouch directory pin ${entry.id} ${String(served)} --note "how you confirmed it"'`,
      { cause: error, details: { authorityId: entry.id, pinned: pin.fingerprint, served } },
    );
  }
}

type DirectoryKey = DirectoryEntry['members'][number]['keys'][number];

/** A served key restricted by what the authority signed: revoked when either says so, at the earlier time. */
function signedKeyView(signed: SignedMemberKey, served: DirectoryKey | undefined): DirectoryKey {
  const revokedAt = [signed.revokedAt, served?.revokedAt]
    .filter((t): t is string => t !== undefined)
    .sort((x, y) => Date.parse(x) - Date.parse(y))[0];
  const revoked = signed.revokedAt !== undefined || served?.status === 'revoked';
  const alg = signed.jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
  return {
    kid: signed.kid,
    alg,
    status: revoked ? 'revoked' : 'active',
    createdAt: served?.createdAt ?? new Date(0).toISOString(),
    ...(revokedAt === undefined ? {} : { revokedAt }),
    jwk: { ...signed.jwk, kid: signed.kid, alg, use: 'sig' },
  };
}

/**
 * The entry with each member's `keys` replaced by the keys its authority signed (member-keys statements),
 * verified against this keystore's pin for the authority, when there is one. A key the exchange lists but no
 * statement signs is dropped (an admin token or the operator planted it), and so are the keys of a member whose
 * statement is missing or does not verify. Unpinned authorities are returned as served. Throws
 * ERR_AUTHORITY_PIN_MISMATCH or ERR_STATEMENT_INVALID when the authority key chain itself does not verify.
 *
 * @example
 * await fetchExchange({ ..., trustEntry: (entry) => withSignedMemberKeys(ctx.keystore.home, entry) });
 */
export async function withSignedMemberKeys(home: string, entry: DirectoryEntry): Promise<DirectoryEntry> {
  const pin = (await readPins(home)).get(entry.id);
  if (!pin) return entry;
  // The authority-key chain first: a pin mismatch is reported as such, not as keys that do not verify.
  await resolvePinnedAuthorityKey(entry, pin.fingerprint);
  const members = [];
  for (const member of entry.members) {
    let keys: DirectoryKey[] = [];
    try {
      const signed = await verifyPinnedMemberKeys(entry, pin.fingerprint, member.id);
      keys = signed.keys.map((k) =>
        signedKeyView(
          k,
          member.keys.find((s) => s.kid === k.kid),
        ),
      );
    } catch (error) {
      if (!(error instanceof PouchError && error.code === 'ERR_STATEMENT_INVALID')) throw error;
    }
    members.push({ ...member, keys });
  }
  return { ...entry, members };
}

/** What the exchange served about an authority, as the directory log records it. */
export function servedLogStates(entry: DirectoryEntry): {
  authority: AuthorityLogState;
  members: MemberLogState[];
} {
  return {
    authority: authorityLogState({
      id: entry.id,
      status: entry.status,
      fingerprint: entry.authorityKey?.fingerprint,
      rotations: entry.authorityKey?.chain.rotations.length,
      recipientsStatement: entry.recipientsStatement,
      profileStatement: entry.profileStatement,
    }),
    members: entry.members.map((m) => memberLogState(entry.id, m)),
  };
}

/** Where a served entry stands in the directory log. */
export interface LogCheck {
  /** Seq of the latest log entry about the authority. */
  readonly loggedAt: number | undefined;
  /** Seq of the latest directory head a signed checkpoint covers (undefined before the first). */
  readonly checkpointedSeq: number | undefined;
  /** Whether the authority's latest entry is covered by that checkpoint. */
  readonly checkpointed: boolean;
}

/**
 * Check that what the exchange served about an authority is its latest state in the directory log: the whole
 * log is read and verified (an intact chain; every logged head in the latest checkpoint, signed by the custody
 * key the exchange publishes), then compared with the served entry. Throws ERR_PROOF_INVALID (the log or its
 * proofs do not verify) or ERR_DIRECTORY_LOG_MISMATCH (a rolled-back or different statement, key or status).
 *
 * @example
 * const where = await checkEntryAgainstLog(client, await fetchDirectoryEntry(client, id));
 */
export async function checkEntryAgainstLog(client: PouchClient, entry: DirectoryEntry): Promise<LogCheck> {
  const log = await fetchDirectoryLog(client);
  const keys = await fetchCustodyKeys(client);
  const { events, checkpointedSeq } = await verifyDirectoryLog(
    log.entries,
    log.checkpoint ?? undefined,
    keys,
  );
  const logged = latestLoggedStates(events, entry.id);
  checkServedAgainstLog(servedLogStates(entry), logged);
  return {
    loggedAt: logged.seq,
    checkpointedSeq,
    checkpointed: logged.seq !== undefined && checkpointedSeq !== undefined && logged.seq <= checkpointedSeq,
  };
}

/** A manifest of a bundle signed with a key its pinned authority never signed. */
export interface UnsignedSenderKey {
  readonly messageId: string;
  readonly senderClientId: string;
  readonly kid: string;
}

/**
 * The manifests of a custody bundle (its JSON lines) whose signing key is not one the sender's authority signed,
 * for every sender authority this keystore pinned: the bundle's `member-key` record for the manifest's kid must
 * be the same public key as a key of the sender's current `member-keys` statement. Senders of unpinned
 * authorities are not checked. `pouch verify --live` runs it, since it reads the live directory.
 */
export async function findUnsignedSenderKeys(
  client: PouchClient,
  home: string,
  lines: Iterable<string>,
): Promise<UnsignedSenderKey[]> {
  const pins = await readPins(home);
  const bundleKeys = new Map<string, unknown>();
  const manifests: Array<{ messageId: string; senderClientId: string; jws: string }> = [];
  for (const line of lines) {
    if (!line.includes('"member-key"') && !line.includes('"manifest"')) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // the bundle verifier reports malformed lines
    }
    if (record.type === 'member-key')
      bundleKeys.set(`${String(record.clientId)} ${String(record.kid)}`, record.jwk);
    if (record.type === 'manifest') {
      manifests.push({
        messageId: String(record.messageId),
        senderClientId: String(record.senderClientId),
        jws: String(record.jws),
      });
    }
  }
  const entries = new Map<string, Promise<DirectoryEntry>>();
  const unsigned: UnsignedSenderKey[] = [];
  for (const m of manifests) {
    const [authorityId = '', memberId = ''] = m.senderClientId.split(':');
    if (!pins.has(authorityId)) continue;
    let kid: string;
    try {
      kid = readManifestKid(m.jws);
    } catch {
      continue; // the bundle verifier reports it
    }
    let entry = entries.get(authorityId);
    if (!entry) {
      entry = fetchDirectoryEntry(client, authorityId).then((e) => withSignedMemberKeys(home, e));
      entries.set(authorityId, entry);
    }
    const signed = (await entry).members.find((x) => x.id === memberId)?.keys.find((k) => k.kid === kid);
    const inBundle = bundleKeys.get(`${m.senderClientId} ${kid}`);
    const same =
      signed !== undefined &&
      inBundle !== undefined &&
      (await authorityKeyFingerprint(signed.jwk).catch(() => 'a')) ===
        (await authorityKeyFingerprint(inBundle).catch(() => 'b'));
    if (!same) unsigned.push({ messageId: m.messageId, senderClientId: m.senderClientId, kid });
  }
  return unsigned;
}
