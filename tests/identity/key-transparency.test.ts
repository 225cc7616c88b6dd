// Key transparency for members (issue 12, finding 3): an authority admin can add a key to any of its members and
// sign as them, so every member sees every key ever registered under its name (GET .../keys, `pouch keys
// audit`), and `pouch login` / `pouch whoami` warn about an active key the member's keystore does not hold.
import { calculateJwkThumbprint } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeystore } from '../../client/keystore/keystore.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import {
  createTokenClient,
  generateMemberKey,
  type MemberKeyPair,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;
let exchange: Exchange;
let tokens: ReturnType<typeof createTokenClient>;
let a: SeededAuthority;
let b: SeededAuthority;

beforeAll(async () => {
  exchange = await startTestExchange({ seedDemo: true });
  tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  a = await seedTestAuthority(exchange.runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }, { role: 'officer' }, { role: 'auditor' }],
  });
  b = await seedTestAuthority(exchange.runtime.directory, {
    country: 'XB',
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
});

afterAll(async () => {
  await exchange?.stop();
});

async function call(who: TestPrincipal, method: string, path: string, body?: unknown) {
  const res = await exchange.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${await tokens.tokenFor(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const keysPath = (authorityId: string, memberId: string) =>
  `/v1/directory/authorities/${authorityId}/members/${memberId}/keys`;

describe('a member sees every key registered under its name', () => {
  it('lists the key its admin added, with fingerprint, status, who added it and when', async () => {
    const officer = a.members[1]!;
    const admin = a.member('admin');
    const planted = await generateMemberKey('EdDSA');
    expect(
      (await call(admin, 'POST', keysPath(a.authorityId, officer.memberId), { jwk: planted.publicJwk }))
        .status,
    ).toBe(201);
    await call(admin, 'DELETE', `${keysPath(a.authorityId, officer.memberId)}/${planted.kid}`);

    const res = await call(officer, 'GET', keysPath(a.authorityId, officer.memberId));
    expect(res.status).toBe(200);
    const byKid = new Map(res.body.keys.map((k: { kid: string }) => [k.kid, k]));
    expect(byKid.get(officer.key.kid)).toMatchObject({
      status: 'active',
      addedBy: 'system:seed',
      fingerprint: await calculateJwkThumbprint(officer.key.publicJwk),
    });
    expect(byKid.get(planted.kid)).toMatchObject({
      status: 'revoked',
      addedBy: admin.clientId,
      revokedBy: admin.clientId,
      fingerprint: await calculateJwkThumbprint(planted.publicJwk),
    });
    expect(String((byKid.get(planted.kid) as { createdAt: string }).createdAt)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("admins and auditors of the authority read a member's key history; other members and outsiders do not", async () => {
    const officer = a.members[1]!;
    const path = keysPath(a.authorityId, officer.memberId);
    expect((await call(a.member('admin'), 'GET', path)).status).toBe(200);
    expect((await call(a.member('auditor'), 'GET', path)).status).toBe(200);
    const otherOfficer = a.members[2]!;
    // Another member of the same authority is told its role falls short; outsiders get the 404 of a miss.
    const colleague = await call(otherOfficer, 'GET', path);
    expect(colleague.status).toBe(403);
    expect(colleague.body.code).toBe('ERR_FORBIDDEN');
    for (const who of [b.member('admin'), b.member('officer')]) {
      const res = await call(who, 'GET', path);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('ERR_NOT_FOUND');
    }
  });
});

describe('pouch keys audit, login and whoami tell the officer about a key it does not hold', () => {
  const demo = () => exchange.demo.find((d) => d.slug === 'northland')!;
  const pouch = (args: string[]) => runPouch(args, { POUCH_HOME: demo().home });
  let planted: MemberKeyPair;

  async function demoAdmin(): Promise<TestPrincipal> {
    const { info, privateKey } = await openKeystore({ home: demo().home }).unlockSigningKey('admin');
    return {
      clientId: `${demo().authorityId}:admin`,
      authorityId: demo().authorityId,
      memberId: 'admin',
      role: 'admin',
      key: { alg: info.alg, kid: info.kid, privateKey, publicJwk: { ...info.publicJwk, kid: info.kid } },
    };
  }

  it('before any foreign key: no warning', async () => {
    const run = await pouch(['--profile', 'officer', 'whoami']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/warning/i);
    const audit = await pouch(['--profile', 'officer', '--json', 'keys', 'audit']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout).unheldActiveKeys).toEqual([]);
  });

  it('after the admin adds a key to the officer: keys audit lists it, whoami and login warn in one line', async () => {
    const admin = await demoAdmin();
    planted = await generateMemberKey();
    const added = await call(admin, 'POST', keysPath(demo().authorityId, 'officer'), {
      jwk: planted.publicJwk,
    });
    expect(added.status).toBe(201);

    const audit = await pouch(['--profile', 'officer', '--json', 'keys', 'audit']);
    expect(audit.code, audit.stderr).toBe(0);
    const report = JSON.parse(audit.stdout);
    const row = report.keys.find((k: { kid: string }) => k.kid === planted.kid);
    expect(row).toMatchObject({
      status: 'active',
      held: false,
      addedBy: admin.clientId,
      fingerprint: await calculateJwkThumbprint(planted.publicJwk),
    });
    expect(report.unheldActiveKeys).toEqual([planted.kid]);
    const human = await pouch(['--profile', 'officer', 'keys', 'audit']);
    expect(human.stdout).toContain(planted.kid);
    expect(human.stdout).toContain(admin.clientId);
    expect(human.stderr.split('\n').filter((l) => /warning/i.test(l))).toHaveLength(1);

    for (const args of [
      ['--profile', 'officer', 'whoami'],
      [
        '--profile',
        'officer',
        'login',
        '--url',
        exchange.url,
        '--client-id',
        `${demo().authorityId}:officer`,
        '--key',
        'officer',
      ],
    ]) {
      const run = await pouch(args);
      expect(run.code, run.stderr).toBe(0);
      const warnings = run.stderr.split('\n').filter((l) => /warning/i.test(l));
      expect(warnings, args.join(' ')).toHaveLength(1);
      expect(warnings[0]).toContain(planted.kid);
      expect(warnings[0]).toContain('pouch keys audit');
    }
  });

  it('once the key is revoked, the warning stops', async () => {
    const admin = await demoAdmin();
    const revoked = await call(admin, 'DELETE', `${keysPath(demo().authorityId, 'officer')}/${planted.kid}`);
    expect(revoked.status).toBe(200);
    const run = await pouch(['--profile', 'officer', 'whoami']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/warning/i);
  });
});
