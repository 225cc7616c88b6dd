// Test support (identity): member key pairs (real jose crypto), seeding authorities through the real seed path,
// signing client assertions and obtaining access tokens from the exchange's POST /v1/token. Reused by suites.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import type { PouchApp } from '../../server/http/app-env.ts';
import type { DirectoryRepository } from '../../server/ports/directory-repository.ts';
import { buildAuditRecord } from '../../server/use-cases/identity/directory-model.ts';
import type { OperatorKeyFile } from '../../server/use-cases/identity/operator-bootstrap.ts';
import { seedDirectory } from '../../server/use-cases/identity/seed.ts';
import { ASSERTION_TYP } from '../../server/use-cases/identity/token-service.ts';
import { CLIENT_ASSERTION_TYPE } from '../../shared/api/identity.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import {
  type DirectoryStatement,
  type StatementKind,
  signDirectoryStatement,
  signedMemberKeyOf,
} from '../../shared/directory/statements.ts';
import { generateAuthorityId, generateMemberId } from '../../shared/domain/identity/ids.ts';
import type {
  AuthorityRole,
  Member,
  MemberRole,
  PublicSigningJwk,
} from '../../shared/domain/identity/types.ts';
import { computeJwkThumbprint } from '../../shared/domain/identity/validation.ts';

export type KeyAlg = 'ES256' | 'EdDSA';

/** A key pair for a member: the private key signs assertions, the public JWK goes to the directory. */
export interface MemberKeyPair {
  readonly alg: KeyAlg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK & { kid: string };
}

/** A member the test can act as. */
export interface TestPrincipal {
  readonly clientId: string;
  readonly authorityId: string;
  readonly memberId: string;
  readonly role: MemberRole | 'operator';
  key: MemberKeyPair;
}

/** Generate a member key pair (ES256 by default); kid = RFC 7638 thumbprint. */
export async function generateMemberKey(alg: KeyAlg = 'ES256'): Promise<MemberKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = computeJwkThumbprint(jwk as unknown as PublicSigningJwk);
  return { alg, kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

export interface AssertionOptions {
  /** The token endpoint URL (`<issuer>/v1/token`). */
  readonly audience: string;
  /** Epoch seconds used as iat; defaults to now. */
  readonly iat?: number;
  readonly lifetimeSeconds?: number;
  readonly jti?: string;
  /** Extra or overriding header members (hostile tests). */
  readonly header?: Record<string, unknown>;
  /** Extra or overriding claims; `undefined` values remove a claim. */
  readonly claims?: Record<string, unknown>;
}

/** Sign a client assertion as `who` (private_key_jwt, RFC 7523). */
export async function signClientAssertion(who: TestPrincipal, options: AssertionOptions): Promise<string> {
  const iat = options.iat ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: who.clientId,
    sub: who.clientId,
    aud: options.audience,
    iat,
    exp: iat + (options.lifetimeSeconds ?? 120),
    jti: options.jti ?? randomBytes(18).toString('base64url'),
    ...options.claims,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: who.key.alg, typ: ASSERTION_TYP, kid: who.key.kid, ...options.header })
    .sign(who.key.privateKey);
}

/** The form body of a token request. */
export function tokenRequestBody(assertion: string): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion,
  }).toString();
}

export interface SeedAuthorityOptions {
  readonly country?: string;
  readonly name?: string;
  readonly roles?: AuthorityRole[];
  /** Members to create; the first admin (there must be one) becomes the authority's first admin. */
  readonly members: ReadonlyArray<{ role: MemberRole; displayName?: string; alg?: KeyAlg }>;
  /** The published requirement profile (free-form here; `version` is required). */
  readonly profile?: Readonly<Record<string, unknown>> & { readonly version: number };
}

export interface SeededAuthority {
  readonly authorityId: string;
  readonly recipient: string;
  /** The authority key: it signed the seeded recipients statement (version 1). */
  readonly authorityKey: MemberKeyPair;
  /** Sign a statement about this authority with `key` (default: the authority key). */
  signStatement<K extends StatementKind>(
    kind: K,
    content: DirectoryStatement<K>['content'],
    version: number,
    key?: MemberKeyPair,
  ): Promise<string>;
  readonly members: TestPrincipal[];
  /** The first member with this role. */
  member(role: MemberRole): TestPrincipal;
}

/** Seed an authority with members (each with a fresh key pair) through seedDirectory. */
export async function seedTestAuthority(
  directory: DirectoryRepository,
  options: SeedAuthorityOptions,
): Promise<SeededAuthority> {
  const authorityId = generateAuthorityId();
  const { recipient } = await generateIdentity();
  const authorityKey = await generateMemberKey();
  const signStatement = <K extends StatementKind>(
    kind: K,
    content: DirectoryStatement<K>['content'],
    version: number,
    key: MemberKeyPair = authorityKey,
  ) =>
    signDirectoryStatement(
      { authorityId, kind, content, version, iat: Math.floor(Date.now() / 1000) } as DirectoryStatement<K>,
      key.privateKey,
      key.publicJwk,
    );
  const members: TestPrincipal[] = [];
  const seeded = [];
  for (const m of options.members) {
    const key = await generateMemberKey(m.alg);
    const memberId = generateMemberId();
    members.push({ clientId: `${authorityId}:${memberId}`, authorityId, memberId, role: m.role, key });
    seeded.push({
      id: memberId,
      displayName: m.displayName ?? `Test ${m.role}`,
      role: m.role,
      keys: [key.publicJwk],
      keysStatement: await signStatement(
        'member-keys',
        { memberId, keys: [await signedMemberKeyOf(key.publicJwk)] },
        1,
      ),
    });
  }
  await seedDirectory(directory, {
    authorities: [
      {
        id: authorityId,
        country: options.country ?? 'XA',
        name: options.name ?? `Test authority ${authorityId.slice(5, 11)}`,
        roles: options.roles ?? ['central-authority'],
        recipients: [recipient],
        authorityKey: authorityKey.publicJwk,
        recipientsStatement: await signStatement('recipients', { recipients: [recipient] }, 1),
        languages: ['en'],
        treaties: ['budapest'],
        members: seeded,
        ...(options.profile ? { profile: options.profile } : {}),
      },
    ],
  });
  return {
    authorityId,
    recipient,
    authorityKey,
    signStatement,
    members,
    member(role) {
      const found = members.find((m) => m.role === role);
      if (!found) throw new Error(`no ${role} seeded`);
      return found;
    },
  };
}

/** The local operator, from the key file compose writes under the data dir. */
export async function loadLocalOperator(operatorKeyFile: string): Promise<TestPrincipal> {
  const file = JSON.parse(await readFile(operatorKeyFile, 'utf8')) as OperatorKeyFile;
  const privateKey = (await importJWK(file.privateJwk as JWK, 'ES256')) as CryptoKey;
  const { d: _d, ...publicJwk } = file.privateJwk;
  const [authorityId, memberId] = file.clientId.split(':') as [string, string];
  return {
    clientId: file.clientId,
    authorityId,
    memberId,
    role: 'operator',
    key: { alg: 'ES256', kid: file.kid, privateKey, publicJwk: publicJwk as JWK & { kid: string } },
  };
}

/**
 * Obtain access tokens from an app in-process.
 *
 * @example
 * const tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
 * const bearer = await tokens.tokenFor(authority.member('officer'));
 */
export function createTokenClient(app: PouchApp, issuer: string) {
  const audience = `${issuer.replace(/\/+$/, '')}/v1/token`;
  return {
    audience,
    /** POST /v1/token with a fresh assertion; returns the raw Response. */
    async requestToken(assertion: string): Promise<Response> {
      return app.request('/v1/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: tokenRequestBody(assertion),
      });
    },
    /** A fresh access token for `who`; throws when the exchange refuses. */
    async tokenFor(who: TestPrincipal): Promise<string> {
      const res = await this.requestToken(await signClientAssertion(who, { audience }));
      const body = (await res.json()) as { access_token?: string; code?: string };
      if (res.status !== 200 || !body.access_token)
        throw new Error(`token refused: ${res.status} ${body.code}`);
      return body.access_token;
    },
  };
}

/**
 * Rewrite a member item as a direct, audited directory write (what an operator holding the table could do): the
 * tests of what the exchange does with whatever the item then says.
 */
export async function rewriteMember(
  directory: DirectoryRepository,
  authorityId: string,
  memberId: string,
  change: (member: Member) => Member,
): Promise<Member> {
  const member = await directory.getMember(authorityId, memberId);
  if (!member) throw new Error(`no member ${memberId}`);
  const audit = buildAuditRecord({
    actor: { kind: 'system', clientId: 'system:test' },
    origin: { sourceIp: 'test', requestId: 'r' },
    at: new Date().toISOString(),
    action: 'key.add',
    target: { authorityId, memberId },
  });
  await directory.putMember({ ...change(member), version: member.version + 1, auditId: audit.id }, audit);
  return member;
}
