// Directory flows against a real local exchange: operator registration, admin member and key management,
// revocation taking effect at once, key validation, audit-first writes, denials as 404, and seeding.
import { generateKeyPairSync } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDirectoryRepository } from '../../server/adapters/dynamo-directory-repository.ts';
import { createDynamoReplayStore } from '../../server/adapters/dynamo-replay-store.ts';
import { buildAuditRecord } from '../../server/use-cases/identity/directory-model.ts';
import { buildJsonSchema } from '../../server/use-cases/identity/json-schemas.ts';
import { seedDirectory } from '../../server/use-cases/identity/seed.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import type { AuditRecord } from '../../shared/domain/identity/types.ts';
import {
  createTokenClient,
  generateMemberKey,
  loadLocalOperator,
  type SeededAuthority,
  seedTestAuthority,
  signClientAssertion,
  type TestPrincipal,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

let exchange: Awaited<ReturnType<typeof startTestExchange>>;
let tokens: ReturnType<typeof createTokenClient>;
let operator: TestPrincipal;
let a: SeededAuthority;

beforeAll(async () => {
  exchange = await startTestExchange();
  tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  operator = await loadLocalOperator(exchange.runtime.operatorKeyFile!);
  a = await seedTestAuthority(exchange.runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }, { role: 'auditor' }],
  });
});

afterAll(async () => {
  await exchange?.stop();
});

async function call(token: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await exchange.runtime.app.request(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

describe('operator registers an authority; its admin manages members and keys', () => {
  it('runs the whole life cycle, with revocation effective at once', async () => {
    const opToken = await tokens.tokenFor(operator);
    const adminKey = await generateMemberKey('EdDSA');
    const created = await call(opToken, 'POST', '/v1/directory/authorities', {
      country: 'FR',
      name: 'Bureau de l’entraide pénale internationale',
      roles: ['central-authority', 'contact-247'],
      recipients: [a.recipient],
      languages: ['fr', 'en'],
      treaties: ['budapest', 'bilateral:FR-XA'],
      profile: { languages: ['fr', 'en'], acceptedBases: ['budapest'] },
      firstAdmin: { displayName: 'Admin FR', jwk: adminKey.publicJwk },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.authority.id;
    expect(id).toMatch(/^auth_[A-Za-z0-9_-]{22}$/);
    expect(created.body.authority.profile).toEqual({
      languages: ['fr', 'en'],
      acceptedBases: ['budapest'],
      version: 1,
    });
    const admin: TestPrincipal = {
      clientId: created.body.firstAdmin.clientId,
      authorityId: id,
      memberId: created.body.firstAdmin.id,
      role: 'admin',
      key: adminKey,
    };
    const adminToken = await tokens.tokenFor(admin);

    const officerKey = await generateMemberKey();
    const added = await call(adminToken, 'POST', `/v1/directory/authorities/${id}/members`, {
      displayName: 'Officer FR',
      role: 'officer',
      jwk: officerKey.publicJwk,
    });
    expect(added.status).toBe(201);
    const officer: TestPrincipal = {
      clientId: added.body.clientId,
      authorityId: id,
      memberId: added.body.id,
      role: 'officer',
      key: officerKey,
    };
    const officerToken = await tokens.tokenFor(officer);
    expect((await call(officerToken, 'GET', '/v1/me')).body).toMatchObject({
      role: 'officer',
      kind: 'member',
    });

    // Rotation: add a new key and revoke the old one in one change.
    const nextKey = await generateMemberKey();
    const rotated = await call(
      adminToken,
      'POST',
      `/v1/directory/authorities/${id}/members/${officer.memberId}/keys`,
      {
        jwk: nextKey.publicJwk,
        revoke: [officerKey.kid],
      },
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body.keys.map((k: { kid: string; status: string }) => [k.kid, k.status])).toEqual([
      [officerKey.kid, 'revoked'],
      [nextKey.kid, 'active'],
    ]);
    // The already-issued access token of the revoked key stops working at once...
    const stale = await call(officerToken, 'GET', '/v1/me');
    expect(stale.status).toBe(401);
    expect(stale.body.code).toBe('ERR_KEY_REVOKED');
    // ...and so does a fresh assertion signed with it.
    const refused = await tokens.requestToken(
      await signClientAssertion(officer, { audience: tokens.audience }),
    );
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('ERR_KEY_REVOKED');
    // The new key works.
    officer.key = nextKey;
    const freshToken = await tokens.tokenFor(officer);
    expect((await call(freshToken, 'GET', '/v1/me')).status).toBe(200);

    // Revoke via DELETE: same effect; revoking twice is idempotent.
    const revoked = await call(
      adminToken,
      'DELETE',
      `/v1/directory/authorities/${id}/members/${officer.memberId}/keys/${nextKey.kid}`,
    );
    expect(revoked.status).toBe(200);
    expect((await call(freshToken, 'GET', '/v1/me')).body.code).toBe('ERR_KEY_REVOKED');
    expect(
      (
        await call(
          adminToken,
          'DELETE',
          `/v1/directory/authorities/${id}/members/${officer.memberId}/keys/${nextKey.kid}`,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          adminToken,
          'DELETE',
          `/v1/directory/authorities/${id}/members/${officer.memberId}/keys/nope`,
        )
      ).status,
    ).toBe(404);

    // Profile: each publication increments the version; a client-sent version is ignored.
    const p1 = await call(adminToken, 'PUT', `/v1/directory/authorities/${id}/profile`, {
      version: 99,
      languages: ['fr'],
      acceptedBases: ['budapest'],
    });
    expect(p1.body.profile).toEqual({ languages: ['fr'], acceptedBases: ['budapest'], version: 2 });
    const p2 = await call(adminToken, 'PUT', `/v1/directory/authorities/${id}/profile`, {
      languages: ['fr', 'en'],
      acceptedBases: ['budapest'],
    });
    expect(p2.body.profile.version).toBe(3);

    // The operator edits what it registered; the authority's admin edits what is inside it.
    const patched = await call(opToken, 'PATCH', `/v1/directory/authorities/${id}`, { name: 'BEPI' });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe('BEPI');
    const details = await call(adminToken, 'PATCH', `/v1/directory/authorities/${id}/details`, {
      languages: ['fr'],
    });
    expect(details.status).toBe(200);
    expect(details.body.languages).toEqual(['fr']);

    // Every change is in the audit log, settled, with who/what/when/where.
    const audit = await call(adminToken, 'GET', `/v1/directory/authorities/${id}/audit`);
    expect(audit.status).toBe(200);
    const records = audit.body.records as AuditRecord[];
    expect(records.map((r) => r.action).sort()).toEqual(
      [
        'authority.create',
        'member.create',
        'key.add',
        'key.revoke',
        'profile.publish',
        'profile.publish',
        'authority.update',
        'authority.details',
      ].sort(),
    );
    for (const r of records) {
      expect(r.outcome).toBe('succeeded');
      expect(r.origin.requestId).toBeTruthy();
      expect(r.origin.sourceIp).toBeTruthy();
      expect(r.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    expect(records.find((r) => r.action === 'authority.create')?.actor.clientId).toBe(operator.clientId);
    expect(records.find((r) => r.action === 'key.revoke')?.actor.clientId).toBe(admin.clientId);
    // Paging.
    const page1 = await call(adminToken, 'GET', `/v1/directory/authorities/${id}/audit?limit=2`);
    expect(page1.body.records).toHaveLength(2);
    const page2 = await call(
      adminToken,
      'GET',
      `/v1/directory/authorities/${id}/audit?limit=2&cursor=${page1.body.cursor}`,
    );
    expect(page2.body.records[0].id).not.toBe(page1.body.records[0].id);
    expect((await call(adminToken, 'GET', `/v1/directory/authorities/${id}/audit?cursor=bogus`)).status).toBe(
      400,
    );
  });
});

describe('key validation', () => {
  const adminToken = () => tokens.tokenFor(a.member('admin'));
  const addMember = async (jwk: unknown) =>
    call(await adminToken(), 'POST', `/v1/directory/authorities/${a.authorityId}/members`, {
      displayName: 'X',
      role: 'officer',
      jwk,
    });

  it('refuses private keys, symmetric keys, other curves and algorithms, and invalid points', async () => {
    const ecPrivate = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const x25519 = await exportJWK((await generateKeyPair('ECDH-ES', { crv: 'X25519' })).publicKey);
    const good = (await generateMemberKey()).publicJwk;
    const cases = [
      ecPrivate,
      { kty: 'oct', k: 'c2VjcmV0' },
      p384,
      k1,
      rsa,
      x25519,
      { ...good, alg: 'EdDSA' },
      { ...good, use: 'enc' },
      { ...good, y: good.x },
      { ...good, kid: '../../etc/passwd' },
      { kty: 'EC', crv: 'P-256', x: 'AA', y: 'BB' },
    ];
    for (const jwk of cases) {
      const res = await addMember(jwk);
      expect(res.status, JSON.stringify(jwk).slice(0, 80)).toBe(400);
      expect(res.body.code).toBe('ERR_VALIDATION');
    }
    expect((await addMember(good)).status).toBe(201);
  });

  it('refuses bad authority fields (country, recipients)', async () => {
    const op = await tokens.tokenFor(operator);
    const base = {
      country: 'XA',
      name: 'N',
      roles: ['central-authority'],
      recipients: [a.recipient],
      languages: [],
      treaties: [],
      firstAdmin: { displayName: 'A', jwk: (await generateMemberKey()).publicJwk },
    };
    expect((await call(op, 'POST', '/v1/directory/authorities', { ...base, country: 'QQ' })).status).toBe(
      201,
    );
    for (const bad of [
      { country: 'XX1' },
      { country: 'JJ' },
      { recipients: ['age1notarecipient'] },
      { roles: ['embassy'] },
    ]) {
      const res = await call(op, 'POST', '/v1/directory/authorities', { ...base, ...bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const patch = await call(
      await tokens.tokenFor(a.member('admin')),
      'PUT',
      `/v1/directory/authorities/${a.authorityId}/recipients`,
      {
        statement: await a.signStatement(
          'recipients',
          { recipients: ['age1pq1nope'] },
          ((await exchange.runtime.directory.getAuthority(a.authorityId))?.recipientsVersion ?? 0) + 1,
        ),
      },
    );
    expect(patch.status).toBe(400);
    expect(patch.body.code).toBe('ERR_VALIDATION');
    const unknownField = await call(op, 'PATCH', `/v1/directory/authorities/${a.authorityId}`, {
      motto: 'x',
    });
    expect(unknownField.status).toBe(400);
  });
});

describe('denials look like misses', () => {
  it("a denied change to another authority's entry answers exactly like an unknown authority, and the denial is logged", async () => {
    const operatorToken = await tokens.tokenFor(operator);
    const denied = await call(operatorToken, 'PATCH', `/v1/directory/authorities/${a.authorityId}/details`, {
      languages: ['en'],
    });
    const missing = await call(operatorToken, 'GET', '/v1/directory/authorities/auth_AAAAAAAAAAAAAAAAAAAAAA');
    expect(denied.status).toBe(404);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined, requestId: undefined });
    expect(strip(denied.body)).toEqual(strip(missing.body));
    const line = exchange.logger.lines.find(
      (l) =>
        l.message === 'security' &&
        l.fields.outcome === 'denied' &&
        l.fields.clientId === operator.clientId &&
        String(l.fields.action).includes('authority.details'),
    );
    expect(line?.fields).toMatchObject({ event: 'authorization', reason: 'ERR_FORBIDDEN' });
  });

  it("the authority's own officer is told its role falls short (403 ERR_FORBIDDEN), and the denial is logged", async () => {
    const officerToken = await tokens.tokenFor(a.member('officer'));
    const denied = await call(officerToken, 'PATCH', `/v1/directory/authorities/${a.authorityId}`, {
      name: 'Mine',
    });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('ERR_FORBIDDEN');
    const line = exchange.logger.lines.find(
      (l) =>
        l.message === 'security' &&
        l.fields.outcome === 'denied' &&
        l.fields.clientId === a.member('officer').clientId,
    );
    expect(line?.fields).toMatchObject({ event: 'authorization', reason: 'ERR_FORBIDDEN' });
    expect(String(line?.fields.action)).toContain('authority.update');
  });

  it('the public directory lists authorities with keys, never the operator nor anything private', async () => {
    const res = await call(await tokens.tokenFor(a.member('auditor')), 'GET', '/v1/directory/authorities');
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('operator');
    expect(text).not.toMatch(/"d":/);
    const mine = res.body.authorities.find((x: { id: string }) => x.id === a.authorityId);
    expect(mine.members.length).toBeGreaterThanOrEqual(3);
    expect(mine.members[0].keys[0].jwk).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
  });
});

describe('audit first', () => {
  it('no change happens when its audit record cannot be written', async () => {
    const { doc } = exchange.runtime.clients;
    const table = exchange.runtime.config.tables.main;
    const failingAudit = {
      send: (command: unknown) => {
        const input = (command as { input?: { Item?: { sk?: string } } }).input;
        if (command instanceof PutCommand && input?.Item?.sk?.startsWith('AUDIT#')) {
          return Promise.reject(Object.assign(new Error('boom'), { name: 'InternalServerError' }));
        }
        return doc.send(command as PutCommand);
      },
    } as unknown as typeof doc;
    const repo = createDynamoDirectoryRepository(failingAudit, table);
    const member = (await repo.getMember(a.authorityId, a.member('officer').memberId))!;
    const audit = buildAuditRecord({
      actor: { kind: 'system', clientId: 'system:test' },
      origin: { sourceIp: 'test', requestId: 'r' },
      at: new Date().toISOString(),
      action: 'member.create',
      target: { authorityId: a.authorityId, memberId: member.id },
    });
    const error = await repo
      .putMember({ ...member, displayName: 'Changed', version: member.version + 1, auditId: audit.id }, audit)
      .catch((e: unknown) => e);
    expect(isPouchError(error, 'ERR_STORAGE')).toBe(true);
    const after = await exchange.runtime.directory.getMember(a.authorityId, member.id);
    expect(after?.displayName).toBe(member.displayName);
  });

  it('a change that loses its race settles its audit record as failed', async () => {
    const repo = exchange.runtime.directory;
    const member = (await repo.getMember(a.authorityId, a.member('auditor').memberId))!;
    const audit = buildAuditRecord({
      actor: { kind: 'system', clientId: 'system:test' },
      origin: { sourceIp: 'test', requestId: 'r' },
      at: new Date().toISOString(),
      action: 'key.add',
      target: { authorityId: a.authorityId, memberId: member.id },
    });
    const stale = { ...member, displayName: 'Stale', version: member.version + 5, auditId: audit.id };
    const error = await repo.putMember(stale, audit).catch((e: unknown) => e);
    expect(isPouchError(error, 'ERR_CONFLICT')).toBe(true);
    const { Item } = await exchange.runtime.clients.doc.send(
      new GetCommand({
        TableName: exchange.runtime.config.tables.main,
        Key: { pk: `AUTHORITY#${a.authorityId}`, sk: `AUDIT#${audit.at}#${audit.id}` },
      }),
    );
    expect(Item).toMatchObject({ outcome: 'failed', reason: 'ERR_CONFLICT' });
  });
});

describe('seeding and the replay store', () => {
  it('seedDirectory is idempotent and validates its input', async () => {
    const key = await generateMemberKey();
    const opKey = await generateMemberKey();
    const file = {
      operator: {
        members: [{ id: 'seed-operator', displayName: 'Seeded operator', keys: [opKey.publicJwk] }],
      },
      authorities: [
        {
          country: 'XD',
          name: 'Demo central authority',
          roles: ['central-authority'],
          recipients: [a.recipient],
          members: [{ displayName: 'Demo admin', role: 'admin', keys: [key.publicJwk] }],
        },
      ],
    } as const;
    const first = await seedDirectory(exchange.runtime.directory, file);
    expect(first.authoritiesCreated).toHaveLength(1);
    expect(first.membersCreated).toHaveLength(2);
    const second = await seedDirectory(exchange.runtime.directory, file);
    expect(second).toMatchObject({ authoritiesCreated: [], membersCreated: [], keysAdded: 0 });
    // The seeded operator can authenticate as the operator.
    const op: TestPrincipal = {
      clientId: 'operator:seed-operator',
      authorityId: 'operator',
      memberId: 'seed-operator',
      role: 'operator',
      key: opKey,
    };
    const me = await call(await tokens.tokenFor(op), 'GET', '/v1/me');
    expect(me.body).toMatchObject({ kind: 'operator', role: 'operator' });

    const bad = await seedDirectory(exchange.runtime.directory, { authorities: [{ country: 'XD' }] }).catch(
      (e: unknown) => e,
    );
    expect(isPouchError(bad, 'ERR_VALIDATION')).toBe(true);
    const noAdmin = await seedDirectory(exchange.runtime.directory, {
      authorities: [
        {
          ...file.authorities[0],
          name: 'Other',
          members: [{ displayName: 'O', role: 'officer', keys: [key.publicJwk] }],
        },
      ],
    }).catch((e: unknown) => e);
    expect(isPouchError(noAdmin, 'ERR_VALIDATION')).toBe(true);
    const schema = buildJsonSchema('seed-file');
    expect(schema).toHaveProperty('properties.authorities');
  });

  it('the replay store is single-use, and reuses an id only once it has expired', async () => {
    const replay = createDynamoReplayStore(
      exchange.runtime.clients.doc,
      exchange.runtime.config.tables.replay,
    );
    const id = `test:${Date.now()}`;
    const results = await Promise.all([replay.consume(id, 1000, 500), replay.consume(id, 1000, 500)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await replay.consume(id, 1000, 999)).toBe(false);
    expect(await replay.consume(id, 3000, 1001)).toBe(true);
  });
});
