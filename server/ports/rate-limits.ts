// Port: fixed-window counters that bound what one caller may cost (requests, token requests, exchanges created,
// bytes declared, recorded reads). The HTTP rate-limit middleware and the use cases take from them; DynamoDB
// implements them (server/adapters/dynamo-rate-limits.ts).

/** A limit: at most `limit` units per window of `windowSeconds`, windows aligned on the epoch. */
export interface WindowLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface TakeRequest {
  /** What is counted and for whom, e.g. `api#<authorityId>`; the window is added by the limiter. */
  readonly key: string;
  readonly window: WindowLimit;
  /** Units this request costs (default 1; bytes for a byte quota). */
  readonly amount?: number;
  readonly now: Date;
}

/** Allowed (and counted), or refused (and not counted) until the window ends. */
export type TakeResult =
  | { readonly allowed: true; readonly windowStart: number }
  | { readonly allowed: false; readonly windowStart: number; readonly retryAfterSeconds: number };

export interface RateLimiter {
  /**
   * Count `amount` against `key` in the current window when the total stays within the limit; otherwise count
   * nothing and say how long until the window ends. Concurrent takes never admit more than the limit. Rejects
   * with ERR_STORAGE(_THROTTLED) when the counter cannot be read or written (callers fail closed).
   */
  take(request: TakeRequest): Promise<TakeResult>;
}

/** The start of the window `now` falls in, in epoch seconds. */
export function windowStartOf(now: Date, windowSeconds: number): number {
  const seconds = Math.floor(now.getTime() / 1000);
  return seconds - (seconds % windowSeconds);
}

/** Whole seconds until the window that starts at `windowStart` ends (at least 1). */
export function secondsLeftIn(windowStart: number, windowSeconds: number, now: Date): number {
  return Math.max(1, Math.ceil(windowStart + windowSeconds - now.getTime() / 1000));
}
