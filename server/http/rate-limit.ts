// HTTP layer (primary adapter): per-caller rate limits, registered right after the auth middleware. Every
// authenticated request counts against its authority; a token request (unauthenticated by nature) counts against
// the client id and the authority its assertion claims, read without verification, since the limit must bite
// before the costly checks. Over a limit: 429 problem+json ERR_RATE_LIMITED with `Retry-After`. The counters are
// the RateLimiter port's fixed windows (DynamoDB on AWS and locally). Per-IP limits are the edge's job (README:
// "Rate limits and quotas").
import type { Context, MiddlewareHandler } from 'hono';
import { decodeJwt } from 'jose';
import { parseClientId } from '../../shared/domain/identity/ids.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import type { RateLimiter, WindowLimit } from '../ports/rate-limits.ts';
import type { AppEnv, PouchApp } from './app-env.ts';
import { problem } from './problem.ts';

export interface RateLimitDeps {
  readonly limiter: RateLimiter;
  /** Authenticated requests per authority. */
  readonly apiRequests: WindowLimit;
  /** Token requests per claimed client id, and per claimed authority. */
  readonly tokenRequestsPerClient: WindowLimit;
  readonly tokenRequestsPerAuthority: WindowLimit;
  readonly now?: () => Date;
}

const tokenPath = '/v1/token';

function checkLimit(name: string, limit: WindowLimit): void {
  if (!Number.isInteger(limit.limit) || limit.limit <= 0 || !Number.isInteger(limit.windowSeconds)) {
    throw new TypeError(`registerRateLimits: ${name} must be a positive integer limit per whole seconds`);
  }
}

/** The client id a token request's assertion claims (unverified), or undefined when it names none. */
async function claimedClient(
  c: Context<AppEnv>,
): Promise<{ clientId: string; authorityId: string } | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) return undefined;
  let assertion: unknown;
  try {
    assertion = (await c.req.parseBody()).client_assertion;
  } catch {
    return undefined;
  }
  if (typeof assertion !== 'string') return undefined;
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    return undefined;
  }
  const parsed = typeof iss === 'string' ? parseClientId(iss) : undefined;
  return parsed && typeof iss === 'string' ? { clientId: iss, authorityId: parsed.authorityId } : undefined;
}

/**
 * Build the rate-limit route module (after registerAuthMiddleware, so the principal is known).
 *
 * @example
 * createApp({ ..., modules: [registerAuthMiddleware(...), registerRateLimits({ limiter, ...limits }), ...] });
 */
export function registerRateLimits(deps: RateLimitDeps): (app: PouchApp) => void {
  checkLimit('apiRequests', deps.apiRequests);
  checkLimit('tokenRequestsPerClient', deps.tokenRequestsPerClient);
  checkLimit('tokenRequestsPerAuthority', deps.tokenRequestsPerAuthority);
  const now = deps.now ?? (() => new Date());

  /** Take one unit of `key`; a refusal answers 429 with the seconds until the window ends. */
  async function refusal(
    c: Context<AppEnv>,
    key: string,
    window: WindowLimit,
  ): Promise<Response | undefined> {
    const taken = await deps.limiter.take({ key, window, now: now() });
    if (taken.allowed) return undefined;
    const retryAfterSeconds = taken.retryAfterSeconds;
    return problem(
      c,
      'ERR_RATE_LIMITED',
      `Too many requests: at most ${window.limit} per ${window.windowSeconds} s`,
      { limit: window.limit, windowSeconds: window.windowSeconds, retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }

  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    // Absent on the public routes (the auth middleware sets it on every other one).
    const principal = c.get('principal') as Principal | undefined;
    if (principal) {
      const refused = await refusal(c, `api#${principal.authorityId}`, deps.apiRequests);
      return refused ?? next();
    }
    if (c.req.method === 'POST' && c.req.path === tokenPath) {
      const claimed = await claimedClient(c);
      if (claimed) {
        const refused =
          (await refusal(c, `token-client#${claimed.clientId}`, deps.tokenRequestsPerClient)) ??
          (await refusal(c, `token-authority#${claimed.authorityId}`, deps.tokenRequestsPerAuthority));
        if (refused) return refused;
      }
    }
    return next();
  };
  return (app) => {
    app.use('*', middleware);
  };
}
