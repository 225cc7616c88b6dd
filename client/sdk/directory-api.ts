// SDK (runtime-neutral): the directory calls a member makes about itself — its key history — and the check that
// tells it about an active key registered under its name that it does not hold (issue 12, finding 3); the
// directory log, read whole, with the proofs of its checkpointed heads; and the administration calls (issue 15,
// item 1): the operator registers an authority, its admins manage members and keys and publish the statements
// their authority key signs (recipients, member keys, profile). The server decides who may call each.
import { type CryptoKey, calculateJwkThumbprint, type JWK, type KeyObject } from 'jose';
import type { z } from 'zod';
import {
  type AuthorityWire,
  type CreateAuthorityRequest,
  type CreatedAuthoritySchema,
  DirectoryLogSchema,
  type DirectoryLogWire,
  type MemberKeyHistoryWire,
  type MemberWire,
  type UpdateMemberRequest,
} from '../../shared/api/directory.ts';
import {
  authorityKeyFingerprint,
  type DirectoryStatement,
  readStoredStatement,
  resolveAuthorityKeyChain,
  resolvePinnedAuthorityKey,
  type SignedMemberKey,
  type StatementContent,
  type StatementKind,
  signDirectoryStatement,
  signedMemberKeyOf,
  verifyDirectoryStatement,
} from '../../shared/directory/statements.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { PouchClient } from './pouch-client.ts';

/** Every key ever registered under a member's name, as the exchange answers it (one wire definition). */
export type MemberKeyHistory = MemberKeyHistoryWire;

/** One key of the history, its fingerprint recomputed here and whether the caller holds it. */
export interface AuditedKey {
  readonly kid: string;
  /**
   * Whether the authority key signed it: `signed` when the member's keys statement lists it as active,
   * `pending` when it is active at the exchange but no statement lists it (pinned counterparts do not trust what
   * it signs, and once the member has a statement it does not sign in), `revoked` otherwise.
   */
  readonly signature?: 'signed' | 'pending' | 'revoked';
  readonly alg: string;
  /** RFC 7638 thumbprint, computed by this client from the served JWK (the server's figure is not trusted). */
  readonly fingerprint: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  readonly addedBy?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  /** True when one of the caller's own public keys has this fingerprint. */
  readonly held: boolean;
}

export interface KeyAudit {
  readonly clientId: string;
  readonly keys: readonly AuditedKey[];
  /** Kids of active keys under the member's name that the caller does not hold: each one can sign as it. */
  readonly unheldActiveKeys: readonly string[];
}

const segment = (value: string) => encodeURIComponent(value);

/**
 * Every key ever registered under a member's name, with who added it and when (the member itself, its
 * authority's admins and auditors may read it).
 *
 * @example
 * const history = await listMemberKeys(client, 'auth_…', 'mem_…');
 */
export function listMemberKeys(
  client: PouchClient,
  authorityId: string,
  memberId: string,
): Promise<MemberKeyHistory> {
  return client.request(
    'GET',
    `/v1/directory/authorities/${segment(authorityId)}/members/${segment(memberId)}/keys`,
  );
}

/**
 * Compare a member's key history with the public keys the caller holds, by RFC 7638 fingerprint; with
 * `signatures`, also whether the authority key signed each key (its member-keys statement).
 *
 * @example
 * const audit = await auditMemberKeys(client, profile.clientId, keystoreKeys.map((k) => k.publicJwk));
 * if (audit.unheldActiveKeys.length > 0) warn(...);
 */
export async function auditMemberKeys(
  client: PouchClient,
  clientId: string,
  heldPublicJwks: readonly JWK[],
  options: { readonly signatures?: boolean; readonly pinnedFingerprint?: string | undefined } = {},
): Promise<KeyAudit> {
  const [authorityId, memberId] = splitClientId(clientId);
  const history = await listMemberKeys(client, authorityId, memberId);
  // Whether the authority key signed each key costs a directory read: only `pouch keys audit` asks for it.
  const signedKeys = options.signatures
    ? await readSignedMemberKeys(client, authorityId, memberId, options.pinnedFingerprint)
    : undefined;
  const held = new Set(await Promise.all(heldPublicJwks.map((jwk) => thumbprintOf(jwk))));
  const keys: AuditedKey[] = [];
  for (const k of history.keys) {
    const fingerprint = await thumbprintOf(k.jwk);
    const signed = signedKeys?.get(k.kid);
    keys.push({
      kid: k.kid,
      ...(signedKeys === undefined
        ? {}
        : {
            signature:
              k.status === 'revoked'
                ? 'revoked'
                : signed !== undefined && signed.revokedAt === undefined && signed.fingerprint === fingerprint
                  ? 'signed'
                  : 'pending',
          }),
      alg: k.alg,
      fingerprint,
      status: k.status,
      createdAt: k.createdAt,
      ...(k.addedBy === undefined ? {} : { addedBy: k.addedBy }),
      ...(k.revokedAt === undefined ? {} : { revokedAt: k.revokedAt }),
      ...(k.revokedBy === undefined ? {} : { revokedBy: k.revokedBy }),
      held: held.has(fingerprint),
    });
  }
  return {
    clientId,
    keys,
    unheldActiveKeys: keys.filter((k) => k.status === 'active' && !k.held).map((k) => k.kid),
  };
}

/** One warning line about unheld active keys, or undefined when there are none. */
export function describeUnheldKeys(audit: KeyAudit): string | undefined {
  const unheld = audit.keys.filter((k) => k.status === 'active' && !k.held);
  if (unheld.length === 0) return undefined;
  const listed = unheld
    .map((k) => `${k.kid} (added by ${k.addedBy ?? 'unknown'} at ${k.createdAt})`)
    .join(', ');
  return `warning: ${unheld.length === 1 ? 'an active key' : `${unheld.length} active keys`} registered under ${audit.clientId} ${unheld.length === 1 ? 'is' : 'are'} not in this keystore and can sign as you: ${listed} — see 'pouch keys audit'; if you did not ask for it, tell your authority's admins`;
}

async function thumbprintOf(jwk: JWK | Readonly<Record<string, string>>): Promise<string> {
  const { kty, crv, x, y } = jwk as JWK;
  // The RFC 7638 members of an EC or OKP key, each only when present.
  const members: JWK = {
    ...(kty === undefined ? {} : { kty }),
    ...(crv === undefined ? {} : { crv }),
    ...(x === undefined ? {} : { x }),
    ...(y === undefined ? {} : { y }),
  };
  return calculateJwkThumbprint(members, 'sha256');
}

/**
 * The keys a member's latest keys statement lists, by kid, verified against its authority's current key: the key
 * the member's own pin chains to when it pinned its authority (ERR_AUTHORITY_PIN_MISMATCH when the served chain
 * does not reach it, ERR_STATEMENT_INVALID when the chain does not verify), else the current key of the chain as
 * the exchange serves it, which the operator controls. Empty when the member has no statement or the statement
 * does not verify: then no key counts as signed.
 */
async function readSignedMemberKeys(
  client: PouchClient,
  authorityId: string,
  memberId: string,
  pinnedFingerprint: string | undefined,
): Promise<Map<string, { fingerprint: string; revokedAt?: string }>> {
  const signed = new Map<string, { fingerprint: string; revokedAt?: string }>();
  const entry = await getAuthorityEntry(client, authorityId);
  // The pin is checked even when there is nothing to verify: a swapped authority key is news in itself.
  const pinned =
    pinnedFingerprint === undefined ? undefined : await resolvePinnedAuthorityKey(entry, pinnedFingerprint);
  const jws = entry.members.find((m) => m.id === memberId)?.keysStatement;
  if (!jws || !entry.authorityKey) return signed;
  try {
    const current = pinned ?? (await resolveAuthorityKeyChain(authorityId, entry.authorityKey.chain)).current;
    const statement = await verifyDirectoryStatement(jws, current, { authorityId, kind: 'member-keys' });
    if (statement.content.memberId !== memberId) return signed;
    for (const k of statement.content.keys) {
      signed.set(k.kid, {
        fingerprint: await authorityKeyFingerprint(k.jwk),
        ...(k.revokedAt === undefined ? {} : { revokedAt: k.revokedAt }),
      });
    }
  } catch (error) {
    if (!(error instanceof PouchError && error.code === 'ERR_STATEMENT_INVALID')) throw error;
  }
  return signed;
}

/** Split `AUTHORITY:MEMBER` into its two ids. */
export function splitClientId(clientId: string): [string, string] {
  const at = clientId.indexOf(':');
  return [clientId.slice(0, at), clientId.slice(at + 1)];
}

/**
 * The whole directory log (every page), with the proofs of its logged heads in the latest checkpoint as the last
 * page carries them. Not verified here: pass it to verifyDirectoryLog (shared/directory/directory-log.ts).
 *
 * @example
 * const log = await fetchDirectoryLog(client);
 */
export async function fetchDirectoryLog(client: PouchClient): Promise<DirectoryLogWire> {
  const entries: string[] = [];
  let from: number | undefined = 0;
  let last: DirectoryLogWire | undefined;
  for (let pages = 0; from !== undefined; pages++) {
    if (pages > 10_000) throw new PouchError('ERR_PROOF_INVALID', 'The directory log does not end');
    const parsed = DirectoryLogSchema.safeParse(
      await client.request<unknown>('GET', `/v1/directory/log?from=${from}&limit=1000`),
    );
    if (!parsed.success)
      throw new PouchError('ERR_PROOF_INVALID', 'The exchange did not answer with a directory log');
    last = parsed.data;
    entries.push(...last.entries);
    from = last.next;
  }
  return { ...(last as DirectoryLogWire), entries };
}

// ---------------------------------------------------------------------------------------------------------------
// Administration (issue 15, item 1). Each call is one route of server/http/directory-routes.ts; the server applies
// the rule of who may make it (the operator registers authorities and nothing inside them; an authority's admins
// manage its members, keys and statements; a caller outside the authority gets 404, a role that may not, 403).

const authorityPath = (authorityId: string, ...rest: string[]) =>
  ['/v1/directory/authorities', segment(authorityId), ...rest.map(segment)].join('/');

/** An authority as the directory serves it (one wire definition). */
export type AuthorityEntry = AuthorityWire;
/** A member as the directory serves it. */
export type MemberEntry = MemberWire;
/** What registering an authority returns: the entry and its first admin's client id. */
export type CreatedAuthority = z.output<typeof CreatedAuthoritySchema>;

/** One authority's public directory entry. */
export function getAuthorityEntry(client: PouchClient, authorityId: string): Promise<AuthorityEntry> {
  return client.request('GET', authorityPath(authorityId));
}

/** Operator: register an authority, its first admin and (at onboarding) its authority key. */
export function createAuthority(
  client: PouchClient,
  input: CreateAuthorityRequest,
): Promise<CreatedAuthority> {
  return client.request('POST', '/v1/directory/authorities', { json: input });
}

/** Operator, once, for an authority registered without one: its authority key. */
export function registerAuthorityKey(
  client: PouchClient,
  authorityId: string,
  jwk: Readonly<Record<string, unknown>>,
): Promise<AuthorityEntry> {
  return client.request('PUT', authorityPath(authorityId, 'authority-key'), { json: { jwk } });
}

/** Admin: add a member with its first public key. */
export function addMember(
  client: PouchClient,
  authorityId: string,
  input: { displayName: string; role: string; jwk: Readonly<Record<string, unknown>> },
): Promise<MemberEntry & { clientId: string }> {
  return client.request('POST', authorityPath(authorityId, 'members'), { json: input });
}

/** Admin: change a member's name, role or status. */
export function updateMember(
  client: PouchClient,
  authorityId: string,
  memberId: string,
  patch: UpdateMemberRequest,
): Promise<MemberEntry> {
  return client.request('PATCH', authorityPath(authorityId, 'members', memberId), { json: patch });
}

/** Admin: add a key to a member (pending until a keys statement lists it), optionally revoking others. */
export function addMemberKey(
  client: PouchClient,
  authorityId: string,
  memberId: string,
  input: { jwk: Readonly<Record<string, unknown>>; revoke?: readonly string[] },
): Promise<MemberEntry> {
  return client.request('POST', authorityPath(authorityId, 'members', memberId, 'keys'), { json: input });
}

/** Admin: revoke a member's key; it stops working at once. */
export function revokeMemberKey(
  client: PouchClient,
  authorityId: string,
  memberId: string,
  kid: string,
): Promise<MemberEntry> {
  return client.request('DELETE', authorityPath(authorityId, 'members', memberId, 'keys', kid));
}

/** Admin: publish a member's keys statement. */
export function publishMemberKeysStatement(
  client: PouchClient,
  authorityId: string,
  memberId: string,
  statement: string,
): Promise<MemberEntry> {
  return client.request('PUT', authorityPath(authorityId, 'members', memberId, 'keys-statement'), {
    json: { statement },
  });
}

/** Admin: publish the recipients statement. */
export function publishRecipientsStatement(
  client: PouchClient,
  authorityId: string,
  statement: string,
): Promise<AuthorityEntry> {
  return client.request('PUT', authorityPath(authorityId, 'recipients'), { json: { statement } });
}

/** Admin: publish the profile statement. */
export function publishProfileStatement(
  client: PouchClient,
  authorityId: string,
  statement: string,
): Promise<AuthorityEntry> {
  return client.request('PUT', authorityPath(authorityId, 'profile'), { json: { statement } });
}

/** The authority key an admin holds to sign statements: its private key and public JWK. */
export interface AuthoritySigner {
  readonly privateKey: CryptoKey | KeyObject | Uint8Array;
  readonly publicJwk: unknown;
}

/**
 * Check that the key the admin holds is the authority's current key as the directory serves it (the chain
 * verified), and return its fingerprint. Signing with another key would be refused by the exchange anyway; this
 * says why before anything is sent. Throws ERR_STATEMENT_INVALID or ERR_AUTHORITY_PIN_MISMATCH.
 */
export async function checkHeldAuthorityKey(entry: AuthorityEntry, signer: AuthoritySigner): Promise<string> {
  const held = await authorityKeyFingerprint(signer.publicJwk);
  if (!entry.authorityKey) {
    throw new PouchError(
      'ERR_STATEMENT_INVALID',
      `Authority ${entry.id} has no authority key in the directory: the operator registers it at onboarding`,
    );
  }
  const { fingerprints } = await resolveAuthorityKeyChain(entry.id, entry.authorityKey.chain);
  const current = fingerprints.at(-1);
  if (current !== held) {
    throw new PouchError(
      'ERR_AUTHORITY_PIN_MISMATCH',
      `The key you hold (${held}) is not the current authority key of ${entry.id} (${current}): use the authority key registered at onboarding`,
      { details: { authorityId: entry.id, held, served: current } },
    );
  }
  return held;
}

/** The version the next statement of a kind must carry: one more than the one served (stored copies). */
function nextVersion(authorityId: string, kind: StatementKind, served: string | undefined): number {
  if (served === undefined) return 1;
  return readStoredStatement(served, { authorityId, kind }).version + 1;
}

async function signNext<K extends StatementKind>(
  signer: AuthoritySigner,
  statement: Omit<DirectoryStatement<K>, 'iat'>,
): Promise<string> {
  return signDirectoryStatement(
    { ...statement, iat: Math.floor(Date.now() / 1000) } as DirectoryStatement<K>,
    signer.privateKey,
    signer.publicJwk,
  );
}

/**
 * The recipients an authority signed, as served (verified against the current key of the served chain): what
 * `recipients add|remove` starts from. The unsigned list the operator registered at onboarding is not used.
 */
export async function readSignedRecipients(entry: AuthorityEntry): Promise<string[]> {
  if (!entry.recipientsStatement || !entry.authorityKey) return [];
  const { current } = await resolveAuthorityKeyChain(entry.id, entry.authorityKey.chain);
  const statement = await verifyDirectoryStatement(entry.recipientsStatement, current, {
    authorityId: entry.id,
    kind: 'recipients',
  });
  return [...statement.content.recipients];
}

/**
 * Sign the next recipients statement with the held authority key and publish it.
 *
 * @example
 * await publishRecipients(client, entry, ['age1…'], signer);
 */
export async function publishRecipients(
  client: PouchClient,
  entry: AuthorityEntry,
  recipients: readonly string[],
  signer: AuthoritySigner,
): Promise<{ entry: AuthorityEntry; version: number }> {
  await checkHeldAuthorityKey(entry, signer);
  const version = nextVersion(entry.id, 'recipients', entry.recipientsStatement);
  const jws = await signNext(signer, {
    authorityId: entry.id,
    kind: 'recipients',
    content: { recipients: [...recipients] },
    version,
  });
  return { entry: await publishRecipientsStatement(client, entry.id, jws), version };
}

/** One key of a member as the admin signs it, and whether it was pending before. */
export interface ApprovedKey {
  readonly kid: string;
  readonly fingerprint: string;
  readonly status: 'active' | 'revoked';
  /** True when the key was active but not in the previous statement: this approval makes it count. */
  readonly newlySigned: boolean;
}

/**
 * Sign a member's keys with the held authority key and publish the statement: every key the member holds at the
 * exchange, revoked ones with their revocation time, so counterparts stop trusting them too. `exclude` leaves
 * active keys out (they stay pending).
 *
 * @example
 * const { keys, version } = await approveMemberKeys(client, entry, 'mem_…', signer);
 */
export async function approveMemberKeys(
  client: PouchClient,
  entry: AuthorityEntry,
  memberId: string,
  signer: AuthoritySigner,
  options: { exclude?: readonly string[] } = {},
): Promise<{ member: MemberEntry; version: number; keys: ApprovedKey[] }> {
  await checkHeldAuthorityKey(entry, signer);
  const served = entry.members.find((m) => m.id === memberId);
  if (!served) throw new PouchError('ERR_NOT_FOUND', `Member ${memberId} is not in authority ${entry.id}`);
  const history = await listMemberKeys(client, entry.id, memberId);
  const previous = served.keysStatement
    ? readStoredStatement(served.keysStatement, { authorityId: entry.id, kind: 'member-keys' })
    : undefined;
  const wasSigned = new Set(
    (previous?.content.keys ?? []).filter((k) => k.revokedAt === undefined).map((k) => k.kid),
  );
  const exclude = new Set(options.exclude ?? []);
  const listed: SignedMemberKey[] = [];
  const keys: ApprovedKey[] = [];
  for (const k of history.keys) {
    if (k.status === 'active' && exclude.has(k.kid)) continue;
    const signed = await signedMemberKeyOf(
      { ...k.jwk, kid: k.kid },
      k.status === 'revoked' ? (k.revokedAt ?? new Date().toISOString()) : undefined,
    );
    listed.push(signed);
    keys.push({
      kid: k.kid,
      fingerprint: await authorityKeyFingerprint(signed.jwk),
      status: k.status,
      newlySigned: k.status === 'active' && !wasSigned.has(k.kid),
    });
  }
  const version = (previous?.version ?? 0) + 1;
  const content: StatementContent<'member-keys'> = { memberId, keys: listed };
  const jws = await signNext(signer, { authorityId: entry.id, kind: 'member-keys', content, version });
  const member = await publishMemberKeysStatement(client, entry.id, memberId, jws);
  return { member, version, keys };
}

/** What a profile publication changed, top-level field by field. */
export interface ProfileChange {
  readonly version: number;
  readonly previousVersion: number;
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

/**
 * Sign a requirement profile as the next version with the held authority key and publish it; returns which
 * top-level fields were added, removed or changed against the served profile.
 */
export async function publishProfile(
  client: PouchClient,
  entry: AuthorityEntry,
  profile: Readonly<Record<string, unknown>>,
  signer: AuthoritySigner,
): Promise<{ entry: AuthorityEntry; change: ProfileChange }> {
  await checkHeldAuthorityKey(entry, signer);
  const { version: previousVersion, ...before } = entry.profile;
  const { version: _ignored, ...after } = profile;
  const version = previousVersion + 1;
  const jws = await signNext(signer, {
    authorityId: entry.id,
    kind: 'profile',
    content: { profile: after } as StatementContent<'profile'>,
    version,
  });
  const published = await publishProfileStatement(client, entry.id, jws);
  const same = (k: string) => JSON.stringify(before[k]) === JSON.stringify(after[k]);
  return {
    entry: published,
    change: {
      version,
      previousVersion,
      added: Object.keys(after).filter((k) => !(k in before)),
      removed: Object.keys(before).filter((k) => !(k in after)),
      changed: Object.keys(after).filter((k) => k in before && !same(k)),
    },
  };
}
