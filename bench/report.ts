// Benchmark support: timing, medians and the one-line "ours vs baseline" report every bench prints.
import { readFileSync } from 'node:fs';

/** Median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Run `fn` `runs` times and return the duration of each run in milliseconds. */
export async function timeRuns(runs: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

/** One side of an interleaved comparison: `prepare` runs untimed before every `run`. */
export interface Contender {
  prepare?: () => Promise<unknown>;
  run: () => Promise<unknown>;
}

/**
 * Time several contenders in alternation (A B A B ...) after one untimed warm-up round, and return each one's
 * durations in milliseconds. Alternating spreads the machine's drift (page-cache writeback, neighbours) over
 * both sides instead of charging it to whichever ran second.
 */
export async function timeInterleaved<const T extends readonly Contender[]>(
  runs: number,
  contenders: T,
): Promise<{ [K in keyof T]: number[] }> {
  const out = contenders.map((): number[] => []) as { [K in keyof T]: number[] };
  for (let round = -1; round < runs; round++) {
    for (const [index, contender] of contenders.entries()) {
      await contender.prepare?.();
      const start = performance.now();
      await contender.run();
      if (round >= 0) (out[index] as number[]).push(performance.now() - start);
    }
  }
  return out;
}

/**
 * Print one comparison line. `higherIsBetter` says how to read the ratio: for throughput the ratio is
 * ours / baseline, for durations it is baseline / ours, so a ratio above 1 always means "we are faster".
 */
export function printComparison(opts: {
  bench: string;
  unit: string;
  ours: number;
  baseline: number;
  baselineName: string;
  higherIsBetter: boolean;
  target?: number;
}): void {
  const ratio = opts.higherIsBetter ? opts.ours / opts.baseline : opts.baseline / opts.ours;
  const target = opts.target === undefined ? '' : ` (target >= ${opts.target})`;
  console.log(
    `${opts.bench}: ours ${fmt(opts.ours)} ${opts.unit} | ${opts.baselineName} ${fmt(opts.baseline)} ${opts.unit} | ratio ${ratio.toFixed(2)}${target}`,
  );
}

/** Print a plain figure with no baseline (sizes, memory). */
export function printFigure(bench: string, value: number, unit: string, note = ''): void {
  console.log(`${bench}: ${fmt(value)} ${unit}${note ? ` ${note}` : ''}`);
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

/**
 * CPU time of the whole machine so far (every process and thread, user + system + interrupts), in milliseconds,
 * from Linux's /proc/stat; undefined elsewhere. A bench whose client and storage share the machine reads it
 * around each side to show how much of the machine each used, and so whether the baseline left any core idle.
 */
export function machineCpuMs(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(0, text.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...: all but idle and iowait were spent running something.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / clockTicksPerSecond;
}

/** USER_HZ, the unit of /proc/stat: 100 on every Linux architecture Node runs on. */
const clockTicksPerSecond = 100;

/**
 * This process's peak resident set in kB: VmHWM from Linux's /proc/self/status. Not getrusage's maxRSS
 * (`process.resourceUsage().maxRSS`): Linux carries the maxRSS of the process image before exec over to the
 * exec'd program, so a child forked from a benchmark (hundreds of MB after its timed runs) reports the parent's
 * size at the fork instead of its own. VmHWM belongs to this process's own address space. An RSS child reads it
 * once its work is done.
 */
export function ownPeakRssKb(): number {
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!hwm?.[1]) throw new Error('no VmHWM in /proc/self/status');
  return Number(hwm[1]);
}
