// Domain layer (identity): errors of authentication and authorization. A denial answers exactly like a
// missing thing (404, ERR_NOT_FOUND) so outsiders learn nothing; only the security log tells them apart.
import { NotFoundError, PouchError, type PouchErrorCode } from '../errors.ts';

/** Authentication failed; `code` says why (stable), the message is for humans. Always HTTP 401. */
export class AuthenticationError extends PouchError {
  override readonly name = 'AuthenticationError';
  /** The client id the caller claimed, when it could be read (for the security log only). */
  readonly clientId: string | undefined;
  constructor(
    code: Extract<
      PouchErrorCode,
      | 'ERR_UNAUTHENTICATED'
      | 'ERR_TOKEN_INVALID'
      | 'ERR_TOKEN_EXPIRED'
      | 'ERR_TOKEN_REPLAYED'
      | 'ERR_KEY_UNKNOWN'
      | 'ERR_KEY_REVOKED'
      | 'ERR_KEY_UNSIGNED'
      | 'ERR_MEMBER_DEACTIVATED'
      | 'ERR_AUTHORITY_SUSPENDED'
    >,
    message: string,
    options: { clientId?: string; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.clientId = options.clientId;
  }
}

/**
 * The policy said no. Indistinguishable from NotFoundError in the response (same code, same message);
 * the auth middleware recognises it to write the authorization denial to the security log.
 */
export class AccessDeniedError extends NotFoundError {
  // `name` stays NotFoundError's on purpose: nothing about a denial differs from a miss outside the log.
  /** The action that was denied, for the security log. */
  readonly action: string;
  /** The policy rule that said no, and what was asked for (security log only, never in the answer). */
  readonly rule: string | undefined;
  readonly resourceId: string | undefined;
  constructor(action: string, message = 'Not found', why: { rule?: string; resourceId?: string } = {}) {
    super(message);
    this.action = action;
    this.rule = why.rule;
    this.resourceId = why.resourceId;
  }
}

/** True when a thrown value is a policy denial. */
export function isAccessDenied(value: unknown): value is AccessDeniedError {
  return value instanceof AccessDeniedError;
}
