// Hardening, issue 12 finding 9b and 9c, against a real local exchange (dynalite + s3rver):
// - a client's X-Request-Id never becomes the request id of logs, problems or audit records; a well-formed one is
//   logged apart as clientRequestId;
// - presigned uploads sign `Content-Type: application/octet-stream` and presigned downloads force an attachment of
//   that type, so an uploader cannot choose what S3 serves the recipient. s3rver does not check signatures, so the
//   upload side asserts on what AWS enforces: the presigned URL's X-Amz-SignedHeaders covers content-type (a PUT
//   with `text/html` then fails AWS's signature check); the download side asserts the signed response overrides.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3DocumentStore } from '../../server/adapters/s3-document-store.ts';
import { newId } from '../../shared/domain/ids.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { createCapturingLogger, startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let exchange: Exchange;
let logger: ReturnType<typeof createCapturingLogger>;
let a: SeededAuthority;
let b: SeededAuthority;
const bearer = new Map<TestPrincipal, string>();

async function call(who: TestPrincipal, method: string, path: string, body?: unknown, headers = {}) {
  const res = await exchange.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${bearer.get(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

beforeAll(async () => {
  logger = createCapturingLogger();
  exchange = await startTestExchange({ logger });
  const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
  a = await seedTestAuthority(exchange.runtime.directory, { country: 'XA', members });
  b = await seedTestAuthority(exchange.runtime.directory, { country: 'XB', members });
  const tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  for (const who of [a.member('admin'), a.member('officer')]) bearer.set(who, await tokens.tokenFor(who));
});
afterAll(async () => {
  await exchange?.stop();
});

describe('request ids are the server’s own', () => {
  it('a client X-Request-Id is not the request id of the response, the log line or the audit record', async () => {
    const forged = 'forged-request-1';
    const published = await call(
      a.member('admin'),
      'PUT',
      `/v1/directory/authorities/${a.authorityId}/profile`,
      {
        statement: await a.signStatement(
          'profile',
          { profile: { languages: ['en'], acceptedBases: ['budapest'] } },
          2,
        ),
      },
      { 'x-request-id': forged },
    );
    expect(published.status).toBe(200);
    const id = published.headers.get('x-request-id');
    expect(id).toMatch(uuid);
    expect(id).not.toBe(forged);

    const audit = await call(a.member('admin'), 'GET', `/v1/directory/authorities/${a.authorityId}/audit`);
    const records = audit.body.records as Array<{ action: string; origin: { requestId: string } }>;
    const record = records.find((r) => r.action === 'profile.publish');
    expect(record?.origin.requestId).toBe(id);
    expect(JSON.stringify(records)).not.toContain(forged);

    const line = logger.lines.find((l) => l.message === 'request' && l.fields.requestId === id);
    expect(line?.fields).toMatchObject({ clientRequestId: forged, method: 'PUT', status: 200 });
    expect(logger.lines.some((l) => l.fields.requestId === forged)).toBe(false);
  });

  it('a problem answer carries the server id; a malformed client id is not even kept apart', async () => {
    const hostile = 'x'.repeat(65);
    const missing = await call(a.member('officer'), 'GET', `/v1/exchanges/${newId('exch')}`, undefined, {
      'x-request-id': hostile,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.requestId).toMatch(uuid);
    expect(missing.body.requestId).toBe(missing.headers.get('x-request-id'));
    const line = logger.lines.find(
      (l) => l.message === 'request' && l.fields.requestId === missing.body.requestId,
    );
    expect(line?.fields.clientRequestId).toBeUndefined();
  });
});

describe('presigned transfers fix the content type and the disposition', () => {
  it('the upload URL from the API signs Content-Type: application/octet-stream (a text/html PUT fails on AWS)', async () => {
    const created = await call(a.member('officer'), 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'CT-1',
    });
    expect(created.status).toBe(201);
    const sealed = randomBytes(64);
    const declared = await call(a.member('officer'), 'POST', `/v1/exchanges/${created.body.id}/documents`, {
      sealedSize: sealed.length,
      sealedSha256: createHash('sha256').update(sealed).digest('hex'),
    });
    expect(declared.status).toBe(201);
    const [put] = declared.body.urls as Array<{ url: string; headers: Record<string, string> }>;
    expect(put!.headers['content-type']).toBe('application/octet-stream');
    const signedHeaders = new URL(put!.url).searchParams.get('X-Amz-SignedHeaders')?.split(';');
    expect(signedHeaders).toContain('content-type');
    const stored = await fetch(put!.url, { method: 'PUT', headers: put!.headers, body: sealed });
    expect(stored.status).toBe(200);
  });

  it('the download URL forces an attachment of type application/octet-stream, whatever was stored', async () => {
    const { clients, config } = exchange.runtime;
    const store = createS3DocumentStore(clients.s3, {
      bucket: config.evidenceBucket,
      presignSeconds: 60,
      verifyByReadingWhenNoChecksum: true,
    });
    const key = 'exchanges/exch_ct/documents/doc_ct.age';
    // What a hostile uploader would want served: HTML, inline (stored around the presigned URLs on purpose).
    await store.putObject({
      key,
      body: Buffer.from('<script>alert(1)</script>'),
      sha256: createHash('sha256').update('<script>alert(1)</script>').digest('hex'),
      contentType: 'text/html',
    });
    const get = await store.presignGet({ key, expiresInSeconds: 60 });
    const query = new URL(get.url).searchParams;
    expect(query.get('response-content-disposition')).toBe('attachment');
    expect(query.get('response-content-type')).toBe('application/octet-stream');
    const served = await fetch(get.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-disposition')).toBe('attachment');
    expect(served.headers.get('content-type')).toBe('application/octet-stream');
  });
});
