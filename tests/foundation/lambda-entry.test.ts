// Entry-point test: the Lambda handler serves the same app through an API Gateway v2 event, wired from env.
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { handler as Handler } from '../../functions/api.ts';
import { localDefaults } from '../../server/config/config.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

type Event = Parameters<typeof Handler>[0];

function event(method: string, path: string): Event {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    body: null,
    headers: { host: 'api.example', 'x-request-id': 'lambda-test-1' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      authentication: null,
      authorizer: {},
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '28/Nov/2026:12:00:00 +0000',
      timeEpoch: 0,
    },
  };
}

describe('functions/api.ts', () => {
  let exchange: Exchange;
  beforeAll(async () => {
    exchange = await startTestExchange();
    const env = localDefaults(exchange.dataDir, {
      http: exchange.port,
      dynamodb: exchange.embedded.dynamodbPort,
      s3: exchange.embedded.s3Port,
    });
    Object.assign(process.env, env, { POUCH_LOG_LEVEL: 'silent' });
  });
  afterAll(async () => {
    await exchange.stop();
  });

  it('answers /health and problem+json through an API Gateway v2 event', async () => {
    const { handler } = await import('../../functions/api.ts');
    const health = await handler(event('GET', '/health'), {} as Context);
    expect(health).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((health as { body: string }).body).status).toBe('ok');

    const missing = (await handler(event('GET', '/nope'), {} as Context)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    // The client's X-Request-Id is not trusted as the request id: the server generates its own.
    const problem = JSON.parse(missing.body) as { code: string; requestId: string };
    expect(problem.code).toBe('ERR_NOT_FOUND');
    expect(problem.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
