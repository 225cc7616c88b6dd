// Domain layer: the single error base for Pouch. Every failure that crosses a boundary is a PouchError
// with a stable `code`; the HTTP mapper (server/http/problem.ts) and the CLI turn codes into answers.

/** Stable error codes. Callers narrow on these with a `switch`; messages are for humans and may change. */
export type PouchErrorCode =
  // request shape
  | 'ERR_VALIDATION'
  | 'ERR_MALFORMED_JSON'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_NOT_FOUND'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_CONFLICT'
  | 'ERR_MESSAGE_IMMUTABLE'
  | 'ERR_IDEMPOTENCY_MISMATCH'
  | 'ERR_INVALID_STATE'
  // bounded cost per caller (429, with Retry-After)
  | 'ERR_RATE_LIMITED'
  | 'ERR_QUOTA_EXCEEDED'
  // authentication and authorization
  | 'ERR_UNAUTHENTICATED'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_REPLAYED'
  | 'ERR_KEY_UNKNOWN'
  | 'ERR_KEY_REVOKED'
  /**
   * The key is registered at the exchange, but its authority has an authority key and the member's latest
   * `member-keys` statement does not list it as active: it does not authenticate until one does.
   */
  | 'ERR_KEY_UNSIGNED'
  | 'ERR_FORBIDDEN'
  /** A directory change reaches inside an authority the caller does not administer (the operator's recipients). */
  | 'ERR_DIRECTORY_SCOPE'
  /** The member was deactivated by its authority's admins: none of its keys authenticate. */
  | 'ERR_MEMBER_DEACTIVATED'
  /**
   * The operator suspended the authority: its members do not authenticate (401) and no exchange may be opened
   * to it (409).
   */
  | 'ERR_AUTHORITY_SUSPENDED'
  /** A directory statement is not signed by the authority's current key, or is malformed or stale. */
  | 'ERR_STATEMENT_INVALID'
  /** The client holds no pinned fingerprint for an authority it must trust (seal to, verify). */
  | 'ERR_AUTHORITY_NOT_PINNED'
  /** The authority key the directory serves does not chain to the fingerprint the client pinned. */
  | 'ERR_AUTHORITY_PIN_MISMATCH'
  /** The directory serves an authority or member differently from the logged (checkpointed) directory history. */
  | 'ERR_DIRECTORY_LOG_MISMATCH'
  // configuration and infrastructure
  | 'ERR_CONFIG'
  /** A client was pointed at plain http:// on a host that is not loopback. */
  | 'ERR_INSECURE_URL'
  | 'ERR_PORT_IN_USE'
  | 'ERR_STORAGE'
  | 'ERR_STORAGE_THROTTLED'
  | 'ERR_SIGNER'
  | 'ERR_DEPENDENCY_UNAVAILABLE'
  // content, sealing and custody
  | 'ERR_SEAL_FORMAT'
  | 'ERR_SEAL_INTEGRITY'
  | 'ERR_SEAL_NO_IDENTITY'
  /** Hybrid post-quantum and classic X25519 recipients in one seal: all hybrid, or none. */
  | 'ERR_SEAL_RECIPIENTS_MIXED'
  | 'ERR_HASH_MISMATCH'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_MANIFEST_INVALID'
  /**
   * What a label says (recipient, kind, urgency, deadline, references) disagrees with what the sender sealed:
   * the checked draft, the label claims signed in the manifest, or the opened request.
   */
  | 'ERR_LABEL_MISMATCH'
  | 'ERR_LEDGER_CONFLICT'
  | 'ERR_LEDGER_BROKEN'
  /** A chain head that does not extend the head logged before for it, or two checkpoints that do not agree. */
  | 'ERR_LEDGER_FORKED'
  | 'ERR_PROOF_INVALID'
  | 'ERR_DRAFT_INVALID'
  /** A name, country or partial id given for an authority matches more than one: the candidates are listed. */
  | 'ERR_AUTHORITY_AMBIGUOUS'
  /** No authority in the directory matches the name, country or id given (`pouch directory search` lists them). */
  | 'ERR_AUTHORITY_NOT_FOUND'
  /** A requirement profile does not have the documented shape (docs/schemas/requirement-profile.schema.json). */
  | 'ERR_PROFILE_INVALID'
  /** A profile requires a field the request template of that kind does not model: no sent request could carry it. */
  | 'ERR_PROFILE_FIELD_UNKNOWN'
  | 'ERR_INTERNAL';

/** Base class of every error Pouch raises on purpose. */
export class PouchError extends Error {
  override readonly name: string = 'PouchError';
  readonly code: PouchErrorCode;
  /** Safe, structured details for the caller (field names, current state). Never secrets. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: PouchErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/** The configuration is missing or invalid; start-up stops. */
export class ConfigError extends PouchError {
  override readonly name = 'ConfigError';
  constructor(message: string, details?: Record<string, unknown>) {
    super('ERR_CONFIG', message, details ? { details } : {});
  }
}

/** A thing does not exist, or exists but is not the caller's: both answer the same. */
export class NotFoundError extends PouchError {
  override readonly name = 'NotFoundError';
  constructor(message = 'Not found') {
    super('ERR_NOT_FOUND', message);
  }
}

/** A storage adapter failed; `cause` holds the SDK error for the log, never for the response. */
export class StorageError extends PouchError {
  override readonly name = 'StorageError';
  constructor(message: string, cause: unknown, throttled = false) {
    super(throttled ? 'ERR_STORAGE_THROTTLED' : 'ERR_STORAGE', message, { cause });
  }
}

/** A conditional write lost its race (an item already exists). */
export class ConditionFailedError extends PouchError {
  override readonly name = 'ConditionFailedError';
  constructor(message: string, cause?: unknown) {
    super('ERR_CONFLICT', message, { cause });
  }
}

/** Narrow an unknown thrown value to a PouchError with the given code. */
export function isPouchError(value: unknown, code?: PouchErrorCode): value is PouchError {
  return value instanceof PouchError && (code === undefined || value.code === code);
}
