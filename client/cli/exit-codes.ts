// CLI (primary adapter): the one table of exit codes — one per kind of mistake, so a script can tell "you typed
// it wrong" from "not found", "not allowed", "try later" and "the check failed". The README lists the same table.
import type { PouchErrorCode } from '../../shared/domain/errors.ts';

/** Every exit code `pouch` uses, by the kind of outcome it reports. */
export const EXIT = {
  ok: 0,
  /** A check or verification failed: the draft has errors, a bundle or document does not verify. */
  failed: 1,
  /** The command line or an input is wrong: option, argument, id format, profile or key name, URL. */
  usage: 2,
  /** Trust is not established: the key or authority is not pinned, so nothing could be verified against it. */
  notPinned: 3,
  /** The exchange, document or authority does not exist, or is not visible to your authority. */
  notFound: 4,
  /** It exists and is yours to see, but your role may not do this (or it belongs to another authority's admins). */
  permission: 5,
  /** The exchange is not in a state that allows it, or someone changed it first: look, then try again. */
  conflict: 6,
  /** The exchange refused your credentials (unknown or revoked key, expired token, wrong passphrase). */
  authentication: 7,
  /** The exchange could not be reached or is unavailable (network, 5xx, rate limit): try again later. */
  unavailable: 8,
  /** Ctrl-C or Ctrl-D at a prompt, like a shell. */
  cancelled: 130,
} as const;

export type ExitKind = keyof typeof EXIT;

/**
 * The kind of each stable error code. A Record, so the compiler fails here when a code is added without one.
 */
export const exitKindByCode: Readonly<Record<PouchErrorCode, ExitKind>> = {
  ERR_VALIDATION: 'usage',
  ERR_MALFORMED_JSON: 'usage',
  ERR_PAYLOAD_TOO_LARGE: 'usage',
  ERR_NOT_FOUND: 'notFound',
  ERR_METHOD_NOT_ALLOWED: 'usage',
  ERR_UNSUPPORTED_MEDIA_TYPE: 'usage',
  ERR_CONFLICT: 'conflict',
  ERR_MESSAGE_IMMUTABLE: 'conflict',
  ERR_IDEMPOTENCY_MISMATCH: 'conflict',
  ERR_INVALID_STATE: 'conflict',
  ERR_RATE_LIMITED: 'unavailable',
  ERR_QUOTA_EXCEEDED: 'unavailable',
  ERR_UNAUTHENTICATED: 'authentication',
  ERR_TOKEN_INVALID: 'authentication',
  ERR_TOKEN_EXPIRED: 'authentication',
  ERR_TOKEN_REPLAYED: 'authentication',
  ERR_KEY_UNKNOWN: 'authentication',
  ERR_KEY_REVOKED: 'authentication',
  ERR_KEY_UNSIGNED: 'authentication',
  ERR_MEMBER_DEACTIVATED: 'authentication',
  ERR_AUTHORITY_SUSPENDED: 'authentication',
  ERR_FORBIDDEN: 'permission',
  ERR_DIRECTORY_SCOPE: 'permission',
  ERR_STATEMENT_INVALID: 'failed',
  ERR_AUTHORITY_NOT_PINNED: 'notPinned',
  ERR_AUTHORITY_PIN_MISMATCH: 'failed',
  ERR_CONFIG: 'usage',
  ERR_INSECURE_URL: 'usage',
  ERR_PORT_IN_USE: 'usage',
  ERR_STORAGE: 'unavailable',
  ERR_STORAGE_THROTTLED: 'unavailable',
  ERR_SIGNER: 'unavailable',
  ERR_DEPENDENCY_UNAVAILABLE: 'unavailable',
  ERR_SEAL_FORMAT: 'failed',
  ERR_SEAL_INTEGRITY: 'failed',
  ERR_SEAL_NO_IDENTITY: 'failed',
  ERR_SEAL_RECIPIENTS_MIXED: 'failed',
  ERR_HASH_MISMATCH: 'failed',
  ERR_SIGNATURE_INVALID: 'failed',
  ERR_MANIFEST_INVALID: 'failed',
  ERR_LEDGER_CONFLICT: 'conflict',
  ERR_LEDGER_BROKEN: 'failed',
  ERR_LEDGER_FORKED: 'failed',
  ERR_PROOF_INVALID: 'failed',
  ERR_DIRECTORY_LOG_MISMATCH: 'failed',
  ERR_LABEL_MISMATCH: 'failed',
  ERR_DRAFT_INVALID: 'failed',
  ERR_AUTHORITY_AMBIGUOUS: 'usage',
  ERR_AUTHORITY_NOT_FOUND: 'notFound',
  ERR_PROFILE_INVALID: 'usage',
  ERR_PROFILE_FIELD_UNKNOWN: 'usage',
  ERR_INTERNAL: 'unavailable',
};

/** The exit code for a stable error code. */
export function exitCodeOf(code: PouchErrorCode): number {
  return EXIT[exitKindByCode[code]];
}
