// HTTP layer: the single error mapper. Turns PouchErrors (and Hono's own failures) into RFC 9457
// problem+json with a stable `code`; anything unknown becomes a bare 500 and its detail goes to the log.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { PROBLEM_MEDIA_TYPE, type ProblemBody } from '../../shared/api/common.ts';
import { isPouchError, type PouchErrorCode } from '../../shared/domain/errors.ts';
import type { Logger } from '../ports/logger.ts';
import type { AppEnv } from './app-env.ts';

/** The HTTP status for each stable code. One table, so the API's answers never drift. */
export const statusByCode = {
  ERR_VALIDATION: 400,
  ERR_MALFORMED_JSON: 400,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_CONFLICT: 409,
  ERR_MESSAGE_IMMUTABLE: 409,
  ERR_IDEMPOTENCY_MISMATCH: 422,
  ERR_INVALID_STATE: 409,
  ERR_RATE_LIMITED: 429,
  ERR_QUOTA_EXCEEDED: 429,
  ERR_UNAUTHENTICATED: 401,
  ERR_TOKEN_INVALID: 401,
  ERR_TOKEN_EXPIRED: 401,
  ERR_TOKEN_REPLAYED: 401,
  ERR_KEY_UNKNOWN: 401,
  ERR_KEY_REVOKED: 401,
  ERR_KEY_UNSIGNED: 401,
  ERR_FORBIDDEN: 403,
  ERR_DIRECTORY_SCOPE: 403,
  ERR_MEMBER_DEACTIVATED: 401,
  ERR_AUTHORITY_SUSPENDED: 409,
  ERR_STATEMENT_INVALID: 422,
  ERR_AUTHORITY_NOT_PINNED: 400,
  ERR_AUTHORITY_PIN_MISMATCH: 422,
  ERR_DIRECTORY_LOG_MISMATCH: 422,
  ERR_CONFIG: 500,
  ERR_INSECURE_URL: 400,
  ERR_PORT_IN_USE: 500,
  ERR_STORAGE: 503,
  ERR_STORAGE_THROTTLED: 503,
  ERR_SIGNER: 503,
  ERR_DEPENDENCY_UNAVAILABLE: 503,
  ERR_SEAL_FORMAT: 400,
  ERR_SEAL_INTEGRITY: 400,
  ERR_SEAL_NO_IDENTITY: 400,
  ERR_SEAL_RECIPIENTS_MIXED: 400,
  ERR_HASH_MISMATCH: 422,
  ERR_SIGNATURE_INVALID: 422,
  ERR_MANIFEST_INVALID: 422,
  ERR_LABEL_MISMATCH: 422,
  ERR_LEDGER_CONFLICT: 409,
  ERR_LEDGER_BROKEN: 500,
  ERR_LEDGER_FORKED: 500,
  ERR_PROOF_INVALID: 422,
  ERR_DRAFT_INVALID: 422,
  ERR_AUTHORITY_AMBIGUOUS: 400,
  ERR_AUTHORITY_NOT_FOUND: 404,
  ERR_PROFILE_INVALID: 422,
  ERR_PROFILE_FIELD_UNKNOWN: 422,
  ERR_INTERNAL: 500,
} as const satisfies Readonly<Record<PouchErrorCode, ContentfulStatusCode>>;

/** The status a code answers with, as a literal type: a route's declared responses are checked against it. */
export type StatusOf<C extends PouchErrorCode> = (typeof statusByCode)[C];

/** Codes whose message is safe to show: everything a caller caused. Server-side failures stay generic. */
const publicDetail = (status: number): boolean => status < 500;

const titles: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The problem body of `code` (the `status` member is the HTTP status it is sent with). */
export function problemBody(
  c: Context<AppEnv>,
  code: PouchErrorCode,
  status: ContentfulStatusCode,
  detail?: string,
  extensions: Record<string, unknown> = {},
): ProblemBody & { code: PouchErrorCode } {
  return {
    type: `https://pouch.example/problems/${code.toLowerCase().replace(/^err_/, '').replaceAll('_', '-')}`,
    title: titles[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    instance: c.req.path,
    requestId: c.get('requestId'),
    ...extensions,
  };
}

/**
 * Build a problem+json response. `extensions` carry safe structured details (field errors, state). The status
 * comes from {@link statusByCode}, typed per code, so a route that answers a problem must declare its status.
 */
export function problem<C extends PouchErrorCode>(
  c: Context<AppEnv>,
  code: C,
  detail?: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const status: StatusOf<C> = statusByCode[code];
  return c.json(problemBody(c, code, status, detail, extensions), status, {
    ...headers,
    'Content-Type': PROBLEM_MEDIA_TYPE,
  });
}

/** A 429's `Retry-After` (RFC 9110 §10.2.3), from the seconds the limit named in its details. */
function retryAfter(error: {
  details?: Readonly<Record<string, unknown>> | undefined;
}): Record<string, string> {
  const seconds = error.details?.retryAfterSeconds;
  return typeof seconds === 'number' ? { 'Retry-After': String(seconds) } : {};
}

/** The app's onError: the one place where thrown things become responses. */
export function mapError(error: unknown, c: Context<AppEnv>, logger: Logger): Response {
  if (isPouchError(error)) {
    const status = statusByCode[error.code];
    const fields = { requestId: c.get('requestId'), code: error.code, error };
    if (status >= 500) logger.error('request failed', fields);
    return publicDetail(status)
      ? problem(c, error.code, error.message, error.details ? { ...error.details } : {}, retryAfter(error))
      : problem(c, error.code);
  }
  if (error instanceof HTTPException) {
    if (error.status === 413) return problem(c, 'ERR_PAYLOAD_TOO_LARGE', 'The request body is too large');
    if (error.status === 400 && /json/i.test(error.message)) {
      return problem(c, 'ERR_MALFORMED_JSON', 'The request body is not valid JSON');
    }
    if (error.status === 401) return problem(c, 'ERR_UNAUTHENTICATED', 'Authentication required');
    if (error.status < 500) return problem(c, 'ERR_VALIDATION', error.message);
  }
  logger.error('unhandled error', { requestId: c.get('requestId'), error });
  return problem(c, 'ERR_INTERNAL');
}
