// Benchmark: the clocks' costs as exchanges grow. The sweep at 1,000 and 100,000 exchanges, seeded straight into
// the main table (the API is too slow on the embedded servers to create 100,000): each size has the same 50
// exchanges due, the rest due in the future; the sweep's storage calls are counted and each phase is timed, right
// after seeding and again after an idle spell. Then a delay-figure update (an acknowledgement) with 10, 1,000 and
// 10,000 exchanges in its figure: calls and time. `npm run bench clock-sweep`, or
// node --openssl-legacy-provider --import tsx bench/clock-sweep.bench.ts [sizes...]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import { seedClockTracks } from '../tests/support/clock-seed.ts';
import { startCostScenario } from '../tests/support/constant-cost.ts';
import { measureFigureUpdate, seedFigureContributions } from '../tests/support/figure-cost.ts';

const DUE = 50;
/** How long the second profile waits after the first (LevelDB compacts in the background). */
const settleMs = Number(process.env.SETTLE_MS ?? 20_000);

interface Sendable {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

async function sweepAt(size: number) {
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
  // Count every DynamoDB call the sweep makes (the client itself is untouched).
  let calls = 0;
  const client = doc as Sendable;
  const send = client.send.bind(client);
  client.send = (command: unknown, ...rest: unknown[]) => {
    calls += 1;
    return send(command, ...rest);
  };
  const now = Date.now();
  const seedStart = performance.now();
  await seedClockTracks(doc, table, { to: size, due: DUE, now });
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
    const before = calls;
    const [swept, sweepMs] = await timed(() => sweep.sweep());
    const sweepCalls = calls - before;
    return {
      indexQueryReturned: ids.length,
      indexQueryMedianMs: round(median(query)),
      getTrackPerItemMs: round(trackMs / Math.max(1, ids.length)),
      ledgerHeadPerItemMs: round(headMs / Math.max(1, ids.length)),
      getLabelPerItemMs: round(labelMs / Math.max(1, ids.length)),
      catchUpPerItemMs: round(catchUpMs / Math.max(1, ids.length)),
      sweepMs: Math.round(sweepMs),
      sweepCalls,
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
  return { fresh, settled };
}

/** One figure update (an acknowledgement) with 10, 1,000 and 10,000 exchanges in the figure it moves. */
async function figureUpdates() {
  const s = await startCostScenario();
  try {
    const rows: { exchanges: number; calls: number; ms: number }[] = [];
    for (const size of [10, 1_000, 10_000]) {
      await seedFigureContributions(s, size);
      const cost = await measureFigureUpdate(s);
      rows.push({ exchanges: size, calls: cost.calls.length, ms: Math.round(cost.ms) });
    }
    for (const r of rows)
      console.log(`figure update at ${r.exchanges} exchanges: ${r.calls} calls, ${r.ms} ms`);
    const first = rows[0]?.calls ?? 0;
    const last = rows.at(-1)?.calls ?? 0;
    console.log(
      `figure update calls 10,000 vs 10 exchanges: ratio ${(last / first).toFixed(2)} (target <= 1.00)`,
    );
  } finally {
    await s.stop();
  }
}

/** The sizes `npm run bench` sweeps: 1,000 and 100,000 exchanges (10,000 with POUCH_BENCH_QUICK=1). */
const defaultSizes = [1_000, process.env.POUCH_BENCH_QUICK === '1' ? 10_000 : 100_000];

/** The bench (`npm run bench`): the sweep at the default sizes (or `sizes`), then figure updates. */
export async function run(sizes: readonly number[] = defaultSizes): Promise<void> {
  const results = [];
  for (const size of sizes) results.push({ size, ...(await sweepAt(size)) });
  const small = results[0];
  const large = results.at(-1);
  if (small && large && large !== small) {
    console.log(
      `sweep calls ${large.size} vs ${small.size} exchanges (same ${DUE} due): ratio ${(large.fresh.sweepCalls / small.fresh.sweepCalls).toFixed(2)} (target <= 1.00)`,
    );
  }
  await figureUpdates();
}

const direct = process.argv[1]?.endsWith('clock-sweep.bench.ts');
if (direct) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  await run(sizes.length ? sizes : undefined);
}
