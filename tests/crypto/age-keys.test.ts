// Tests for age key handling: generation, Bech32 against age-keygen, and rejection of malformed keys.

import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeBech32,
  deriveRecipient,
  encodeBech32,
  generateIdentity,
  parseIdentity,
  parseIdentityFile,
  parseRecipient,
} from '../../shared/crypto/age-keys.ts';
import { codeOf, createScratch, generateCliIdentity, runTool } from './age-fixtures.ts';

let scratch: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  scratch = await createScratch();
});
afterAll(async () => {
  await scratch.cleanup();
});

describe('generateIdentity', () => {
  it('produces an X25519 identity whose recipient age-keygen derives identically', async () => {
    const { identity, recipient } = await generateIdentity();
    expect(identity).toMatch(/^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/);
    expect(recipient).toMatch(/^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/);
    const file = `${scratch.dir}/gen.key`;
    await writeFile(file, `${identity}\n`);
    expect((await runTool('age-keygen', ['-y', file])).toString().trim()).toBe(recipient);
    expect(parseIdentity(identity).kind).toBe('x25519');
    expect(parseRecipient(recipient).publicKey.length).toBe(32);
  });

  it('produces hybrid post-quantum keys on request', async () => {
    const { identity, recipient } = await generateIdentity('mlkem768x25519');
    expect(identity.startsWith('AGE-SECRET-KEY-PQ-1')).toBe(true);
    expect(parseRecipient(recipient)).toMatchObject({ kind: 'mlkem768x25519' });
    expect(parseRecipient(recipient).publicKey.length).toBe(1216);
    expect(await deriveRecipient(identity)).toBe(recipient);
  });
});

describe('parsing keys made by age-keygen', () => {
  it('reads the identity file and derives the same recipient', async () => {
    const cli = await generateCliIdentity(scratch.dir, 'cli');
    const [parsed, ...rest] = parseIdentityFile(await readFile(cli.file, 'utf8'));
    expect(rest).toHaveLength(0);
    expect(parsed?.text).toBe(cli.identity);
    expect(await deriveRecipient(cli.identity)).toBe(cli.recipient);
    const decoded = decodeBech32(cli.recipient);
    expect(decoded.hrp).toBe('age');
    expect(encodeBech32('age', decoded.bytes)).toBe(cli.recipient);
    expect(encodeBech32('AGE-SECRET-KEY-', parseIdentity(cli.identity).secretKey)).toBe(cli.identity);
  });
});

describe('rejecting malformed keys', () => {
  // A recipient printed by age-keygen 1.1.1; each case below breaks it in one way.
  const valid = 'age13fnn5fx2dkn9ejhdfzp607ze5svf7cm2dsv5a28xavpmxsjqw5ps469gmx';
  it('accepts the unbroken recipient (control)', () => {
    expect(parseRecipient(valid).publicKey.length).toBe(32);
  });

  it.each([
    ['an empty string', ''],
    ['a wrong checksum', `${valid.slice(0, -1)}q`],
    ['a changed data character', valid.replace('3fnn', '3fnm')],
    ['mixed case', `A${valid.slice(1)}`],
    ['a foreign character', valid.replace('3fnn', '3fnb')],
    ['an unsupported type', valid.replace('age1', 'age1tag1')],
  ])('rejects a recipient with %s', (_, text) => {
    expect(() => parseRecipient(text)).toThrow(expect.objectContaining({ code: 'ERR_SEAL_FORMAT' }));
  });

  it('rejects keys of the wrong kind, case or length', async () => {
    const { identity, recipient } = await generateIdentity();
    const expectFormat = (fn: () => unknown) =>
      expect(fn).toThrow(expect.objectContaining({ code: 'ERR_SEAL_FORMAT' }));
    expect(parseRecipient(recipient).text).toBe(recipient);
    expectFormat(() => parseRecipient(identity));
    expectFormat(() => parseIdentity(recipient));
    expectFormat(() => parseRecipient(recipient.toUpperCase()));
    expectFormat(() => parseIdentity(identity.toLowerCase()));
    expectFormat(() => parseRecipient(encodeBech32('age', new Uint8Array(31))));
    expectFormat(() => parseIdentity(encodeBech32('AGE-SECRET-KEY-', new Uint8Array(33))));
    expectFormat(() => parseIdentity(`${identity.slice(0, -1)}${identity.endsWith('Q') ? 'P' : 'Q'}`));
    expectFormat(() => parseIdentityFile('# only a comment\n'));
    expect(await codeOf(deriveRecipient('AGE-SECRET-KEY-1XYZ'))).toBe('ERR_SEAL_FORMAT');
  });

  it('round-trips arbitrary bytes through Bech32', () => {
    for (let n = 0; n < 80; n += 7) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(decodeBech32(encodeBech32('test', bytes)).bytes).toEqual(bytes);
    }
  });
});
