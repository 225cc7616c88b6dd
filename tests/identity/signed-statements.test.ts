// Member keys and requirement profiles signed by the authority key (issue 12, findings 3 and 9). The attack: an
// authority admin (or a stolen admin token, or the operator writing the table) adds a key to an officer, signs a
// manifest as that officer and sends it; the recipient's pinned `pouch fetch` must refuse it, since no statement
// of the authority key lists the planted key. Also: the exchange refuses an unsigned or unverifiable change to
// member keys and profiles with ERR_STATEMENT_INVALID, a profile over the depth and size limits is a 400
// ERR_VALIDATION (it was a 503), and a pinned `pouch check` refuses a profile the authority did not sign.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeystore } from '../../client/keystore/keystore.ts';
import { buildAuditRecord } from '../../server/use-cases/identity/directory-model.ts';
import {
  DIRECTORY_STATEMENT_TYP,
  signDirectoryStatement,
  signedMemberKeyOf,
} from '../../shared/directory/statements.ts';
import type { Authority } from '../../shared/domain/identity/types.ts';
import { type PouchRun, runPouch } from '../client/support/run-pouch.ts';
import {
  createTokenClient,
  generateMemberKey,
  type SeededAuthority,
  seedTestAuthority,
  signClientAssertion,
  type TestPrincipal,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;
type Demo = Exchange['demo'][number];
let exchange: Exchange;
let tokens: ReturnType<typeof createTokenClient>;
let north: Demo;
let south: Demo;
let a: SeededAuthority;
let note: string;
const temps: string[] = [];

beforeAll(async () => {
  exchange = await startTestExchange({ seedDemo: true });
  tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  north = exchange.demo.find((d) => d.slug === 'northland')!;
  south = exchange.demo.find((d) => d.slug === 'southmark')!;
  a = await seedTestAuthority(exchange.runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
  note = join(north.home, 'signed-statements-note.txt');
  await writeFile(note, 'Please preserve the mailbox of account beta@example.test.\n');
});

afterAll(async () => {
  await exchange?.stop();
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function call(who: TestPrincipal, method: string, path: string, body?: unknown) {
  const res = await exchange.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${await tokens.tokenFor(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

/** A demo member as a test principal, from the demo keystore that holds its key. */
async function demoPrincipal(demo: Demo, memberId: string): Promise<TestPrincipal> {
  const { info, privateKey } = await openKeystore({ home: demo.home }).unlockSigningKey(memberId);
  return {
    clientId: `${demo.authorityId}:${memberId}`,
    authorityId: demo.authorityId,
    memberId,
    role: memberId === 'admin' ? 'admin' : 'officer',
    key: { alg: 'ES256', kid: info.kid, privateKey, publicJwk: { ...info.publicJwk, kid: info.kid } },
  };
}

const lastError = (run: PouchRun) =>
  (JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { error: { code: string } }).error.code;

const sendFrom = (home: string, profile: string, to: string) =>
  runPouch(
    [
      '--profile',
      profile,
      '--json',
      'send',
      '--to',
      to,
      '--kind',
      'preservation',
      '--urgency',
      'urgent',
      '--reference',
      `SIGNED-${Date.now()}`,
      note,
    ],
    { POUCH_HOME: home },
  );

async function fetchAsSouth(exchangeId: string): Promise<PouchRun> {
  const out = await mkdtemp(join(tmpdir(), 'pouch-signed-fetch-'));
  temps.push(out);
  return runPouch(['--profile', 'officer', '--json', 'fetch', exchangeId, '--out', join(out, 'docs')], {
    POUCH_HOME: south.home,
  });
}

describe("pinned clients trust a manifest only under a key the sender's authority key signed", () => {
  it('refuses a key an admin planted on an officer, and a statement the operator wrote into the table for it (sign-in)', async () => {
    // The control: the officer's own key is in the signed statement the demo seed published.
    const honest = await sendFrom(north.home, 'officer', south.authorityId);
    expect(honest.code, honest.stderr).toBe(0);
    const fetched = await fetchAsSouth((JSON.parse(honest.stdout) as { exchangeId: string }).exchangeId);
    expect(fetched.code, fetched.stderr).toBe(0);
    const verifyLive = (exchangeId: string) =>
      runPouch(['--profile', 'auditor', '--json', 'verify', '--live', exchangeId], {
        POUCH_HOME: south.home,
      });
    const honestVerdict = await verifyLive((JSON.parse(honest.stdout) as { exchangeId: string }).exchangeId);
    expect(honestVerdict.code, honestVerdict.stderr + honestVerdict.stdout).toBe(0);

    // The attack: Northland's admin adds a key of its own to the officer, through the API as it may.
    const home = await mkdtemp(join(tmpdir(), 'pouch-planted-'));
    temps.push(home);
    await cp(north.home, home, { recursive: true });
    const rogue = openKeystore({ home });
    const planted = await rogue.createSigningKey({ name: 'planted', alg: 'ES256' });
    const admin = await demoPrincipal(north, 'admin');
    const added = await call(
      admin,
      'POST',
      `/v1/directory/authorities/${north.authorityId}/members/officer/keys`,
      { jwk: { ...planted.publicJwk, kid: planted.kid } },
    );
    expect(added.status).toBe(201);
    await rogue.saveProfile({
      name: 'as-officer',
      baseUrl: (await rogue.readProfile('officer')).baseUrl,
      clientId: `${north.authorityId}:officer`,
      key: 'planted',
    });
    // The exchange refuses to sign the admin in as the officer with a key the authority key never signed.
    const unsigned = await sendFrom(home, 'as-officer', south.authorityId);
    expect(unsigned.code).not.toBe(0);
    expect(lastError(unsigned)).toBe('ERR_KEY_UNSIGNED');

    // The operator writing the table stores a statement under a key of its own: the exchange re-verifies the
    // stored statement against the authority key before it trusts it, so the sign-in is still refused.
    const repo = exchange.runtime.directory;
    const stored = (await repo.getMember(north.authorityId, 'officer'))!;
    const operatorKey = await generateMemberKey();
    const listed = await Promise.all(
      stored.keys
        .filter((k) => k.status === 'active')
        .map((k) => signedMemberKeyOf({ ...k.jwk, kid: k.kid })),
    );
    const fakeStatement = await signDirectoryStatement(
      {
        authorityId: north.authorityId,
        kind: 'member-keys',
        content: { memberId: 'officer', keys: listed },
        version: (stored.keysVersion ?? 0) + 1,
        iat: Math.floor(Date.now() / 1000),
      },
      operatorKey.privateKey,
      operatorKey.publicJwk,
    );
    const audit = buildAuditRecord({
      actor: { kind: 'system', clientId: 'system:rogue-operator' },
      origin: { sourceIp: 'test', requestId: 'rogue' },
      at: new Date().toISOString(),
      action: 'member.keys',
      target: { authorityId: north.authorityId, memberId: 'officer' },
    });
    await repo.putMember(
      {
        ...stored,
        keysStatement: fakeStatement,
        keysVersion: (stored.keysVersion ?? 0) + 1,
        version: stored.version + 1,
        auditId: audit.id,
      },
      audit,
    );
    const tamperedStatement = await sendFrom(home, 'as-officer', south.authorityId);
    expect(tamperedStatement.code).not.toBe(0);
    expect(lastError(tamperedStatement)).toBe('ERR_KEY_UNSIGNED');

    // Put the officer's signed statement back for the suites after this one.
    const restore = buildAuditRecord({
      actor: { kind: 'system', clientId: 'system:test' },
      origin: { sourceIp: 'test', requestId: 'restore' },
      at: new Date().toISOString(),
      action: 'member.keys',
      target: { authorityId: north.authorityId, memberId: 'officer' },
    });
    const tampered = (await repo.getMember(north.authorityId, 'officer'))!;
    await repo.putMember({ ...stored, version: tampered.version + 1, auditId: restore.id }, restore);
  }, 240_000);
});

describe('the exchange takes member keys only as a statement of the authority key', () => {
  const path = (memberId: string) =>
    `/v1/directory/authorities/${a.authorityId}/members/${memberId}/keys-statement`;

  it('publishes the next version signed by the authority key, listing keys the member holds', async () => {
    const officer = a.member('officer');
    const second = await generateMemberKey('EdDSA');
    const admin = a.member('admin');
    expect(
      (
        await call(
          admin,
          'POST',
          `/v1/directory/authorities/${a.authorityId}/members/${officer.memberId}/keys`,
          {
            jwk: second.publicJwk,
          },
        )
      ).status,
    ).toBe(201);
    const keys = [await signedMemberKeyOf(officer.key.publicJwk), await signedMemberKeyOf(second.publicJwk)];
    const statement = await a.signStatement('member-keys', { memberId: officer.memberId, keys }, 2);
    const res = await call(admin, 'PUT', path(officer.memberId), { statement });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.keysStatement).toBe(statement);
    const served = await call(officer, 'GET', `/v1/directory/authorities/${a.authorityId}`);
    expect(served.body.members.find((m: { id: string }) => m.id === officer.memberId).keysStatement).toBe(
      statement,
    );
  });

  it('refuses a statement signed by another key, a replayed version, another member, or a key the member lacks', async () => {
    const officer = a.member('officer');
    const admin = a.member('admin');
    const rogue = await generateMemberKey();
    const own = [await signedMemberKeyOf(officer.key.publicJwk)];
    const stranger = await generateMemberKey();
    const cases = [
      await a.signStatement('member-keys', { memberId: officer.memberId, keys: own }, 3, rogue),
      await a.signStatement('member-keys', { memberId: officer.memberId, keys: own }, 1),
      await a.signStatement('member-keys', { memberId: admin.memberId, keys: own }, 3),
      await a.signStatement(
        'member-keys',
        { memberId: officer.memberId, keys: [await signedMemberKeyOf(stranger.publicJwk)] },
        3,
      ),
      await a.signStatement('recipients', { recipients: [a.recipient] }, 3),
    ];
    for (const statement of cases) {
      const res = await call(admin, 'PUT', path(officer.memberId), { statement });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('ERR_STATEMENT_INVALID');
    }
  });
});

describe('a member key authenticates only once a statement of the authority key lists it', () => {
  const keysPath = (memberId: string) =>
    `/v1/directory/authorities/${a.authorityId}/members/${memberId}/keys`;
  const statementPath = (memberId: string) =>
    `/v1/directory/authorities/${a.authorityId}/members/${memberId}/keys-statement`;

  it('refuses a key an admin added to an officer without a statement (ERR_KEY_UNSIGNED), until one lists it', async () => {
    const officer = a.member('officer');
    const admin = a.member('admin');
    const planted = await generateMemberKey();
    expect((await call(admin, 'POST', keysPath(officer.memberId), { jwk: planted.publicJwk })).status).toBe(
      201,
    );
    const asOfficer: TestPrincipal = { ...officer, key: planted };
    // The attack: the admin obtains a token as the officer with its own key and reads the officer's exchanges.
    const refused = await tokens.requestToken(
      await signClientAssertion(asOfficer, { audience: tokens.audience }),
    );
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('ERR_KEY_UNSIGNED');
    // The officer's own, signed key still works; once the authority key signs the new key, it works too.
    expect((await call(officer, 'GET', '/v1/exchanges')).status).toBe(200);
    const current = await call(officer, 'GET', `/v1/directory/authorities/${a.authorityId}`);
    const served = current.body.members.find((m: { id: string }) => m.id === officer.memberId);
    const version = decodeJwt(served.keysStatement as string).version as number;
    const keys = [await signedMemberKeyOf(officer.key.publicJwk), await signedMemberKeyOf(planted.publicJwk)];
    const statement = await a.signStatement('member-keys', { memberId: officer.memberId, keys }, version + 1);
    const published = await call(admin, 'PUT', statementPath(officer.memberId), { statement });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    expect((await call(asOfficer, 'GET', '/v1/exchanges')).status).toBe(200);
    // A statement that lists the key as revoked withdraws it again, for tokens already issued as well.
    const bearer = await tokens.tokenFor(asOfficer);
    const withdrawn = [
      await signedMemberKeyOf(officer.key.publicJwk),
      await signedMemberKeyOf(planted.publicJwk, new Date().toISOString()),
    ];
    const again = await a.signStatement(
      'member-keys',
      { memberId: officer.memberId, keys: withdrawn },
      version + 2,
    );
    expect((await call(admin, 'PUT', statementPath(officer.memberId), { statement: again })).status).toBe(
      200,
    );
    const stale = await exchange.runtime.app.request('/v1/exchanges', {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { code: string }).code).toBe('ERR_KEY_UNSIGNED');
  });

  it('lets a member its admin just created sign in with its first key; a key added later waits for a statement', async () => {
    const admin = a.member('admin');
    const first = await generateMemberKey();
    const created = await call(admin, 'POST', `/v1/directory/authorities/${a.authorityId}/members`, {
      displayName: 'New officer',
      role: 'officer',
      jwk: first.publicJwk,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const fresh: TestPrincipal = {
      clientId: `${a.authorityId}:${created.body.id}`,
      authorityId: a.authorityId,
      memberId: String(created.body.id),
      role: 'officer',
      key: first,
    };
    expect((await call(fresh, 'GET', '/v1/exchanges')).status).toBe(200);
    const later = await generateMemberKey();
    expect((await call(admin, 'POST', keysPath(fresh.memberId), { jwk: later.publicJwk })).status).toBe(201);
    const refused = await tokens.requestToken(
      await signClientAssertion({ ...fresh, key: later }, { audience: tokens.audience }),
    );
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('ERR_KEY_UNSIGNED');
  });
});

describe('requirement profiles: signed, and within limits', () => {
  const profilePath = () => `/v1/directory/authorities/${a.authorityId}/profile`;
  const deep = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

  it('refuses a bare profile from an authority that has an authority key (ERR_STATEMENT_INVALID)', async () => {
    const res = await call(a.member('admin'), 'PUT', profilePath(), { notes: ['unsigned'] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('ERR_STATEMENT_INVALID');
  });

  it('publishes the next version signed by the authority key; refuses a replayed version', async () => {
    const admin = a.member('admin');
    const statement = await a.signStatement(
      'profile',
      { profile: { languages: ['en'], acceptedBases: ['budapest'], notes: ['signed'] } },
      2,
    );
    const res = await call(admin, 'PUT', profilePath(), { statement });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.profile).toEqual({
      languages: ['en'],
      acceptedBases: ['budapest'],
      notes: ['signed'],
      version: 2,
    });
    expect(res.body.profileStatement).toBe(statement);
    const again = await call(admin, 'PUT', profilePath(), { statement });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('ERR_STATEMENT_INVALID');
  });

  it('answers a 5,000-level-deep profile with 400 ERR_VALIDATION (it was a 503), bare or at registration', async () => {
    const admin = a.member('admin');
    const bare = await call(admin, 'PUT', profilePath(), `{"notes":${deep(5_000)}}`);
    expect(bare.status).toBe(400);
    expect(bare.body.code).toBe('ERR_VALIDATION');
    const big = await call(admin, 'PUT', profilePath(), { notes: ['x'.repeat(70_000)] });
    expect(big.status).toBe(400);
    expect(big.body.code).toBe('ERR_VALIDATION');
  });

  it('refuses a signed profile over the limits with ERR_STATEMENT_INVALID', async () => {
    let nested: unknown = 1;
    for (let i = 0; i < 40; i++) nested = { a: nested };
    // signDirectoryStatement refuses such content itself, so sign the payload by hand, as a client that skips
    // the check would.
    const payload = {
      authorityId: a.authorityId,
      kind: 'profile',
      content: { profile: { notes: nested } },
      version: 3,
      iat: Math.floor(Date.now() / 1000),
    };
    const statement = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', kid: a.authorityKey.kid, typ: DIRECTORY_STATEMENT_TYP })
      .sign(a.authorityKey.privateKey);
    const res = await call(a.member('admin'), 'PUT', profilePath(), { statement });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('ERR_STATEMENT_INVALID');
  });
});

describe('a pinned client checks drafts only against the profile the authority signed', () => {
  it('refuses a profile the operator wrote into the table without a statement', async () => {
    const repo = exchange.runtime.directory;
    const before = (await repo.getAuthority(south.authorityId))!;
    const swap = async (next: Authority) => {
      const current = (await repo.getAuthority(south.authorityId))!;
      const audit = buildAuditRecord({
        actor: { kind: 'system', clientId: 'system:rogue-operator' },
        origin: { sourceIp: 'test', requestId: 'rogue' },
        at: new Date().toISOString(),
        action: 'profile.publish',
        target: { authorityId: south.authorityId },
      });
      await repo.updateAuthority({ ...next, version: current.version + 1, auditId: audit.id }, audit);
    };
    const draft = join(north.home, 'signed-statements-draft.yaml');
    const made = await runPouch(
      ['--profile', 'officer', 'draft', 'preservation', '--to', south.authorityId, '--out', draft],
      { POUCH_HOME: north.home },
    );
    expect(made.code, made.stderr).toBe(0);
    const { profileStatement: _dropped, ...unsigned } = before;
    await swap({ ...unsigned, profile: { ...before.profile, languages: ['xx'] } });
    try {
      const run = await runPouch(
        ['--profile', 'officer', '--json', 'check', draft, '--to', south.authorityId],
        {
          POUCH_HOME: north.home,
        },
      );
      expect(run.code).not.toBe(0);
      expect(lastError(run)).toBe('ERR_STATEMENT_INVALID');
    } finally {
      await swap(before);
    }
  });
});
