// End-to-end tests of the `pouch` CLI as a subprocess: keys, one-line errors and exit codes, login and whoami
// over real HTTP (against a protocol-exact fake until the real server lands), and age CLI interoperability.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Decrypter } from 'age-encryption';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeystore } from '../../client/keystore/keystore.ts';
import { type FakeExchange, startFakeExchange } from './support/fake-exchange.ts';
import { runPouch } from './support/run-pouch.ts';

const ageBinary = '/usr/bin/age';
const exec = promisify(execFile);

/** A loopback URL on which nothing listens. */
async function unusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Run the age CLI with stdin. */
function runAge(args: string[], input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(ageBinary, args, { encoding: 'buffer' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`age failed: ${stderr.toString()}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

describe('pouch CLI (subprocess)', () => {
  let root: string;
  let home: string;
  let exchange: FakeExchange;
  let signing: { kid: string; publicJwk: JWK; path: string };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pouch-cli-'));
    home = join(root, 'home');
    exchange = await startFakeExchange();
  });
  afterAll(async () => {
    await exchange.close();
    await rm(root, { recursive: true, force: true });
  });

  it('keys new --json prints the public JWK and stores the key 0600', async () => {
    const run = await runPouch(['keys', 'new', '--json', '--name', 'alice'], { POUCH_HOME: home });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    signing = JSON.parse(run.stdout);
    expect(signing.publicJwk).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: signing.kid,
    });
    expect(signing.publicJwk).not.toHaveProperty('d');
    expect((await stat(signing.path)).mode & 0o777).toBe(0o600);
    expect((await stat(home)).mode & 0o777).toBe(0o700);
  });

  it('prints ONE line and exits 2 for a bad option', async () => {
    const run = await runPouch(['keys', 'new', '--bogus'], { POUCH_HOME: home });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("pouch: unknown option '--bogus' (see 'pouch keys new --help')\n");
  });

  it('prints ONE line and exits 1 when the exchange is unreachable', async () => {
    const url = await unusedUrl();
    const run = await runPouch(['login', '--url', url, '--client-id', 'FR-MOJ:alice', '--key', 'alice'], {
      POUCH_HOME: home,
    });
    expect(run.code).toBe(8);
    expect(run.stderr).toBe(
      `pouch: cannot reach ${url} — is 'npm start' running? (set --url or POUCH_URL)\n`,
    );
    expect(run.stderr).not.toMatch(/\n./);
  });

  it('logs in, then whoami reuses the cached token, which never appears in output', async () => {
    exchange.register('FR-MOJ:alice', signing.publicJwk);
    const login = await runPouch(
      [
        'login',
        '--profile',
        'fr',
        '--url',
        exchange.baseUrl,
        '--client-id',
        'FR-MOJ:alice',
        '--key',
        'alice',
      ],
      { POUCH_HOME: home },
    );
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(exchange.calls.token).toBe(1);
    expect((await stat(join(home, 'tokens', 'fr.json'))).mode & 0o777).toBe(0o600);

    const whoami = await runPouch(['whoami', '--json'], { POUCH_HOME: home, POUCH_PROFILE: 'fr' });
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toEqual({
      sub: 'FR-MOJ:alice',
      authorityId: 'FR-MOJ',
      memberId: 'alice',
    });
    expect(exchange.calls).toEqual({ token: 1, me: 1 });
    for (const text of [login.stdout, login.stderr, whoami.stdout, whoami.stderr])
      expect(text).not.toContain('token-1');
  });

  it('explains a missing profile on one line', async () => {
    const run = await runPouch(['whoami', '--profile', 'nobody'], { POUCH_HOME: home });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^pouch: no profile named 'nobody' in .* — run 'pouch login --profile nobody [^\n]*\n$/,
    );
  });

  it('creates a sealing identity that interoperates with the age CLI', async () => {
    const run = await runPouch(['keys', 'new', '--seal', '--json', '--name', 'ca'], { POUCH_HOME: home });
    expect(run.code).toBe(0);
    const { recipient } = JSON.parse(run.stdout) as { recipient: string };
    expect(recipient).toMatch(/^age1[0-9a-z]+$/);

    // Sealed by the reference age CLI to our recipient...
    const plaintext = new TextEncoder().encode('request for mutual legal assistance');
    const sealed = await runAge(['-r', recipient], plaintext);

    // ...opened with our stored identity through age-encryption...
    const decrypter = new Decrypter();
    decrypter.addIdentity(await openKeystore({ home }).unlockSealingIdentity('ca'));
    expect(new TextDecoder().decode(await decrypter.decrypt(new Uint8Array(sealed)))).toBe(
      'request for mutual legal assistance',
    );

    // ...and by the age CLI from the exported identity file.
    const identityFile = join(root, 'ca.key');
    const exported = await runPouch(['keys', 'export', 'ca', '--out', identityFile], { POUCH_HOME: home });
    expect(exported.code).toBe(0);
    expect((await stat(identityFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(identityFile, 'utf8')).toContain(`# public key: ${recipient}`);
    const opened = await runAge(['-d', '-i', identityFile], new Uint8Array(sealed));
    expect(opened.toString('utf8')).toBe('request for mutual legal assistance');
    const { stdout: keygenRecipient } = await exec('/usr/bin/age-keygen', ['-y', identityFile]);
    expect(keygenRecipient.trim()).toBe(recipient);
  });

  it('pouch open accepts ASCII-armoured age (age -a) as well as binary, and refuses damaged armour as a seal format error', async () => {
    const run = await runPouch(['keys', 'new', '--seal', '--json', '--name', 'armoured'], {
      POUCH_HOME: home,
    });
    const { recipient } = JSON.parse(run.stdout) as { recipient: string };
    const plaintext = new TextEncoder().encode('evidence sealed with age -a');
    const armoured = join(root, 'evidence.age.asc');
    await writeFile(armoured, await runAge(['-a', '-r', recipient], plaintext));
    expect((await readFile(armoured, 'utf8')).startsWith('-----BEGIN AGE ENCRYPTED FILE-----')).toBe(true);
    const out = join(root, 'evidence.txt');
    const opened = await runPouch(['open', armoured, '--identity', 'armoured', '--out', out], {
      POUCH_HOME: home,
    });
    expect(opened.stderr).toBe('');
    expect(opened.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('evidence sealed with age -a');
    expect((await readdir(root)).filter((name) => name.startsWith('.evidence.txt'))).toEqual([]);

    const damaged = join(root, 'damaged.age.asc');
    const text = await readFile(armoured, 'utf8');
    await writeFile(damaged, text.replace(/\n([A-Za-z0-9+/]{10})/, '\n!!!!!!!!!!'));
    const refused = await runPouch(
      ['--json', 'open', damaged, '--identity', 'armoured', '--out', join(root, 'damaged.txt')],
      { POUCH_HOME: home },
    );
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error.code).toBe('ERR_SEAL_FORMAT');
  });

  it('unlocks a protected identity with POUCH_PASSPHRASE and refuses a wrong one', async () => {
    const env = { POUCH_HOME: home, POUCH_PASSPHRASE: 'right passphrase' };
    // Created in-process with a low scrypt work factor to keep the test fast; the CLI reads the factor from the file.
    await openKeystore({ home }).createSealingKey({
      name: 'locked',
      passphrase: async () => 'right passphrase',
      scryptWorkFactor: 10,
    });
    const out = join(root, 'locked.key');
    const wrong = await runPouch(['keys', 'export', 'locked', '--out', out], {
      ...env,
      POUCH_PASSPHRASE: 'wrong',
    });
    expect(wrong.code).toBe(7);
    expect(wrong.stderr).toBe(
      "pouch: wrong passphrase for key 'locked' — check POUCH_PASSPHRASE or type it again\n",
    );
    const right = await runPouch(['keys', 'export', 'locked', '--out', out, '--json'], env);
    expect(right.code).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^AGE-SECRET-KEY-1/m);
  });
});
