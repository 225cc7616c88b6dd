// Use cases, custody: the ONE rule for recording reads (an auditor's view of an exchange or its timeline, a
// bundle export). Every such read is recorded in the ledger before it is answered, but one caller must not grow
// the chain without limit: a member's reads of one exchange (per action and view) are recorded once per interval
// (POUCH_READ_RECORD_INTERVAL_SECONDS, fixed windows on the epoch). Later reads in the same window are answered
// under that window's event.
//
// Concurrency: the first reader of a window is chosen by a counter of limit 1 (RateLimiter: one conditional
// update), so racing readers do not race on the chain. The event id is derived from (chain, member, action,
// view, window), so the window's event is found by id, and a reader that finds the counter taken but no event
// (the first reader is still writing, or failed after taking the counter) waits briefly and then records it
// itself under the same id: the recorder recognises a concurrent attempt with that id at the head and appends
// nothing. So a read is never answered without its window's event (fail closed), and the chain gains at most
// one event per member, exchange, action, view and window (a second only in the rare case where the first
// reader stalls past the wait and then lands after another writer's event).
import { createHash } from 'node:crypto';
import type { Principal } from '../../shared/domain/identity/types.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
import type { ExchangeLabel } from '../ports/exchange-repository.ts';
import { type RateLimiter, windowStartOf } from '../ports/rate-limits.ts';
import { actorOf, type LedgerRecorder } from './ledger-recorder.ts';

export type ReadAction = 'auditor.viewed' | 'custody.exported';
/** What was read: recorded as `details.view` (the exchange label read records none, as it always has). */
export type ReadView = 'exchange' | 'timeline' | 'bundle';

export interface ReadRecordsDeps {
  /** Records the window's event, and finds it by its id (the effect index: no chain read). */
  readonly recorder: LedgerRecorder;
  readonly limiter: RateLimiter;
  readonly intervalSeconds: number;
  readonly now?: () => Date;
  /** Waits before a reader records a window's event that the first reader has not written yet (tests). */
  readonly settleDelaysMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSettleDelaysMs = [20, 40, 80, 160, 320] as const;

/** The id of the window's read event: `evt_` and 22 base64url characters, like every recorder id. */
export function readEventId(
  chain: string,
  principal: Principal,
  action: ReadAction,
  view: ReadView,
  windowStart: number,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(['read', chain, principal.clientId, action, view, windowStart]))
    .digest();
  return `evt_${digest.subarray(0, 16).toString('base64url')}`;
}

/** Build the read recorder. */
export function createReadRecords(deps: ReadRecordsDeps) {
  if (!Number.isInteger(deps.intervalSeconds) || deps.intervalSeconds <= 0) {
    throw new TypeError('createReadRecords: intervalSeconds must be a positive integer');
  }
  const now = deps.now ?? (() => new Date());
  const delays = deps.settleDelaysMs ?? defaultSettleDelaysMs;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return {
    /**
     * Record `principal`'s read of `label` unless this window already holds it; resolves with the window's
     * event (fresh or earlier). Rejects when it cannot be recorded: the read must then not be answered.
     */
    async record(
      principal: Principal,
      label: ExchangeLabel,
      action: ReadAction,
      view: ReadView,
    ): Promise<LedgerEvent> {
      const at = now();
      const windowStart = windowStartOf(at, deps.intervalSeconds);
      const eventId = readEventId(label.id, principal, action, view, windowStart);
      const first = await deps.limiter.take({
        key: `read#${label.id}#${principal.clientId}#${action}#${view}`,
        window: { limit: 1, windowSeconds: deps.intervalSeconds },
        now: at,
      });
      if (!first.allowed) {
        for (const delay of [0, ...delays]) {
          if (delay > 0) await sleep(delay);
          const recorded = await deps.recorder.find(label.id, eventId);
          if (recorded) return recorded;
        }
      }
      const recorded = await deps.recorder.record(
        label,
        (status) => ({
          status,
          fields: {
            actor: actorOf(principal),
            action,
            outcome: 'success',
            ...(view === 'exchange' ? {} : { details: { view } }),
          },
        }),
        { projection: 'best-effort', eventId },
      );
      return recorded.event;
    },
  };
}

export type ReadRecords = ReturnType<typeof createReadRecords>;
