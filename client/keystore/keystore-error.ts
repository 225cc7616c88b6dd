// Keystore (Node): the error raised by local key and profile storage, with a reason the CLI turns into advice.
import { PouchError, type PouchErrorCode } from '../../shared/domain/errors.ts';

/** Why the keystore refused. Stable like error codes; narrow on it with a `switch`. */
export type KeystoreErrorReason =
  | 'invalid-name'
  | 'key-not-found'
  | 'key-exists'
  | 'key-wrong-kind'
  | 'profile-not-found'
  | 'passphrase-required'
  | 'passphrase-wrong'
  | 'passphrase-mismatch'
  | 'keystore-corrupt'
  | 'permissions-too-open';

const codeByReason: Readonly<Record<KeystoreErrorReason, PouchErrorCode>> = {
  'invalid-name': 'ERR_VALIDATION',
  'key-not-found': 'ERR_NOT_FOUND',
  'key-exists': 'ERR_CONFLICT',
  'key-wrong-kind': 'ERR_VALIDATION',
  'profile-not-found': 'ERR_NOT_FOUND',
  'passphrase-required': 'ERR_CONFIG',
  // The passphrase is an age scrypt identity: a wrong one is "no identity opens this sealed secret".
  'passphrase-wrong': 'ERR_SEAL_NO_IDENTITY',
  'passphrase-mismatch': 'ERR_VALIDATION',
  'keystore-corrupt': 'ERR_CONFIG',
  'permissions-too-open': 'ERR_CONFIG',
};

/** A local keystore failure. `code` follows the shared table; `reason` says exactly what went wrong. */
export class KeystoreError extends PouchError {
  override readonly name = 'KeystoreError';
  readonly reason: KeystoreErrorReason;

  constructor(
    reason: KeystoreErrorReason,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(codeByReason[reason], message, { ...options, details: { reason, ...options.details } });
    this.reason = reason;
  }
}

/** Narrow an unknown thrown value to a KeystoreError, optionally with the given reason. */
export function isKeystoreError(value: unknown, reason?: KeystoreErrorReason): value is KeystoreError {
  return value instanceof KeystoreError && (reason === undefined || value.reason === reason);
}
