// Adapter tests over real dynalite: the exchange repository (labels, listing, projection) and idempotency store.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoExchangeRepository } from '../../server/adapters/dynamo-exchange-repository.ts';
import { createDynamoIdempotencyStore } from '../../server/adapters/dynamo-idempotency-store.ts';
import type { ExchangeLabel, ExchangeRepository } from '../../server/ports/exchange-repository.ts';
import type { IdempotencyStore } from '../../server/ports/idempotency-store.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;
const id = () => `exch_${randomBytes(16).toString('base64url')}`;

function label(overrides: Partial<ExchangeLabel> = {}): ExchangeLabel {
  return {
    id: id(),
    kind: 'mla',
    urgency: 'normal',
    requesterId: 'auth_A',
    requestedId: 'auth_B',
    requesterReference: 'A-2026-1',
    links: [],
    createdAt: '2026-11-28T10:00:00.000Z',
    createdBy: 'auth_A:officer',
    status: 'open',
    ledgerSeq: 0,
    updatedAt: '2026-11-28T10:00:00.000Z',
    ...overrides,
  };
}

describe('exchange repository and idempotency store (dynalite)', () => {
  let exchange: Exchange;
  let repo: ExchangeRepository;
  let idem: IdempotencyStore;
  beforeAll(async () => {
    exchange = await startTestExchange();
    const { doc } = exchange.runtime.clients;
    repo = createDynamoExchangeRepository(doc, exchange.runtime.config.tables.main);
    idem = createDynamoIdempotencyStore(doc, exchange.runtime.config.tables.main);
  });
  afterAll(async () => {
    await exchange.stop();
  });

  it('stores a label for both parties and moves the projection forward only', async () => {
    const l = label();
    await repo.putExchange(l);
    expect(await repo.getExchange(l.id)).toEqual(l);
    await repo.updateProjection(l, {
      status: 'submitted',
      ledgerSeq: 2,
      updatedAt: '2026-11-28T10:01:00.000Z',
    });
    await repo.updateProjection(l, { status: 'open', ledgerSeq: 1, updatedAt: '2026-11-28T10:00:30.000Z' });
    expect((await repo.getExchange(l.id))?.status).toBe('submitted');
    // A replay of the original label (e.g. a resumed create) does not take the projection back.
    await repo.putExchange(l);
    expect((await repo.getExchange(l.id))?.ledgerSeq).toBe(2);
    expect(await repo.getExchange(id())).toBeUndefined();
  });

  it('lists each authority its own exchanges, filtered and paginated, newest first', async () => {
    const me = `auth_${randomBytes(8).toString('hex')}`;
    const other = `auth_${randomBytes(8).toString('hex')}`;
    const made: ExchangeLabel[] = [];
    for (let i = 0; i < 7; i++) {
      const l = label({
        requesterId: i % 2 === 0 ? me : other,
        requestedId: i % 2 === 0 ? other : me,
        kind: i < 4 ? 'mla' : 'preservation',
        createdAt: `2026-11-2${i}T10:00:00.000Z`,
      });
      made.push(l);
      await repo.putExchange(l);
    }
    await repo.putExchange(label({ requesterId: 'auth_X', requestedId: 'auth_Y' }));

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.listForAuthority(me, { limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.flat()).toEqual([...made].reverse().map((e) => e.id));
    expect(pages[0]).toHaveLength(3);

    const outbox = await repo.listForAuthority(me, { limit: 50, box: 'outbox' });
    expect(outbox.items.map((e) => e.id).sort()).toEqual(
      made
        .filter((e) => e.requesterId === me)
        .map((e) => e.id)
        .sort(),
    );
    const preservation = await repo.listForAuthority(me, { limit: 50, kind: 'preservation', box: 'inbox' });
    expect(preservation.items.map((e) => e.id)).toEqual([made[5]!.id]);
    const dated = await repo.listForAuthority(me, { limit: 50, from: '2026-11-22', to: '2026-11-23' });
    expect(dated.items.map((e) => e.id)).toEqual([made[3]!.id, made[2]!.id]);
  });

  it('refuses a cursor forged to read another authority', async () => {
    const forged = Buffer.from(
      JSON.stringify({ pk: 'EXCH#x', sk: 'PARTY#auth_Y', gsi1pk: 'PARTY#auth_Y', gsi1sk: 'z' }),
    ).toString('base64url');
    await expect(repo.listForAuthority('auth_A', { limit: 5, cursor: forged })).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
    });
    await expect(
      repo.listForAuthority('auth_A', { limit: 5, cursor: 'not-base64-json' }),
    ).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
    });
  });

  it('claims an Idempotency-Key once, resumes a pending one, replays a finished one, and refuses reuse', async () => {
    const key = randomBytes(8).toString('hex');
    expect(await idem.begin('auth_A:m', key, 'fp1', { exchangeId: 'e1' })).toEqual({ state: 'new' });
    expect(await idem.begin('auth_A:m', key, 'fp1', { exchangeId: 'e2' })).toEqual({
      state: 'pending',
      data: { exchangeId: 'e1' },
    });
    await idem.complete('auth_A:m', key, 201, { id: 'e1' });
    expect(await idem.begin('auth_A:m', key, 'fp1', {})).toEqual({
      state: 'done',
      status: 201,
      body: { id: 'e1' },
    });
    await expect(idem.begin('auth_A:m', key, 'fp2', {})).rejects.toMatchObject({
      code: 'ERR_IDEMPOTENCY_MISMATCH',
    });
    // Keys are scoped per caller: another member's identical key is a fresh claim.
    expect(await idem.begin('auth_B:m', key, 'fp2', {})).toEqual({ state: 'new' });
  });

  it('lets exactly one of many concurrent claims of a key start the action', async () => {
    const key = randomBytes(8).toString('hex');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => idem.begin('auth_A:m', key, 'fp', { attempt: i })),
    );
    expect(results.filter((r) => r.state === 'new')).toHaveLength(1);
  });
});
