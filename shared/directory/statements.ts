// Core (shared by the exchange, the CLI and the browser portal): directory statements — what an authority says
// about itself (its age recipients, its members' signing keys, its requirement profile, the rotation of its
// authority key), signed by its authority key as a compact JWS. The exchange verifies and stores them; every client verifies them again against the fingerprint it pinned
// out of band, so the operator, who serves the directory, cannot swap an authority's keys unseen (issue 12,
// finding 3). Web-standard only (jose over Web Crypto).
import {
  base64url,
  CompactSign,
  type CryptoKey,
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type KeyObject,
} from 'jose';
import { z } from 'zod';
import { sha256Hex } from '#sha256';
import { PouchError } from '../domain/errors.ts';
import { canonicalJson } from '../domain/ledger/jcs.ts';
import { BoundedProfileSchema } from './bounded-json.ts';

/** Explicit JOSE `typ`, so a statement can never pass as a token, receipt or manifest (RFC 8725 §3.11). */
export const DIRECTORY_STATEMENT_TYP = 'pouch-directory-statement+jwt';

/** What a statement is about. */
export const STATEMENT_KINDS = ['recipients', 'authority-key', 'member-keys', 'profile'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

const b64url32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** A public authority key: ES256 (EC P-256) or EdDSA (Ed25519), public members only. */
export const AuthorityJwkSchema = z.union([
  z.strictObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: b64url32, y: b64url32 }),
  z.strictObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64url32 }),
]);
export type AuthorityJwk = z.infer<typeof AuthorityJwkSchema>;

/** One member key as its authority signs it: the public key, and when it was revoked (absent while active). */
const SignedMemberKeySchema = z.strictObject({
  kid: z.string().min(1).max(128),
  jwk: AuthorityJwkSchema,
  revokedAt: z.iso.datetime().optional(),
});
export type SignedMemberKey = z.infer<typeof SignedMemberKeySchema>;

const contentSchemas = {
  recipients: z.strictObject({ recipients: z.array(z.string().min(1).max(4096)).min(1).max(16) }),
  /** The next authority key, signed by the current one. */
  'authority-key': z.strictObject({ jwk: AuthorityJwkSchema }),
  /**
   * The signing keys of one member that clients may trust for its manifests (versions count per member). A key
   * an admin added at the exchange but the authority key never signed is not among them.
   */
  'member-keys': z.strictObject({
    memberId: z.string().min(1).max(80),
    keys: z.array(SignedMemberKeySchema).max(20),
  }),
  /** The requirement profile; the statement's version is the profile's version. */
  profile: z.strictObject({ profile: BoundedProfileSchema }),
} as const;
export type StatementContent<K extends StatementKind> = z.infer<(typeof contentSchemas)[K]>;

const payloadSchema = z.strictObject({
  authorityId: z.string().min(1).max(80),
  kind: z.enum(STATEMENT_KINDS),
  content: z.unknown(),
  /** Increases by one with every statement of this kind for this authority: an old statement cannot come back. */
  version: z.number().int().positive(),
  /** Epoch seconds, the signer's clock. */
  iat: z.number().int().positive(),
});

export interface DirectoryStatement<K extends StatementKind = StatementKind> {
  readonly authorityId: string;
  readonly kind: K;
  readonly content: StatementContent<K>;
  readonly version: number;
  readonly iat: number;
}

const invalid = (message: string, cause?: unknown) =>
  new PouchError('ERR_STATEMENT_INVALID', message, cause === undefined ? {} : { cause });

/**
 * The digest that stands for a statement where it is recorded rather than carried (the directory log, audit
 * records): lowercase hex SHA-256 over the RFC 8785 canonical form of the compact JWS (a JSON string), as the
 * audit records' `toSha256` of a statement.
 */
export function statementDigest(jws: string): string {
  return sha256Hex(canonicalJson(jws));
}

/** Only the public members of a key, in a fixed shape (a served JWK may carry kid, alg, use). */
export function toAuthorityJwk(jwk: unknown): AuthorityJwk {
  if (typeof jwk !== 'object' || jwk === null) throw invalid('The authority key must be a JWK');
  const raw = jwk as Record<string, unknown>;
  if ('d' in raw) throw invalid('The authority key must be a public key');
  const parsed = AuthorityJwkSchema.safeParse(
    raw.kty === 'EC'
      ? { kty: raw.kty, crv: raw.crv, x: raw.x, y: raw.y }
      : { kty: raw.kty, crv: raw.crv, x: raw.x },
  );
  if (!parsed.success)
    throw invalid('The authority key must be a public ES256 (P-256) or EdDSA (Ed25519) JWK');
  return parsed.data;
}

const algOf = (jwk: AuthorityJwk): 'ES256' | 'EdDSA' => (jwk.kty === 'EC' ? 'ES256' : 'EdDSA');

/**
 * The RFC 7638 fingerprint (SHA-256, base64url) of an authority key: what counterparts compare out of band and
 * pin (`pouch directory pin AUTHORITY FINGERPRINT`).
 */
export function authorityKeyFingerprint(jwk: unknown): Promise<string> {
  return calculateJwkThumbprint(toAuthorityJwk(jwk), 'sha256');
}

/**
 * Sign a statement with the authority's private key. The header names the key by its fingerprint.
 *
 * @example
 * const jws = await signDirectoryStatement(
 *   { authorityId, kind: 'recipients', content: { recipients: ['age1…'] }, version: 2, iat: now },
 *   authorityPrivateKey, authorityPublicJwk);
 */
export async function signDirectoryStatement<K extends StatementKind>(
  statement: DirectoryStatement<K>,
  privateKey: CryptoKey | KeyObject | Uint8Array,
  publicJwk: unknown,
): Promise<string> {
  const jwk = toAuthorityJwk(publicJwk);
  const checked = readStatement(statement);
  const payload = new TextEncoder().encode(JSON.stringify(checked));
  return new CompactSign(payload)
    .setProtectedHeader({
      alg: algOf(jwk),
      kid: await authorityKeyFingerprint(jwk),
      typ: DIRECTORY_STATEMENT_TYP,
    })
    .sign(privateKey);
}

/**
 * Verify a statement against an authority key (never a key the JWS names itself): the signature with the
 * algorithm pinned by the key type, the `typ`, the shape of its content, its authority and its kind. Throws
 * ERR_STATEMENT_INVALID.
 */
export async function verifyDirectoryStatement<K extends StatementKind>(
  jws: string,
  authorityJwk: unknown,
  expected: { readonly authorityId: string; readonly kind: K },
): Promise<DirectoryStatement<K>> {
  const jwk = toAuthorityJwk(authorityJwk);
  const alg = algOf(jwk);
  let payload: Uint8Array;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.typ !== DIRECTORY_STATEMENT_TYP) throw invalid('Not a directory statement (typ)');
    const key = await importJWK(jwk, alg);
    ({ payload } = await compactVerify(jws, key, { algorithms: [alg] }));
  } catch (error) {
    if (error instanceof PouchError) throw error;
    throw invalid('The statement is not signed by the authority key', error);
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(new TextDecoder().decode(payload));
  } catch (error) {
    throw invalid('The statement payload is not JSON', error);
  }
  const statement = readStatement(decoded);
  if (statement.authorityId !== expected.authorityId)
    throw invalid('The statement is about another authority');
  if (statement.kind !== expected.kind) throw invalid(`The statement is not a ${expected.kind} statement`);
  return statement as DirectoryStatement<K>;
}

/**
 * Read a statement the exchange verified when it stored it, without verifying its signature again (the key that
 * signed it may have rotated since). Only for the exchange's own stored copies; clients verify against the pin.
 * Throws ERR_STATEMENT_INVALID when it is not a statement of this authority and kind.
 */
export function readStoredStatement<K extends StatementKind>(
  jws: string,
  expected: { readonly authorityId: string; readonly kind: K },
): DirectoryStatement<K> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(new TextDecoder().decode(base64url.decode(jws.split('.')[1] ?? '')));
  } catch (error) {
    throw invalid('The stored statement payload is not JSON', error);
  }
  const statement = readStatement(decoded);
  if (statement.authorityId !== expected.authorityId || statement.kind !== expected.kind) {
    throw invalid(`The stored statement is not this authority's ${expected.kind} statement`);
  }
  return statement as DirectoryStatement<K>;
}

function readStatement(value: unknown): DirectoryStatement {
  const parsed = payloadSchema.safeParse(value);
  if (!parsed.success) throw invalid('The statement does not have the statement shape');
  const content = contentSchemas[parsed.data.kind].safeParse(parsed.data.content);
  if (!content.success) throw invalid(`The ${parsed.data.kind} statement's content is not valid`);
  return { ...parsed.data, content: content.data } as DirectoryStatement;
}

/** The authority-key chain as the directory serves it: the key registered at onboarding, then each rotation. */
export interface AuthorityKeyChain {
  /** The key the operator registered at onboarding. */
  readonly initial: unknown;
  /** Rotation statements (`authority-key`), each signed by the key before it, versions 1, 2, 3... */
  readonly rotations: readonly string[];
}

/**
 * Walk an authority-key chain: every rotation must be signed by the key before it, with versions 1, 2, 3...
 * Returns the current key and the fingerprint of every key in the chain, oldest first.
 */
export async function resolveAuthorityKeyChain(
  authorityId: string,
  chain: AuthorityKeyChain,
): Promise<{ current: AuthorityJwk; fingerprints: string[] }> {
  let current = toAuthorityJwk(chain.initial);
  const fingerprints = [await authorityKeyFingerprint(current)];
  for (const [index, rotation] of chain.rotations.entries()) {
    const statement = await verifyDirectoryStatement(rotation, current, {
      authorityId,
      kind: 'authority-key',
    });
    if (statement.version !== index + 1) throw invalid('The authority key rotations are out of order');
    current = statement.content.jwk;
    fingerprints.push(await authorityKeyFingerprint(current));
  }
  return { current, fingerprints };
}

/**
 * Verify a statement the exchange stored, against the authority-key chain it stores (the key registered at
 * onboarding and each rotation, every rotation checked against the key before it): the statement must be signed
 * by one of those keys (the one its header names), since a statement signed before a rotation stays the
 * authority's word. So a statement written into the table by hand (the operator, a bug) is refused even where the
 * exchange relies on it itself (the token check). Throws ERR_STATEMENT_INVALID.
 */
export async function verifyStoredStatement<K extends StatementKind>(
  jws: string,
  chain: AuthorityKeyChain,
  expected: { readonly authorityId: string; readonly kind: K },
): Promise<DirectoryStatement<K>> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(jws).kid;
  } catch (error) {
    throw invalid('The stored statement is not a JWS', error);
  }
  let key = toAuthorityJwk(chain.initial);
  if ((await authorityKeyFingerprint(key)) !== kid) {
    let found = false;
    for (const [index, rotation] of chain.rotations.entries()) {
      const statement = await verifyDirectoryStatement(rotation, key, {
        authorityId: expected.authorityId,
        kind: 'authority-key',
      });
      if (statement.version !== index + 1) throw invalid('The authority key rotations are out of order');
      key = statement.content.jwk;
      if ((await authorityKeyFingerprint(key)) === kid) {
        found = true;
        break;
      }
    }
    if (!found) throw invalid('The stored statement is not signed by a key of the authority-key chain');
  }
  return verifyDirectoryStatement(jws, key, expected);
}

/** What a client needs from a directory entry to trust what its authority signed. */
export interface SignedDirectoryEntry {
  readonly id: string;
  readonly authorityKey?: { readonly chain: AuthorityKeyChain } | undefined;
  readonly recipientsStatement?: string | undefined;
  readonly profileStatement?: string | undefined;
  readonly members?:
    | ReadonlyArray<{ readonly id: string; readonly keysStatement?: string | undefined }>
    | undefined;
}

/**
 * The authority's current key, once the pinned fingerprint is found in its authority-key chain (a pin taken
 * before a rotation follows the rotations the pinned key signed). Throws ERR_AUTHORITY_PIN_MISMATCH when the
 * pinned key is not in the chain, ERR_STATEMENT_INVALID when there is no chain or a rotation does not verify.
 */
export async function resolvePinnedAuthorityKey(
  entry: SignedDirectoryEntry,
  pinnedFingerprint: string,
): Promise<AuthorityJwk> {
  if (!entry.authorityKey) throw invalid(`Authority ${entry.id} has no authority key in the directory`);
  const { current, fingerprints } = await resolveAuthorityKeyChain(entry.id, entry.authorityKey.chain);
  if (!fingerprints.includes(pinnedFingerprint)) {
    throw new PouchError(
      'ERR_AUTHORITY_PIN_MISMATCH',
      `The directory serves an authority key for ${entry.id} (${fingerprints.at(-1)}) that does not chain to the pinned ${pinnedFingerprint}: do not send; ask the authority out of band`,
      { details: { authorityId: entry.id, pinned: pinnedFingerprint, served: fingerprints.at(-1) } },
    );
  }
  return current;
}

/**
 * The age recipients an authority signed, checked against the fingerprint the client pinned
 * (resolvePinnedAuthorityKey), signed by the chain's current key. Throws ERR_AUTHORITY_PIN_MISMATCH or
 * ERR_STATEMENT_INVALID.
 *
 * @example
 * const recipients = await verifyPinnedRecipients(entry, pins.get(entry.id));
 */
export async function verifyPinnedRecipients(
  entry: SignedDirectoryEntry,
  pinnedFingerprint: string,
): Promise<string[]> {
  const current = await resolvePinnedAuthorityKey(entry, pinnedFingerprint);
  if (!entry.recipientsStatement) throw invalid(`Authority ${entry.id} publishes no signed recipients`);
  const statement = await verifyDirectoryStatement(entry.recipientsStatement, current, {
    authorityId: entry.id,
    kind: 'recipients',
  });
  return [...statement.content.recipients];
}

/**
 * The signing keys of one member as its authority signed them, checked against the pinned fingerprint: only
 * these may verify a manifest that member signed. A key the exchange lists but no statement signs (an admin
 * planted it, or the operator wrote it into the table) is not returned. Throws ERR_AUTHORITY_PIN_MISMATCH or
 * ERR_STATEMENT_INVALID (no statement, or one that does not verify or names another member).
 *
 * @example
 * const keys = await verifyPinnedMemberKeys(entry, pin.fingerprint, memberId);
 */
export async function verifyPinnedMemberKeys(
  entry: SignedDirectoryEntry,
  pinnedFingerprint: string,
  memberId: string,
): Promise<{ keys: SignedMemberKey[]; version: number }> {
  const current = await resolvePinnedAuthorityKey(entry, pinnedFingerprint);
  const jws = entry.members?.find((m) => m.id === memberId)?.keysStatement;
  if (!jws) throw invalid(`Authority ${entry.id} has signed no keys for member ${memberId}`);
  const statement = await verifyDirectoryStatement(jws, current, {
    authorityId: entry.id,
    kind: 'member-keys',
  });
  if (statement.content.memberId !== memberId) {
    throw invalid(`The keys statement served for member ${memberId} is about another member`);
  }
  return { keys: [...statement.content.keys], version: statement.version };
}

/**
 * The requirement profile as its authority signed it, checked against the pinned fingerprint, with its version.
 * Throws ERR_AUTHORITY_PIN_MISMATCH or ERR_STATEMENT_INVALID.
 */
export async function verifyPinnedProfile(
  entry: SignedDirectoryEntry,
  pinnedFingerprint: string,
): Promise<Record<string, unknown> & { version: number }> {
  const current = await resolvePinnedAuthorityKey(entry, pinnedFingerprint);
  if (!entry.profileStatement) throw invalid(`Authority ${entry.id} publishes no signed requirement profile`);
  const statement = await verifyDirectoryStatement(entry.profileStatement, current, {
    authorityId: entry.id,
    kind: 'profile',
  });
  return { ...statement.content.profile, version: statement.version };
}

/**
 * A member key as a `member-keys` statement lists it: its public members and its kid (the JWK's own `kid`, else
 * its RFC 7638 fingerprint, as the exchange assigns it).
 *
 * @example
 * const content = { memberId, keys: [await signedMemberKeyOf(officerPublicJwk)] };
 */
export async function signedMemberKeyOf(publicJwk: unknown, revokedAt?: string): Promise<SignedMemberKey> {
  const jwk = toAuthorityJwk(publicJwk);
  const given = (publicJwk as { kid?: unknown }).kid;
  const kid = typeof given === 'string' ? given : await authorityKeyFingerprint(jwk);
  return { kid, jwk, ...(revokedAt === undefined ? {} : { revokedAt }) };
}
