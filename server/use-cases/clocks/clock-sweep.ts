// Use cases, clocks: the sweep. It reads the exchanges whose next clock stage has opened (an index keyed by that
// time: its cost follows what is due, not how many exchanges exist), brings each track up to its chain head, and
// records each due stage (a reminder, an emergency's escalation, a preservation's lapse) through the one ledger
// recorder, under an id derived from the stage, so a sweep run twice records nothing twice. Run by a timer
// locally and by a schedule on AWS (functions/clock-sweep.ts).
import { dueStages, type Stage } from '../../../shared/domain/clocks/clocks.ts';
import { derivedId } from '../../../shared/domain/ids.ts';
import type { LedgerActor } from '../../../shared/domain/ledger/event.ts';
import type { ClockStore } from '../../ports/clock-store.ts';
import type { ExchangeRepository } from '../../ports/exchange-repository.ts';
import type { LedgerRecorder } from '../ledger-recorder.ts';
import type { Tracker } from './tracker.ts';

/** Who records a clock's stage: the exchange itself, never a member. */
export const CLOCK_ACTOR: LedgerActor = { authorityId: 'pouch', memberId: 'clock-sweep', role: 'system' };

/** Who an emergency's escalation goes to (Budapest art. 35: the 24/7 point of contact; then the admins). */
export const ESCALATION_ROLES = ['contact-247', 'admin'] as const;

export interface ClockSweepDeps {
  readonly clocks: Pick<ClockStore, 'listDue'>;
  readonly exchanges: Pick<ExchangeRepository, 'getExchange'>;
  readonly recorder: Pick<LedgerRecorder, 'record'>;
  readonly tracker: Pick<Tracker, 'catchUp'>;
  readonly now: () => Date;
  /** At most this many exchanges per run; the rest wait for the next run (default 500). */
  readonly batch?: number;
}

export interface SweepResult {
  /** Exchanges the index named as due. */
  readonly due: number;
  /** Stages recorded in the ledger. */
  readonly recorded: number;
}

/** Build the sweep. */
export function createClockSweep(deps: ClockSweepDeps) {
  const batch = deps.batch ?? 500;

  function detailsOf(stage: Stage) {
    return {
      clock: stage.clock,
      stage: stage.stage,
      dueAt: stage.dueAt,
      ...(stage.action === 'clock.escalated' ? { escalatedTo: [...ESCALATION_ROLES] } : {}),
    };
  }

  return {
    async sweep(): Promise<SweepResult> {
      const now = deps.now();
      const ids = await deps.clocks.listDue(now.toISOString(), batch);
      let recorded = 0;
      for (const exchangeId of ids) {
        const track = await deps.tracker.catchUp(exchangeId);
        const label = await deps.exchanges.getExchange(exchangeId);
        if (!track || !label) continue;
        for (const stage of dueStages(track, now)) {
          const { replayed } = await deps.recorder.record(
            label,
            (status) => ({
              status,
              fields: {
                actor: CLOCK_ACTOR,
                action: stage.action,
                outcome: 'success',
                details: detailsOf(stage),
              },
            }),
            { eventId: derivedId('evt', stage.action, exchangeId, stage.key), projection: 'best-effort' },
          );
          if (!replayed) recorded += 1;
        }
      }
      return { due: ids.length, recorded };
    },
  };
}

export type ClockSweep = ReturnType<typeof createClockSweep>;

/** Run the clocks every `intervalMs` locally (like the checkpoint timer): a run still going skips a tick. */
export function startClockTimer(
  run: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let busy = false;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = run().then(
      () => {
        busy = false;
      },
      (error: unknown) => {
        busy = false;
        onError(error);
      },
    );
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
