// Composition root, clocks: builds the clocks' stores, the tracker (the recorder's observer), the sweep, the read
// use cases and their routes. compose.ts calls it once: the tracker must exist before the recorder it observes,
// and the sweep needs that recorder, hence two steps.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClockStore } from '../adapters/dynamo-clock-store.ts';
import { createDynamoFigureStore } from '../adapters/dynamo-figure-store.ts';
import { registerClockRoutes } from '../http/clock-routes.ts';
import type { ExchangeRepository } from '../ports/exchange-repository.ts';
import type { LedgerStore } from '../ports/ledger-store.ts';
import { createClockReads } from '../use-cases/clocks/clock-reads.ts';
import { createClockSweep } from '../use-cases/clocks/clock-sweep.ts';
import { createTracker, type TrackListener } from '../use-cases/clocks/tracker.ts';
import { createExchangeAccess } from '../use-cases/exchange/exchange-access.ts';
import type { LedgerRecorder } from '../use-cases/ledger-recorder.ts';

/** Step 1: the stores and the tracker (before the recorder, which it observes). */
export function composeClockTracker(
  doc: DynamoDBDocumentClient,
  mainTable: string,
  ledger: LedgerStore,
  listeners: readonly TrackListener[] = [],
) {
  const clocks = createDynamoClockStore(doc, mainTable);
  const figures = createDynamoFigureStore(doc, mainTable);
  const tracker = createTracker({ clocks, lineage: clocks, figures, ledger, listeners });
  return { clocks, figures, tracker };
}

/** Step 2: the sweep (over the shared recorder), the reads and their routes. */
export function composeClockUseCases(
  step1: ReturnType<typeof composeClockTracker>,
  deps: { recorder: LedgerRecorder; exchanges: ExchangeRepository; now: () => Date },
) {
  const sweep = createClockSweep({
    clocks: step1.clocks,
    exchanges: deps.exchanges,
    recorder: deps.recorder,
    tracker: step1.tracker,
    now: deps.now,
  });
  const reads = createClockReads({
    clocks: step1.clocks,
    lineage: step1.clocks,
    figures: step1.figures,
    exchanges: deps.exchanges,
    access: createExchangeAccess(deps.exchanges),
    now: deps.now,
  });
  return { sweep, reads, routes: registerClockRoutes({ reads }) };
}
