// Issue 12, finding 9d and 9e on the client: the SDK refuses plain http:// except on loopback (ERR_INSECURE_URL,
// one line from the CLI), and a send whose recipients mix post-quantum and classic keys is refused before anything
// is opened or sealed (ERR_SEAL_RECIPIENTS_MIXED, with a line that says how to fix it).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRecipients } from '../../client/cli/commands/send.ts';
import { describeError } from '../../client/cli/describe-error.ts';
import type { DirectoryEntry } from '../../client/sdk/exchange-api.ts';
import { createPouchClient } from '../../client/sdk/pouch-client.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { runPouch } from './support/run-pouch.ts';

const credentials = {
  clientId: 'A:b',
  kid: 'k',
  alg: 'ES256' as const,
  privateKey: async () => Promise.reject(),
};

function codeOfCall(call: () => unknown): string {
  try {
    call();
    return 'accepted';
  } catch (error) {
    return isPouchError(error) ? error.code : 'not a PouchError';
  }
}

describe('the SDK requires https except on loopback', () => {
  it.each([
    'http://exchange.example',
    'http://10.0.0.5:8787',
    'http://127.0.0.1.evil.example',
    'http://localhost.evil.example',
    'http://[::2]:80',
  ])('refuses %s with ERR_INSECURE_URL', (baseUrl) => {
    expect(codeOfCall(() => createPouchClient({ baseUrl, credentials }))).toBe('ERR_INSECURE_URL');
  });

  it.each([
    'https://exchange.example',
    'http://127.0.0.1:8787',
    'http://127.1.2.3',
    'http://localhost:9000/',
    'http://[::1]:8787',
  ])('accepts %s', (baseUrl) => {
    expect(codeOfCall(() => createPouchClient({ baseUrl, credentials }))).toBe('accepted');
  });

  describe('from the CLI', () => {
    let home: string;
    beforeAll(async () => {
      home = await mkdtemp(join(tmpdir(), 'pouch-guards-'));
      expect((await runPouch(['keys', 'new', '--name', 'k'], { POUCH_HOME: home })).code).toBe(0);
    });
    afterAll(async () => {
      await rm(home, { recursive: true, force: true });
    });

    it('pouch login --url http://remote fails with one line and exit 2, before any request', async () => {
      const args = ['login', '--url', 'http://exchange.example', '--client-id', 'A:b', '--key', 'k'];
      const run = await runPouch(args, { POUCH_HOME: home });
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('http://exchange.example');
      const json = await runPouch(['--json', ...args], { POUCH_HOME: home });
      expect(JSON.parse(json.stderr).error.code).toBe('ERR_INSECURE_URL');
    });
  });
});

describe('recipients are all post-quantum or all classic', () => {
  const entry = (id: string, recipients: string[]): DirectoryEntry =>
    ({ id, name: id, recipients }) as unknown as DirectoryEntry;

  it('a send mixing a hybrid counterpart with a classic own authority is refused with a stable code', async () => {
    const pq = await generateIdentity('mlkem768x25519');
    const classic = await generateIdentity();
    const call = () =>
      collectRecipients(entry('auth_pq', [pq.recipient]), entry('auth_own', [classic.recipient]));
    expect(codeOfCall(call)).toBe('ERR_SEAL_RECIPIENTS_MIXED');
    let failure: ReturnType<typeof describeError> | undefined;
    try {
      call();
    } catch (error) {
      failure = describeError(error);
    }
    expect(failure?.code).toBe('ERR_SEAL_RECIPIENTS_MIXED');
    expect(failure?.message).toContain('age1pq1');
    expect(failure?.message.includes('\n')).toBe(false);

    const other = await generateIdentity('mlkem768x25519');
    expect(
      codeOfCall(() =>
        collectRecipients(entry('auth_pq', [pq.recipient]), entry('auth_own', [other.recipient])),
      ),
    ).toBe('accepted');
  });
});
