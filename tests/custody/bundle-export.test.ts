// Custody bundles too large to answer inline (Lambda answers at most 6 MB): with a small inline limit, the route
// stores the bundle in the evidence bucket and answers with a presigned URL, size and SHA-256; the SDK and the
// CLI download it, check it, and get the same verifiable bundle; a tampered download is refused.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCustodyBundle } from '../../client/sdk/custody-api.ts';
import { createPouchClient } from '../../client/sdk/pouch-client.ts';
import { verifyBundle } from '../../shared/custody/bundle.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import { seedTestAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { createCaller, runExchange, type TestExchange } from './custody-fixture.ts';

const INLINE_MAX = 2048;

describe('custody bundles above the inline limit', () => {
  let exchange: TestExchange;
  let exchangeId: string;
  let auditorHome: string;
  let requester: Awaited<ReturnType<typeof seedTestAuthority>>;

  beforeAll(async () => {
    exchange = await startTestExchange({
      seedDemo: true,
      env: { POUCH_BUNDLE_INLINE_MAX_BYTES: String(INLINE_MAX) },
    });
    const southmark = exchange.demo.find((d) => d.slug === 'southmark')!;
    auditorHome = southmark.home;
    requester = await seedTestAuthority(exchange.runtime.directory, {
      members: [{ role: 'admin' }, { role: 'officer' }, { role: 'auditor' }],
    });
    exchangeId = await runExchange(exchange, requester.member('officer'), southmark.authorityId, {
      messages: 2,
    });
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('answers JSON with a presigned URL, size and SHA-256; the stored object is the verifiable bundle', async () => {
    const call = createCaller(exchange);
    const res = await call(requester.member('auditor'), 'GET', `/v1/exchanges/${exchangeId}/bundle`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { export: stored } = (await res.json()) as {
      export: { url: string; expiresAt: string; size: number; sha256: string };
    };
    expect(stored.size).toBeGreaterThan(INLINE_MAX);
    expect(Date.parse(stored.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const download = await fetch(stored.url);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(stored.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.sha256);
    const verdict = await verifyBundle(Readable.from([bytes]));
    expect(verdict.ok).toBe(true);
    // Kept under the exchange's prefix in the evidence bucket (so under its retention), at its SHA-256.
    const key = new URL(stored.url).pathname.split('/').slice(-4).join('/');
    expect(key).toBe(`exchanges/${exchangeId}/exports/${stored.sha256}.jsonl`);
    const object = await exchange.runtime.clients.s3.send(
      new GetObjectCommand({ Bucket: exchange.runtime.config.evidenceBucket, Key: key }),
    );
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  it('the SDK downloads and checks it, and refuses a download that does not match (fault injected)', async () => {
    const who = requester.member('auditor');
    const client = createPouchClient({
      baseUrl: exchange.url,
      credentials: {
        clientId: who.clientId,
        kid: who.key.kid,
        privateKey: who.key.privateKey,
        alg: who.key.alg,
      },
    });
    const text = await fetchCustodyBundle(client, exchangeId);
    expect((await verifyBundle(Readable.from([text]))).ok).toBe(true);

    const tampering: typeof fetch = async (input, init) => {
      const real = await fetch(input, init);
      const bytes = new Uint8Array(await real.arrayBuffer());
      bytes[100] = (bytes[100] ?? 0) ^ 1;
      return new Response(bytes, { status: real.status, headers: real.headers });
    };
    const failure = await fetchCustodyBundle(client, exchangeId, tampering).catch((error: unknown) => error);
    expect(isPouchError(failure, 'ERR_HASH_MISMATCH')).toBe(true);
  });

  it('pouch audit export writes it and pouch verify accepts it', async () => {
    const file = join(exchange.dataDir, 'large.jsonl');
    const pouch = (...args: string[]) =>
      runPouch(['--profile', 'auditor', ...args], { POUCH_HOME: auditorHome });
    const exported = await pouch('audit', 'export', exchangeId, '--out', file);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect((await readFile(file)).length).toBeGreaterThan(INLINE_MAX);
    const verified = await pouch('verify', '--exchange-key', exchange.runtime.signer.kid, file);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/OK: \d+ events/);
  });
});
