// Benchmark (issue 16): peak RSS of the real `pouch` bin (client/bin/pouch.mjs on plain Node, running the CLI
// bundle) for `pouch send` and `pouch fetch` against a local exchange in its own process, and how flat it stays as
// the file grows. POUCH_BENCH_RSS_SIZES (default: the transfer bench's size, 1G; e.g. `1G,4G` for the flatness
// figure) and POUCH_BENCH_RSS_RUNS (default 1; medians over runs) set the work. `npm run bench transfer-rss`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printFigure } from './report.ts';
import { label, parseSize, startExchangeProcess, writeRepeatedRandom } from './transfer.bench.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');
const bin = join(repoRoot, 'client/bin/pouch.mjs');
const MiB = 1024 * 1024;
const TARGET_MB = 200;
/** "Flat": the largest size's peak at most this much above the smallest's. */
const FLATNESS_TARGET = 1.1;

/** Runs the peak-RSS benchmark. */
export async function run(): Promise<void> {
  const fallback = parseSize(
    process.env.POUCH_BENCH_TRANSFER_SIZE,
    process.env.POUCH_BENCH_QUICK === '1' ? 64 * MiB : 1024 * MiB,
  );
  const sizes = (process.env.POUCH_BENCH_RSS_SIZES?.split(',') ?? [undefined])
    .map((text) => parseSize(text, fallback))
    .sort((a, b) => a - b);
  const runs = Math.max(1, Number(process.env.POUCH_BENCH_RSS_RUNS ?? 1));
  const dir = join(here, '.tmp', `transfer-rss-${process.pid}`);
  await mkdir(dir, { recursive: true });
  // The bundle as `prepare` left it, or rebuilt now: a rebuild inside a measured run would count esbuild's memory.
  execFileSync(bin, ['--help'], {
    stdio: 'ignore',
    env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
  });
  const exchange = await startExchangeProcess(join(dir, 'exchange'));
  try {
    const north = demoOf(exchange, 'northland');
    const south = demoOf(exchange, 'southmark');
    const idle = await measuredPouch(north.home, exchange.url, ['--help']);
    printFigure('pouch --help peak RSS (the bin before any transfer)', idle.peakMb, 'MB');
    const peaks = new Map<number, { send: number[]; fetch: number[] }>(
      sizes.map((size) => [size, { send: [], fetch: [] }]),
    );
    for (const size of sizes) await writeRepeatedRandom(join(dir, `input-${size}`), size);
    // Sizes interleaved within each round, so a load change on the shared machine hits every size alike.
    for (let round = 0; round < runs; round++) {
      for (const size of sizes) {
        const sent = await measuredPouch(north.home, exchange.url, [
          '--json',
          'send',
          '--to',
          south.authorityId,
          '--kind',
          'mla',
          '--urgency',
          'normal',
          '--reference',
          `RSS-${size}-${round}`,
          join(dir, `input-${size}`),
        ]);
        const { exchangeId } = JSON.parse(sent.stdout) as { exchangeId: string };
        const out = join(dir, `out-${size}`);
        const fetched = await measuredPouch(south.home, exchange.url, [
          '--json',
          'fetch',
          exchangeId,
          '--out',
          out,
        ]);
        await rm(out, { recursive: true, force: true });
        peaks.get(size)?.send.push(sent.peakMb);
        peaks.get(size)?.fetch.push(fetched.peakMb);
      }
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    for (const command of ['send', 'fetch'] as const) {
      for (const size of sizes) {
        const values = peaks.get(size)?.[command] ?? [];
        printFigure(
          `peak RSS ${command} ${label(size)}${runs > 1 ? ` (median of ${runs})` : ''}`,
          median(values),
          'MB',
          `(target <= ${TARGET_MB}; runs ${values.map((v) => v.toFixed(0)).join('/')}; load ${load})`,
        );
      }
      if (sizes.length > 1) {
        const smallest = sizes[0] as number;
        const largest = sizes[sizes.length - 1] as number;
        const ratio =
          median(peaks.get(largest)?.[command] ?? []) / median(peaks.get(smallest)?.[command] ?? []);
        console.log(
          `peak RSS ${command} flatness ${label(largest)} / ${label(smallest)}: ratio ${ratio.toFixed(2)} (target <= ${FLATNESS_TARGET})`,
        );
      }
    }
  } finally {
    await exchange.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function demoOf(
  exchange: { demo: readonly { slug: string; home: string; authorityId: string }[] },
  slug: string,
) {
  const found = exchange.demo.find((d) => d.slug === slug);
  if (!found) throw new Error(`no demo authority ${slug}`);
  return found;
}

/**
 * Run the real bin as a user does (`pouch ...`: client/bin/pouch.mjs through its shebang) and return its stdout and
 * peak RSS: GNU time's maximum resident set size when /usr/bin/time exists (exact, read by the kernel at exit),
 * else the largest VmHWM (the kernel's own high-water mark) polled from /proc every 20 ms.
 */
async function measuredPouch(
  home: string,
  url: string,
  args: readonly string[],
): Promise<{ peakMb: number; stdout: string }> {
  const timeFile = `${home}.time-${process.pid}`;
  const useTime = existsSync('/usr/bin/time');
  const argv = ['--profile', 'officer', ...args];
  // Executed through its shebang, as `pouch` on the PATH is, with this Node first on the PATH.
  const env = {
    ...process.env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
    POUCH_HOME: home,
    POUCH_URL: url,
  };
  const child = useTime
    ? spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, bin, ...argv], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env,
      })
    : spawn(bin, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  let hwmKb = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (match) hwmKb = Math.max(hwmKb, Number(match[1]));
        } catch {
          // Exited between polls.
        }
      }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (poll) clearInterval(poll);
  if (code !== 0) throw new Error(`pouch ${args.join(' ')} exited with ${code}`);
  if (useTime) {
    hwmKb = Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop());
    await rm(timeFile, { force: true });
  }
  return { peakMb: (hwmKb * 1024) / 1e6, stdout };
}
