// Port: Idempotency-Key records. A retried POST returns the original result, or resumes an action that an
// earlier attempt left half done, and never performs it twice.

export type IdempotencyBegin =
  | { readonly state: 'new' }
  /** An earlier attempt began and did not finish; `data` holds what it had decided (ids), to resume with. */
  | { readonly state: 'pending'; readonly data: Record<string, unknown> }
  | { readonly state: 'done'; readonly status: number; readonly body: unknown };

export interface IdempotencyStore {
  /**
   * Claim `key` for `scope` (the caller's client id) with the request's fingerprint and the ids the action
   * will use. Rejects with ERR_IDEMPOTENCY_MISMATCH when the key was used for a different request.
   */
  begin(
    scope: string,
    key: string,
    fingerprint: string,
    data: Record<string, unknown>,
  ): Promise<IdempotencyBegin>;
  /** Record the final answer for later retries. */
  complete(scope: string, key: string, status: number, body: unknown): Promise<void>;
}
