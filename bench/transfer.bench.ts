// Benchmark (issue 16): `pouch send` and `pouch fetch` end to end against a local exchange and its embedded S3,
// each against a plain transfer of the same sealed file (lib-storage Upload, GetObject to disk) and against the
// sequential way (`age -r` then that upload; that download then `age -d`). Peak RSS: transfer-rss.bench.ts.
// POUCH_BENCH_TRANSFER_SIZE (e.g. 256M, 1G; default 1G, 64M with POUCH_BENCH_QUICK=1) and POUCH_BENCH_RUNS
// (default 3) shrink it.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { fetchExchange } from '../client/exchange/fetch-documents.ts';
import { openDemoKeystores } from '../client/keystore/demo-keystores.ts';
import type { PouchClient } from '../client/sdk/pouch-client.ts';
import { createAwsClients, destroyAwsClients } from '../server/adapters/aws-clients.ts';
import { loadConfig, localDefaults } from '../server/config/config.ts';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import { planUpload } from '../shared/domain/upload-plan.ts';
import { openDemoOfficer, sealingRecipients, sendNewRequest } from '../tests/support/demo-officer.ts';
import { writeRepeatedRandom } from './random-input.ts';
import { machineCpuMs, median, printComparison, printFigure } from './report.ts';

// transfer-rss.bench.ts takes its inputs from here.
export { writeRepeatedRandom };

const here = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** `256M`, `1G`, or a byte count. */
export function parseSize(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  const match = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (!match) throw new Error(`bad size ${text}`);
  const unit = { '': 1, K: 1024, M: MiB, G: GiB }[(match[2] ?? '').toUpperCase()] ?? 1;
  return Number(match[1]) * unit;
}

export function label(bytes: number): string {
  return bytes >= GiB ? `${bytes / GiB} GiB` : `${bytes / MiB} MiB`;
}

/** Runs the transfer benchmark. */
export async function run(): Promise<void> {
  const size = parseSize(
    process.env.POUCH_BENCH_TRANSFER_SIZE,
    process.env.POUCH_BENCH_QUICK === '1' ? 64 * MiB : GiB,
  );
  const runs = Math.max(1, Number(process.env.POUCH_BENCH_RUNS ?? 3));
  const dir = join(here, '.tmp', `transfer-${process.pid}`);
  await mkdir(dir, { recursive: true });
  // The exchange and its storage in their own process by default (as real storage is); POUCH_BENCH_EXCHANGE=same
  // runs them in this one, where the client's main-thread work and the storage's serving share one event loop.
  const sameProcess = process.env.POUCH_BENCH_EXCHANGE === 'same';
  const exchange = sameProcess
    ? await startLocalExchange({
        dataDir: join(dir, 'exchange'),
        port: 0,
        seedDemo: openDemoKeystores(),
        checkpointIntervalMs: 0,
        env: { POUCH_LOG_LEVEL: 'silent' },
      })
    : await startExchangeProcess(join(dir, 'exchange'));
  const config = benchConfig(join(dir, 'exchange'), exchange.embedded);
  const clients = createAwsClients(config);
  const bucket = config.evidenceBucket;
  try {
    const north = await openDemoOfficer(exchange, 'northland');
    const south = await openDemoOfficer(exchange, 'southmark');
    const recipients = await sealingRecipients(north, south.authorityId);
    const identity = await south.keystore.unlockSealingIdentity('seal');
    const plaintext = join(dir, 'evidence.img');
    await writeRepeatedRandom(plaintext, size);
    const sealedByAge = join(dir, 'evidence.img.age');
    const identityFile = join(dir, 'identity.txt');
    await writeFile(identityFile, `${identity}\n`, { mode: 0o600 });
    const partSize = (() => {
      const plan = planUpload(size + Math.ceil(size / 65536) * 16 + 4096, Number.MAX_SAFE_INTEGER);
      return plan.kind === 'multipart' ? plan.partSize : 8 * MiB;
    })();

    const send: number[] = [];
    const commit: number[] = [];
    const plainUpload: number[] = [];
    const ageSeal: number[] = [];
    const fetchOurs: number[] = [];
    const plainGet: number[] = [];
    /** This process's CPU time (all its threads) per fetch and per plain GET: steadier than wall time on a shared machine. */
    const fetchCpu: number[] = [];
    const plainGetCpu: number[] = [];
    const ageOpen: number[] = [];
    /** The whole machine's CPU time (client, exchange, storage) per send, plain upload, fetch and plain GET. */
    const machine = {
      send: [] as number[],
      upload: [] as number[],
      fetch: [] as number[],
      get: [] as number[],
    };
    /** Of that, the exchange process's share (API and embedded S3) and the kernel's own threads' (writeback). */
    const split = new Map<number[], { client: number[]; exchange: number[]; kernel: number[] }>();
    const onMachine = async <T>(into: number[], work: () => Promise<T>): Promise<T> => {
      const pieces = split.get(into) ?? { client: [], exchange: [], kernel: [] };
      split.set(into, pieces);
      const clientBefore = process.cpuUsage();
      const exchangeBefore = processCpuMs(exchangePid(exchange));
      const kernelBefore = kernelThreadsCpuMs();
      const before = machineCpuMs();
      const result = await work();
      const after = machineCpuMs();
      const exchangeAfter = processCpuMs(exchangePid(exchange));
      const kernelAfter = kernelThreadsCpuMs();
      pieces.client.push(cpuMs(process.cpuUsage(clientBefore)));
      if (exchangeBefore !== undefined && exchangeAfter !== undefined)
        pieces.exchange.push(exchangeAfter - exchangeBefore);
      if (kernelBefore !== undefined && kernelAfter !== undefined)
        pieces.kernel.push(kernelDelta(kernelBefore, kernelAfter));
      if (before !== undefined && after !== undefined) into.push(after - before);
      return result;
    };
    /** The 1-minute load average after each round's two uploads: the machine is shared, say how busy it was. */
    const sendLoads: number[] = [];
    let exchangeId = '';
    for (let round = 0; round < runs; round++) {
      // Sequential baseline, step 1: `age -r` to a file (that file is also what the plain transfers move).
      ageSeal.push(
        await timed(() =>
          runAge(['-e', ...recipients.flatMap((r) => ['-r', r]), '-o', sealedByAge, plaintext]),
        ),
      );
      const key = `bench/plain-${round}.age`;
      const theirUpload = async (): Promise<void> => {
        plainUpload.push(
          await onMachine(machine.upload, () =>
            timed(() =>
              new Upload({
                client: clients.s3,
                params: { Bucket: bucket, Key: key, Body: createReadStream(sealedByAge) },
                partSize,
                queueSize: 4,
              }).done(),
            ),
          ),
        );
      };
      const ourSend = async (): Promise<void> => {
        const timing = timedCommits(north.client);
        const started = performance.now();
        const sent = await onMachine(machine.send, () =>
          sendNewRequest(north, {
            client: timing.client,
            counterpartId: south.authorityId,
            reference: `BENCH-${process.pid}-${round}`,
            recipients,
            files: [{ path: plaintext }],
          }),
        );
        send.push(performance.now() - started);
        commit.push(timing.commitMs());
        exchangeId = sent.exchangeId;
      };
      // ABAB, as for the fetch: neither side always goes first (page cache, the storage's folder, the load).
      if (round % 2 === 0) {
        await theirUpload();
        await ourSend();
      } else {
        await ourSend();
        await theirUpload();
      }
      sendLoads.push(loadavg()[0] as number);

      const out = join(dir, `received-${round}`);
      const downloaded = join(dir, `downloaded-${round}.age`);
      const ourFetch = async (): Promise<void> => {
        const cpu = process.cpuUsage();
        fetchOurs.push(
          await onMachine(machine.fetch, () =>
            timed(() =>
              fetchExchange({ client: south.client, exchangeId, outDir: out, identities: [identity] }),
            ),
          ),
        );
        fetchCpu.push(cpuMs(process.cpuUsage(cpu)));
        await rm(out, { recursive: true, force: true });
      };
      const theirGet = async (): Promise<void> => {
        const cpu = process.cpuUsage();
        plainGet.push(
          await onMachine(machine.get, () =>
            timed(async () => {
              const answer = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
              await pipeline(answer.Body as Readable, createWriteStream(downloaded));
            }),
          ),
        );
        plainGetCpu.push(cpuMs(process.cpuUsage(cpu)));
      };
      // ABAB: which of the two goes first alternates, so neither always gets the warmer cache or the quieter moment.
      if (round % 2 === 0) {
        await ourFetch();
        await theirGet();
      } else {
        await theirGet();
        await ourFetch();
      }
      const opened = join(dir, `opened-${round}`);
      ageOpen.push(await timed(() => runAge(['-d', '-i', identityFile, '-o', opened, downloaded])));
      await rm(opened, { force: true });
      await rm(downloaded, { force: true });
      await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }

    const mbps = (ms: number): number => size / 1e6 / (ms / 1000);
    const sequentialSend = plainUpload.map((ms, i) => ms + (ageSeal[i] as number));
    const sequentialFetch = plainGet.map((ms, i) => ms + (ageOpen[i] as number));
    const spread = (values: number[]): string =>
      `(runs ${values.map((v) => mbps(v).toFixed(0)).join('/')} MB/s)`;
    console.log(
      `transfer ${label(size)}, ${runs} rounds, medians; part size ${partSize / MiB} MiB; exchange and S3 ${sameProcess ? 'in this process' : 'in their own process'}`,
    );
    console.log(
      `send ${label(size)}: load average (1 min) after each round ${sendLoads.map((l) => l.toFixed(1)).join('/')}`,
    );
    printComparison({
      bench: `send ${label(size)} end to end (seal + upload + commit) ${spread(send)}`,
      unit: 'MB/s',
      ours: mbps(median(send)),
      baseline: mbps(median(plainUpload)),
      baselineName: `lib-storage Upload of the sealed file ${spread(plainUpload)}`,
      higherIsBetter: true,
      target: 0.9,
    });
    printComparison({
      bench: `send ${label(size)} end to end vs sequential`,
      unit: 'MB/s',
      ours: mbps(median(send)),
      baseline: mbps(median(sequentialSend)),
      baselineName: '`age -r` to a file, then lib-storage Upload',
      higherIsBetter: true,
    });
    printComparison({
      bench: `send ${label(size)} without the commit (completing the upload and confirming it by HeadObject's checksum, locally as on AWS)`,
      unit: 'MB/s',
      ours: mbps(median(send.map((ms, i) => ms - (commit[i] as number)))),
      baseline: mbps(median(plainUpload)),
      baselineName: 'lib-storage Upload of the sealed file',
      higherIsBetter: true,
      target: 0.9,
    });
    printFigure(
      `send ${label(size)} commit (median; runs ${commit.map((ms) => ms.toFixed(0)).join('/')} ms)`,
      median(commit),
      'ms',
    );
    printComparison({
      bench: `fetch ${label(size)} end to end (download + verify + open) ${spread(fetchOurs)}`,
      unit: 'MB/s',
      ours: mbps(median(fetchOurs)),
      baseline: mbps(median(plainGet)),
      baselineName: 'GetObject of the sealed file to disk',
      higherIsBetter: true,
      target: 0.9,
    });
    printComparison({
      bench: `fetch ${label(size)} client CPU time, all threads (runs ${fetchCpu.map((v) => v.toFixed(0)).join('/')} ms; GetObject ${plainGetCpu.map((v) => v.toFixed(0)).join('/')} ms)`,
      unit: 'ms',
      ours: median(fetchCpu),
      baseline: median(plainGetCpu),
      baselineName: 'GetObject of the sealed file to disk',
      higherIsBetter: false,
    });
    printComparison({
      bench: `fetch ${label(size)} end to end vs sequential`,
      unit: 'MB/s',
      ours: mbps(median(fetchOurs)),
      baseline: mbps(median(sequentialFetch)),
      baselineName: 'GetObject to disk, then `age -d`',
      higherIsBetter: true,
    });
    printMachineCpu(
      `send ${label(size)}`,
      machine.send,
      send,
      'lib-storage Upload',
      machine.upload,
      plainUpload,
    );
    printMachineCpu(
      `fetch ${label(size)}`,
      machine.fetch,
      fetchOurs,
      'GetObject to disk',
      machine.get,
      plainGet,
    );
    for (const [what, cpu] of [
      ['send', machine.send],
      ['lib-storage Upload', machine.upload],
      ['fetch', machine.fetch],
      ['GetObject to disk', machine.get],
    ] as const) {
      const pieces = split.get(cpu);
      if (!pieces || cpu.length === 0) continue;
      const core = (values: readonly number[]): string =>
        values.length === 0 ? '?' : (median(values) / 1000).toFixed(2);
      const others = cpu.map(
        (total, i) => total - (pieces.client[i] ?? 0) - (pieces.exchange[i] ?? 0) - (pieces.kernel[i] ?? 0),
      );
      console.log(
        `${what} ${label(size)} whole-machine CPU by process (medians, core-s): client ${core(pieces.client)} | exchange + S3 ${core(pieces.exchange)} (runs ${pieces.exchange.map((v) => (v / 1000).toFixed(2)).join('/')}) | kernel threads (writeback, softirq) ${core(pieces.kernel)} (runs ${pieces.kernel.map((v) => (v / 1000).toFixed(2)).join('/')}) | everything else ${core(others)}`,
      );
    }
  } finally {
    destroyAwsClients(clients);
    await exchange.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Print how much of the 2-core (or n-core) machine each side used: its CPU time over its wall time. A baseline
 * near the core count is CPU-bound, and then every core-second of work ours adds (sealing, hashing, the
 * storage's checksum check) shows in the time ratio; the last figure is the time ratio that CPU alone allows.
 */
function printMachineCpu(
  what: string,
  oursCpu: readonly number[],
  oursWall: readonly number[],
  baselineName: string,
  baselineCpu: readonly number[],
  baselineWall: readonly number[],
): void {
  if (oursCpu.length === 0 || baselineCpu.length === 0) return;
  const cores = availableParallelism();
  const busy = (cpu: readonly number[], wall: readonly number[]): string =>
    `${(median(cpu) / 1000).toFixed(1)} core-s over ${(median(wall) / 1000).toFixed(1)} s (${(median(cpu) / median(wall)).toFixed(2)} of ${cores} cores)`;
  console.log(
    `${what} whole-machine CPU (client + exchange + storage; runs ${oursCpu.map((v) => (v / 1000).toFixed(1)).join('/')} vs ${baselineCpu.map((v) => (v / 1000).toFixed(1)).join('/')} core-s): ours ${busy(oursCpu, oursWall)} | ${baselineName} ${busy(baselineCpu, baselineWall)} | time ratio if both were CPU-bound ${(median(baselineCpu) / median(oursCpu)).toFixed(2)}`,
  );
}

/** The configuration a bench's own AWS clients use to reach an exchange's embedded servers (logs off). */
export function benchConfig(dataDir: string, embedded: { dynamodbPort: number; s3Port: number }) {
  return loadConfig({
    ...localDefaults(dataDir, { http: 0, dynamodb: embedded.dynamodbPort, s3: embedded.s3Port }),
    POUCH_LOG_LEVEL: 'silent',
  });
}

/**
 * {@link startLocalExchange}'s view that this bench uses, for an exchange run by bench/local-exchange-child.ts;
 * `nodeOptions` go to its node (a profiler, say: bench/send-timeline.ts).
 */
export async function startExchangeProcess(dataDir: string, nodeOptions: readonly string[] = []) {
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      ...nodeOptions,
      '--import',
      'tsx',
      join(here, 'local-exchange-child.ts'),
      dataDir,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const started = await new Promise<{
    url: string;
    demo: { slug: string; home: string; authorityId: string }[];
    dynamodbPort: number;
    s3Port: number;
  }>((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (piece: string) => {
      text += piece;
      if (text.includes('\n')) resolve(JSON.parse(text.slice(0, text.indexOf('\n'))));
    });
    child.once('exit', (code) => reject(new Error(`the exchange process exited with ${code}`)));
  });
  return {
    pid: child.pid,
    url: started.url,
    demo: started.demo,
    embedded: { dynamodbPort: started.dynamodbPort, s3Port: started.s3Port },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    },
  };
}

/** A demo authority's officer (demo keys have no passphrase). */
/** The client, with the time its commit calls took (the exchange completes the upload and confirms it). */
function timedCommits(client: PouchClient): { client: PouchClient; commitMs: () => number } {
  let total = 0;
  const wrapped: PouchClient = {
    ...client,
    getAccessToken: (options) => client.getAccessToken(options),
    clearToken: () => client.clearToken(),
    request: (async (method: string, path: string, options?: object) => {
      const started = performance.now();
      try {
        return await client.request(method as 'POST', path, options);
      } finally {
        if (path.endsWith('/commit')) total += performance.now() - started;
      }
    }) as PouchClient['request'],
  };
  return { client: wrapped, commitMs: () => total };
}

/** The exchange's process id when it runs in a process of its own. */
function exchangePid(exchange: object): number | undefined {
  return 'pid' in exchange && typeof exchange.pid === 'number' ? exchange.pid : undefined;
}

/** CPU time (user + system, all threads) of one process, from /proc/<pid>/stat; undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** utime + stime of a /proc/<pid>/stat line, in ms (USER_HZ 100). */
function statCpuMs(line: string): number {
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU time so far of each of the kernel's own threads (children of kthreadd: writeback workers, ksoftirqd,
 * kswapd), which write the page cache out to disk after a process has long returned from its write. By thread:
 * workers come and go, and only a thread seen at both ends of a measure counts (see {@link kernelDelta}).
 */
function kernelThreadsCpuMs(): Map<string, number> | undefined {
  const threads = new Map<string, number>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const line = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
        if (fields[1] === '2' || entry === '2') threads.set(entry, statCpuMs(line));
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return undefined;
  }
  return threads;
}

/** CPU time the kernel's threads alive at both ends spent in between. */
function kernelDelta(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? ms);
  return total;
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function runAge(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('age', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`age exited with ${code}`))));
  });
}
