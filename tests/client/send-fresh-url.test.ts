// pouch send's upload after a storage URL fails to connect (as after a local restart, when the embedded S3
// server is back on another port): the retry declares again with the same Idempotency-Key and puts the bytes
// to the fresh URL it gets, for the same document.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDemoOfficer, sealingRecipients, sendNewRequest } from '../support/demo-officer.ts';
import { startTestExchange } from '../support/local-exchange.ts';

describe('send retries a single PUT with a fresh URL', () => {
  let exchange: Awaited<ReturnType<typeof startTestExchange>>;
  const realFetch = globalThis.fetch;
  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('re-declares with the same key when the first PUT cannot connect (connection failure injected)', async () => {
    const north = await openDemoOfficer(exchange, 'northland');
    const south = await openDemoOfficer(exchange, 'southmark');
    const file = join(exchange.dataDir, 'letter.bin');
    await writeFile(file, randomBytes(5000));
    const declares: string[] = [];
    const puts: string[] = [];
    globalThis.fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const method = init?.method ?? 'GET';
      if (method === 'POST' && /\/documents$/.test(new URL(url).pathname)) {
        declares.push(new Headers(init?.headers).get('idempotency-key') ?? '');
      }
      if (method === 'PUT' && url.startsWith(exchange.embedded.s3Endpoint)) {
        puts.push(url);
        if (puts.length === 1) throw new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') });
      }
      return realFetch(input, init);
    };
    const sent = await sendNewRequest(north, {
      counterpartId: south.authorityId,
      reference: 'URL-1',
      recipients: await sealingRecipients(north, south.authorityId),
      files: [{ path: file }],
    });
    expect(puts).toHaveLength(2);
    expect(declares).toHaveLength(2);
    expect(declares[1]).toBe(declares[0]);
    const events = await exchange.runtime.ledger.read(sent.exchangeId);
    expect(events.filter((e) => e.action === 'document.uploaded')).toHaveLength(1);
  });
});
