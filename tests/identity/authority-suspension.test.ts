// An authority the operator suspends (issue 12, finding 3): its members' tokens are refused at once, already
// issued or new (401 ERR_AUTHORITY_SUSPENDED), no exchange may be opened to it (409 ERR_AUTHORITY_SUSPENDED), and
// reactivation restores both. The status was stored but not enforced before.
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
    members: [{ role: 'admin' }, { role: 'officer' }],
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

const setStatus = async (status: 'active' | 'suspended') => {
  const res = await call(
    await tokens.tokenFor(operator),
    'PATCH',
    `/v1/directory/authorities/${a.authorityId}`,
    {
      status,
    },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};

const openExchangeTo = async (requestedId: string) =>
  call(await tokens.tokenFor(b.member('officer')), 'POST', '/v1/exchanges', {
    kind: 'mla',
    urgency: 'normal',
    requestedId,
    requesterReference: `SUSPENDED-${Date.now()}`,
  });

describe('a suspended authority', () => {
  it("refuses its members' issued and new tokens, and exchanges opened to it; reactivation restores both", async () => {
    const officer = a.member('officer');
    const issued = await tokens.tokenFor(officer);
    expect((await call(issued, 'GET', '/v1/me')).status).toBe(200);

    await setStatus('suspended');
    try {
      const stale = await call(issued, 'GET', '/v1/me');
      expect([stale.status, stale.body.code]).toEqual([401, 'ERR_AUTHORITY_SUSPENDED']);
      const fresh = await tokens.requestToken(
        await signClientAssertion(officer, { audience: tokens.audience }),
      );
      expect(fresh.status).toBe(401);
      expect(((await fresh.json()) as { code: string }).code).toBe('ERR_AUTHORITY_SUSPENDED');
      const admin = await tokens.requestToken(
        await signClientAssertion(a.member('admin'), { audience: tokens.audience }),
      );
      expect(admin.status).toBe(401);

      const opened = await openExchangeTo(a.authorityId);
      expect([opened.status, opened.body.code]).toEqual([409, 'ERR_AUTHORITY_SUSPENDED']);
      // The other parties are not affected.
      expect((await call(await tokens.tokenFor(b.member('officer')), 'GET', '/v1/me')).status).toBe(200);
    } finally {
      await setStatus('active');
    }
    expect((await call(issued, 'GET', '/v1/me')).status).toBe(200);
    expect((await openExchangeTo(a.authorityId)).status).toBe(201);
  });
});
