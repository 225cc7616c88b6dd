// HTTP layer tests: every error is RFC 9457 problem+json with a stable code; requests carry an id and are logged.
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/http/app.ts';
import type { PouchApp } from '../../server/http/app-env.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import { createCapturingLogger } from '../support/local-exchange.ts';

const echoRoute = createRoute({
  method: 'post',
  path: '/v1/echo',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ reference: z.string().min(3), urgency: z.enum(['normal', 'urgent']) }),
        },
      },
    },
  },
  responses: { 200: { description: 'echo' } },
});

function testModule(app: PouchApp) {
  app.openapi(echoRoute, (c) => c.json(c.req.valid('json'), 200));
  app.get('/v1/boom', () => {
    throw new Error('database password is hunter2 at /srv/secret.ts:12');
  });
  app.get('/v1/conflict', () => {
    throw new PouchError('ERR_INVALID_STATE', 'The exchange is closed', { details: { state: 'closed' } });
  });
  app.get('/v1/storage', () => {
    throw new PouchError('ERR_STORAGE', 'dynamo said: internal table name pouch-main', {
      cause: new Error('x'),
    });
  });
}

function build() {
  const logger = createCapturingLogger();
  const app = createApp({ logger, maxBodyBytes: 1024, modules: [testModule] });
  return { app, logger };
}

async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.status).toBe(res.status);
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  return body;
}

const json = (body: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

describe('problem+json errors', () => {
  it('answers 400 ERR_MALFORMED_JSON for broken JSON', async () => {
    const { app } = build();
    const res = await app.request('/v1/echo', json('{"reference": '));
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('ERR_MALFORMED_JSON');
  });

  it('answers 400 ERR_VALIDATION naming the field', async () => {
    const { app } = build();
    const res = await app.request('/v1/echo', json(JSON.stringify({ reference: 'AB', urgency: 'now' })));
    expect(res.status).toBe(400);
    const body = await problemOf(res);
    expect(body.code).toBe('ERR_VALIDATION');
    const fields = (body.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['json.reference', 'json.urgency']);
    expect(body.detail).toContain('json.reference');
  });

  it('accepts a valid body', async () => {
    const { app } = build();
    const res = await app.request('/v1/echo', json(JSON.stringify({ reference: 'ABC', urgency: 'urgent' })));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ reference: 'ABC', urgency: 'urgent' });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const { app } = build();
    const res = await app.request('/v1/echo', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).toBe(415);
    expect((await problemOf(res)).code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 404 ERR_NOT_FOUND for unknown routes', async () => {
    const { app } = build();
    const res = await app.request('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect((await problemOf(res)).code).toBe('ERR_NOT_FOUND');
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const { app } = build();
    const res = await app.request('/v1/echo', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await problemOf(res)).code).toBe('ERR_METHOD_NOT_ALLOWED');
  });

  it('answers 413 for a body over the limit, declared or chunked', async () => {
    const { app } = build();
    const big = JSON.stringify({ reference: 'x'.repeat(2000), urgency: 'normal' });
    const declared = await app.request('/v1/echo', json(big, { 'content-length': String(big.length) }));
    expect(declared.status).toBe(413);
    expect((await problemOf(declared)).code).toBe('ERR_PAYLOAD_TOO_LARGE');

    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++)
          controller.enqueue(new TextEncoder().encode(big.slice(i * 600, (i + 1) * 600)));
        controller.close();
      },
    });
    const chunked = await app.request('/v1/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers 500 ERR_INTERNAL with no internal detail, and logs the detail', async () => {
    const { app, logger } = build();
    const res = await app.request('/v1/boom');
    expect(res.status).toBe(500);
    const text = await res.clone().text();
    expect(text).not.toMatch(/hunter2|secret\.ts|stack|Error:/);
    expect((await problemOf(res)).code).toBe('ERR_INTERNAL');
    const logged = logger.lines.find((l) => l.message === 'unhandled error');
    expect(logged).toBeDefined();
    expect(String((logged!.fields.error as Error).message)).toContain('hunter2');
  });

  it('keeps server-side PouchError messages out of 5xx responses', async () => {
    const { app } = build();
    const res = await app.request('/v1/storage');
    expect(res.status).toBe(503);
    const body = await problemOf(res);
    expect(body.code).toBe('ERR_STORAGE');
    expect(JSON.stringify(body)).not.toContain('pouch-main');
  });

  it('passes safe details of client errors through', async () => {
    const { app } = build();
    const res = await app.request('/v1/conflict');
    expect(res.status).toBe(409);
    const body = await problemOf(res);
    expect(body).toMatchObject({ code: 'ERR_INVALID_STATE', state: 'closed' });
  });
});

describe('request ids and logging', () => {
  it('gives every response its own request id, keeps a safe incoming one apart and logs both as fields', async () => {
    const { app, logger } = build();
    const generated = await app.request('/v1/nothing');
    const id = generated.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await generated.json()) as { requestId: string }).requestId).toBe(id);

    const claimed = await app.request('/v1/nothing', { headers: { 'x-request-id': 'client-abc_123' } });
    const ours = claimed.headers.get('x-request-id');
    expect(ours).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await app.request('/v1/nothing', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const line = logger.lines.find((l) => l.message === 'request' && l.fields.requestId === ours);
    expect(line?.fields).toMatchObject({
      method: 'GET',
      path: '/v1/nothing',
      status: 404,
      clientRequestId: 'client-abc_123',
    });
  });

  it('rejects a non-positive body limit at construction time', () => {
    expect(() => createApp({ logger: createCapturingLogger(), maxBodyBytes: 0 })).toThrow(TypeError);
  });
});

describe('OpenAPI and docs', () => {
  it('serves the OpenAPI document built from the route schemas, and an offline docs page', async () => {
    const { app } = build();
    const doc = (await (await app.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/health']?.get).toBeDefined();
    expect(doc.paths['/v1/echo']?.post?.requestBody).toBeDefined();

    const docs = await app.request('/docs');
    expect(docs.headers.get('content-type')).toContain('text/html');
    const html = await docs.text();
    expect(html).toContain('/v1/echo');
    expect(html).not.toMatch(/<script|https?:\/\/(?!pouch\.example)/);
  });
});
