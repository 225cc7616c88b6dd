// Benchmark: the clock sweep at 1,000 and 100,000 exchanges, seeded straight into the main table (the API is too
// slow on the embedded servers to create 100,000). Each size has the same 50 exchanges due; the rest are due in
// the future. The sweep reads the due-time index only up to now, so its cost should follow what is due, not how
// many exchanges exist. Run: node --openssl-legacy-provider --import tsx bench/clock-sweep.bench.ts [sizes...]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { clockKeys, exchangeKeys } from '../server/adapters/main-table-keys.ts';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import type { Track } from '../shared/domain/clocks/track.ts';

const DUE = 50;
/** How long the second profile waits after the first (LevelDB compacts in the background). */
const settleMs = Number(process.env.SETTLE_MS ?? 20_000);
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);

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

async function run(size: number) {
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

  const nowIso = new Date(now).toISOString();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const out = await fn();
    return [out, performance.now() - t0];
  };
  const { store, tracker, sweep } = exchange.runtime.clocks;
  // The profile, phase by phase, on the same 50 due exchanges: the index query, then the point reads the sweep
  // makes per due exchange (its stored track, its chain head, its label), then the sweep itself, then all again
  // once LevelDB has had time to compact what the seeding wrote.
  const profile = async () => {
    const query: number[] = [];
    let ids: string[] = [];
    for (let r = 0; r < 5; r++) {
      const [found, ms] = await timed(() => store.listDue(nowIso, 500));
      ids = found;
      query.push(ms);
    }
    const [, trackMs] = await timed(async () => {
      for (const id of ids) await store.getTrack(id);
    });
    const [, headMs] = await timed(async () => {
      for (const id of ids) await exchange.runtime.ledger.head(id);
    });
    const [, labelMs] = await timed(async () => {
      for (const id of ids) await exchange.runtime.exchangeRepository.getExchange(id);
    });
    const [, catchUpMs] = await timed(async () => {
      for (const id of ids) await tracker.catchUp(id);
    });
    const [swept, sweepMs] = await timed(() => sweep.sweep());
    return {
      indexQueryReturned: ids.length,
      indexQueryMedianMs: round(median(query)),
      getTrackPerItemMs: round(trackMs / Math.max(1, ids.length)),
      ledgerHeadPerItemMs: round(headMs / Math.max(1, ids.length)),
      getLabelPerItemMs: round(labelMs / Math.max(1, ids.length)),
      catchUpPerItemMs: round(catchUpMs / Math.max(1, ids.length)),
      sweepMs: Math.round(sweepMs),
      sweepDue: swept.due,
    };
  };
  const fresh = await profile();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const settled = await profile();
  console.log(
    JSON.stringify({
      exchanges: size,
      due: DUE,
      seedSeconds: Math.round(seedMs / 100) / 10,
      afterSeeding: fresh,
      [`after${settleMs / 1000}sIdle`]: settled,
    }),
  );
  await exchange.close();
  await rm(dataDir, { recursive: true, force: true });
}

for (const size of sizes.length ? sizes : [1_000, 100_000]) await run(size);
