// Benchmark: the cost of authentication per request. Over real HTTP (keep-alive, N concurrent workers, fixed
// duration) against an in-process local exchange: GET /v1/me with a valid bearer token (JWS verify + one
// DynamoDB GetItem for the key status) versus the same route without a token, which runs the identical
// middleware stack and problem serialisation but stops at the auth gate: the floor without auth work.

import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import type { Logger } from '../server/ports/logger.ts';
import { createTokenClient, seedTestAuthority } from '../tests/support/identity.ts';
import { percentile, printComparison, printFigure } from './report.ts';

const concurrency = 16;
const durationMs = 5_000;
const warmupMs = 1_000;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface LoadResult {
  readonly requestsPerSecond: number;
  readonly latencies: number[];
  readonly statuses: Map<number, number>;
}

function get(agent: Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Run `concurrency` workers, each issuing requests back to back, for `ms` milliseconds. */
async function load(url: URL, headers: Record<string, string>, ms: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const start = performance.now();
  const deadline = start + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const status = await get(agent, url, headers);
      latencies.push(performance.now() - t);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { requestsPerSecond: latencies.length / elapsed, latencies, statuses };
}

function describeLatency(name: string, r: LoadResult): void {
  for (const p of [50, 95, 99]) printFigure(`auth: ${name} p${p}`, percentile(r.latencies, p), 'ms');
  printFigure(
    `auth: ${name} statuses`,
    r.latencies.length,
    'requests',
    JSON.stringify(Object.fromEntries(r.statuses)),
  );
}

/** Entry point called by bench/run.ts. */
export async function run(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pouch-bench-auth-'));
  const exchange = await startLocalExchange({
    dataDir,
    port: 0,
    // One authority at full speed: the per-authority request limit would cut the run short (it still counts).
    env: { POUCH_LOG_LEVEL: 'silent', POUCH_RATE_API_REQUESTS_PER_MINUTE: '100000000' },
    logger: quiet,
  });
  try {
    const { runtime } = exchange;
    const authority = await seedTestAuthority(runtime.directory, {
      members: [{ role: 'admin' }, { role: 'officer' }],
    });
    const token = await createTokenClient(runtime.app, runtime.config.issuer).tokenFor(
      authority.member('officer'),
    );
    const url = new URL('/v1/me', exchange.url);
    const authed = { authorization: `Bearer ${token}` };

    await load(url, authed, warmupMs);
    await load(url, {}, warmupMs);
    const withAuth = await load(url, authed, durationMs);
    const floor = await load(url, {}, durationMs);
    if (!withAuth.statuses.has(200) || withAuth.statuses.size !== 1)
      throw new Error('authenticated run had failures');

    printComparison({
      bench: `auth: GET /v1/me throughput (${concurrency} concurrent, ${durationMs / 1000} s)`,
      unit: 'req/s',
      ours: withAuth.requestsPerSecond,
      baseline: floor.requestsPerSecond,
      baselineName: 'same route without token (401 at the gate)',
      higherIsBetter: true,
    });
    printComparison({
      bench: 'auth: GET /v1/me median latency',
      unit: 'ms',
      ours: percentile(withAuth.latencies, 50),
      baseline: percentile(floor.latencies, 50),
      baselineName: 'without token',
      higherIsBetter: false,
    });
    describeLatency('authenticated', withAuth);
    describeLatency('unauthenticated floor', floor);
  } finally {
    await exchange.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
