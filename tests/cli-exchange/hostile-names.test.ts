// Exchange workflows in-process against a real local exchange: a sender's hostile document names never become
// paths on the recipient's disk, and file names are derived safely (separators, dots, control and bidi chars).
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchExchange } from '../../client/exchange/fetch-documents.ts';
import { claimUniqueName, deriveSafeFileName } from '../../client/exchange/safe-file-name.ts';
import { openDemoOfficer, sealingRecipients, sendNewRequest } from '../support/demo-officer.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

describe('deriveSafeFileName', () => {
  it.each([
    ['../../etc/passwd', 'etc_passwd'],
    ['..\\..\\Windows\\system.ini', 'Windows_system.ini'],
    ['/absolute/path.txt', 'absolute_path.txt'],
    ['report\u202Efdp.exe', 'reportfdp.exe'],
    ['a\u0000b\u0007c\nd.txt', 'abcd.txt'],
    ['.hidden', 'hidden'],
    ['..', 'doc_1234567890'],
    ['', 'doc_1234567890'],
    ['   ', 'doc_1234567890'],
    ['trailing. . ', 'trailing'],
    ['CON.txt', '_CON.txt'],
    ['evil\uFF0Fslash\u2215x', 'evil_slash_x'],
    ['a..b....c', 'a.b.c'],
    ['zero\u200Bwidth\u2066iso\u2069.pdf', 'zerowidthiso.pdf'],
    ['Überweisung März.pdf', 'Überweisung März.pdf'],
  ])('%j becomes %j', (input, expected) => {
    expect(deriveSafeFileName(input, 'doc_1234567890')).toBe(expected);
  });

  it('bounds the length and keeps the extension; falls back on non-strings', () => {
    const long = deriveSafeFileName(`${'é'.repeat(300)}.pdf`, 'doc_x');
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(200);
    expect(long.endsWith('.pdf')).toBe(true);
    expect(deriveSafeFileName(42, 'doc_x')).toBe('doc_x');
  });

  it('makes names unique case-insensitively', () => {
    const taken = new Set<string>();
    expect(['a.txt', 'A.txt', 'a.txt'].map((n) => claimUniqueName(n, taken))).toEqual([
      'a.txt',
      'A (2).txt',
      'a (3).txt',
    ]);
  });
});

describe('hostile manifest names against the local exchange', () => {
  let exchange: Exchange;
  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('saves a document named "../../escape\\u202Etxt.sh" inside the output folder under a safe name', async () => {
    const north = await openDemoOfficer(exchange, 'northland');
    const south = await openDemoOfficer(exchange, 'southmark');

    const file = join(exchange.dataDir, 'plain.txt');
    await writeFile(file, 'contents\n');
    const recipients = await sealingRecipients(north, south.authorityId);
    const sent = await sendNewRequest(north, {
      counterpartId: south.authorityId,
      reference: 'H-1',
      recipients,
      files: [
        { path: file, name: '../../escape\u202Etxt.sh' },
        { path: file, name: '.bashrc' },
      ],
    });

    const out = join(exchange.dataDir, 'received');
    const identity = await south.keystore.unlockSealingIdentity('seal');
    const fetched = await fetchExchange({
      client: south.client,
      exchangeId: sent.exchangeId,
      outDir: out,
      identities: [identity],
    });
    expect(fetched.documents.map((d) => d.path)).toEqual([
      join(out, '01-request', 'escapetxt.sh'),
      join(out, '01-request', 'bashrc'),
    ]);
    expect(fetched.documents.map((d) => d.name)).toEqual(['../../escape\u202Etxt.sh', '.bashrc']);
    expect(await readdir(join(out, '01-request'))).toEqual(
      expect.arrayContaining(['escapetxt.sh', 'bashrc']),
    );
    expect(await readFile(join(out, '01-request', 'escapetxt.sh'), 'utf8')).toBe('contents\n');
    expect(await readdir(exchange.dataDir)).not.toContain('escapetxt.sh');
    await rm(out, { recursive: true, force: true });
  });
});
