// Members are deactivated and their role changed by their authority's admins, audited with old and new values;
// a deactivated member's tokens stop working at once, and a role change applies to its next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenClient,
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
let b: SeededAuthority;

beforeAll(async () => {
  exchange = await startTestExchange();
  tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  operator = await loadLocalOperator(exchange.runtime.operatorKeyFile!);
  a = await seedTestAuthority(exchange.runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }, { role: 'officer' }],
  });
  b = await seedTestAuthority(exchange.runtime.directory, {
    country: 'XB',
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
});

afterAll(async () => {
  await exchange?.stop();
});

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await exchange.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const memberPath = (authorityId: string, memberId: string) =>
  `/v1/directory/authorities/${authorityId}/members/${memberId}`;

describe("an authority's admins deactivate members and change their role", () => {
  it('a deactivated member is refused at once, including its already-issued token; reactivation restores it', async () => {
    const officer = a.members[1]!;
    const adminToken = await tokens.tokenFor(a.member('admin'));
    const officerToken = await tokens.tokenFor(officer);
    expect((await call(officerToken, 'GET', '/v1/me')).status).toBe(200);

    const off = await call(adminToken, 'PATCH', memberPath(a.authorityId, officer.memberId), {
      status: 'deactivated',
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.status).toBe('deactivated');

    const stale = await call(officerToken, 'GET', '/v1/me');
    expect(stale.status).toBe(401);
    expect(stale.body.code).toBe('ERR_MEMBER_DEACTIVATED');
    const fresh = await tokens.requestToken(
      await signClientAssertion(officer, { audience: tokens.audience }),
    );
    expect(fresh.status).toBe(401);
    expect(((await fresh.json()) as { code: string }).code).toBe('ERR_MEMBER_DEACTIVATED');

    const { records } = await exchange.runtime.directory.listAudit(a.authorityId, { limit: 1 });
    expect(records[0]).toMatchObject({
      action: 'member.update',
      outcome: 'succeeded',
      actor: { clientId: a.member('admin').clientId },
      target: { authorityId: a.authorityId, memberId: officer.memberId },
      summary: { changes: [{ field: 'status', from: 'active', to: 'deactivated' }] },
    });

    const on = await call(adminToken, 'PATCH', memberPath(a.authorityId, officer.memberId), {
      status: 'active',
    });
    expect(on.status).toBe(200);
    expect((await call(await tokens.tokenFor(officer), 'GET', '/v1/me')).status).toBe(200);
  });

  it("a role change applies to the member's next request, with its token unchanged", async () => {
    const officer = a.members[2]!;
    const adminToken = await tokens.tokenFor(a.member('admin'));
    const officerToken = await tokens.tokenFor(officer);
    const open = () =>
      call(officerToken, 'POST', '/v1/exchanges', {
        kind: 'mla',
        urgency: 'normal',
        requestedId: b.authorityId,
        requesterReference: 'ROLE-1',
      });
    expect((await open()).status).toBe(201);
    const changed = await call(adminToken, 'PATCH', memberPath(a.authorityId, officer.memberId), {
      role: 'auditor',
    });
    expect(changed.status).toBe(200);
    expect(changed.body.role).toBe('auditor');
    expect((await call(officerToken, 'GET', '/v1/me')).body.role).toBe('auditor');
    // Its own role now falls short: told so (403), not sent looking for a typo.
    expect((await open()).status).toBe(403);
    const { records } = await exchange.runtime.directory.listAudit(a.authorityId, { limit: 1 });
    expect(records[0]?.summary).toMatchObject({
      changes: [{ field: 'role', from: 'officer', to: 'auditor' }],
    });
  });

  it('nobody but the authority’s own admins may: the operator and another admin get 404, the member itself 403', async () => {
    const officer = a.members[1]!;
    const path = memberPath(a.authorityId, officer.memberId);
    for (const who of [operator, b.member('admin')]) {
      const res = await call(await tokens.tokenFor(who), 'PATCH', path, { role: 'admin' });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('ERR_NOT_FOUND');
    }
    const own = await call(await tokens.tokenFor(officer), 'PATCH', path, { role: 'admin' });
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('ERR_FORBIDDEN');
    expect((await exchange.runtime.directory.getMember(a.authorityId, officer.memberId))?.role).toBe(
      'officer',
    );
  });

  it('the last active admin cannot deactivate or demote itself', async () => {
    const admin = b.member('admin');
    const token = await tokens.tokenFor(admin);
    for (const patch of [{ status: 'deactivated' }, { role: 'officer' }]) {
      const res = await call(token, 'PATCH', memberPath(b.authorityId, admin.memberId), patch);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('ERR_INVALID_STATE');
    }
    expect((await call(token, 'GET', '/v1/me')).status).toBe(200);
  });

  it('refuses unknown roles and the operator role', async () => {
    const token = await tokens.tokenFor(a.member('admin'));
    for (const patch of [{ role: 'operator' }, { role: 'boss' }, { status: 'gone' }, { keys: [] }]) {
      const res = await call(token, 'PATCH', memberPath(a.authorityId, a.members[1]!.memberId), patch);
      expect(res.status, JSON.stringify(patch)).toBe(400);
    }
  });
});
