// Hardening: a resume after a local restart gets working URLs. The embedded S3 server comes back on another
// port, so a replayed declaration (same Idempotency-Key) must hand out fresh presigned URLs for the same
// document, never the ones recorded with the first answer.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenClient, type SeededAuthority, seedTestAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Started = Awaited<ReturnType<typeof startTestExchange>>;

describe('resume after a restart', () => {
  let dataDir = '';
  let exchange: Started | undefined;
  let a: SeededAuthority;
  let b: SeededAuthority;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pouch-resume-'));
    exchange = await startTestExchange({ dataDir });
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
    a = await seedTestAuthority(exchange.runtime.directory, { country: 'XA', members });
    b = await seedTestAuthority(exchange.runtime.directory, { country: 'XB', members });
  });
  afterAll(async () => {
    await exchange?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function caller(running: Started) {
    const token = await createTokenClient(running.runtime.app, running.runtime.config.issuer).tokenFor(
      a.member('officer'),
    );
    return async (method: string, path: string, body: unknown, key?: string) => {
      const res = await running.runtime.app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify(body),
      });
      return {
        status: res.status,
        headers: res.headers,
        body: (await res.json()) as Record<string, unknown>,
      };
    };
  }

  it('answers a replayed declaration with fresh URLs on the restarted storage port', async () => {
    let call = await caller(exchange!);
    const created = await call('POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'RESUME-1',
    });
    expect(created.status).toBe(201);
    const exchangeId = created.body.id as string;
    const bytes = randomBytes(4096);
    const declaration = {
      sealedSize: bytes.length,
      sealedSha256: createHash('sha256').update(bytes).digest('hex'),
    };
    const key = randomBytes(12).toString('hex');
    const path = `/v1/exchanges/${exchangeId}/documents`;
    const first = await call('POST', path, declaration, key);
    expect(first.status).toBe(201);
    const firstUrl = (first.body.urls as Array<{ url: string }>)[0]!.url;
    const oldS3Port = exchange!.embedded.s3Port;
    expect(new URL(firstUrl).port).toBe(String(oldS3Port));

    // The client never uploaded (it was killed); the exchange restarts on the same data, storage elsewhere.
    await exchange!.close();
    exchange = await startTestExchange({ dataDir });
    expect(exchange.embedded.s3Port).not.toBe(oldS3Port);
    call = await caller(exchange);

    const again = await call('POST', path, declaration, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const documentId = (again.body.document as { documentId: string }).documentId;
    expect(documentId).toBe((first.body.document as { documentId: string }).documentId);
    const [url] = again.body.urls as Array<{ url: string; headers: Record<string, string> }>;
    expect(new URL(url!.url).port).toBe(String(exchange.embedded.s3Port));
    const put = await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: new Uint8Array(bytes) });
    expect(put.status).toBe(200);
    const committed = await call('POST', `${path}/${documentId}/commit`, { parts: [] }, `${key}-commit`);
    expect(committed.status).toBe(200);

    // A third replay after the commit still names the same document and nothing new is declared.
    const third = await call('POST', path, declaration, key);
    expect(third.status).toBe(201);
    expect((third.body.document as { documentId: string }).documentId).toBe(documentId);
    const events = await exchange.runtime.ledger.read(exchangeId);
    expect(events.filter((e) => e.action === 'document.uploaded')).toHaveLength(1);
  }, 60_000);
});
