// The sweep's cost follows what is due, not how many exchanges exist (issue 14): with the same 5 exchanges due
// among 10 and among 2,000 seeded tracks, a sweep makes the same storage calls (counted on the wrapped DynamoDB
// client): one index query up to now, then point reads per due exchange. bench/clock-sweep.bench.ts times it at
// 100,000.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalExchange, startLocalExchange } from '../../server/local/local-exchange.ts';
import { seedClockTracks } from '../support/clock-seed.ts';

interface Sendable {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

let exchange: LocalExchange;
let dataDir: string;
const calls: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pouch-sweep-cost-'));
  exchange = await startLocalExchange({
    dataDir,
    port: 0,
    env: { POUCH_LOG_LEVEL: 'silent' },
    checkpointIntervalMs: 0,
    clockIntervalMs: 0,
  });
  const client = exchange.runtime.clients.doc as Sendable;
  const send = client.send.bind(client);
  client.send = (command: unknown, ...rest: unknown[]) => {
    const input = (command as { input?: { TableName?: string; Limit?: number } }).input ?? {};
    calls.push(
      `${(command as object).constructor.name} ${input.TableName ?? ''}${input.Limit === undefined ? '' : ` Limit=${input.Limit}`}`,
    );
    return send(command, ...rest);
  };
}, 60_000);
afterAll(async () => {
  await exchange?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the sweep follows what is due', () => {
  it('makes the same calls with 5 due among 10 exchanges as among 2,000', async () => {
    const { doc } = exchange.runtime.clients;
    const table = exchange.runtime.config.tables.main;
    const now = Date.now();
    const sweepCalls = async () => {
      calls.length = 0;
      const result = await exchange.runtime.clocks.sweep.sweep();
      expect(result.due).toBe(5);
      return [...calls];
    };
    await seedClockTracks(doc, table, { to: 10, due: 5, now });
    const few = await sweepCalls();
    await seedClockTracks(doc, table, { from: 10, to: 2_000, due: 5, now });
    const many = await sweepCalls();
    expect(many).toEqual(few);
    // The index query, then a fixed handful of point reads per due exchange (its track, chain head and label).
    expect(few[0]).toMatch(/^QueryCommand .* Limit=500$/);
    expect((few.length - 1) % 5).toBe(0);
    console.log(`sweep: ${few.length} calls for 5 due among 10 and among 2,000 exchanges`, few.slice(0, 4));
  }, 240_000);
});
