// `npm run demo` as a person or a script runs it (bench/demo.ts in a child process): no colour codes into a pipe,
// and Ctrl-C mid-demo stops the exchange and removes its temporary folder.
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('writes no colour codes into a pipe, and on Ctrl-C exits 130 with its temporary folder removed', async () => {
    const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', 'bench/demo.ts'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, POUCH_DEMO_SIZE: '1M', NO_COLOR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const dataDir = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not start: ${out}`)), 120_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /data in (\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
      child.on('exit', () => reject(new Error(`the demo exited early: ${out}`)));
    });
    await access(dataDir);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
    expect(code).toBe(130);
    await expect(access(dataDir)).rejects.toThrow();
    expect(out).toContain('1. Start a local exchange');
    expect(out).not.toContain('\u001b[');
  }, 180_000);
});
