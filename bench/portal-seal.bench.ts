// Benchmark: the portal's sealing throughput in Debian's chromium (the transfer worker: age sealing, plaintext,
// sealed and per-part SHA-256, written to the origin-private file system) next to the CLI's (sealFile) on the
// same size, as a ratio, with where the portal's time went; plus the built app's size and its time to first
// render.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'vite';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import { sealFile } from '../shared/crypto/age-native.ts';
import { launchChromium } from '../tests/support/portal-browser.ts';
import { median, printComparison, printFigure, timeInterleaved } from './report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const exec = promisify(execFile);
const MiB = 1024 * 1024;
const RUNS = 3;

/** `POUCH_BENCH_QUICK=1` seals 32 MiB instead of 256 MiB; `POUCH_BENCH_SEAL_MIB=64` any size. */
export async function run(): Promise<void> {
  const size =
    Number(process.env.POUCH_BENCH_SEAL_MIB ?? (process.env.POUCH_BENCH_QUICK === '1' ? 32 : 256)) * MiB;
  const dir = join(here, '.tmp', `portal-seal-${process.pid}`);
  await mkdir(dir, { recursive: true });
  await build({ configFile: resolve(here, '../portal/vite.config.ts'), logLevel: 'warn' });
  const assets = join(here, '../portal/dist/assets');
  const files = await readdir(assets);
  let total = 0;
  for (const f of files) total += (await stat(join(assets, f))).size;
  printFigure('portal bundle (all assets, uncompressed)', total / 1024, 'KiB', `(${files.join(', ')})`);
  const worker = files.find((f) => f.startsWith('transfer-worker-'));
  if (!worker) throw new Error('no transfer worker in the build');

  const exchange = await startLocalExchange({
    dataDir: join(dir, 'exchange'),
    port: 0,
    env: { POUCH_LOG_LEVEL: 'silent' },
    checkpointIntervalMs: 0,
    portalDir: resolve(here, '../portal/dist'),
  });
  const browser = await launchChromium();
  try {
    const keyFile = join(dir, 'identity.key');
    await exec('age-keygen', ['-o', keyFile]);
    const recipient = (await exec('age-keygen', ['-y', keyFile])).stdout.trim();
    const input = join(dir, 'plain.bin');
    await writeRandom(input, size);

    const page = await browser.newPage();
    const started = performance.now();
    await page.goto(`${exchange.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Pouch' }).waitFor();
    printFigure('portal time to first render (sign-in page, local)', performance.now() - started, 'ms');
    await page.evaluate((bytes) => {
      const block = crypto.getRandomValues(new Uint8Array(65_536));
      const parts: Uint8Array[] = [];
      for (let done = 0; done < bytes; done += block.length) parts.push(block);
      (globalThis as { benchBlob?: Blob }).benchBlob = new Blob(parts as BlobPart[]);
    }, size);
    const profiles: Array<Record<string, number>> = [];
    const sealInChromium = async () => {
      const profile = await page.evaluate(
        ({ workerUrl, recipients }) =>
          new Promise<Record<string, number>>((done, fail) => {
            const w = new Worker(workerUrl, { type: 'module' });
            w.onmessage = (
              event: MessageEvent<{ type: string; message?: string; profile?: Record<string, number> }>,
            ) => {
              if (event.data.type === 'sealed') {
                w.terminate();
                done(event.data.profile ?? {});
              } else if (event.data.type === 'failed') {
                w.terminate();
                fail(new Error(event.data.message));
              }
            };
            const file = (globalThis as { benchBlob?: Blob }).benchBlob;
            w.postMessage({ type: 'seal', id: 1, file, recipients, target: 'bench.age' });
          }),
        { workerUrl: `/assets/${worker}`, recipients: [recipient] },
      );
      profiles.push(profile);
    };
    const sealed = join(dir, 'cli.age');
    const [portalMs, cliMs] = await timeInterleaved(RUNS, [
      { run: sealInChromium },
      { prepare: () => rm(sealed, { force: true }), run: () => sealFile(input, sealed, [recipient]) },
    ]);
    printComparison({
      bench: `portal seal ${size / MiB} MiB in chromium (seal workers: age ranges and part SHA-256; plaintext and sealed SHA-256 in two hash workers; OPFS)`,
      unit: 'MB/s',
      ours: size / 1e6 / (median(portalMs) / 1000),
      baseline: size / 1e6 / (median(cliMs) / 1000),
      baselineName: 'CLI sealFile',
      higherIsBetter: true,
    });
    // The warm-up run is the first; medians over the timed ones.
    const timed = profiles.slice(1);
    const stages = Object.keys(timed[0] ?? {});
    console.log(
      `  portal profile, median ms of ${timed.length} (worker stages summed over seal workers): ${stages
        .map((k) => `${k} ${median(timed.map((p) => p[k] ?? 0)).toFixed(0)}`)
        .join(', ')}`,
    );
  } finally {
    await browser.close();
    await exchange.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeRandom(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  const block = randomBytes(MiB);
  for (let done = 0; done < size; done += MiB) {
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
}
