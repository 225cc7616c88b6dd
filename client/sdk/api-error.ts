// SDK (runtime-neutral): errors the client raises — problem+json answers from the exchange and network failures.
import { type ProblemDetails, ReceivedProblemSchema } from '../../shared/api/common.ts';
import { PouchError, type PouchErrorCode } from '../../shared/domain/errors.ts';

export type { ProblemDetails };

// A Record, not a list, so the compiler fails here when shared/domain/errors.ts gains a code.
const knownCodeTable: Readonly<Record<PouchErrorCode, true>> = {
  ERR_VALIDATION: true,
  ERR_MALFORMED_JSON: true,
  ERR_PAYLOAD_TOO_LARGE: true,
  ERR_NOT_FOUND: true,
  ERR_METHOD_NOT_ALLOWED: true,
  ERR_UNSUPPORTED_MEDIA_TYPE: true,
  ERR_CONFLICT: true,
  ERR_MESSAGE_IMMUTABLE: true,
  ERR_IDEMPOTENCY_MISMATCH: true,
  ERR_INVALID_STATE: true,
  ERR_RATE_LIMITED: true,
  ERR_QUOTA_EXCEEDED: true,
  ERR_UNAUTHENTICATED: true,
  ERR_TOKEN_INVALID: true,
  ERR_TOKEN_EXPIRED: true,
  ERR_TOKEN_REPLAYED: true,
  ERR_KEY_UNKNOWN: true,
  ERR_KEY_REVOKED: true,
  ERR_KEY_UNSIGNED: true,
  ERR_FORBIDDEN: true,
  ERR_DIRECTORY_SCOPE: true,
  ERR_MEMBER_DEACTIVATED: true,
  ERR_AUTHORITY_SUSPENDED: true,
  ERR_STATEMENT_INVALID: true,
  ERR_AUTHORITY_NOT_PINNED: true,
  ERR_AUTHORITY_PIN_MISMATCH: true,
  ERR_DIRECTORY_LOG_MISMATCH: true,
  ERR_CONFIG: true,
  ERR_INSECURE_URL: true,
  ERR_PORT_IN_USE: true,
  ERR_STORAGE: true,
  ERR_STORAGE_THROTTLED: true,
  ERR_SIGNER: true,
  ERR_DEPENDENCY_UNAVAILABLE: true,
  ERR_SEAL_FORMAT: true,
  ERR_SEAL_INTEGRITY: true,
  ERR_SEAL_NO_IDENTITY: true,
  ERR_SEAL_RECIPIENTS_MIXED: true,
  ERR_HASH_MISMATCH: true,
  ERR_SIGNATURE_INVALID: true,
  ERR_MANIFEST_INVALID: true,
  ERR_LEDGER_CONFLICT: true,
  ERR_LEDGER_BROKEN: true,
  ERR_LEDGER_FORKED: true,
  ERR_PROOF_INVALID: true,
  ERR_LABEL_MISMATCH: true,
  ERR_DRAFT_INVALID: true,
  ERR_AUTHORITY_AMBIGUOUS: true,
  ERR_AUTHORITY_NOT_FOUND: true,
  ERR_PROFILE_INVALID: true,
  ERR_PROFILE_FIELD_UNKNOWN: true,
  ERR_INTERNAL: true,
};
const knownCodes: ReadonlySet<string> = new Set(Object.keys(knownCodeTable));

/** The closest stable code for a status when the body carries none we know (e.g. a gateway's HTML page). */
function codeForStatus(status: number): PouchErrorCode {
  if (status === 401) return 'ERR_UNAUTHENTICATED';
  if (status === 404) return 'ERR_NOT_FOUND';
  if (status === 405) return 'ERR_METHOD_NOT_ALLOWED';
  if (status === 409) return 'ERR_CONFLICT';
  if (status === 413) return 'ERR_PAYLOAD_TOO_LARGE';
  if (status === 415) return 'ERR_UNSUPPORTED_MEDIA_TYPE';
  if (status === 429) return 'ERR_RATE_LIMITED';
  if (status === 502 || status === 503 || status === 504) return 'ERR_DEPENDENCY_UNAVAILABLE';
  if (status >= 400 && status < 500) return 'ERR_VALIDATION';
  return 'ERR_INTERNAL';
}

/** The exchange answered with an error. `code` is the problem's stable code; narrow on it, not on text. */
export class PouchApiError extends PouchError {
  override readonly name = 'PouchApiError';
  readonly status: number;
  readonly detail: string | undefined;
  readonly requestId: string | undefined;
  /** The code exactly as the server sent it, even when this client version does not know it. */
  readonly rawCode: string | undefined;
  /** The whole problem body (safe by construction: the server never puts secrets in it). */
  readonly problem: ProblemDetails;

  constructor(status: number, problem: ProblemDetails) {
    const rawCode = typeof problem.code === 'string' ? problem.code : undefined;
    const code =
      rawCode !== undefined && knownCodes.has(rawCode) ? (rawCode as PouchErrorCode) : codeForStatus(status);
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    super(code, detail ?? problem.title ?? `HTTP ${status}`, { details: { status } });
    this.status = status;
    this.detail = detail;
    this.requestId = typeof problem.requestId === 'string' ? problem.requestId : undefined;
    this.rawCode = rawCode;
    this.problem = problem;
  }
}

/** The exchange could not be reached at all (DNS, refused connection, TLS, abort). */
export class PouchNetworkError extends PouchError {
  override readonly name = 'PouchNetworkError';
  /** The URL we tried, without query string. */
  readonly url: string;

  constructor(url: string, cause: unknown) {
    super('ERR_DEPENDENCY_UNAVAILABLE', `Cannot reach ${url}`, { cause, details: { url } });
    this.url = url;
  }
}

/**
 * Turn a non-2xx response into a PouchApiError, reading the problem+json body when there is one.
 *
 * @example
 * if (!response.ok) throw await readApiError(response);
 */
export async function readApiError(response: Response): Promise<PouchApiError> {
  let problem: ProblemDetails = {};
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      const parsed = ReceivedProblemSchema.safeParse(JSON.parse(text));
      if (parsed.success) problem = parsed.data;
    } catch {
      // Not JSON (a proxy's HTML page): keep the status only.
    }
  }
  if (problem.requestId === undefined) {
    const headerId = response.headers.get('x-request-id');
    if (headerId) problem = { ...problem, requestId: headerId };
  }
  return new PouchApiError(response.status, problem);
}
