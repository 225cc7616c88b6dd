// Constant cost per action (issue 16): commit, post, the recipient's reads and download make the same storage
// calls on an exchange of 2,000 events as on a fresh one, and none of them reads the chain beyond its head or one
// event. Calls are counted by wrapping the runtime's DynamoDB and S3 clients (tests/support/constant-cost.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CostScenario,
  growExchange,
  openExchange,
  runCostedFlow,
  startCostScenario,
} from '../support/constant-cost.ts';

let s: CostScenario;

beforeAll(async () => {
  s = await startCostScenario();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

describe('constant cost per action', () => {
  it('commit, post, download and reads make the same storage calls on a 2,000-event exchange as on a fresh one (counted by wrapped DynamoDB and S3 clients)', async () => {
    const ledgerTable = s.exchange.runtime.config.tables.ledger;
    const fresh = await openExchange(s);
    const grown = await openExchange(s);
    await growExchange(s, grown, 2_000);
    expect((await s.exchange.runtime.ledger.head(grown))?.seq).toBe(1_999);

    const onFresh = await runCostedFlow(s, fresh);
    const onGrown = await runCostedFlow(s, grown);
    expect(onGrown).toEqual(onFresh);
    // And none of them reads the chain: a ledger query asks for the head only (Limit=1), or one item is read.
    const ledgerReads = Object.values(onGrown)
      .flat()
      .filter((call) => call.includes(ledgerTable) && !call.startsWith('PutCommand'));
    expect(ledgerReads.length).toBeGreaterThan(0);
    for (const call of ledgerReads) expect(call).toMatch(/^(QueryCommand .* Limit=1|GetCommand .*)$/);
  }, 240_000);
});
