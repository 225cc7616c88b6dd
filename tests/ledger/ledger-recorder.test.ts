// Ledger recorder (server/use-cases/ledger-recorder.ts), the one writer of the ledger, over real dynalite: status
// on every event, its own id, keyed effects recorded once, lost answers settled by the event id (never by
// comparing fields), unknown actions refused; and LEDGER_ACTIONS is exactly what the code writes.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoEffectIndex } from '../../server/adapters/dynamo-effect-index.ts';
import { createDynamoExchangeRepository } from '../../server/adapters/dynamo-exchange-repository.ts';
import { exchangeKeys } from '../../server/adapters/main-table-keys.ts';
import type { EffectIndex } from '../../server/ports/effect-index.ts';
import type { ExchangeLabel, ExchangeRepository } from '../../server/ports/exchange-repository.ts';
import type { LedgerStore } from '../../server/ports/ledger-store.ts';
import { createLedgerRecorder, type LedgerRecorder } from '../../server/use-cases/ledger-recorder.ts';
import { CLOCK_ACTIONS, LINKED_ACTION } from '../../shared/domain/clocks/track.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import { newId } from '../../shared/domain/ids.ts';
import { LEDGER_ACTIONS, type LedgerEventFields } from '../../shared/domain/ledger/event.ts';
import { verifyChain } from '../../shared/domain/ledger/verify-chain.ts';
import { createCaller, runExchange, type TestExchange } from '../custody/custody-fixture.ts';
import { type SeededAuthority, seedTestAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

let x: TestExchange;
let repo: ExchangeRepository;
let a: SeededAuthority;
let b: SeededAuthority;
let officer: Principal;
let auditor: Principal;

const asPrincipal = (who: SeededAuthority['members'][number]): Principal => ({
  kind: 'member',
  clientId: who.clientId,
  authorityId: who.authorityId,
  memberId: who.memberId,
  role: who.role,
});

const effectIndex = () => createDynamoEffectIndex(x.runtime.clients.doc, x.runtime.config.tables.main);

function recorderOver(ledger: LedgerStore, effects: EffectIndex = effectIndex()): LedgerRecorder {
  return createLedgerRecorder({
    ledger,
    effects,
    exchanges: repo,
    receipts: { put: async () => {}, list: async () => [] },
    signer: x.runtime.signer,
  });
}

async function newExchange(): Promise<ExchangeLabel> {
  return x.runtime.exchanges.createExchange(officer, {
    kind: 'mla',
    urgency: 'normal',
    requestedId: b.authorityId,
    requesterReference: 'REC-1',
  });
}

const viewed = (p: Principal): LedgerEventFields => ({
  actor: { authorityId: p.authorityId, memberId: p.memberId, role: p.role },
  action: 'auditor.viewed',
  outcome: 'success',
});

/** A ledger store whose append does `before` and then fails as storage would (fault injected on the port). */
function failingAfter(before: (chain: string) => Promise<void>): LedgerStore {
  const real = x.runtime.ledger;
  return {
    ...real,
    async append(chain, build) {
      // Run the build once as the real store would, so the recorder learns which seq it aimed at.
      build(await real.head(chain));
      await before(chain);
      throw new PouchError('ERR_STORAGE', 'injected: the answer of the put was lost');
    },
  };
}

beforeAll(async () => {
  x = await startTestExchange();
  repo = createDynamoExchangeRepository(x.runtime.clients.doc, x.runtime.config.tables.main);
  const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];
  a = await seedTestAuthority(x.runtime.directory, { country: 'XA', members });
  b = await seedTestAuthority(x.runtime.directory, { country: 'XB', members });
  officer = asPrincipal(a.member('officer'));
  auditor = asPrincipal(a.member('auditor'));
});
afterAll(async () => {
  await x?.stop();
});

describe('ledger recorder', () => {
  it('records the status after every event, gives each its own id, and projects the label', async () => {
    const label = await newExchange();
    const recorder = recorderOver(x.runtime.ledger);
    const { event, replayed } = await recorder.record(label, (status) => ({
      status,
      fields: viewed(auditor),
    }));
    expect(replayed).toBe(false);
    expect(event.id).toMatch(/^evt_[A-Za-z0-9_-]{22}$/);
    expect(event.details?.status).toBe('open');
    const chain = await x.runtime.ledger.read(label.id);
    expect(new Set(chain.map((e) => e.id)).size).toBe(chain.length);
    expect(verifyChain(chain, { chain: label.id }).ok).toBe(true);
    expect((await repo.getExchange(label.id))?.ledgerSeq).toBe(event.seq);
  });

  it('records a keyed effect once: the same effect id returns the first event', async () => {
    const label = await newExchange();
    const recorder = recorderOver(x.runtime.ledger);
    const eventId = newId('evt');
    const first = await recorder.record(label, (status) => ({ status, fields: viewed(auditor) }), {
      eventId,
    });
    const again = await recorder.record(label, (status) => ({ status, fields: viewed(auditor) }), {
      eventId,
    });
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ event: first.event, replayed: true });
    const chain = await x.runtime.ledger.read(label.id);
    expect(chain.filter((e) => e.id === eventId)).toHaveLength(1);
    expect(chain).toHaveLength(2);
  });

  it('settles a lost answer by the event id: the put landed, so the action happened (fault injected on the port)', async () => {
    const label = await newExchange();
    let landed = '';
    const recorder = recorderOver({
      ...x.runtime.ledger,
      async append(chain, build) {
        const event = await x.runtime.ledger.append(chain, build);
        landed = event.id;
        throw new PouchError('ERR_STORAGE', 'injected: the answer of the put was lost');
      },
    });
    const { event } = await recorder.record(label, (status) => ({ status, fields: viewed(auditor) }));
    expect(event.id).toBe(landed);
    expect(await x.runtime.ledger.read(label.id)).toHaveLength(2);
  });

  it('never takes another writer’s identical event for its own lost one (fault injected on the port)', async () => {
    const label = await newExchange();
    // While our put fails, the same auditor's identical read lands at the very seq we aimed at.
    const recorder = recorderOver(
      failingAfter(async (chain) => {
        await x.runtime.ledger.append(chain, (head) => ({
          ...viewed(auditor),
          details: { status: head?.details?.status ?? 'open' },
        }));
      }),
    );
    await expect(
      recorder.record(label, (status) => ({ status, fields: viewed(auditor) })),
    ).rejects.toMatchObject({ code: 'ERR_STORAGE' });
    expect(await x.runtime.ledger.read(label.id)).toHaveLength(2);
  });

  it('refuses an action that is not in LEDGER_ACTIONS, appending nothing', async () => {
    const label = await newExchange();
    const recorder = recorderOver(x.runtime.ledger);
    await expect(
      recorder.record(label, (status) => ({
        status,
        fields: { ...viewed(officer), action: 'status.changed' },
      })),
    ).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    expect(await x.runtime.ledger.read(label.id)).toHaveLength(1);
  });

  it('opens a chain once: a second genesis is a conflict unless it is the same effect', async () => {
    const chain = newId('exch');
    const recorder = recorderOver(x.runtime.ledger);
    const eventId = newId('evt');
    const genesis = {
      status: 'open' as const,
      fields: { ...viewed(officer), action: 'exchange.created' },
    };
    const first = await recorder.open(chain, genesis, { eventId });
    expect(await recorder.open(chain, genesis, { eventId })).toEqual({ event: first.event, replayed: true });
    await expect(recorder.open(chain, genesis)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    expect(await x.runtime.ledger.read(chain)).toHaveLength(1);
  });
});

describe('ledger recorder: the effect index', () => {
  const keyed = (recorder: LedgerRecorder, label: ExchangeLabel, eventId: string) =>
    recorder.record(label, (status) => ({ status, fields: viewed(auditor) }), { eventId });

  it('finds an event whose note was lost (a kill between append and note) from the claim, and appends nothing (fault injected on the port)', async () => {
    const label = await newExchange();
    const real = effectIndex();
    const lostNotes = recorderOver(x.runtime.ledger, {
      ...real,
      settle: async () => {
        throw new PouchError('ERR_STORAGE', 'injected: the note was lost');
      },
    });
    const eventId = newId('evt');
    const first = await keyed(lostNotes, label, eventId);
    expect(await real.get(label.id, eventId)).toEqual({ fromSeq: 1 });
    // Others write after it; the retry finds it among the events since the claim, and notes it.
    await keyed(recorderOver(x.runtime.ledger), label, newId('evt'));
    const again = await keyed(recorderOver(x.runtime.ledger), label, eventId);
    expect(again).toEqual({ event: first.event, replayed: true });
    expect(await real.get(label.id, eventId)).toEqual({ fromSeq: 1, seq: first.event.seq });
    expect((await x.runtime.ledger.read(label.id)).filter((e) => e.id === eventId)).toHaveLength(1);
  });

  it('does not follow an index entry that points at another event (tampered main table): the chain decides', async () => {
    const label = await newExchange();
    const recorder = recorderOver(x.runtime.ledger);
    const eventId = newId('evt');
    const first = await keyed(recorder, label, eventId);
    await x.runtime.clients.doc.send(
      new UpdateCommand({
        TableName: x.runtime.config.tables.main,
        Key: { pk: exchangeKeys.pk(label.id), sk: exchangeKeys.effectSk(eventId) },
        UpdateExpression: 'SET #seq = :zero',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
    const before = await x.runtime.ledger.read(label.id);
    expect(await recorder.find(label.id, eventId)).toEqual(first.event);
    expect(await keyed(recorder, label, eventId)).toEqual({ event: first.event, replayed: true });
    expect(await x.runtime.ledger.read(label.id)).toHaveLength(before.length);
  });

  it('moves the bound of a refused effect past the head it was refused at, so no lookup searches older events', async () => {
    const label = await newExchange();
    const recorder = recorderOver(x.runtime.ledger);
    for (let i = 0; i < 3; i++) await keyed(recorder, label, newId('evt'));
    const eventId = newId('evt');
    await expect(
      recorder.record(
        label,
        () => {
          throw new PouchError('ERR_INVALID_STATE', 'refused');
        },
        { eventId },
      ),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    expect(await effectIndex().get(label.id, eventId)).toEqual({ fromSeq: 4 });
    expect(await recorder.find(label.id, eventId)).toBeUndefined();
    // Allowed later: recorded once, at the head.
    const later = await keyed(recorder, label, eventId);
    expect(later).toMatchObject({ replayed: false, event: { seq: 4 } });
  });
});

describe('LEDGER_ACTIONS', () => {
  it('lists exactly the actions a whole exchange records (every route that records, parties and auditors)', async () => {
    const exchangeId = await runExchange(x, a.member('officer'), b.authorityId, {
      recipient: b.member('officer'),
    });
    const call = createCaller(x);
    for (const who of [a.member('officer'), a.member('auditor')]) {
      expect((await call(who, 'GET', `/v1/exchanges/${exchangeId}/timeline`)).status).toBe(200);
      expect((await call(who, 'GET', `/v1/exchanges/${exchangeId}/bundle`)).status).toBe(200);
    }
    expect((await call(b.member('auditor'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(200);
    const recorded = new Set((await x.runtime.ledger.read(exchangeId)).map((e) => e.action));
    // Lineage and clock actions need a second exchange and time: tests/clocks/lineage-clocks.test.ts records them.
    const lineageAndClocks: readonly string[] = [LINKED_ACTION, ...CLOCK_ACTIONS];
    expect([...recorded].sort()).toEqual(LEDGER_ACTIONS.filter((a) => !lineageAndClocks.includes(a)).sort());
  });
});
