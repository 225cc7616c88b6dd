// Issue 12, finding 4: a checkpoint log that cannot fork or lose its tail. The attacker is the operator editing
// the ledger table directly (DynamoDB document client): deleting the last checkpointed event, rewriting a
// checkpointed event with recomputed hashes (an internally consistent, rewritten history), truncating the tail
// after the last receipted event, and even appending a forked head to the checkpoint log itself. The checkpoint
// service refuses a head that does not extend the one it logged (security alarm ERR_LEDGER_FORKED, other chains
// still logged), and the exported bundle, carrying every logged head of its chain, fails verification.
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointKeys } from '../../server/adapters/main-table-keys.ts';
import { type BundleVerification, verifyBundle } from '../../shared/custody/bundle.ts';
import { canonicalEventBody, hashEvent } from '../../shared/domain/ledger/event.ts';
import { isReceiptAction } from '../../shared/domain/ledger/receipt.ts';
import type { SeededAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { asPrincipal, createCaller, runExchange, seedParties, type TestExchange } from './custody-fixture.ts';

async function* fromText(text: string): AsyncGenerator<string> {
  yield text;
}
const pointerOf = (v: BundleVerification) => (v.ok ? 'ok' : v.broken.pointer);

describe('a checkpoint log that cannot fork or lose its tail (issue 12, finding 4)', () => {
  let exchange: TestExchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  let call: ReturnType<typeof createCaller>;

  beforeAll(async () => {
    exchange = await startTestExchange();
    ({ a, b } = await seedParties(exchange));
    call = createCaller(exchange);
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  const ledgerTable = () => exchange.runtime.config.tables.ledger;
  const doc = () => exchange.runtime.clients.doc;

  async function deleteEvent(chain: string, seq: number): Promise<void> {
    await doc().send(new DeleteCommand({ TableName: ledgerTable(), Key: { chain, seq } }));
  }

  /** Rewrite events from `from` on (a change to event `from`), recomputing every hash and link after it. */
  async function rewriteFrom(chain: string, from: number): Promise<void> {
    const events = await exchange.runtime.ledger.read(chain);
    let prevHash = events[from - 1]!.hash;
    for (const original of events.slice(from)) {
      const { hash: _old, ...body } = original;
      const rewritten = {
        ...body,
        prevHash,
        ...(original.seq === from ? { details: { ...(original.details ?? {}), rewritten: true } } : {}),
      };
      const hash = hashEvent(rewritten);
      await doc().send(
        new PutCommand({
          TableName: ledgerTable(),
          Item: { chain, seq: original.seq, body: canonicalEventBody(rewritten), hash },
        }),
      );
      prevHash = hash;
    }
  }

  async function exportAndVerify(chain: string): Promise<BundleVerification> {
    const res = await call(a.member('auditor'), 'GET', `/v1/exchanges/${chain}/bundle`);
    expect(res.status).toBe(200);
    return verifyBundle(fromText(await res.text()), {
      trustedExchangeKeys: [await exchange.runtime.signer.publicJwk()],
    });
  }

  async function loggedHeads(chain: string) {
    return (await exchange.runtime.checkpoints.leaves()).filter((leaf) => leaf.chain === chain);
  }

  const alarms = () =>
    exchange.logger.lines.filter(
      (l) => l.message === 'security' && l.fields.code === 'ERR_LEDGER_FORKED' && l.level !== 'info',
    );

  it('(a) the last, already checkpointed event deleted: the next checkpoint refuses it and the bundle fails', async () => {
    const id = await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 });
    expect(pointerOf(await exportAndVerify(id))).toBe('ok');
    const head = (await exchange.runtime.ledger.head(id))!;
    expect((await loggedHeads(id)).at(-1)).toMatchObject({ seq: head.seq, hash: head.hash });

    await deleteEvent(id, head.seq);
    const before = alarms().length;
    await exchange.runtime.checkpoints.build();
    expect((await loggedHeads(id)).at(-1)).toMatchObject({ seq: head.seq, hash: head.hash });
    const raised = alarms().slice(before);
    expect(raised.length).toBeGreaterThan(0);
    expect(raised[0]!.fields).toMatchObject({
      chain: id,
      logged: { seq: head.seq, hash: head.hash },
      found: { seq: head.seq - 1 },
    });

    const verdict = await exportAndVerify(id);
    expect(verdict.ok).toBe(false);
    expect(pointerOf(verdict)).toBe(`event seq ${head.seq}: checkpoint`);
  });

  it('(b) a checkpointed event rewritten with recomputed hashes (a consistent, rewritten history) is detected', async () => {
    const id = await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 });
    // Two auditor reads after the last receipted event, each logged by a checkpoint.
    await exchange.runtime.exchanges.getExchange(asPrincipal(a.member('auditor')), id);
    await exchange.runtime.checkpoints.build();
    await exchange.runtime.exchanges.getExchange(asPrincipal(b.member('auditor')), id);
    await exchange.runtime.checkpoints.build();
    const events = await exchange.runtime.ledger.read(id);
    const lastReceipted = events.findLast((e) => isReceiptAction(e.action))!;
    expect(lastReceipted.seq).toBeLessThan(events.length - 2);

    await rewriteFrom(id, lastReceipted.seq + 1);
    const before = alarms().length;
    await exchange.runtime.checkpoints.build();
    expect(alarms().length).toBeGreaterThan(before);
    const head = events.at(-1)!;
    expect((await loggedHeads(id)).at(-1)).toMatchObject({ seq: head.seq, hash: head.hash });

    const verdict = await exportAndVerify(id);
    expect(pointerOf(verdict)).toBe(`event seq ${lastReceipted.seq + 1}: checkpoint`);
  });

  it('(c) the tail after the last receipted event truncated: refused, and the bundle fails', async () => {
    const id = await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 2 });
    await exchange.runtime.exchanges.getExchange(asPrincipal(a.member('auditor')), id);
    await exchange.runtime.checkpoints.build();
    const events = await exchange.runtime.ledger.read(id);
    const lastReceipted = events.findLast((e) => isReceiptAction(e.action))!;
    for (const e of events.slice(lastReceipted.seq + 1)) await deleteEvent(id, e.seq);

    const before = alarms().length;
    await exchange.runtime.checkpoints.build();
    expect(alarms().length).toBeGreaterThan(before);
    const verdict = await exportAndVerify(id);
    expect(verdict.ok).toBe(false);
    expect(pointerOf(verdict)).toMatch(/^event seq \d+: (checkpoint|truncated)$/);
  });

  it('(d) a forked head written into the checkpoint log itself is signed, but the earlier logged head exposes it', async () => {
    const id = await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 });
    // The head is an auditor read after the last receipted event: no receipt anchors it.
    await exchange.runtime.exchanges.getExchange(asPrincipal(a.member('auditor')), id);
    await exchange.runtime.checkpoints.build();
    const head = (await exchange.runtime.ledger.head(id))!;
    const previous = (await exchange.runtime.ledger.read(id))[head.seq - 1]!;
    await deleteEvent(id, head.seq);
    // The operator appends the truncated head as the next leaf, bypassing the checkpoint service's check.
    const size = (await exchange.runtime.checkpoints.leaves()).length;
    await doc().send(
      new PutCommand({
        TableName: exchange.runtime.config.tables.main,
        Item: {
          pk: checkpointKeys.pk,
          sk: checkpointKeys.leafSk(size),
          index: size,
          chain: id,
          seq: previous.seq,
          hash: previous.hash,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await exchange.runtime.checkpoints.build();
    // The export appends a new event at the deleted seq; its head extends the forged leaf, so it is logged.
    const verdict = await exportAndVerify(id);
    expect(verdict.ok).toBe(false);
    expect(pointerOf(verdict)).toBe('checkpoint: fork');
  });

  it('keeps logging the other chains while it refuses a forked one', async () => {
    const forked = await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 });
    const honest = await runExchange(exchange, b.member('officer'), a.authorityId, { messages: 1 });
    await exchange.runtime.checkpoints.build();
    const head = (await exchange.runtime.ledger.head(forked))!;
    await deleteEvent(forked, head.seq);
    await exchange.runtime.exchanges.getExchange(asPrincipal(b.member('auditor')), honest);
    const honestHead = (await exchange.runtime.ledger.head(honest))!;
    const { created } = await exchange.runtime.checkpoints.build();
    expect(created).toBe(true);
    expect((await loggedHeads(honest)).at(-1)).toMatchObject({ seq: honestHead.seq, hash: honestHead.hash });
    expect((await loggedHeads(forked)).at(-1)).toMatchObject({ seq: head.seq, hash: head.hash });
  });
});
