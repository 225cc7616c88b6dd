// Integration tests (issue 12, finding 8): anonymous /health does not fan out. It answers liveness without a
// single DynamoDB, S3 or signer call (before the fix it made five: one per table, the bucket and the key); the
// per-dependency check needs the operator's token, at /health/dependencies.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenClient, loadLocalOperator, seedTestAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

describe('/health', () => {
  let exchange: Exchange;
  let bearer: (who: 'operator' | 'officer') => Promise<string>;

  beforeAll(async () => {
    exchange = await startTestExchange();
    const tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
    const operator = await loadLocalOperator(exchange.runtime.operatorKeyFile!);
    const authority = await seedTestAuthority(exchange.runtime.directory, {
      members: [{ role: 'admin' }, { role: 'officer' }],
    });
    bearer = (who) => tokens.tokenFor(who === 'operator' ? operator : authority.member('officer'));
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('answers an anonymous caller with liveness only, calling no dependency', async () => {
    const { clients, signer } = exchange.runtime;
    // Observation only: count every command each client sends; nothing is changed.
    const sent = { dynamo: 0, s3: 0 };
    clients.dynamo.middlewareStack.add(
      (next) => async (args) => {
        sent.dynamo++;
        return next(args);
      },
      { step: 'initialize', name: 'countSends' },
    );
    clients.s3.middlewareStack.add(
      (next) => async (args) => {
        sent.s3++;
        return next(args);
      },
      { step: 'initialize', name: 'countSends' },
    );
    const signerCheck = vi.spyOn(signer, 'check');
    try {
      for (let i = 0; i < 20; i++) {
        const res = await exchange.runtime.app.request('/health');
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'ok' });
      }
      expect({ ...sent, signer: signerCheck.mock.calls.length }).toEqual({
        dynamo: 0,
        s3: 0,
        signer: 0,
      });
    } finally {
      signerCheck.mockRestore();
    }
  });

  it('reports every dependency to the operator only', async () => {
    const app = exchange.runtime.app;
    const anonymous = await app.request('/health/dependencies');
    expect(anonymous.status).toBe(401);
    const officer = await app.request('/health/dependencies', {
      headers: { authorization: `Bearer ${await bearer('officer')}` },
    });
    expect(officer.status).toBe(403);
    expect(((await officer.json()) as { code: string }).code).toBe('ERR_FORBIDDEN');
    const res = await app.request('/health/dependencies', {
      headers: { authorization: `Bearer ${await bearer('operator')}` },
    });
    expect(res.status).toBe(200);
    const health = (await res.json()) as {
      status: string;
      dependencies: Array<{ name: string; status: string }>;
    };
    expect(health.status).toBe('ok');
    expect(health.dependencies.map((d) => `${d.name}=${d.status}`).sort()).toEqual([
      'dynamodb:ledger=ok',
      'dynamodb:main=ok',
      'dynamodb:replay=ok',
      's3:evidence=ok',
      'signer:file=ok',
      'signer:token:file=ok',
    ]);
  });

  it('reports a dependency that stops answering as unavailable with 503 (S3 fault injected)', async () => {
    const token = await bearer('operator');
    const stack = exchange.runtime.clients.s3.middlewareStack;
    stack.add(
      () => async () => {
        throw Object.assign(new Error('injected'), { name: 'ServiceUnavailable' });
      },
      { step: 'initialize', name: 'injectS3Fault' },
    );
    try {
      const res = await exchange.runtime.app.request('/health/dependencies', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(503);
      const health = (await res.json()) as {
        status: string;
        dependencies: Array<{ name: string; status: string }>;
      };
      expect(health.status).toBe('degraded');
      expect(health.dependencies.find((d) => d.name === 's3:evidence')?.status).toBe('unavailable');
      expect(health.dependencies.find((d) => d.name === 'dynamodb:main')?.status).toBe('ok');
      // The anonymous liveness answer does not depend on it.
      expect((await exchange.runtime.app.request('/health')).status).toBe(200);
    } finally {
      stack.remove('injectS3Fault');
    }
  });
});
