// Benchmark: native age sealing/opening throughput against the age CLI (interleaved runs), and peak RSS at 1 and 4 GiB.
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openFile, sealFile } from '../shared/crypto/age-native.ts';
import { writeRepeatedRandom } from './random-input.ts';
import { median, ownPeakRssKb, printComparison, printFigure, timeInterleaved } from './report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const thisFile = fileURLToPath(import.meta.url);
const binPath = join(here, '..', 'client', 'bin', 'pouch.mjs');
const exec = promisify(execFile);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RUNS = 5;
const CHILD_FLAG = '--rss-child';

/** Runs the whole seal benchmark; `POUCH_BENCH_QUICK=1` shrinks every size to tens of MiB. */
export async function run(): Promise<void> {
  const quick = process.env.POUCH_BENCH_QUICK === '1';
  const size = quick ? 64 * MiB : GiB;
  const rssSizes = quick ? [64 * MiB, 128 * MiB] : [GiB, 4 * GiB];
  const dir = join(here, '.tmp', `seal-${process.pid}`);
  await mkdir(dir, { recursive: true });
  try {
    const keyFile = join(dir, 'identity.key');
    await exec('age-keygen', ['-o', keyFile]);
    const recipient = (await exec('age-keygen', ['-y', keyFile])).stdout.trim();
    const identity = (await readFile(keyFile, 'utf8'))
      .split('\n')
      .find((l) => l.startsWith('AGE-SECRET-KEY-1'));
    if (identity === undefined) throw new Error('age-keygen wrote no identity');
    const input = join(dir, 'plain.bin');
    await writeRepeatedRandom(input, size);
    const label = formatSize(size);

    const ours = join(dir, 'ours.age');
    const theirs = join(dir, 'theirs.age');
    const [oursMs, ageMs] = await timeInterleaved(RUNS, [
      { prepare: () => resetOutput(ours), run: () => sealFile(input, ours, [recipient]) },
      { prepare: () => resetOutput(theirs), run: () => exec('age', ['-r', recipient, '-o', theirs, input]) },
    ]);
    printComparison({
      bench: `seal ${label} to file (ours incl. plaintext + sealed SHA-256)`,
      unit: 'MB/s',
      ours: throughput(size, median(oursMs)),
      baseline: throughput(size, median(ageMs)),
      baselineName: 'age -r',
      higherIsBetter: true,
      target: 0.7, // issue 16
    });

    const openedOurs = join(dir, 'opened-ours.bin');
    const openedAge = join(dir, 'opened-age.bin');
    const [openOursMs, openAgeMs] = await timeInterleaved(RUNS, [
      { prepare: () => resetOutput(openedOurs), run: () => openFile(theirs, openedOurs, [identity]) },
      {
        prepare: () => resetOutput(openedAge),
        run: () => exec('age', ['-d', '-i', keyFile, '-o', openedAge, theirs]),
      },
    ]);
    if ((await stat(openedOurs)).size !== size) throw new Error('opened size differs from the plaintext');
    printComparison({
      bench: `open ${label} age-sealed file (ours incl. both SHA-256)`,
      unit: 'MB/s',
      ours: throughput(size, median(openOursMs)),
      baseline: throughput(size, median(openAgeMs)),
      baselineName: 'age -d',
      higherIsBetter: true,
      target: 0.5,
    });
    await Promise.all([ours, theirs, openedOurs, openedAge].map((f) => rm(f, { force: true })));

    const settings = await readBinSettings();
    const child = await bundleChild(join(dir, 'seal-rss-child.mjs'));
    for (const rssSize of rssSizes) {
      // Both sizes are real files, so the figure is for the path the CLI takes (two seal workers above 32 MiB).
      const source = rssSize === size ? input : join(dir, `plain-${rssSize}.bin`);
      if (source !== input) await writeRepeatedRandom(source, rssSize);
      const rssMb = await measureSealRss(child, source, join(dir, 'rss.age'), recipient, settings);
      await rm(join(dir, 'rss.age'), { force: true });
      if (source !== input) await rm(source, { force: true });
      printFigure(
        `seal ${formatSize(rssSize)} peak RSS (child bundled and run as the bin is: ${settings.text})`,
        rssMb,
        'MB',
        '(target < 200 MB)',
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Remove the previous output and flush dirty pages, so every timed run starts from the same writeback state:
 * a gigabyte of someone else's dirty pages can otherwise stall a run's writes for a second.
 */
async function resetOutput(path: string): Promise<void> {
  await rm(path, { force: true });
  await exec('sync');
}

/** The environment and Node flags the real bin runs with: its shebang (`#!/usr/bin/env -S VAR=x node --flag`). */
interface BinSettings {
  readonly env: Record<string, string>;
  readonly nodeFlags: readonly string[];
  readonly text: string;
}

/**
 * Read the settings from client/bin/pouch.mjs's shebang, so the RSS child runs the seal as `pouch send` does
 * (the launcher owns them; see its header for why they keep the peak low) without a second copy here.
 */
async function readBinSettings(): Promise<BinSettings> {
  const firstLine = (await readFile(binPath, 'utf8')).split('\n', 1)[0] ?? '';
  const words = firstLine.replace(/^#!\S*env -S /, '').split(/\s+/);
  const node = words.indexOf('node');
  if (!firstLine.startsWith('#!') || node < 0)
    throw new Error(`unexpected shebang in ${binPath}: ${firstLine}`);
  const env = Object.fromEntries(words.slice(0, node).map((word) => word.split('=', 2) as [string, string]));
  const nodeFlags = words.slice(node + 1);
  return { env, nodeFlags, text: [...words.slice(0, node), ...nodeFlags].join(' ') };
}

/**
 * Bundle this file for the RSS child with the bin's esbuild options: the real bin runs one bundle on plain Node,
 * so the child carries no TypeScript loader (tsx alone adds about 50 MB of RSS).
 */
async function bundleChild(outfile: string): Promise<string> {
  const { build } = await import('esbuild');
  // Imported here, not at the top: the child is this file's bundle, and build-cli.mjs run at its top level
  // takes the bundle for its own command line and starts a CLI build. Bundled, a dynamic import only runs when
  // called, which the child never does.
  const { nodeBundleOptions } = await import('../client/bin/build-cli.mjs');
  await build({ ...nodeBundleOptions, entryPoints: [thisFile], outfile });
  return outfile;
}

/** Seal in a fresh Node process running the bundled child with the bin's settings; its peak RSS in MB. */
async function measureSealRss(
  childBundle: string,
  source: string,
  output: string,
  recipient: string,
  settings: BinSettings,
): Promise<number> {
  const child = spawn(
    process.execPath,
    [...settings.nodeFlags, childBundle, CHILD_FLAG, source, output, recipient],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...settings.env },
    },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`RSS child exited with ${code}`);
  const { maxRssKb } = JSON.parse(stdout) as { maxRssKb: number };
  return (maxRssKb * 1024) / 1e6;
}

/** Child side of {@link measureSealRss}: seal one file and report its peak RSS (VmHWM). */
async function runRssChild(source: string, output: string, recipient: string): Promise<void> {
  await sealFile(source, output, [recipient]);
  process.stdout.write(JSON.stringify({ maxRssKb: ownPeakRssKb() }));
}

function throughput(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

function formatSize(bytes: number): string {
  return bytes >= GiB ? `${bytes / GiB} GiB` : `${bytes / MiB} MiB`;
}

// The child runs this file's bundle, so `thisFile` is then the bundle's path.
if (process.argv[1] === thisFile && process.argv[2] === CHILD_FLAG) {
  const [source, output, recipient] = process.argv.slice(3);
  if (source === undefined || output === undefined || recipient === undefined)
    throw new Error('bad child args');
  await runRssChild(source, output, recipient);
}
