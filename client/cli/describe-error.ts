// CLI (primary adapter): turns any failure into one plain line that says what is wrong and how to fix it.
import { isPouchError } from '../../shared/domain/errors.ts';
import { isKeystoreError } from '../keystore/keystore-error.ts';
import { PouchApiError, PouchNetworkError } from '../sdk/api-error.ts';
import { CliCancelledError, CliUsageError } from './cli-errors.ts';
import { EXIT, type ExitKind, exitCodeOf } from './exit-codes.ts';

export interface CliFailure {
  /** One line, no trailing newline, no secrets. */
  message: string;
  exitCode: number;
  /** The stable error code, for `--json` output. */
  code: string;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function withRequestId(message: string, error: PouchApiError): string {
  return error.requestId ? `${message} (request id ${error.requestId})` : message;
}

function describeApiError(error: PouchApiError): string {
  const detail = error.detail ? `: ${error.detail}` : '';
  switch (error.code) {
    case 'ERR_KEY_UNKNOWN':
      return "the exchange does not know this key — register the public key from 'pouch keys show NAME' and check --client-id";
    case 'ERR_KEY_REVOKED':
      return "this signing key was revoked — create one with 'pouch keys new', register it, then 'pouch login' again";
    case 'ERR_MEMBER_DEACTIVATED':
      return "this member was deactivated by its authority's admins — none of its keys sign in; ask them to reactivate it";
    case 'ERR_AUTHORITY_SUSPENDED':
      return withRequestId(
        `the authority is suspended by the operator${detail} — no one signs in for it and no exchange opens to it; ask the operator`,
        error,
      );
    case 'ERR_DIRECTORY_SCOPE':
      return withRequestId(
        `not yours to change${detail} — the operator registers authorities; what is inside one belongs to its own admins`,
        error,
      );
    case 'ERR_STATEMENT_INVALID':
      return withRequestId(
        `the directory statement was refused${detail} — sign the next version with the authority's current key`,
        error,
      );
    case 'ERR_TOKEN_EXPIRED':
      return 'the exchange says our token or assertion expired — check this computer’s clock, then try again';
    case 'ERR_TOKEN_REPLAYED':
      return 'the exchange saw this assertion before (replay) — try again';
    case 'ERR_TOKEN_INVALID':
    case 'ERR_UNAUTHENTICATED':
      return withRequestId(
        `the exchange refused our credentials${detail} — check the client id, key and URL of the profile ('pouch login')`,
        error,
      );
    case 'ERR_NOT_FOUND':
      return withRequestId(`not found${detail} (or not visible to your authority)`, error);
    case 'ERR_FORBIDDEN':
      return withRequestId(
        `not permitted for your role${detail} — sign in with a profile whose member has the role for it ('pouch whoami' shows yours)`,
        error,
      );
    case 'ERR_INVALID_STATE':
      return withRequestId(`not allowed now${detail} — 'pouch show EXCHANGE' lists the moves allowed`, error);
    case 'ERR_MESSAGE_IMMUTABLE':
      return withRequestId(
        `that message was already sent with other contents${detail} — a sent message cannot change; send a new message instead`,
        error,
      );
    case 'ERR_LEDGER_FORKED':
      return withRequestId(
        `the exchange's custody log forked${detail} — keep your saved bundles and checkpoints and tell the authorities' auditors`,
        error,
      );
    case 'ERR_CONFLICT':
    case 'ERR_LEDGER_CONFLICT':
      return withRequestId(`conflict${detail} — refresh and try again`, error);
    case 'ERR_IDEMPOTENCY_MISMATCH':
      return withRequestId(`the same idempotency key was used for a different request${detail}`, error);
    case 'ERR_PAYLOAD_TOO_LARGE':
      return withRequestId(`the request is too large${detail}`, error);
    case 'ERR_STORAGE':
    case 'ERR_STORAGE_THROTTLED':
    case 'ERR_SIGNER':
    case 'ERR_DEPENDENCY_UNAVAILABLE':
      return withRequestId('the exchange is temporarily unavailable — try again in a minute', error);
    default:
      if (error.status >= 500) {
        return withRequestId(`the exchange failed (${error.code}) — try again, or give the operator`, error);
      }
      return withRequestId(`the exchange rejected the request (${error.code})${detail}`, error);
  }
}

/**
 * Describe a failure for a person. `hint.command` names the running command for usage hints.
 *
 * @example
 * describeError(new PouchNetworkError('http://127.0.0.1:8787/v1/token', cause)).message;
 * // "cannot reach http://127.0.0.1:8787 — is 'npm start' running? (set --url or POUCH_URL)"
 */
export function describeError(error: unknown): CliFailure {
  if (error instanceof CliUsageError) {
    const help = error.command ? `pouch ${error.command} --help` : 'pouch --help';
    return { message: `${error.message} (see '${help}')`, exitCode: EXIT.usage, code: error.code };
  }
  if (error instanceof CliCancelledError)
    return { message: 'cancelled', exitCode: EXIT.cancelled, code: error.code };
  if (error instanceof PouchNetworkError) {
    return {
      message: `cannot reach ${originOf(error.url)} — is 'npm start' running? (set --url or POUCH_URL)`,
      exitCode: EXIT.unavailable,
      code: error.code,
    };
  }
  if (error instanceof PouchApiError)
    return { message: describeApiError(error), exitCode: exitCodeOf(error.code), code: error.code };
  if (isKeystoreError(error)) {
    const name = typeof error.details?.name === 'string' ? error.details.name : 'NAME';
    const advice: Record<typeof error.reason, string> = {
      'invalid-name': error.message,
      'key-not-found': `${error.message} — see 'pouch keys list' or create it with 'pouch keys new --name ${name}'`,
      'key-exists': `${error.message} — choose another --name`,
      'key-wrong-kind': error.message,
      'profile-not-found': `${error.message} — run 'pouch login --profile ${name} --url URL --client-id AUTHORITY:MEMBER --key KEY'`,
      'passphrase-required': `${error.message} — set POUCH_PASSPHRASE or run in a terminal`,
      'passphrase-wrong': `wrong passphrase for key '${name}' — check POUCH_PASSPHRASE or type it again`,
      'passphrase-mismatch': `${error.message} — try again`,
      'keystore-corrupt': `${error.message} — restore it from a backup or create a new key`,
      'permissions-too-open': error.message,
    };
    // A name this keystore lacks is a mistake in what was typed (usage), not something the exchange lacks.
    const kind: Record<typeof error.reason, ExitKind> = {
      'invalid-name': 'usage',
      'key-not-found': 'usage',
      'key-exists': 'usage',
      'key-wrong-kind': 'usage',
      'profile-not-found': 'usage',
      'passphrase-required': 'usage',
      'passphrase-wrong': 'authentication',
      'passphrase-mismatch': 'usage',
      'keystore-corrupt': 'failed',
      'permissions-too-open': 'failed',
    };
    return { message: advice[error.reason], exitCode: EXIT[kind[error.reason]], code: error.code };
  }
  if (isPouchError(error) && error.code === 'ERR_INSECURE_URL') {
    const origin = typeof error.details?.origin === 'string' ? error.details.origin : 'the exchange URL';
    return {
      message: `${origin} is plain http: use https:// (http only for 127.0.0.1, ::1 or localhost) with --url, POUCH_URL or 'pouch login --url'`,
      exitCode: EXIT.usage,
      code: error.code,
    };
  }
  if (isPouchError(error) && error.code === 'ERR_SEAL_RECIPIENTS_MIXED') {
    return {
      message:
        'the recipients mix post-quantum (age1pq1...) and classic (age1...) keys, which would drop post-quantum protection — ask the admins of both authorities to publish only age1pq1 recipients (or only classic ones), then send again',
      exitCode: exitCodeOf(error.code),
      code: error.code,
    };
  }
  if (isPouchError(error))
    return { message: error.message, exitCode: exitCodeOf(error.code), code: error.code };
  const text = error instanceof Error ? error.message : String(error);
  return {
    message: `unexpected error: ${text.split('\n')[0]} (set POUCH_DEBUG=1 for details)`,
    exitCode: EXIT.failed,
    code: 'ERR_INTERNAL',
  };
}
