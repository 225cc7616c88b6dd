// Use cases: per-authority quotas — exchanges created and sealed bytes declared per window (a day by default,
// server/config/config.ts). Charged by the use case after the request is authorized and valid and before its
// effect, so a refused or malformed request costs nothing; over the quota is 429 ERR_QUOTA_EXCEEDED with the
// seconds until the window ends (the HTTP mapper turns them into `Retry-After`).
import { PouchError } from '../../shared/domain/errors.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import type { Limits } from '../config/config.ts';
import type { RateLimiter, WindowLimit } from '../ports/rate-limits.ts';

export interface QuotasDeps {
  readonly limiter: RateLimiter;
  readonly limits: Pick<Limits, 'exchangesCreated' | 'bytesDeclared'>;
  readonly now?: () => Date;
}

/** Build the quota checks. */
export function createQuotas(deps: QuotasDeps) {
  const now = deps.now ?? (() => new Date());

  async function charge(what: string, authorityId: string, window: WindowLimit, amount: number) {
    const taken = await deps.limiter.take({
      key: `quota#${what}#${authorityId}`,
      window,
      amount,
      now: now(),
    });
    if (taken.allowed) return;
    throw new PouchError('ERR_QUOTA_EXCEEDED', `Your authority's quota of ${what} is used up for now`, {
      details: {
        quota: what,
        limit: window.limit,
        windowSeconds: window.windowSeconds,
        retryAfterSeconds: taken.retryAfterSeconds,
      },
    });
  }

  return {
    /** One exchange created by the principal's authority. */
    chargeExchange: (principal: Principal) =>
      charge('exchanges', principal.authorityId, deps.limits.exchangesCreated, 1),
    /** `bytes` of sealed content declared for upload by the principal's authority. */
    chargeDeclaredBytes: (principal: Principal, bytes: number) =>
      charge('bytes', principal.authorityId, deps.limits.bytesDeclared, bytes),
  };
}

export type Quotas = ReturnType<typeof createQuotas>;
