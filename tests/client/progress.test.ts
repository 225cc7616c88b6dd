// Tests for the CLI progress bar: number formatting, the line layout, and silence off a TTY or with --json.
import { describe, expect, it } from 'vitest';
import { createCommandContext } from '../../client/cli/command-context.ts';
import {
  createProgressBar,
  formatBytes,
  formatDuration,
  formatProgressLine,
  formatRate,
  PROGRESS_MIN_BYTES,
} from '../../client/cli/progress.ts';

function captureStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 100, write: (chunk: string) => chunks.push(chunk) } };
}

describe('progress formatting', () => {
  it('formats bytes in SI units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.50 kB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(123_456_789)).toBe('123 MB');
    expect(formatBytes(2_750_000_000)).toBe('2.75 GB');
  });

  it('formats throughput in MB/s and durations as m:ss or h:mm:ss', () => {
    expect(formatRate(34_500_000)).toBe('34.5 MB/s');
    expect(formatRate(0)).toBe('0.0 MB/s');
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(42.1)).toBe('0:43');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(undefined)).toBe('--:--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--:--');
  });

  it('lays out bar, percent, sizes, speed and ETA', () => {
    expect(
      formatProgressLine({ done: 500_000_000, total: 1_000_000_000, elapsedMs: 10_000, columns: 100 }),
    ).toBe('[###############---------------]   50%  500 MB / 1.00 GB  50.0 MB/s  ETA 0:10');
    expect(formatProgressLine({ done: 0, total: 1000, elapsedMs: 0, label: 'up' })).toBe(
      'up  [------------------------------]    0%  0 B / 1.00 kB  0.0 MB/s  ETA --:--',
    );
  });

  it('drops the bar on narrow terminals and the percent and ETA when the total is unknown', () => {
    expect(formatProgressLine({ done: 1_000_000, total: 2_000_000, elapsedMs: 1000, columns: 50 })).toBe(
      ' 50%  1.00 MB / 2.00 MB  1.0 MB/s  ETA 0:01',
    );
    expect(formatProgressLine({ done: 3_000_000, elapsedMs: 2000 })).toBe('3.00 MB  1.5 MB/s');
  });
});

describe('createProgressBar', () => {
  it('draws on a TTY, throttled, and ends the line on finish', () => {
    let clock = 0;
    const { chunks, stream } = captureStream(true);
    const bar = createProgressBar({
      total: 100,
      stream,
      enabled: true,
      now: () => clock,
      minIntervalMs: 100,
    });
    bar.advance(10);
    clock = 50;
    bar.advance(10); // throttled
    clock = 150;
    bar.update(60);
    bar.finish();
    bar.finish();
    expect(chunks).toHaveLength(4);
    expect(chunks[0]?.startsWith('\r\u001b[2K')).toBe(true);
    expect(chunks[0]).toContain(' 10%');
    expect(chunks[1]).toContain(' 60%');
    expect(chunks.at(-1)).toBe('\n');
    expect(bar.done).toBe(60);
  });

  it('is silent when stderr is not a TTY or output is --json', () => {
    const pipe = captureStream(false);
    const quiet = createProgressBar({ total: 10, stream: pipe.stream, enabled: true });
    quiet.advance(5);
    quiet.finish();
    const tty = captureStream(true);
    const json = createProgressBar({ total: 10, stream: tty.stream, enabled: false });
    json.advance(5);
    json.finish();
    expect([...pipe.chunks, ...tty.chunks]).toEqual([]);
  });
});

describe('progress bar: threshold, resume speed and closing phase (issue 15)', () => {
  it('draws no bar for a transfer below the threshold, and does for one above it', () => {
    const small = captureStream(true);
    const bar = createProgressBar({ total: 351, stream: small.stream, enabled: true, minTotalBytes: 4e6 });
    bar.update(351);
    bar.finish();
    expect(small.chunks).toEqual([]);
    const large = captureStream(true);
    const big = createProgressBar({ total: 5e6, stream: large.stream, enabled: true, minTotalBytes: 4e6 });
    big.update(5e6);
    big.finish();
    expect(large.chunks.length).toBeGreaterThan(0);
  });

  it('the CLI context applies the threshold to every bar (PROGRESS_MIN_BYTES)', () => {
    expect(PROGRESS_MIN_BYTES).toBeGreaterThan(351);
    const stderr = captureStream(true);
    const ctx = createCommandContext(
      { json: false, profile: undefined, url: undefined },
      { stdout: captureStream(true).stream, stderr: stderr.stream, stdin: process.stdin, env: {} },
    );
    const bar = ctx.createProgress({ label: 'request.json', total: 351 });
    bar.update(351);
    bar.finish();
    expect(stderr.chunks).toEqual([]);
  });

  it('measures speed from where a resumed transfer started, not over the bytes an earlier run stored', () => {
    let clock = 0;
    const { chunks, stream } = captureStream(true);
    const bar = createProgressBar({ total: 10e9, stream, enabled: true, now: () => clock, minIntervalMs: 0 });
    clock = 5;
    bar.update(8.5e9); // parts stored by an earlier run, reported at once
    clock = 2005;
    bar.update(8.5e9 + 100e6); // 100 MB in 2 s
    bar.finish();
    const speeds = chunks.join('').match(/\d+(?:\.\d)? MB\/s/g) ?? [];
    expect(speeds.length).toBeGreaterThan(0);
    for (const speed of speeds) expect(Number.parseFloat(speed)).toBeLessThanOrEqual(50);
    expect(chunks.join('')).toContain('50.0 MB/s');
  });

  it('shows the closing phase ("committing… Ns") once every byte is sent, until finish', () => {
    let clock = 0;
    const { chunks, stream } = captureStream(true);
    const bar = createProgressBar({
      total: 300e6,
      stream,
      enabled: true,
      now: () => clock,
      minIntervalMs: 0,
      closingPhase: 'committing',
    });
    clock = 1000;
    bar.update(150e6);
    expect(chunks.at(-1)).not.toContain('committing');
    clock = 2000;
    bar.update(300e6);
    expect(chunks.at(-1)).toContain('committing… 0s');
    bar.finish();
    expect(chunks.at(-1)).toBe('\n');
    expect(chunks.at(-2)).not.toContain('committing');
  });
});
