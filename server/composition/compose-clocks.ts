// Composition root, clocks: builds the clocks' stores, the notifications, the tracker (the recorder's observer),
// the sweep, the read use cases and their routes. compose.ts calls it once: the tracker must exist before the
// recorder it observes, and the sweep needs that recorder, hence two steps.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PouchError } from '../../shared/domain/errors.ts';
import { createDynamoClockStore } from '../adapters/dynamo-clock-store.ts';
import { createDynamoFigureStore } from '../adapters/dynamo-figure-store.ts';
import { createDynamoNotificationStore } from '../adapters/dynamo-notification-store.ts';
import { createWebhookTransport } from '../adapters/webhook-transport.ts';
import { registerClockRoutes } from '../http/clock-routes.ts';
import { registerNotificationRoutes } from '../http/notification-routes.ts';
import type { DirectoryRepository } from '../ports/directory-repository.ts';
import type { ExchangeRepository } from '../ports/exchange-repository.ts';
import type { LedgerStore } from '../ports/ledger-store.ts';
import type { Mailer } from '../ports/notifications.ts';
import { createClockReads } from '../use-cases/clocks/clock-reads.ts';
import { createClockSweep } from '../use-cases/clocks/clock-sweep.ts';
import { createNotifications } from '../use-cases/clocks/notifications.ts';
import { createTracker } from '../use-cases/clocks/tracker.ts';
import { createExchangeAccess } from '../use-cases/exchange/exchange-access.ts';
import type { LedgerRecorder } from '../use-cases/ledger-recorder.ts';

/** Where e-mail goes when nothing was configured: nowhere, and each attempt says so in the delivery log. */
const noMailer: Mailer = {
  async send() {
    throw new PouchError('ERR_CONFIG', 'No mail relay is configured for e-mail notifications');
  },
};

/** Step 1: the stores, the notifications and the tracker (before the recorder, which it observes). */
export function composeClockTracker(
  doc: DynamoDBDocumentClient,
  mainTable: string,
  ledger: LedgerStore,
  options: { now: () => Date; mailer?: Mailer | undefined },
) {
  const clocks = createDynamoClockStore(doc, mainTable);
  const figures = createDynamoFigureStore(doc, mainTable);
  const notificationStore = createDynamoNotificationStore(doc, mainTable);
  const notifications = createNotifications({
    subscriptions: notificationStore,
    outbox: notificationStore,
    webhooks: createWebhookTransport(),
    mailer: options.mailer ?? noMailer,
    now: options.now,
  });
  const tracker = createTracker({
    clocks,
    lineage: clocks,
    figures,
    ledger,
    listeners: [notifications.listen],
  });
  return { clocks, figures, tracker, notifications };
}

/** Step 2: the sweep (over the shared recorder), the reads and their routes. */
export function composeClockUseCases(
  step1: ReturnType<typeof composeClockTracker>,
  deps: {
    recorder: LedgerRecorder;
    exchanges: ExchangeRepository;
    directory: Pick<DirectoryRepository, 'getAuthority'>;
    now: () => Date;
  },
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
    directory: deps.directory,
    access: createExchangeAccess(deps.exchanges),
    now: deps.now,
  });
  return {
    sweep,
    reads,
    /** One scheduled run: record what is due, then deliver the notifications that causes (and any retries). */
    async run() {
      const swept = await sweep.sweep();
      const delivered = await step1.notifications.deliver();
      return { ...swept, ...delivered };
    },
    routes: [
      registerClockRoutes({ reads }),
      registerNotificationRoutes({ notifications: step1.notifications }),
    ] as const,
  };
}
