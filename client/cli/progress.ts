// CLI (primary adapter): a progress bar for long transfers — bytes, MB/s and ETA on a TTY's stderr, else silent;
// none for small files, speed measured from where this run started (a resume does not count what it skipped), and
// a closing phase ("committing") drawn after the bytes are done, so a long commit is not silence at 100%.

/** Below this many bytes a transfer takes a moment: no bar (one for a 351-byte file is noise). */
export const PROGRESS_MIN_BYTES = 4 * 1000 * 1000;

/** Where the bar is drawn (normally `process.stderr`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Total bytes, when known; without it the bar shows bytes and speed only. */
  total?: number;
  label?: string;
  stream: ProgressStream;
  /** False with `--json` or when the stream is not a TTY: then nothing is ever written. */
  enabled: boolean;
  /** Clock in epoch milliseconds (tests fake it). */
  now?: () => number;
  /** Redraw at most this often. Default 100 ms. */
  minIntervalMs?: number;
  /** Draw nothing when `total` is known and below this (default 0: always draw). */
  minTotalBytes?: number;
  /**
   * What happens once every byte is done, before `finish()` (e.g. `committing`): shown with the seconds it has
   * taken, redrawn each second, so a long final step is visible.
   */
  closingPhase?: string;
}

export interface ProgressBar {
  /** Set the bytes done so far. */
  update(done: number): void;
  /** Add `bytes` to the bytes done. */
  advance(bytes: number): void;
  /** Draw the final state and end the line. Idempotent. */
  finish(): void;
  readonly done: number;
}

export interface ProgressState {
  done: number;
  total?: number;
  elapsedMs: number;
  label?: string;
  /** Terminal width; the bar shrinks to fit and disappears below ~60 columns. */
  columns?: number;
  /**
   * The bytes and time the speed is measured over, when not all of `done` was moved by this run (a resume starts
   * with the parts an earlier run stored). Default: `done` over `elapsedMs`. `null`: nothing measurable yet
   * (speed and ETA are left out).
   */
  measured?: { bytes: number; elapsedMs: number } | null;
  /** A closing phase under way, and for how long: replaces speed and ETA. */
  phase?: { name: string; elapsedMs: number };
}

/** Bytes in SI units (1 kB = 1000 B), as transfer speeds are quoted: `999 B`, `1.5 kB`, `2.75 GB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Throughput in MB/s with one decimal: `34.5 MB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${(Math.max(0, bytesPerSecond) / 1_000_000).toFixed(1)} MB/s`;
}

/** A duration as `m:ss` or `h:mm:ss`; `--:--` when unknown or absurd. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0 || seconds >= 100 * 3600)
    return '--:--';
  const total = Math.ceil(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * One line of progress, without control characters.
 *
 * @example
 * formatProgressLine({ done: 5e8, total: 1e9, elapsedMs: 10_000 });
 * // '[##########----------]  50%  500 MB / 1.00 GB  50.0 MB/s  ETA 0:10'
 */
export function formatProgressLine(state: ProgressState): string {
  const measured =
    state.measured === undefined ? { bytes: state.done, elapsedMs: state.elapsedMs } : state.measured;
  const seconds = (measured?.elapsedMs ?? 0) / 1000;
  const rate = measured && seconds > 0 ? measured.bytes / seconds : 0;
  const parts: string[] = [];
  if (state.label) parts.push(state.label);
  const known = state.total !== undefined && state.total > 0;
  const fraction = known ? Math.min(1, state.done / (state.total as number)) : undefined;
  const size = known
    ? `${formatBytes(state.done)} / ${formatBytes(state.total as number)}`
    : formatBytes(state.done);
  const eta =
    fraction === undefined
      ? undefined
      : fraction >= 1
        ? 0
        : rate > 0
          ? ((state.total as number) - state.done) / rate
          : undefined;
  const tail = [
    ...(fraction === undefined ? [] : [`${String(Math.floor(fraction * 100)).padStart(3)}%`]),
    size,
    ...(state.phase
      ? [`${state.phase.name}… ${Math.floor(state.phase.elapsedMs / 1000)}s`]
      : measured === null
        ? []
        : [formatRate(rate), ...(fraction === undefined ? [] : [`ETA ${formatDuration(eta)}`])]),
  ].join('  ');
  if (fraction !== undefined) {
    const columns = state.columns ?? 80;
    const used = parts.join('  ').length + tail.length + 6;
    const width = Math.min(30, columns - used);
    if (width >= 10) {
      const filled = Math.round(fraction * width);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`);
    }
  }
  parts.push(tail);
  return parts.join('  ');
}

const clearLine = '\r\x1b[2K';

/**
 * Create a progress bar. It writes only when `enabled` and the stream is a TTY, so callers never branch.
 *
 * @example
 * const bar = createProgressBar({ total: size, label: 'upload', stream: process.stderr, enabled: !json });
 * for await (const chunk of source) bar.advance(chunk.byteLength);
 * bar.finish();
 */
export function createProgressBar(options: ProgressOptions): ProgressBar {
  const now = options.now ?? Date.now;
  const minIntervalMs = options.minIntervalMs ?? 100;
  const small = options.total !== undefined && options.total < (options.minTotalBytes ?? 0);
  const active = options.enabled && options.stream.isTTY === true && !small;
  const startedAt = now();
  let done = 0;
  let lastDrawAt = Number.NEGATIVE_INFINITY;
  let finished = false;
  // Speed counts from the first report: a resumed transfer's first report already holds the bytes an earlier
  // run moved, which took no time now (8,504 MB/s otherwise).
  let first: { at: number; done: number } | undefined;
  let phaseStartedAt: number | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;

  const draw = (force: boolean): void => {
    if (!active || finished) return;
    const at = now();
    if (!force && at - lastDrawAt < minIntervalMs) return;
    lastDrawAt = at;
    const line = formatProgressLine({
      done,
      elapsedMs: at - startedAt,
      ...(first
        ? {
            measured: done > first.done ? { bytes: done - first.done, elapsedMs: at - first.at } : null,
          }
        : {}),
      ...(phaseStartedAt !== undefined && options.closingPhase
        ? { phase: { name: options.closingPhase, elapsedMs: at - phaseStartedAt } }
        : {}),
      ...(options.total === undefined ? {} : { total: options.total }),
      ...(options.label === undefined ? {} : { label: options.label }),
      ...(options.stream.columns === undefined ? {} : { columns: options.stream.columns }),
    });
    options.stream.write(`${clearLine}${line}`);
  };

  const reported = (): void => {
    first ??= { at: now(), done };
    const complete = options.total !== undefined && done >= options.total;
    if (complete && options.closingPhase && phaseStartedAt === undefined && active) {
      phaseStartedAt = now();
      ticker = setInterval(() => draw(true), 1000);
      ticker.unref?.();
      draw(true);
      return;
    }
    draw(false);
  };

  return {
    get done() {
      return done;
    },
    update(value) {
      done = Math.max(0, value);
      reported();
    },
    advance(bytes) {
      // The first report is the baseline the speed is measured from (see `first`).
      if (first === undefined) first = { at: now(), done };
      done += Math.max(0, bytes);
      reported();
    },
    finish() {
      if (ticker) clearInterval(ticker);
      ticker = undefined;
      phaseStartedAt = undefined;
      draw(true);
      if (active && !finished) options.stream.write('\n');
      finished = true;
    },
  };
}
