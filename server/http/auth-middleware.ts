// HTTP layer (primary adapter): the bearer-token gate in front of every route except the public ones, and the
// security log (authentications, their failures, authorization denials). Registered as the first route module
// so it runs before every feature route.
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { PROBLEM_MEDIA_TYPE } from '../../shared/api/common.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { AuthenticationError, isAccessDenied } from '../../shared/domain/identity/errors.ts';
import type { Principal, RequestOrigin } from '../../shared/domain/identity/types.ts';
import type { Logger } from '../ports/logger.ts';
import type { AppEnv, PouchApp } from './app-env.ts';
import { problemBody } from './problem.ts';

/** Routes anyone may call without a token: `METHOD path`. Everything else needs `Authorization: Bearer`. */
export const publicRoutes: ReadonlySet<string> = new Set([
  'GET /health',
  'GET /openapi.json',
  'GET /docs',
  'GET /.well-known/jwks.json',
  'GET /.well-known/pouch-custody-keys.json',
  'POST /v1/token',
]);

/** RFC 6750 b64token. */
const bearerPattern = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

export interface SecurityEvent {
  readonly event: 'authentication' | 'authorization';
  readonly outcome: 'success' | 'failure' | 'denied';
  /** Stable reason code (ERR_...), absent on success. */
  readonly reason?: string;
  /** The client id: verified on success, as claimed (unverified) on failure, absent when unreadable. */
  readonly clientId?: string;
  /** What was attempted: `METHOD path` or a use-case action. */
  readonly action: string;
  /** Denials: who asked (authority, member, role), the policy rule that said no, and the resource asked for. */
  readonly who?: { readonly authorityId: string; readonly memberId: string; readonly role: string };
  readonly rule?: string;
  readonly resourceId?: string;
}

/**
 * Where the request came from. On Lambda: API Gateway's `requestContext.http.sourceIp`, which AWS sets from the
 * TCP connection. Locally: the socket's remote address. `X-Forwarded-For` is never read: any client can write it,
 * and no trusted proxy sits in front of either runtime.
 */
export function readSourceIp(c: Context): string {
  const env = c.env as
    | {
        requestContext?: { http?: { sourceIp?: unknown } };
        incoming?: { socket?: { remoteAddress?: unknown } };
      }
    | undefined;
  const lambda = env?.requestContext?.http?.sourceIp;
  if (typeof lambda === 'string') return lambda;
  const socket = env?.incoming?.socket?.remoteAddress;
  return typeof socket === 'string' ? socket : 'unknown';
}

/** The origin of this request, for audit records. */
export function readOrigin(c: Context<AppEnv>): RequestOrigin {
  return { sourceIp: readSourceIp(c), requestId: c.get('requestId') };
}

/** The authenticated principal; throws when a route forgot to sit behind the middleware. */
export function requirePrincipal(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new AuthenticationError('ERR_UNAUTHENTICATED', 'Authentication required');
  return principal;
}

/** Write one structured security log line: who, what, when, where from, outcome, reason. Never a token. */
export function logSecurityEvent(logger: Logger, c: Context<AppEnv>, event: SecurityEvent): void {
  const fields = {
    ...event,
    at: new Date().toISOString(),
    sourceIp: readSourceIp(c),
    requestId: c.get('requestId'),
  };
  if (event.outcome === 'success') logger.info('security', fields);
  else logger.warn('security', fields);
}

/**
 * A 401 problem for an authentication failure, with the OAuth error name as an extension member. Every
 * authentication failure is a 401 (RFC 6750 §3.1, RFC 6749 §5.2), whatever its code.
 */
export function authenticationProblem(
  c: Context<AppEnv>,
  error: AuthenticationError,
  oauthError: 'invalid_client' | 'invalid_token',
) {
  const challenge: Record<string, string> =
    oauthError === 'invalid_token' ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : {};
  const body = problemBody(c, error.code, 401, error.message, { error: oauthError });
  return c.json(body, 401, { ...challenge, 'Content-Type': PROBLEM_MEDIA_TYPE });
}

/**
 * Build the route module that installs the auth middleware on every route registered after it.
 *
 * @example
 * createApp({ ..., modules: [registerAuthMiddleware({ authenticate: tokens.authenticateBearer, logger }), ...] });
 */
export function registerAuthMiddleware(deps: {
  authenticate: (token: string) => Promise<Principal>;
  logger: Logger;
}): (app: PouchApp) => void {
  if (typeof deps.authenticate !== 'function')
    throw new TypeError('registerAuthMiddleware: authenticate is required');
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const action = `${c.req.method} ${c.req.path}`;
    if (publicRoutes.has(`${method} ${c.req.path}`)) return next();
    // No route answers this path: let the app's 404 speak (routes are public in /openapi.json anyway).
    if (!matchedRoutes(c).some((r) => r.method !== 'ALL')) return next();
    const match = bearerPattern.exec(c.req.header('authorization') ?? '');
    if (!match) {
      const error = new AuthenticationError('ERR_UNAUTHENTICATED', 'A bearer access token is required');
      logSecurityEvent(deps.logger, c, {
        event: 'authentication',
        outcome: 'failure',
        reason: error.code,
        action,
      });
      return authenticationProblem(c, error, 'invalid_token');
    }
    let principal: Principal;
    try {
      principal = await deps.authenticate(match[1]!);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      logSecurityEvent(deps.logger, c, {
        event: 'authentication',
        outcome: 'failure',
        reason: error.code,
        ...(error.clientId ? { clientId: error.clientId } : {}),
        action,
      });
      return authenticationProblem(c, error, 'invalid_token');
    }
    c.set('principal', principal);
    logSecurityEvent(deps.logger, c, {
      event: 'authentication',
      outcome: 'success',
      clientId: principal.clientId,
      action,
    });
    await next();
    if (isAccessDenied(c.error)) {
      logSecurityEvent(deps.logger, c, {
        event: 'authorization',
        outcome: 'denied',
        reason: 'ERR_FORBIDDEN',
        clientId: principal.clientId,
        action: `${action} (${c.error.action})`,
        who: { authorityId: principal.authorityId, memberId: principal.memberId, role: principal.role },
        ...(c.error.rule ? { rule: c.error.rule } : {}),
        ...(c.error.resourceId ? { resourceId: c.error.resourceId } : {}),
      });
    } else if (isPouchError(c.error, 'ERR_FORBIDDEN')) {
      logSecurityEvent(deps.logger, c, {
        event: 'authorization',
        outcome: 'denied',
        reason: 'ERR_FORBIDDEN',
        clientId: principal.clientId,
        action,
      });
    }
  };
  return (app) => {
    app.use('*', middleware);
  };
}
