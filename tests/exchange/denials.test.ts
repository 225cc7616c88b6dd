// Denials of authenticated callers on the exchange and custody routes: on the wire the same 404 ERR_NOT_FOUND as a
// miss (an outsider cannot tell someone else's exchange from none), and in the security log (captured through the
// Logger port) who asked, what for, and the policy rule that said no.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared/domain/ids.ts';
import { asPrincipal, runExchange, seedParties, type TestExchange } from '../custody/custody-fixture.ts';
import { createTokenClient, type SeededAuthority, type TestPrincipal } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

let x: TestExchange;
let a: SeededAuthority;
let b: SeededAuthority;
let c: SeededAuthority;
let exchangeId: string;
let tokens: ReturnType<typeof createTokenClient>;
const bearer = new Map<TestPrincipal, string>();

async function request(who: TestPrincipal, method: string, path: string, body?: unknown) {
  if (!bearer.has(who)) bearer.set(who, await tokens.tokenFor(who));
  return x.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${bearer.get(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The problem body without what differs per request (its path and request id). */
async function problemOf(res: Response) {
  const { instance: _path, requestId: _id, ...rest } = (await res.json()) as Record<string, unknown>;
  return { status: res.status, ...rest };
}

/** The security log's denial lines written since `mark`. */
function denialsSince(mark: number) {
  return x.logger.lines
    .slice(mark)
    .filter((l) => l.message === 'security' && l.fields.outcome === 'denied')
    .map((l) => l.fields);
}

const whoOf = (p: TestPrincipal) => ({ authorityId: p.authorityId, memberId: p.memberId, role: p.role });

describe('denials: one 404 on the wire, who/what/why in the security log', () => {
  beforeAll(async () => {
    x = await startTestExchange();
    ({ a, b, c } = await seedParties(x));
    exchangeId = await runExchange(x, a.member('officer'), b.authorityId, {
      recipient: b.member('officer'),
      messages: 1,
    });
    tokens = createTokenClient(x.runtime.app, x.runtime.config.issuer);
  });
  afterAll(async () => {
    await x?.stop();
  });

  it('an outsider probing an existing exchange and a missing one gets the same 404 body, and both are logged', async () => {
    const outsider = c.member('officer');
    const missing = newId('exch');
    const mark = x.logger.lines.length;
    const existing = await request(outsider, 'GET', `/v1/exchanges/${exchangeId}`);
    const absent = await request(outsider, 'GET', `/v1/exchanges/${missing}`);
    expect(existing.status).toBe(404);
    const body = await problemOf(existing);
    expect(body).toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(await problemOf(absent)).toEqual(body);
    const logged = denialsSince(mark);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      event: 'authorization',
      clientId: outsider.clientId,
      who: whoOf(outsider),
      rule: 'read-exchange-label',
      resourceId: exchangeId,
    });
    expect(logged[1]).toMatchObject({ who: whoOf(outsider), rule: 'exchange-exists', resourceId: missing });
    expect(String(logged[0]?.action)).toContain(`GET /v1/exchanges/${exchangeId}`);
  });

  it.each([
    ['receipts', 'GET', (id: string) => `/v1/exchanges/${id}/receipts`, 'read-exchange-label'],
    ['timeline', 'GET', (id: string) => `/v1/exchanges/${id}/timeline`, 'read-ledger'],
    ['bundle', 'GET', (id: string) => `/v1/exchanges/${id}/bundle`, 'read-ledger'],
    ['inclusion proof', 'GET', (id: string) => `/v1/exchanges/${id}/inclusion-proof`, 'read-ledger'],
    [
      'download',
      'POST',
      (id: string) => `/v1/exchanges/${id}/documents/${newId('doc')}/download`,
      'read-exchange',
    ],
  ])(
    '%s: an outsider gets the 404 of a miss and the denial is logged with its rule',
    async (_name, method, path, rule) => {
      const outsider = c.member('auditor');
      const mark = x.logger.lines.length;
      const denied = await request(outsider, method, path(exchangeId));
      const absent = await request(outsider, method, path(newId('exch')));
      expect(denied.status).toBe(404);
      expect(await problemOf(absent)).toEqual(await problemOf(denied));
      const [first] = denialsSince(mark);
      expect(first).toMatchObject({
        who: whoOf(outsider),
        clientId: outsider.clientId,
        rule,
        resourceId: exchangeId,
      });
    },
  );

  it('a party’s admin is told its role falls short for the exchange and its list (403 ERR_FORBIDDEN), an officer for building a checkpoint; each is logged', async () => {
    const admin = a.member('admin');
    const mark = x.logger.lines.length;
    const read = await request(admin, 'GET', `/v1/exchanges/${exchangeId}`);
    expect(read.status).toBe(403);
    expect(((await read.json()) as { code: string }).code).toBe('ERR_FORBIDDEN');
    expect((await request(admin, 'GET', '/v1/exchanges')).status).toBe(403);
    expect((await request(a.member('officer'), 'POST', '/v1/checkpoints')).status).toBe(403);
    const logged = denialsSince(mark);
    expect(logged.map((l) => l.rule)).toEqual(['read-exchange-label', 'list-exchanges', 'build-checkpoints']);
    expect(logged[2]).toMatchObject({ who: whoOf(a.member('officer')) });
  });

  it('the other party cannot use a declared document it did not upload (rule own-upload)', async () => {
    const declared = await x.runtime.exchanges.declareDocument(asPrincipal(a.member('officer')), exchangeId, {
      sealedSize: 10,
      sealedSha256: randomBytes(32).toString('hex'),
    });
    const documentId = declared.document.documentId;
    const path = `/v1/exchanges/${exchangeId}/documents/${documentId}`;
    const mark = x.logger.lines.length;
    const parts = await request(b.member('officer'), 'POST', `${path}/parts`, { partNumbers: [1] });
    const commit = await request(b.member('officer'), 'POST', `${path}/commit`, { parts: [] });
    const missing = await request(
      b.member('officer'),
      'POST',
      `/v1/exchanges/${exchangeId}/documents/${newId('doc')}/commit`,
      { parts: [] },
    );
    expect(parts.status).toBe(404);
    expect(await problemOf(commit)).toEqual(await problemOf(missing));
    const logged = denialsSince(mark);
    expect(logged).toHaveLength(2);
    for (const line of logged) {
      expect(line).toMatchObject({
        who: whoOf(b.member('officer')),
        rule: 'own-upload',
        resourceId: `${exchangeId}/${documentId}`,
      });
    }
  });
});
