// The `pouch` bin as a user runs it: from a folder outside the checkout, directly and through a symlink (what
// `npm link` installs), the shim finds tsx and the CLI relative to the package, not the working directory.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/run-pouch.ts';

const exec = promisify(execFile);
const shim = join(repoRoot, 'client/bin/pouch.mjs');

describe('the pouch bin shim', () => {
  let elsewhere: string;
  beforeAll(async () => {
    elsewhere = await mkdtemp(join(tmpdir(), 'pouch-elsewhere-'));
  });
  afterAll(async () => {
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('prints help from a folder outside the checkout', async () => {
    const { stdout } = await exec(process.execPath, [shim, '--help'], { cwd: elsewhere, timeout: 30_000 });
    expect(stdout).toMatch(/^Usage: pouch /);
  });

  it('runs through a symlink on the PATH, as npm link installs it, with the exit code of the mistake', async () => {
    const bin = join(elsewhere, 'bin');
    await exec('mkdir', ['-p', bin]);
    await symlink(shim, join(bin, 'pouch'));
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, POUCH_HOME: join(elsewhere, 'home') };
    const { stdout } = await exec('pouch', ['keys', '--help'], { cwd: elsewhere, env, timeout: 30_000 });
    expect(stdout).toMatch(/^Usage: pouch keys/);
    const failed = await exec('pouch', ['show', 'not-an-id'], { cwd: elsewhere, env, timeout: 30_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/^pouch: 'not-an-id' is not an exchange id/);
  });

  it('package.json names the shim as the pouch bin', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    expect(pkg.bin.pouch).toBe('./client/bin/pouch.mjs');
  });
});
