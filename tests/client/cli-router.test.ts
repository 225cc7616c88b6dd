// Tests for the command router in-process: command lookup, typed options, help, usage errors and exit codes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCommand } from '../../client/cli/command.ts';
import { commands } from '../../client/cli/commands/index.ts';
import { EXIT } from '../../client/cli/exit-codes.ts';
import { runCli, validateRegistry } from '../../client/cli/router.ts';
import { PouchApiError } from '../../client/sdk/api-error.ts';
import { PouchError } from '../../shared/domain/errors.ts';

function createIo(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (chunk: string) => out.push(chunk) },
      stderr: { write: (chunk: string) => err.push(chunk) },
      stdin: {
        setEncoding: () => undefined,
        on: () => undefined,
        off: () => undefined,
        resume: () => undefined,
        pause: () => undefined,
      },
      env,
    },
  };
}

const seen: unknown[] = [];
const echoCommand = defineCommand({
  name: 'demo echo',
  summary: 'Echo options',
  positionals: { names: ['WORD', 'MORE'], optional: 1 },
  options: {
    count: { type: 'string', valueName: 'N', description: 'a count' },
    loud: { type: 'boolean', description: 'x' },
  },
  async run(ctx, { values, positionals }) {
    seen.push({ values, positionals, json: ctx.json, profile: ctx.profileName, url: ctx.url });
    ctx.print({ word: positionals[0] }, `word ${positionals[0]}`);
    return values.loud ? 3 : 0;
  },
});
const failCommand = defineCommand({
  name: 'fail',
  summary: 'Fails',
  options: { kind: { type: 'string', description: 'which failure' } },
  async run(_ctx, { values }) {
    if (values.kind === 'api') throw new PouchApiError(401, { code: 'ERR_KEY_REVOKED', requestId: 'r1' });
    if (values.kind === 'pouch') throw new PouchError('ERR_CONFIG', 'Something is off');
    throw new Error('boom\nsecond line');
  },
});
const registry = [echoCommand, failCommand, ...commands];

describe('runCli', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'pouch-router-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('accepts the real registry', () => {
    expect(() => validateRegistry(commands)).not.toThrow();
    const clash = defineCommand({
      name: 'x',
      summary: '',
      options: { json: { type: 'boolean', description: '' } },
      run: async () => 0,
    });
    expect(() => validateRegistry([clash])).toThrow(/global option --json/);
  });

  it('routes two-word commands with typed options, positionals and globals anywhere', async () => {
    const { io, out } = createIo({ POUCH_HOME: home, POUCH_URL: 'http://env' });
    const code = await runCli(
      ['--profile', 'fr', 'demo', 'echo', 'hello', '--count', '2', '--loud'],
      registry,
      io,
    );
    expect(code).toBe(3);
    expect(seen.at(-1)).toEqual({
      values: { count: '2', loud: true },
      positionals: ['hello'],
      json: false,
      profile: 'fr',
      url: 'http://env',
    });
    expect(out.join('')).toBe('word hello\n');
  });

  it('gives a value-taking option the next argument even when it starts with a dash (a key fingerprint)', async () => {
    const { io } = createIo({ POUCH_HOME: home, POUCH_URL: 'http://env' });
    // One base64url fingerprint in 64 starts with '-': parseArgs alone calls that ambiguous and exits 2.
    const code = await runCli(
      ['demo', 'echo', 'hello', '--count', '-7Qx_fingerprint', '--loud'],
      registry,
      io,
    );
    expect(code).toBe(3);
    expect(seen.at(-1)).toMatchObject({ values: { count: '-7Qx_fingerprint', loud: true } });
  });

  it('takes a value starting with -h as the value, not as --help (one fingerprint in 4,096)', async () => {
    const { io, out } = createIo({ POUCH_HOME: home, POUCH_URL: 'http://env' });
    const code = await runCli(['demo', 'echo', 'hello', '--count', '-hQx_fingerprint'], registry, io);
    expect(code).toBe(0);
    expect(seen.at(-1)).toMatchObject({ values: { count: '-hQx_fingerprint' } });
    expect(out.join('')).not.toContain('Usage:');
  });

  it('takes a positional starting with a dash as the positional (pouch directory pin AUTHORITY -Xy…)', async () => {
    // `pouch directory pin` takes the fingerprint as its second positional; one in 64 starts with '-'. Found by
    // the onboarding runbook's test, which exited 2 on such a fingerprint.
    for (const fingerprint of ['-7Qx_fingerprint', '-hQx_fingerprint', '-']) {
      const { io, out } = createIo({ POUCH_HOME: home, POUCH_URL: 'http://env' });
      const code = await runCli(['demo', 'echo', 'hello', fingerprint, '--loud'], registry, io);
      expect(code).toBe(3);
      expect(seen.at(-1)).toMatchObject({ values: { loud: true }, positionals: ['hello', fingerprint] });
      expect(out.join('')).not.toContain('Usage:');
    }
    // First, and before the command's options, too.
    const { io } = createIo({ POUCH_HOME: home, POUCH_URL: 'http://env' });
    expect(await runCli(['demo', 'echo', '-7Qx_first', 'second', '--count', '2'], registry, io)).toBe(0);
    expect(seen.at(-1)).toMatchObject({ values: { count: '2' }, positionals: ['-7Qx_first', 'second'] });
  });

  it('still reads real options: -h is help, an unknown long option is refused, -- ends the options', async () => {
    const help = createIo({ POUCH_HOME: home });
    expect(await runCli(['demo', 'echo', 'hello', '-h'], registry, help.io)).toBe(0);
    expect(help.out.join('')).toContain('Usage:');
    const bogus = createIo({ POUCH_HOME: home });
    expect(await runCli(['demo', 'echo', 'hello', '--bogus'], registry, bogus.io)).toBe(EXIT.usage);
    const ended = createIo({ POUCH_HOME: home, POUCH_URL: 'http://env' });
    expect(await runCli(['demo', 'echo', '--', '--loud', '-h'], registry, ended.io)).toBe(0);
    expect(seen.at(-1)).toMatchObject({ positionals: ['--loud', '-h'] });
    expect(seen.at(-1)).not.toMatchObject({ values: { loud: true } });
  });

  it('prints JSON with --json', async () => {
    const { io, out } = createIo({ POUCH_HOME: home });
    expect(await runCli(['demo', 'echo', 'w', '--json'], registry, io)).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ word: 'w' });
  });

  it.each([
    [['demo', 'echo', 'w', '--bogus'], "pouch: unknown option '--bogus' (see 'pouch demo echo --help')"],
    [
      ['demo', 'echo', 'w', '--count'],
      "pouch: option '--count <value>' argument missing (see 'pouch demo echo --help')",
    ],
    [['demo', 'echo'], "pouch: missing WORD (see 'pouch demo echo --help')"],
    [['demo', 'echo', 'a', 'b', 'c'], "pouch: unexpected argument 'c' (see 'pouch demo echo --help')"],
    [['nope'], "pouch: unknown command 'nope' (see 'pouch --help')"],
    [['demo'], "pouch: 'pouch demo' needs a subcommand (see 'pouch demo --help')"],
    [
      ['keys', 'new', '--alg', 'RS256'],
      "pouch: --alg must be one of ES256, EdDSA, not 'RS256' (see 'pouch keys new --help')",
    ],
  ])('reports usage error %j on one line with exit 2', async (argv, line) => {
    const { io, err } = createIo({ POUCH_HOME: home });
    expect(await runCli(argv, registry, io)).toBe(2);
    expect(err.join('')).toBe(`${line}\n`);
  });

  it('prints help for the top level, a group and a command', async () => {
    for (const argv of [[], ['--help'], ['keys', '--help'], ['help', 'keys', 'new'], ['keys', 'new', '-h']]) {
      const { io, out, err } = createIo({ POUCH_HOME: home });
      expect(await runCli(argv, registry, io)).toBe(0);
      expect(out.join('')).toMatch(/^Usage: pouch /);
      expect(err).toEqual([]);
    }
  });

  it('maps failures to one plain line, the exit code of their kind, and a stack only with POUCH_DEBUG=1', async () => {
    const cases: [string, RegExp, number][] = [
      ['api', /^pouch: this signing key was revoked — .*\n$/, EXIT.authentication],
      ['pouch', /^pouch: something is off\n$/, EXIT.usage],
      ['other', /^pouch: unexpected error: boom \(set POUCH_DEBUG=1 for details\)\n$/, EXIT.failed],
    ];
    for (const [kind, pattern, exitCode] of cases) {
      const { io, err } = createIo({ POUCH_HOME: home });
      expect(await runCli(['fail', '--kind', kind], registry, io)).toBe(exitCode);
      expect(err.join('')).toMatch(pattern);
    }
    const debug = createIo({ POUCH_HOME: home, POUCH_DEBUG: '1' });
    expect(await runCli(['fail', '--kind', 'other'], registry, debug.io)).toBe(1);
    expect(debug.err.join('')).toContain('at ');
  });

  it('reports errors as one JSON line on stderr with --json', async () => {
    const { io, err } = createIo({ POUCH_HOME: home });
    expect(await runCli(['fail', '--kind', 'api', '--json'], registry, io)).toBe(EXIT.authentication);
    expect(err).toHaveLength(1);
    expect(JSON.parse(err[0] ?? '')).toMatchObject({ error: { code: 'ERR_KEY_REVOKED' } });
  });

  it('asks for POUCH_PASSPHRASE instead of hanging when there is no terminal', async () => {
    const { io, err } = createIo({ POUCH_HOME: home });
    expect(await runCli(['keys', 'new', '--name', 'p', '--passphrase'], registry, io)).toBe(EXIT.usage);
    expect(err.join('')).toMatch(
      /^pouch: key 'p' needs a passphrase and there is no terminal — set POUCH_PASSPHRASE/,
    );
  });
});
