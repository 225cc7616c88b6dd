// Requirement profiles at publication (issue 15): the exchange takes only a profile senders can work with. The
// attack: an admin (or a stolen admin token) publishes a profile of any JSON, or one requiring a field no
// request can carry; afterwards every sender's `pouch check` against that authority fails, or insists on a
// field `pouch send` drops from the sealed request. Each is refused with a stable code (422), naming the field,
// whether bare at registration, signed at publication or seeded. The JSON Schemas are served at /v1/schemas.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildJsonSchema } from '../../server/use-cases/identity/json-schemas.ts';
import { formatSeedReport, seedDirectory } from '../../server/use-cases/identity/seed.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import {
  createTokenClient,
  generateMemberKey,
  loadLocalOperator,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

let exchange: Exchange;
let tokens: ReturnType<typeof createTokenClient>;
let operator: TestPrincipal;
let a: SeededAuthority;

beforeAll(async () => {
  exchange = await startTestExchange();
  tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  operator = await loadLocalOperator(exchange.runtime.operatorKeyFile!);
  a = await seedTestAuthority(exchange.runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
});
afterAll(async () => {
  await exchange?.stop();
});

async function call(who: TestPrincipal | undefined, method: string, path: string, body?: unknown) {
  const res = await exchange.runtime.app.request(path, {
    method,
    headers: {
      ...(who ? { authorization: `Bearer ${await tokens.tokenFor(who)}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const valid = { languages: ['en'], acceptedBases: ['untoc', 'budapest'] };

async function publishSigned(profile: Record<string, unknown>) {
  const current = await exchange.runtime.directory.getAuthority(a.authorityId);
  const statement = await a.signStatement('profile', { profile }, (current?.profile.version ?? 0) + 1);
  return call(a.member('admin'), 'PUT', `/v1/directory/authorities/${a.authorityId}/profile`, { statement });
}

describe('profile publication', () => {
  it('refuses a signed profile without the documented shape (422 ERR_PROFILE_INVALID, naming the field)', async () => {
    for (const [profile, field] of [
      [{ notes: ['any JSON'] }, 'languages'],
      [{ ...valid, extraRequierd: {} }, ''],
      [{ ...valid, acceptedBases: ['the-treaty'] }, 'acceptedBases.0'],
      [{ ...valid, authorityId: 'auth_someoneelsesomeoneelse1' }, 'authorityId'],
    ] as const) {
      const res = await publishSigned(profile);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.code).toBe('ERR_PROFILE_INVALID');
      expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
  });

  it('refuses a requirement no sent request could carry (422 ERR_PROFILE_FIELD_UNKNOWN, naming kind and path)', async () => {
    for (const path of ['requestingAuthority.contact.fax', 'offences.penalty', 'facts[]']) {
      const res = await publishSigned({
        ...valid,
        extraRequired: { mla: [{ path, rule: 'needs-it', explanation: 'We need it.' }] },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.code).toBe('ERR_PROFILE_FIELD_UNKNOWN');
      expect(res.body.fields).toEqual([{ kind: 'mla', path, rule: 'needs-it' }]);
    }
  });

  it('publishes a profile whose requirements the templates model, including keys under additional', async () => {
    const res = await publishSigned({
      ...valid,
      extraRequired: {
        mla: [
          { path: 'additional.dualCriminalityStatement', rule: 'dual-criminality', explanation: 'Say why.' },
          { path: 'offences[].penalty', rule: 'penalty', explanation: 'Give the penalty.' },
          { path: 'requestingAuthority.contact.officeHours', rule: 'hours', explanation: 'Office hours.' },
        ],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.profile.languages).toEqual(['en']);
  });

  it('refuses a bad profile at registration (bare) and in a seed file, writing nothing', async () => {
    const adminKey = await generateMemberKey();
    const created = await call(operator, 'POST', '/v1/directory/authorities', {
      country: 'XD',
      name: 'Registered with a bad profile',
      roles: ['central-authority'],
      recipients: [a.recipient],
      languages: ['en'],
      treaties: ['untoc'],
      profile: { acceptsElectronicRequests: true },
      firstAdmin: { displayName: 'Admin', jwk: adminKey.publicJwk },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(422);
    expect(created.body.code).toBe('ERR_PROFILE_INVALID');

    const before = (await exchange.runtime.directory.listAuthorityEntries()).length;
    const seeded = await seedDirectory(exchange.runtime.directory, {
      authorities: [
        {
          country: 'XE',
          name: 'Seeded with an uncarried requirement',
          roles: ['central-authority'],
          recipients: [a.recipient],
          profile: {
            ...valid,
            extraRequired: { preservation: [{ path: 'nowhere', rule: 'nowhere', explanation: 'x' }] },
          },
          members: [{ displayName: 'Admin', role: 'admin', keys: [adminKey.publicJwk] }],
        },
      ],
    }).catch((e: unknown) => e);
    expect(isPouchError(seeded, 'ERR_PROFILE_FIELD_UNKNOWN')).toBe(true);
    expect((await exchange.runtime.directory.listAuthorityEntries()).length).toBe(before);
  });
});

describe('the example seed file', () => {
  it('seeds, and the report names every authority id, client id and kid it created; reseeding creates none', async () => {
    const example = JSON.parse(
      await readFile(join(import.meta.dirname, '..', '..', 'docs', 'examples', 'seed-file.json'), 'utf8'),
    ) as unknown;
    const first = await seedDirectory(exchange.runtime.directory, example);
    expect(first.authorities).toHaveLength(2);
    expect(first.authoritiesCreated).toEqual(first.authorities.map((a) => a.authorityId));
    const report = formatSeedReport(first).join('\n');
    for (const a of first.authorities) {
      expect(a.created).toBe(true);
      expect(a.authorityId).toMatch(/^auth_[A-Za-z0-9_-]{22}$/);
      expect(report).toContain(a.authorityId);
      for (const m of a.members) {
        expect(m.clientId.startsWith(`${a.authorityId}:`)).toBe(true);
        expect(m.kids.length).toBeGreaterThan(0);
        expect(report).toContain(m.clientId);
        for (const kid of m.kids) expect(report).toContain(kid);
      }
      expect(await exchange.runtime.directory.getAuthority(a.authorityId)).toBeDefined();
    }
    expect(first.operatorMembers.map((m) => m.clientId)).toEqual(['operator:ops-duty']);
    const again = await seedDirectory(exchange.runtime.directory, example);
    expect(again.authoritiesCreated).toEqual([]);
    expect(again.authorities.every((a) => !a.created)).toBe(true);
    expect(formatSeedReport(again).join('\n')).toContain('(existed)');
  });
});

describe('GET /v1/schemas/{name}', () => {
  it('serves the generated schemas without a token, and 404 for another name', async () => {
    for (const name of ['seed-file', 'requirement-profile'] as const) {
      const res = await call(undefined, 'GET', `/v1/schemas/${name}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(buildJsonSchema(name));
    }
    const missing = await call(undefined, 'GET', '/v1/schemas/passwords');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('ERR_NOT_FOUND');
  });
});
