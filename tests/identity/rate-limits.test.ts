// Issue 12, finding 8 (cheap amplification): per-caller rate limits and per-authority quotas, through the API
// against the embedded servers with an injected clock. Over a limit: 429 problem+json with `Retry-After` and a
// stable code (ERR_RATE_LIMITED, ERR_QUOTA_EXCEEDED); other authorities are unaffected; a window later the caller
// is served again. Before the fix nothing was counted: every request below answered 2xx.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClockedExchange, startClockedExchange } from '../support/clocked-exchange.ts';
import { type SeededAuthority, seedTestAuthority } from '../support/identity.ts';

const API_PER_MINUTE = 10;
const TOKENS_PER_CLIENT = 3;
const TOKENS_PER_AUTHORITY = 5;
const EXCHANGES_PER_DAY = 2;
const BYTES_PER_DAY = 1000;

const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];

async function expectRefused(res: Response, code: string, retryAfter: number): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('retry-after')).toBe(String(retryAfter));
  const body = (await res.json()) as { code: string; retryAfterSeconds: number };
  expect(body.code).toBe(code);
  expect(body.retryAfterSeconds).toBe(retryAfter);
}

describe('rate limits and quotas', () => {
  let x: ClockedExchange;
  const seed = () => seedTestAuthority(x.runtime.directory, { members });
  /** Seconds left in the current minute / UTC day at the injected clock. */
  const leftIn = (windowSeconds: number) => windowSeconds - (Math.floor(x.now() / 1000) % windowSeconds);

  beforeAll(async () => {
    x = await startClockedExchange({
      POUCH_RATE_API_REQUESTS_PER_MINUTE: String(API_PER_MINUTE),
      POUCH_RATE_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: String(TOKENS_PER_CLIENT),
      POUCH_RATE_TOKEN_REQUESTS_PER_AUTHORITY_PER_MINUTE: String(TOKENS_PER_AUTHORITY),
      POUCH_QUOTA_EXCHANGES_PER_DAY: String(EXCHANGES_PER_DAY),
      POUCH_QUOTA_DECLARED_BYTES_PER_DAY: String(BYTES_PER_DAY),
    });
  });
  afterAll(async () => {
    await x?.stop();
  });

  it('limits token requests per claimed client and per claimed authority', async () => {
    const a = await seed();
    const b = await seed();
    const [officer, auditor] = [a.member('officer'), a.member('auditor')];
    for (let i = 0; i < TOKENS_PER_CLIENT; i++) expect((await x.requestToken(officer)).status).toBe(200);
    await expectRefused(await x.requestToken(officer), 'ERR_RATE_LIMITED', leftIn(60));
    // The same authority's other client has its own allowance, up to the authority's.
    for (let i = TOKENS_PER_CLIENT; i < TOKENS_PER_AUTHORITY; i++) {
      expect((await x.requestToken(auditor)).status).toBe(200);
    }
    await expectRefused(await x.requestToken(auditor), 'ERR_RATE_LIMITED', leftIn(60));
    // Another authority is unaffected.
    expect((await x.requestToken(b.member('officer'))).status).toBe(200);

    x.advance(60_000);
    expect((await x.requestToken(officer)).status).toBe(200);
    expect((await x.requestToken(auditor)).status).toBe(200);
  });

  it('limits authenticated requests per authority', async () => {
    const a = await seed();
    const b = await seed();
    const officer = a.member('officer');
    for (let i = 0; i < API_PER_MINUTE; i++)
      expect((await x.call(officer, 'GET', '/v1/me')).status).toBe(200);
    await expectRefused(await x.call(officer, 'GET', '/v1/me'), 'ERR_RATE_LIMITED', leftIn(60));
    // Per authority: the authority's other members share the allowance; other authorities do not.
    await expectRefused(await x.call(a.member('auditor'), 'GET', '/v1/me'), 'ERR_RATE_LIMITED', leftIn(60));
    expect((await x.call(b.member('officer'), 'GET', '/v1/me')).status).toBe(200);

    x.advance(60_000);
    expect((await x.call(officer, 'GET', '/v1/me')).status).toBe(200);
  });

  it('caps exchanges created and bytes declared per authority and day', async () => {
    x.advance(60_000);
    const a = await seed();
    const b = await seed();
    const c = await seed();
    const officer = a.member('officer');
    const create = (who: typeof officer, to: SeededAuthority) =>
      x.call(who, 'POST', '/v1/exchanges', {
        kind: 'mla',
        urgency: 'normal',
        requestedId: to.authorityId,
        requesterReference: 'QUOTA-1',
      });
    const ids: string[] = [];
    for (let i = 0; i < EXCHANGES_PER_DAY; i++) {
      const res = await create(officer, b);
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    await expectRefused(await create(officer, b), 'ERR_QUOTA_EXCEEDED', leftIn(86_400));
    expect((await create(c.member('officer'), b)).status).toBe(201);

    const declare = (size: number) =>
      x.call(officer, 'POST', `/v1/exchanges/${ids[0]}/documents`, {
        sealedSize: size,
        sealedSha256: createHash('sha256').update(String(size)).digest('hex'),
      });
    expect((await declare(600)).status).toBe(201);
    await expectRefused(await declare(600), 'ERR_QUOTA_EXCEEDED', leftIn(86_400));
    // A refused declaration counts nothing: the rest of the quota is still there.
    expect((await declare(BYTES_PER_DAY - 600)).status).toBe(201);
    await expectRefused(await declare(1), 'ERR_QUOTA_EXCEEDED', leftIn(86_400));

    x.advance(86_400_000);
    expect((await create(officer, b)).status).toBe(201);
    expect((await declare(600)).status).toBe(201);
  });
});
