// Benchmark support: timing, medians and the one-line "ours vs baseline" report every bench prints.

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
