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

/**
 * The policy said no to a caller who may know the thing exists (its own authority's) because its role does not
 * permit the action: 403 ERR_FORBIDDEN, "not permitted for your role". Logged like any other denial.
 */
export class RoleDeniedError extends PouchError {
  override readonly name = 'RoleDeniedError';
  readonly action: string;
  readonly rule: string | undefined;
  readonly resourceId: string | undefined;
  constructor(action: string, why: { rule?: string; resourceId?: string } = {}) {
    super('ERR_FORBIDDEN', 'Not permitted for your role');
    this.action = action;
    this.rule = why.rule;
    this.resourceId = why.resourceId;
  }
}

/** True when a thrown value is a policy denial (answered 404 or, for the caller's own role, 403). */
export function isAccessDenied(value: unknown): value is AccessDeniedError | RoleDeniedError {
  return value instanceof AccessDeniedError || value instanceof RoleDeniedError;
}
