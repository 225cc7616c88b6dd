// The API refuses what did not come through CloudFront (issue 12, finding 8): with POUCH_ORIGIN_VERIFY set, as
// the stateless stack sets it, a request without the header CloudFront adds, or with a wrong value, gets the same
// 404 problem as anything that does not exist, and a security log line; with the header it is served.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/config.ts';
import { envNames, originVerifyHeader } from '../../server/config/environment.ts';
import { type LocalExchange, startLocalExchange } from '../../server/local/local-exchange.ts';
import { createCapturingLogger } from '../support/local-exchange.ts';

const secret = 'Q'.repeat(24) + 'w'.repeat(24);

describe('origin verification (CloudFront in front of the API)', () => {
  let exchange: LocalExchange;
  let dataDir: string;
  const logger = createCapturingLogger();
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pouch-origin-'));
    exchange = await startLocalExchange({
      dataDir,
      port: 0,
      env: { POUCH_LOG_LEVEL: 'silent', [envNames.originVerify]: secret },
      logger,
      checkpointIntervalMs: 0,
    });
  });
  afterAll(async () => {
    await exchange.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${exchange.url}${path}`, { headers });

  it('refuses a request without the header as if nothing were there, and logs it as a security event', async () => {
    for (const path of ['/health', '/.well-known/jwks.json', '/v1/exchanges']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe('ERR_FORBIDDEN');
    }
    const token = await fetch(`${exchange.url}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(404);
    expect(((await token.json()) as { code: string }).code).toBe('ERR_FORBIDDEN');
    const events = logger.lines.filter(
      (l) => l.message === 'security' && l.fields.event === 'origin.unverified',
    );
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('refuses a wrong value, even one of the same length or a prefix', async () => {
    for (const wrong of [`${secret.slice(0, -1)}x`, secret.slice(0, 32), `${secret}x`, '']) {
      const res = await get('/health', { [originVerifyHeader]: wrong });
      expect(res.status, wrong).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('ERR_FORBIDDEN');
    }
  });

  it('serves a request that carries the secret', async () => {
    const health = await get('/health', { [originVerifyHeader]: secret });
    expect(health.status).toBe(200);
    const jwks = await get('/.well-known/jwks.json', { [originVerifyHeader]: secret });
    expect(jwks.status).toBe(200);
    // Past the edge check, the API's own rules apply: no bearer token is 401.
    const list = await get('/v1/exchanges', { [originVerifyHeader]: secret });
    expect(list.status).toBe(401);
  });

  it('refuses a secret shorter than 32 characters in the configuration', () => {
    const env = {
      [envNames.mode]: 'local',
      [envNames.region]: 'local',
      [envNames.mainTable]: 'main',
      [envNames.ledgerTable]: 'ledger',
      [envNames.replayTable]: 'replay',
      [envNames.evidenceBucket]: 'evidence',
      [envNames.issuer]: 'http://127.0.0.1:1',
      [envNames.signer]: 'file',
      [envNames.signingKeyFile]: '/tmp/a',
      [envNames.tokenSigningKeyFile]: '/tmp/b',
    };
    expect(loadConfig({ ...env, [envNames.originVerify]: secret }).originVerify).toBe(secret);
    expect(loadConfig(env).originVerify).toBeUndefined();
    expect(() => loadConfig({ ...env, [envNames.originVerify]: 'short' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG' }),
    );
  });
});
