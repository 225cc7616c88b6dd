// Domain, clocks: which notifications an event causes, and what they say. A notification names the exchange and
// the event, never a document name, a reference or any content: receivers fetch the rest through the API, under
// the policy. The tracker (server/use-cases/clocks/tracker.ts) hands each folded event here; the notification
// use case fans it out to the authority's subscriptions and delivers it.
import type { LedgerEvent } from '../ledger/event.ts';
import { isTwentyFourSevenMatter } from './channel.ts';
import type { Track } from './track.ts';

/** What an authority may subscribe to. */
export const NOTIFICATION_TOPICS = ['message', 'deadline', 'escalation'] as const;
export type NotificationTopic = (typeof NOTIFICATION_TOPICS)[number];

/** The Standard Webhooks `type` of each topic. */
export const NOTIFICATION_TYPES: Readonly<Record<NotificationTopic, string>> = {
  message: 'exchange.message',
  deadline: 'exchange.deadline',
  escalation: 'exchange.escalation',
};

/** The body of a notification: ids, times and the clock's name — nothing else. */
export interface NotificationBody {
  readonly type: string;
  readonly timestamp: string;
  readonly data: {
    readonly exchangeId: string;
    readonly eventId: string;
    readonly event: string;
    /** A preservation or emergency matter: the 24/7 channel's. */
    readonly twentyFourSeven: boolean;
    readonly clock?: string;
    readonly stage?: string;
    readonly dueAt?: string;
  };
}

/** One notification due to one authority. */
export interface NotificationFor {
  readonly authorityId: string;
  readonly topic: NotificationTopic;
  readonly body: NotificationBody;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The notifications an event causes: a new message to the other party; a clock's reminder to both parties; an
 * emergency's escalation to the requested party (whose 24/7 contacts and admins must act).
 */
export function notificationsFor(track: Track, event: LedgerEvent): NotificationFor[] {
  const clock = text(event.details?.clock);
  const stage = text(event.details?.stage);
  const dueAt = text(event.details?.dueAt);
  const body = (topic: NotificationTopic): NotificationBody => ({
    type: NOTIFICATION_TYPES[topic],
    timestamp: event.time,
    data: {
      exchangeId: track.exchangeId,
      eventId: event.id,
      event: event.action,
      twentyFourSeven: isTwentyFourSevenMatter(track),
      ...(clock ? { clock } : {}),
      ...(stage ? { stage } : {}),
      ...(dueAt ? { dueAt } : {}),
    },
  });
  switch (event.action) {
    case 'message.sent': {
      const side = text(event.details?.side);
      const to = side === 'requested' ? track.requesterId : track.requestedId;
      return [{ authorityId: to, topic: 'message', body: body('message') }];
    }
    case 'clock.reminded':
    case 'clock.lapsed':
      return [track.requesterId, track.requestedId].map((authorityId) => ({
        authorityId,
        topic: 'deadline' as const,
        body: body('deadline'),
      }));
    case 'clock.escalated':
      return [{ authorityId: track.requestedId, topic: 'escalation', body: body('escalation') }];
    default:
      return [];
  }
}

/** Backoff before attempt `n` (1-based) of a failed delivery: 30 s doubling, at most 6 h. */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 6 * 3_600_000);
}

/** A delivery is given up after this many attempts (recorded in its delivery log as failed). */
export const MAX_DELIVERY_ATTEMPTS = 8;
