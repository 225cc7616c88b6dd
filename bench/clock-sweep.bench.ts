// Benchmark: the clock sweep at 1,000 and 100,000 exchanges, seeded straight into the main table (the API is too
// slow on the embedded servers to create 100,000). Each size has the same 50 exchanges due; the rest are due in
// the future. The sweep reads the due-time index only up to now, so its cost should follow what is due, not how
// many exchanges exist. `npm run bench clock-sweep` runs it (POUCH_BENCH_QUICK=1: 1,000 and 10,000); alone:
// node --openssl-legacy-provider --import tsx bench/clock-sweep.bench.ts [sizes...]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { clockKeys, exchangeKeys } from '../server/adapters/main-table-keys.ts';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import type { Track } from '../shared/domain/clocks/track.ts';

const DUE = 50;

function trackOf(i: number, at: string): Track {
  return {
    exchangeId: `exch_bench${String(i).padStart(17, '0')}`,
    kind: 'preservation',
    urgency: i % 10 === 0 ? 'emergency' : 'normal',
    requesterId: 'auth_benchA',
    requestedId: 'auth_benchB',
    createdAt: at,
    links: [],
    followers: [],
    status: 'submitted',
    submittedAt: at,
    preservationExpiresAt: at,
    infoRounds: 0,
    forced: false,
    lapsed: false,
    fired: [],
    lastSeq: 1,
  };
}

/** Runs the sweep bench at 1,000 and 100,000 exchanges (10,000 with POUCH_BENCH_QUICK=1), as `npm run bench` does. */
export async function run(): Promise<void> {
  for (const size of [1_000, process.env.POUCH_BENCH_QUICK === '1' ? 10_000 : 100_000]) await sweepAt(size);
}

async function sweepAt(size: number): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pouch-clock-bench-'));
  const exchange = await startLocalExchange({
    dataDir,
    port: 0,
    env: { POUCH_LOG_LEVEL: 'silent' },
    checkpointIntervalMs: 0,
    clockIntervalMs: 0,
  });
  const { doc } = exchange.runtime.clients;
  const table = exchange.runtime.config.tables.main;
  const now = Date.now();
  const seedStart = performance.now();
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < size; i++) {
    // The first DUE are due an hour ago; the rest between 1 and 60 days ahead.
    const at = new Date(i < DUE ? now - 3_600_000 : now + (1 + (i % 60)) * 86_400_000).toISOString();
    const track = trackOf(i, at);
    items.push({
      pk: exchangeKeys.pk(track.exchangeId),
      sk: clockKeys.trackSk,
      lastSeq: 1,
      track: JSON.stringify(track),
      gsi1pk: clockKeys.sweepIndexPk,
      gsi1sk: clockKeys.sweepIndexSk(at, track.exchangeId),
    });
  }
  const writers = 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < items.length) {
        const batch = items.slice(next, next + 25);
        next += 25;
        let request: BatchWriteCommandInput['RequestItems'] = {
          [table]: batch.map((Item) => ({ PutRequest: { Item } })),
        };
        while (request && Object.keys(request).length > 0) {
          const out: { UnprocessedItems?: BatchWriteCommandInput['RequestItems'] } = await doc.send(
            new BatchWriteCommand({ RequestItems: request }),
          );
          request = out.UnprocessedItems;
        }
      }
    }),
  );
  const seedMs = performance.now() - seedStart;

  const listTimes: number[] = [];
  let listed = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    listed = (await exchange.runtime.clocks.store.listDue(new Date(now).toISOString(), 500)).length;
    listTimes.push(performance.now() - t0);
  }
  const t1 = performance.now();
  const swept = await exchange.runtime.clocks.sweep.sweep();
  const sweepMs = performance.now() - t1;
  listTimes.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      exchanges: size,
      due: DUE,
      seedSeconds: Math.round(seedMs / 100) / 10,
      indexQueryReturned: listed,
      indexQueryMedianMs: Math.round(listTimes[2]! * 10) / 10,
      sweepMs: Math.round(sweepMs),
      sweepDue: swept.due,
    }),
  );
  await exchange.close();
  await rm(dataDir, { recursive: true, force: true });
}

// Run directly (not imported by bench/run.ts): the sizes on the command line, or the default pair.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  if (sizes.length === 0) await run();
  for (const size of sizes) await sweepAt(size);
}
