// Profiling tool (issue 16, not a bench run by `npm run bench`): times each stage of `pouch fetch` alone against
// the embedded S3 (a GetObject to disk; one plain GET, to disk and dropped; ranged GETs at several sizes and
// concurrencies into a spool; hashing; opening a file already on disk; the whole one-pass fetchAndOpen),
// interleaved, medians of the wall time and of this process's CPU time (all threads; user and system) and of the
// main thread's garbage collection (minor, and major: a major one marks the whole heap).
// `node --import tsx bench/fetch-stages.ts [--same-process]`; POUCH_BENCH_TRANSFER_SIZE (default 256M),
// POUCH_BENCH_RUNS (default 3). By default the S3 server runs in a separate process, as real storage would.
// POUCH_BENCH_STAGES=<regexp> runs only the stages it matches; POUCH_BENCH_COMPARE=<module path> also runs that
// module's fetchAndOpen (an older version, say) beside this one, for an A/B in the same run;
// POUCH_BENCH_VERBOSE=1 prints the socket reads' count and mean size.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { fetchAndOpen } from '../client/transfer/fetch-open.ts';
import { startEmbeddedServers } from '../server/local/embedded-servers.ts';
import { deriveRecipient, generateIdentity } from '../shared/crypto/age-keys.ts';
import { openFile, sealFile } from '../shared/crypto/age-native.ts';
import { median } from './report.ts';

const thisFile = fileURLToPath(import.meta.url);
const here = dirname(thisFile);
const MiB = 1024 * 1024;
const SERVE_FLAG = '--serve';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const size = Number(/^(\d+)M$/i.exec(process.env.POUCH_BENCH_TRANSFER_SIZE ?? '256M')?.[1] ?? 256) * MiB;
  const runs = Number(process.env.POUCH_BENCH_RUNS ?? 3);
  const sameProcess = process.argv.includes('--same-process');
  const dir = join(here, '.tmp', `fetch-stages-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const server = sameProcess ? await serveHere(join(dir, 's3')) : await serveInChild(join(dir, 's3'));
  const s3 = new S3Client({
    region: 'local',
    endpoint: `http://127.0.0.1:${server.port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'stages' }));
    const { identity } = await generateIdentity();
    const plain = join(dir, 'plain.img');
    await pipeline(
      (async function* () {
        const block = randomBytes(64 * MiB);
        for (let done = 0; done < size; done += block.length)
          yield block.subarray(0, Math.min(block.length, size - done));
      })(),
      createWriteStream(plain),
    );
    const identityFile = join(dir, 'identity.txt');
    await writeFile(identityFile, `${identity}\n`, { mode: 0o600 });
    const sealed = join(dir, 'sealed.age');
    const digests = await sealFile(plain, sealed, [await deriveRecipient(identity)]);
    await new Upload({
      client: s3,
      params: { Bucket: 'stages', Key: 'sealed', Body: createReadStream(sealed) },
      partSize: 64 * MiB,
      queueSize: 2,
    }).done();
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'stages', Key: 'sealed' }), {
      expiresIn: 3600,
    });
    const out = join(dir, 'out');
    // POUCH_BENCH_COMPARE: a module exporting another fetchAndOpen (an older version), run beside this one (A/B).
    const openers: Record<string, typeof fetchAndOpen> = { '': fetchAndOpen };
    if (process.env.POUCH_BENCH_COMPARE) {
      openers[' (compared)'] = (
        (await import(process.env.POUCH_BENCH_COMPARE)) as { fetchAndOpen: typeof fetchAndOpen }
      ).fetchAndOpen;
    }
    const stages: Array<[string, () => Promise<unknown>]> = [
      [
        'GetObject (SDK) to disk',
        async () => {
          const answer = await s3.send(new GetObjectCommand({ Bucket: 'stages', Key: 'sealed' }));
          await pipeline(answer.Body as Readable, createWriteStream(out));
        },
      ],
      ['one plain GET (node:http) to disk', () => plainGet(url, out)],
      ['one plain GET (node:http), bytes dropped', () => plainGetDropped(url)],
      ['ranged 8 MiB x4 into a spool', () => rangedGets(url, out, digests.sealedSize, 8 * MiB, 4)],
      ['ranged 32 MiB x4 into a spool', () => rangedGets(url, out, digests.sealedSize, 32 * MiB, 4)],
      ['ranged 64 MiB x2 into a spool', () => rangedGets(url, out, digests.sealedSize, 64 * MiB, 2)],
      ['SHA-256 of the sealed file', () => hashOf(sealed)],
      ['openFile (three threads) from disk', () => openFile(sealed, out, [identity], { parallel: true })],
      [
        'openFile (one thread, streams) from disk',
        () => openFile(sealed, out, [identity], { parallel: false }),
      ],
      [
        'age -d from disk (its CPU is in a child process, not counted)',
        () => runAge(['-d', '-i', identityFile, '-o', out, sealed]),
      ],
      ...[
        [8 * MiB, 4],
        [32 * MiB, 4],
        [64 * MiB, 2],
      ].flatMap(
        ([range, concurrency]): Array<[string, () => Promise<unknown>]> =>
          Object.entries(openers).map(([name, fetchOpen]) => [
            `fetchAndOpen${name} ${(range as number) / MiB} MiB x${concurrency}`,
            async () => {
              const work = join(dir, 'work');
              await rm(work, { recursive: true, force: true });
              await mkdir(work, { recursive: true, mode: 0o700 });
              await fetchOpen({
                url,
                workDir: work,
                identities: [identity],
                rangeBytes: range as number,
                concurrency: concurrency as number,
                expected: digests,
              });
              await rm(work, { recursive: true, force: true });
            },
          ]),
      ),
    ];
    // POUCH_BENCH_STAGES: a regular expression; only the stages whose name matches run.
    const only = process.env.POUCH_BENCH_STAGES ? new RegExp(process.env.POUCH_BENCH_STAGES, 'i') : undefined;
    if (only) stages.splice(0, stages.length, ...stages.filter(([name]) => only.test(name)));
    const times = stages.map((): number[] => []);
    /** This process's CPU time per stage, all threads (the S3 child's not included): steadier than wall time. */
    const cpu = stages.map((): number[] => []);
    const system = stages.map((): number[] => []);
    /** Main-thread garbage collection per stage: [minor ms, major ms] (a major GC marks the whole heap). */
    const gc = stages.map((): [number, number][] => []);
    let gcNow: [number, number] = [0, 0];
    const gcWatch = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        gcNow[kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? 0 : 1] += entry.duration;
      }
    });
    gcWatch.observe({ entryTypes: ['gc'] });
    for (let round = -1; round < runs; round++) {
      for (const [index, [, stage]] of stages.entries()) {
        await rm(out, { force: true });
        const usage = process.cpuUsage();
        const started = performance.now();
        gcNow = [0, 0];
        await stage();
        await new Promise((resolve) => setImmediate(resolve));
        if (round >= 0) {
          times[index]!.push(performance.now() - started);
          const spent = process.cpuUsage(usage);
          cpu[index]!.push((spent.user + spent.system) / 1000);
          system[index]!.push(spent.system / 1000);
          gc[index]!.push(gcNow);
        }
      }
    }
    console.log(
      `fetch stages, ${size / MiB} MiB, ${runs} runs, S3 ${sameProcess ? 'in this process' : 'in a separate process'}`,
    );
    for (const [index, [name]] of stages.entries()) {
      const mbps = times[index]!.map((ms) => size / 1e6 / (ms / 1000));
      console.log(
        `${name}: median ${median(mbps).toFixed(0)} MB/s (runs ${mbps.map((v) => v.toFixed(0)).join('/')}); CPU ${median(cpu[index]!).toFixed(0)} ms (system ${median(system[index]!).toFixed(0)}; main-thread GC minor ${median(gc[index]!.map((g) => g[0])).toFixed(0)} major ${median(gc[index]!.map((g) => g[1])).toFixed(0)})`,
      );
    }
    gcWatch.disconnect();
  } finally {
    s3.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function plainGet(url: string, path: string): Promise<void> {
  const response = await new Promise<IncomingMessage>((resolve, reject) =>
    httpRequest(url, resolve).on('error', reject).end(),
  );
  await pipeline(response, createWriteStream(path));
}

/** One GET read to its end and dropped: the cost of receiving alone, with the sizes of the socket reads. */
async function plainGetDropped(url: string): Promise<void> {
  const response = await new Promise<IncomingMessage>((resolve, reject) =>
    httpRequest(url, resolve).on('error', reject).end(),
  );
  let chunks = 0;
  let bytes = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks++;
    bytes += chunk.length;
  }
  if (process.env.POUCH_BENCH_VERBOSE)
    console.log(`  ${chunks} reads of ${(bytes / chunks / 1024).toFixed(1)} KiB on average`);
}

async function rangedGets(url: string, path: string, size: number, range: number, concurrency: number) {
  const spool = await open(path, 'w+', 0o600);
  const queue = Array.from({ length: Math.ceil(size / range) }, (_, i) => i);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          const start = index * range;
          const end = Math.min(size, start + range) - 1;
          const response = await new Promise<IncomingMessage>((resolve, reject) =>
            httpRequest(url, { headers: { range: `bytes=${start}-${end}` } }, resolve)
              .on('error', reject)
              .end(),
          );
          let position = start;
          for await (const chunk of response as AsyncIterable<Buffer>) {
            await spool.write(chunk, 0, chunk.length, position);
            position += chunk.length;
          }
        }
      }),
    );
  } finally {
    await spool.close();
  }
}

function runAge(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('age', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`age exited with ${code}`))));
  });
}

async function hashOf(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function serveHere(dataDir: string): Promise<{ port: number; close(): Promise<void> }> {
  const servers = await startEmbeddedServers({ dataDir, persistDynamo: false });
  return { port: servers.s3Port, close: () => servers.close() };
}

async function serveInChild(dataDir: string): Promise<{ port: number; close(): Promise<void> }> {
  const child = spawn(process.execPath, [...process.execArgv, thisFile, SERVE_FLAG, dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (text: string) => resolve(Number(text.trim())));
    child.once('exit', (code) => reject(new Error(`the S3 child exited with ${code}`)));
  });
  return {
    port,
    async close() {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

if (process.argv[2] === SERVE_FLAG) {
  const servers = await startEmbeddedServers({ dataDir: process.argv[3] as string, persistDynamo: false });
  process.stdout.write(`${servers.s3Port}\n`);
  process.stdin.resume().on('end', () => void servers.close().then(() => process.exit(0)));
} else {
  await main();
}
