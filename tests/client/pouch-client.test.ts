// Tests for the SDK client: token exchange and caching (fake fetch, fake clock), retries, problem errors.
import { decodeJwt, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { PouchApiError, PouchNetworkError } from '../../client/sdk/api-error.ts';
import type { ClientCredentials } from '../../client/sdk/client-assertion.ts';
import { createPouchClient, type FetchFunction } from '../../client/sdk/pouch-client.ts';
import { createMemoryTokenCache } from '../../client/sdk/token-cache.ts';
import { isPouchError } from '../../shared/domain/errors.ts';

const baseUrl = 'http://127.0.0.1:8787';

interface Recorded {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

function problem(status: number, code: string, extra: Record<string, unknown> = {}): Response {
  return json(status, { type: 'x', title: 'T', status, code, ...extra }, 'application/problem+json');
}

/** A fake exchange: counts token exchanges, answers API calls with `api(request, n)`. */
function createFakeFetch(api: (request: Recorded, n: number) => Response = () => json(200, { ok: true })) {
  const requests: Recorded[] = [];
  let tokens = 0;
  let apiCalls = 0;
  const fetch: FetchFunction = async (url, init = {}) => {
    const request: Recorded = {
      url,
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    };
    requests.push(request);
    if (url === `${baseUrl}/v1/token`) {
      tokens++;
      return json(200, { access_token: `token-${tokens}`, token_type: 'Bearer', expires_in: 300 });
    }
    apiCalls++;
    return api(request, apiCalls);
  };
  return {
    fetch,
    requests,
    get tokenCalls() {
      return tokens;
    },
  };
}

describe('createPouchClient', () => {
  let credentials: ClientCredentials;
  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('ES256');
    credentials = { clientId: 'FR-MOJ:alice', kid: 'kid-1', privateKey, alg: 'ES256' };
  });

  it('exchanges a signed assertion with a form-encoded client_credentials request', async () => {
    const fake = createFakeFetch();
    const client = createPouchClient({ baseUrl: `${baseUrl}/`, credentials, fetch: fake.fetch });
    expect(await client.getAccessToken()).toBe('token-1');
    const [tokenRequest] = fake.requests;
    expect(tokenRequest?.method).toBe('POST');
    expect(tokenRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(tokenRequest?.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(tokenRequest?.body).toContain(
      'client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer',
    );
    expect(decodeJwt(form.get('client_assertion') ?? '').aud).toBe(`${baseUrl}/v1/token`);
  });

  it('reuses the cached token for a second request and refreshes it once expired', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const fake = createFakeFetch();
    const cache = createMemoryTokenCache();
    const client = createPouchClient({
      baseUrl,
      credentials,
      fetch: fake.fetch,
      tokenCache: cache,
      now: () => clock,
    });

    await client.request('GET', '/v1/me');
    await client.request('GET', '/v1/me');
    expect(fake.tokenCalls).toBe(1);
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer token-1');

    clock += 290_000; // inside the refresh margin before the 300 s expiry
    await client.request('GET', '/v1/me');
    expect(fake.tokenCalls).toBe(2);
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer token-2');

    // A new client (a new CLI run) picks the token up from the cache instead of exchanging again.
    const second = createPouchClient({
      baseUrl,
      credentials,
      fetch: fake.fetch,
      tokenCache: cache,
      now: () => clock,
    });
    expect(await second.getAccessToken()).toBe('token-2');
    expect(fake.tokenCalls).toBe(2);
  });

  it('shares one token exchange between concurrent callers', async () => {
    const fake = createFakeFetch();
    const client = createPouchClient({ baseUrl, credentials, fetch: fake.fetch });
    await Promise.all([client.getAccessToken(), client.getAccessToken(), client.request('GET', '/v1/me')]);
    expect(fake.tokenCalls).toBe(1);
  });

  it('retries once with a fresh token on 401 ERR_TOKEN_EXPIRED', async () => {
    const fake = createFakeFetch((_request, n) =>
      n === 1 ? problem(401, 'ERR_TOKEN_EXPIRED') : json(200, { n }),
    );
    const client = createPouchClient({ baseUrl, credentials, fetch: fake.fetch });
    expect(await client.request('GET', '/v1/me')).toEqual({ n: 2 });
    expect(fake.tokenCalls).toBe(2);
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer token-2');
  });

  it('does not retry more than once, nor on other 401s', async () => {
    const expired = createFakeFetch(() => problem(401, 'ERR_TOKEN_EXPIRED'));
    const client = createPouchClient({ baseUrl, credentials, fetch: expired.fetch });
    await expect(client.request('GET', '/v1/me')).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
      status: 401,
    });
    expect(expired.tokenCalls).toBe(2);

    const revoked = createFakeFetch(() => problem(401, 'ERR_KEY_REVOKED'));
    const other = createPouchClient({ baseUrl, credentials, fetch: revoked.fetch });
    await expect(other.request('GET', '/v1/me')).rejects.toMatchObject({ code: 'ERR_KEY_REVOKED' });
    expect(revoked.tokenCalls).toBe(1);
  });

  it('retries ERR_TOKEN_INVALID only for a token that came from the cache', async () => {
    const cache = createMemoryTokenCache();
    const stale = createFakeFetch((request) =>
      request.headers.authorization === 'Bearer stale'
        ? problem(401, 'ERR_TOKEN_INVALID')
        : json(200, { ok: 1 }),
    );
    const client = createPouchClient({ baseUrl, credentials, fetch: stale.fetch, tokenCache: cache });
    await cache.set(`${baseUrl}|${credentials.clientId}|${credentials.kid}`, {
      accessToken: 'stale',
      expiresAt: Date.now() + 3_600_000,
    });
    expect(await client.request('GET', '/v1/me')).toEqual({ ok: 1 });
    expect(stale.tokenCalls).toBe(1);

    const invalid = createFakeFetch(() => problem(401, 'ERR_TOKEN_INVALID'));
    const fresh = createPouchClient({ baseUrl, credentials, fetch: invalid.fetch });
    await expect(fresh.request('GET', '/v1/me')).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
    expect(invalid.tokenCalls).toBe(1);
  });

  it('throws PouchApiError with the problem code, detail and request id', async () => {
    const fake = createFakeFetch(() =>
      problem(404, 'ERR_NOT_FOUND', { detail: 'No such exchange', requestId: 'r-9' }),
    );
    const client = createPouchClient({ baseUrl, credentials, fetch: fake.fetch });
    const error = await client.request('GET', '/v1/exchanges/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PouchApiError);
    expect(isPouchError(error, 'ERR_NOT_FOUND')).toBe(true);
    expect(error).toMatchObject({ status: 404, detail: 'No such exchange', requestId: 'r-9' });
  });

  it('maps a non-problem error page to a code by status', async () => {
    const fake = createFakeFetch(() => new Response('<html>bad gateway</html>', { status: 502 }));
    const client = createPouchClient({ baseUrl, credentials, fetch: fake.fetch });
    await expect(client.request('GET', '/v1/me')).rejects.toMatchObject({
      code: 'ERR_DEPENDENCY_UNAVAILABLE',
      status: 502,
    });
  });

  it('fails the token exchange with the server problem', async () => {
    const fetch: FetchFunction = async () => problem(401, 'ERR_KEY_UNKNOWN');
    const client = createPouchClient({ baseUrl, credentials, fetch });
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'ERR_KEY_UNKNOWN', status: 401 });
  });

  it('reports an unreachable exchange as PouchNetworkError with the URL', async () => {
    const fetch: FetchFunction = async () => {
      throw new TypeError('fetch failed');
    };
    const client = createPouchClient({ baseUrl, credentials, fetch });
    const error = await client.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PouchNetworkError);
    expect(error).toMatchObject({ code: 'ERR_DEPENDENCY_UNAVAILABLE', url: `${baseUrl}/v1/token` });
  });

  it('sends JSON, query and a stable Idempotency-Key across the token retry', async () => {
    const fake = createFakeFetch((_request, n) =>
      n === 1 ? problem(401, 'ERR_TOKEN_EXPIRED') : json(201, { id: 'e1' }),
    );
    const client = createPouchClient({ baseUrl, credentials, fetch: fake.fetch });
    const created = await client.request('POST', '/v1/exchanges', {
      json: { kind: 'mla' },
      query: { dryRun: false, tag: ['a', 'b'], skip: undefined },
      idempotencyKey: true,
    });
    expect(created).toEqual({ id: 'e1' });
    const posts = fake.requests.filter((request) => request.url.includes('/v1/exchanges'));
    expect(posts).toHaveLength(2);
    expect(posts[0]?.url).toBe(`${baseUrl}/v1/exchanges?dryRun=false&tag=a&tag=b`);
    expect(posts[0]?.headers['content-type']).toBe('application/json');
    expect(posts[0]?.body).toBe('{"kind":"mla"}');
    const key = posts[0]?.headers['idempotency-key'];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[1]?.headers['idempotency-key']).toBe(key);
  });

  it('resolves to undefined for an empty 204 answer', async () => {
    const fake = createFakeFetch(() => new Response(null, { status: 204 }));
    const client = createPouchClient({ baseUrl, credentials, fetch: fake.fetch });
    expect(await client.request('DELETE', '/v1/things/1')).toBeUndefined();
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createPouchClient({ baseUrl: 'ftp://x', credentials })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG' }),
    );
  });
});
