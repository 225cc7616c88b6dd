// The `pouch` bin as a user runs it: from a folder outside the checkout, directly and through a symlink (what
// `npm link` installs), on plain Node from the CLI bundle (client/dist/pouch.mjs); a source newer than the bundle
// is rebuilt before it runs, so a checkout never runs stale code.
import { execFile } from 'node:child_process';
import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
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

  it('package.json names the shim as the pouch bin, and prepare builds the bundle it runs', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    expect(pkg.bin.pouch).toBe('./client/bin/pouch.mjs');
    expect(pkg.scripts.prepare).toBe('npm run build:cli');
    expect(pkg.scripts['build:cli']).toBe('node client/bin/build-cli.mjs');
  });
});

/**
 * A copy of the package's CLI sources (client/, shared/, the manifests) with its own node_modules that links
 * every installed package except tsx: the bin there can only run as a bundle on plain Node.
 */
async function copyPackageWithoutTsx(into: string): Promise<string> {
  const root = join(into, 'pouch');
  await mkdir(join(root, 'node_modules'), { recursive: true });
  for (const part of ['client', 'shared', 'package.json', 'package-lock.json']) {
    await cp(join(repoRoot, part), join(root, part), { recursive: true, preserveTimestamps: true });
  }
  await rm(join(root, 'client/dist'), { recursive: true, force: true });
  for (const name of await readdir(join(repoRoot, 'node_modules'))) {
    if (name === 'tsx' || name === '.bin') continue;
    // npm's record of the installed tree, copied so that a test can play an install by touching it.
    if (name === '.package-lock.json')
      await cp(join(repoRoot, 'node_modules', name), join(root, 'node_modules', name));
    else await symlink(join(repoRoot, 'node_modules', name), join(root, 'node_modules', name));
  }
  return root;
}

describe('the pouch bin runs a fresh bundle', () => {
  let work: string;
  let root: string;
  const run = (args: readonly string[]) =>
    exec(process.execPath, [join(root, 'client/bin/pouch.mjs'), ...args], { cwd: work, timeout: 60_000 });
  const builtAt = async () => (await stat(join(root, 'client/dist/pouch.mjs'))).mtimeMs;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pouch-bundle-'));
    root = await copyPackageWithoutTsx(work);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('builds the bundle when there is none and runs it without tsx installed, with a source map beside it', async () => {
    const { stdout } = await run(['--help']);
    expect(stdout).toMatch(/^Usage: pouch /);
    const bundle = await readFile(join(root, 'client/dist/pouch.mjs'), 'utf8');
    expect(bundle).toMatch(/\/\/# sourceMappingURL=pouch\.mjs\.map\s*$/);
    expect(bundle).not.toMatch(/from ['"]tsx/);
    await stat(join(root, 'client/dist/pouch.mjs.map'));
    // The node variants of the package's `#sha256`/`#es256` imports, never the browser ones.
    const { inputs } = JSON.parse(await readFile(join(root, 'client/dist/pouch.inputs.json'), 'utf8')) as {
      inputs: string[];
    };
    expect(inputs).toContain('shared/domain/hashing/sha256-node.ts');
    expect(inputs).toContain('shared/crypto/es256-node.ts');
    expect(inputs.filter((input) => input.includes('-web.ts'))).toEqual([]);
  });

  it('runs the bundle as is while nothing it was built from changed', async () => {
    await run(['--help']);
    const before = await builtAt();
    await run(['--help']);
    expect(await builtAt()).toBe(before);
  });

  it('after a CLI source is edited, runs the new code, not the old bundle', async () => {
    await run(['--help']);
    const router = join(root, 'client/cli/router.ts');
    const source = await readFile(router, 'utf8');
    expect(source).toContain('`Usage: pouch ${group');
    await writeFile(router, source.replace('`Usage: pouch ${group', '`Usage: pouch-edited ${group'));
    const { stdout } = await run(['--help']);
    expect(stdout).toMatch(/^Usage: pouch-edited /);
  });

  it('after an install changes node_modules, rebuilds before running', async () => {
    await run(['--help']);
    const before = await builtAt();
    const later = new Date(Date.now() + 1000);
    await utimes(join(root, 'node_modules/.package-lock.json'), later, later);
    await run(['--help']);
    expect(await builtAt()).toBeGreaterThan(before);
  });

  it('after a shared source is only touched, rebuilds before running', async () => {
    await run(['--help']);
    const before = await builtAt();
    const errors = join(root, 'shared/domain/errors.ts');
    const now = new Date(Date.now() + 1000);
    await utimes(errors, now, now);
    await run(['--help']);
    expect(await builtAt()).toBeGreaterThan(before);
  });
});
