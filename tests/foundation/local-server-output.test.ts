// `npm start` as a person sees it (functions/local-server.ts in a child process): stdout is the human banner
// only, every JSON log line goes to stderr, so `npm start 2>exchange.log` keeps them apart.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('npm start output', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pouch-start-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the banner on stdout and the JSON log lines (here: info per request) on stderr', async () => {
    const proc = spawn(
      process.execPath,
      ['--openssl-legacy-provider', '--import', 'tsx', 'functions/local-server.ts'],
      {
        cwd: join(import.meta.dirname, '..', '..'),
        env: {
          ...process.env,
          PORT: '0',
          POUCH_DATA_DIR: dataDir,
          POUCH_DEMO: 'off',
          POUCH_LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not start: ${out}${err}`)), 90_000);
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const match = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match && out.includes('Press Ctrl-C')) {
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        });
        proc.on('exit', () => reject(new Error(`exited: ${out}${err}`)));
      });
      await fetch(`${url}/v1/me`);
      await fetch(`${url}/health`);
      const deadline = Date.now() + 10_000;
      while (!err.includes('{') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      proc.kill('SIGINT');
      await new Promise((resolve) => proc.once('exit', resolve));
    }
    const stdoutLines = out.split('\n').filter((line) => line.trim() !== '');
    expect(stdoutLines.some((line) => line.startsWith('Pouch local exchange is running.'))).toBe(true);
    expect(stdoutLines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    const jsonLines = err.split('\n').filter((line) => line.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(0);
    for (const line of jsonLines) expect(JSON.parse(line)).toHaveProperty('level');
  }, 120_000);
});
