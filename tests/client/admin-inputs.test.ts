// The admin commands' local guards, before anything reaches an exchange: a private key is never sent where a
// public one is asked for, `pouch keys import` takes the local operator's key file as it is (its kid kept), the
// ceremony's fingerprint is the RFC 7638 thumbprint of the held key, and a malformed recipient is a usage error.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateOperatorKey } from '../../server/use-cases/identity/operator-bootstrap.ts';
import { authorityKeyFingerprint } from '../../shared/directory/statements.ts';
import { type PouchRun, runPouch } from './support/run-pouch.ts';

describe('admin commands: local guards', () => {
  let home: string;
  const pouch = (args: string[]) => runPouch(args, { POUCH_HOME: home, POUCH_URL: 'http://127.0.0.1:9' });
  const failure = (r: PouchRun) => {
    const line = r.stderr.trim().split('\n').pop() ?? '';
    return { exit: r.code, code: (JSON.parse(line) as { error: { code: string } }).error.code };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'pouch-admin-inputs-'));
  });
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('imports the local operator key file with its kid, and refuses a file without a private key', async () => {
    const file = join(home, 'operator-key.json');
    const operator = await loadOrCreateOperatorKey(file);
    const imported = await pouch(['--json', 'keys', 'import', file, '--name', 'operator']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ kind: 'signing', alg: 'ES256', kid: operator.kid });
    const { d: _secret, ...publicOnly } = operator.privateJwk;
    await writeFile(join(home, 'public.json'), JSON.stringify(publicOnly));
    expect(
      failure(await pouch(['--json', 'keys', 'import', join(home, 'public.json'), '--name', 'x'])),
    ).toEqual({ exit: 2, code: 'ERR_VALIDATION' });
  });

  it('refuses a private key where a public key is asked for, before contacting the exchange', async () => {
    const file = join(home, 'operator-key.json');
    const { privateJwk } = await loadOrCreateOperatorKey(file);
    await writeFile(join(home, 'private.json'), JSON.stringify(privateJwk));
    const added = await pouch([
      '--json',
      'member',
      'add',
      'Someone',
      '--role',
      'officer',
      '--key',
      join(home, 'private.json'),
      '--authority',
      'auth_x',
    ]);
    expect(failure(added)).toEqual({ exit: 2, code: 'ERR_VALIDATION' });
    expect(added.stderr).toContain('private key');
  });

  it("prints the held authority key's RFC 7638 fingerprint alone on stdout", async () => {
    expect((await pouch(['keys', 'new', '--name', 'authority'])).code).toBe(0);
    const shown = await pouch(['--json', 'keys', 'show', 'authority']);
    const { publicJwk } = JSON.parse(shown.stdout) as { publicJwk: unknown };
    const printed = await pouch(['authority', 'fingerprint']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(`${await authorityKeyFingerprint(publicJwk)}\n`);
  });

  it('refuses a recipient that is not an age recipient as a usage error', async () => {
    expect(failure(await pouch(['--json', 'recipients', 'add', 'ssh-ed25519 AAAA']))).toEqual({
      exit: 2,
      code: 'ERR_VALIDATION',
    });
  });
});
