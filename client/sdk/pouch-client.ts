// SDK (runtime-neutral): the HTTP client for the exchange API — token exchange, caching, retries, problems.
import { z } from 'zod';
import { PouchError } from '../../shared/domain/errors.ts';
import { PouchNetworkError, readApiError } from './api-error.ts';
import {
  type ClientCredentials,
  jwtBearerAssertionType,
  normalizeBaseUrl,
  signClientAssertion,
  tokenEndpoint,
} from './client-assertion.ts';
import type { CachedToken, TokenCache } from './token-cache.ts';

/** A `fetch`-compatible function; inject a fake in tests or a custom agent in Node. */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

export interface PouchClientOptions {
  /** The exchange base URL, e.g. `http://127.0.0.1:8787`. It is also the assertion audience's prefix. */
  baseUrl: string;
  credentials: ClientCredentials;
  /** Where tokens outlive this client (optional; tokens are always kept in memory too). */
  tokenCache?: TokenCache;
  fetch?: FetchFunction;
  /** The clock in epoch milliseconds. Tests fake it; everything time-based reads only this. */
  now?: () => number;
  /** A token is renewed this long before it expires, so it never dies in flight. Default 15 s. */
  refreshMarginMs?: number;
}

export interface RequestOptions {
  /** A JSON body, serialized with `Content-Type: application/json`. */
  json?: unknown;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** `Idempotency-Key` for POSTs: a string you keep for retries, or `true` for a fresh random one. */
  idempotencyKey?: string | true;
  signal?: AbortSignal;
}

export interface PouchClient {
  readonly baseUrl: string;
  readonly clientId: string;
  /** A valid access token: from memory, then the cache, else a freshly exchanged one. */
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /**
   * Call the API with a bearer token. Resolves to the parsed JSON body (undefined when empty).
   * Throws PouchApiError for problem answers and PouchNetworkError when the exchange is unreachable.
   */
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  /** Forget the token in memory and in the cache (e.g. on logout). */
  clearToken(): Promise<void>;
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive(),
});

/**
 * Plain http:// only to this machine: assertions, bearer tokens and presigned URLs cross this connection, and
 * anyone on the path could replay or rewrite them. Loopback is how `npm start` and the tests run.
 */
export function requireSecureTransport(url: URL): void {
  if (url.protocol === 'https:') return;
  const host = url.hostname.toLowerCase();
  const loopback = host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  if (!loopback) {
    throw new PouchError(
      'ERR_INSECURE_URL',
      `The exchange URL ${url.origin} must use https (http is for loopback only)`,
      {
        details: { origin: url.origin },
      },
    );
  }
}

interface HeldToken {
  token: CachedToken;
  /** Whether it came from a cache (another process may have used it against a server that since forgot it). */
  fromCache: boolean;
}

/**
 * Create a client for one identity on one exchange.
 *
 * @example
 * const client = createPouchClient({ baseUrl, credentials: { clientId: 'FR-CA:alice', kid, privateKey, alg: 'ES256' } });
 * const me = await client.request<{ sub: string }>('GET', '/v1/me');
 */
export function createPouchClient(options: PouchClientOptions): PouchClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch (cause) {
    throw new PouchError('ERR_CONFIG', `Invalid exchange URL '${options.baseUrl}'`, { cause });
  }
  requireSecureTransport(parsed);
  const { credentials, tokenCache } = options;
  const doFetch: FetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;
  const refreshMarginMs = options.refreshMarginMs ?? 15_000;
  const cacheKey = `${baseUrl}|${credentials.clientId}|${credentials.kid}`;
  let held: HeldToken | undefined;
  let inFlight: Promise<HeldToken> | undefined;

  const isUsable = (token: CachedToken): boolean => now() + refreshMarginMs < token.expiresAt;

  async function send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(url, init);
    } catch (cause) {
      if (init.signal?.aborted) throw cause;
      throw new PouchNetworkError(url.split('?')[0] ?? url, cause);
    }
  }

  async function exchangeAssertion(): Promise<HeldToken> {
    const assertion = await signClientAssertion(credentials, baseUrl, now());
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: jwtBearerAssertionType,
      client_assertion: assertion,
    });
    const obtainedAt = now();
    const response = await send(tokenEndpoint(baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
    });
    if (!response.ok) throw await readApiError(response);
    const parsed = tokenResponseSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new PouchError('ERR_INTERNAL', 'The token endpoint answered with an unexpected body', {
        cause: parsed.error,
      });
    }
    const token = {
      accessToken: parsed.data.access_token,
      expiresAt: obtainedAt + parsed.data.expires_in * 1000,
    };
    if (tokenCache) await tokenCache.set(cacheKey, token);
    return { token, fromCache: false };
  }

  async function obtainToken(forceRefresh: boolean): Promise<HeldToken> {
    if (!forceRefresh) {
      if (held && isUsable(held.token)) return held;
      if (tokenCache) {
        const cached = await tokenCache.get(cacheKey).catch(() => undefined);
        if (cached && isUsable(cached)) {
          held = { token: cached, fromCache: true };
          return held;
        }
      }
    }
    // One exchange at a time: concurrent callers share it instead of burning assertions.
    inFlight ??= exchangeAssertion().finally(() => {
      inFlight = undefined;
    });
    held = await inFlight;
    return held;
  }

  function buildUrl(path: string, query: Record<string, QueryValue> | undefined): string {
    if (!path.startsWith('/'))
      throw new PouchError('ERR_VALIDATION', `API path must start with '/': ${path}`);
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
      else params.append(name, String(value));
    }
    const search = params.toString();
    return `${baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  async function readBody(response: Response): Promise<unknown> {
    const text = await response.text();
    if (!text) return undefined;
    const type = response.headers.get('content-type') ?? '';
    if (!/json/i.test(type)) return text;
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new PouchError('ERR_INTERNAL', 'The exchange answered with malformed JSON', { cause });
    }
  }

  return {
    baseUrl,
    clientId: credentials.clientId,

    async getAccessToken(opts = {}) {
      return (await obtainToken(opts.forceRefresh ?? false)).token.accessToken;
    },

    async request<T = unknown>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
      const url = buildUrl(path, opts.query);
      const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
      for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
      let body: string | undefined;
      if (opts.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(opts.json);
      }
      if (opts.idempotencyKey !== undefined) {
        // Fixed before the first attempt, so a retry is recognised as the same operation.
        headers['idempotency-key'] = opts.idempotencyKey === true ? crypto.randomUUID() : opts.idempotencyKey;
      }

      let current = await obtainToken(false);
      for (let attempt = 0; ; attempt++) {
        const response = await send(url, {
          method,
          headers: { ...headers, authorization: `Bearer ${current.token.accessToken}` },
          ...(body === undefined ? {} : { body }),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        if (response.ok) return (await readBody(response)) as T;
        const error = await readApiError(response);
        const retryable =
          error.status === 401 &&
          (error.code === 'ERR_TOKEN_EXPIRED' || (error.code === 'ERR_TOKEN_INVALID' && current.fromCache));
        if (attempt > 0 || !retryable) throw error;
        current = await obtainToken(true);
      }
    },

    async clearToken() {
      held = undefined;
      if (tokenCache) await tokenCache.delete(cacheKey);
    },
  };
}
