// Use cases, clocks: notifications without content. The tracker hands each folded event to `listen`, which fans it
// out to the subscriptions of the authority it concerns (a 24/7 matter goes to the 24/7 desk's subscriptions when
// there are any) as outbox items keyed by subscription and event, so an event observed twice notifies once.
// `deliver` sends what is due — a Standard Webhooks POST or an e-mail — logs every attempt, and retries a failure
// with backoff until it gives up. Admins manage subscriptions (policy: canManageSubscriptions).
import { randomBytes } from 'node:crypto';
import {
  MAX_DELIVERY_ATTEMPTS,
  type NotificationBody,
  type NotificationTopic,
  notificationsFor,
  retryDelayMs,
} from '../../../shared/domain/clocks/notifications.ts';
import type { Track } from '../../../shared/domain/clocks/track.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { derivedId, newId } from '../../../shared/domain/ids.ts';
import type { LedgerEvent } from '../../../shared/domain/ledger/event.ts';
import { authorize, canManageSubscriptions } from '../../policy/policy.ts';
import type {
  Mailer,
  Outbox,
  OutboxItem,
  Subscription,
  SubscriptionAudience,
  SubscriptionChannel,
  SubscriptionStore,
  WebhookTransport,
} from '../../ports/notifications.ts';

export interface NotificationDeps {
  readonly subscriptions: SubscriptionStore;
  readonly outbox: Outbox;
  readonly webhooks: WebhookTransport;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

export interface CreateSubscriptionInput {
  readonly channel: SubscriptionChannel;
  readonly target: string;
  readonly topics: readonly NotificationTopic[];
  readonly audience?: SubscriptionAudience | undefined;
}

/** A subscription as its authority's admins see it: the secret only in the answer to its creation. */
export type SubscriptionView = Omit<Subscription, 'secret'>;

const withoutSecret = ({ secret: _secret, ...rest }: Subscription): SubscriptionView => rest;

/** Webhook targets: https, or http on loopback (local receivers, tests). */
function checkTarget(channel: SubscriptionChannel, target: string): void {
  const bad = (reason: string) =>
    new PouchError('ERR_VALIDATION', `The subscription target ${reason}`, {
      details: { field: 'json.target' },
    });
  if (channel === 'email') {
    if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(target)) throw bad('must be an e-mail address');
    return;
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw bad('must be a URL');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw bad('must use https');
}

/** The e-mail of a notification: the exchange id, the event and the clock; never content. */
function mailOf(body: NotificationBody): { subject: string; text: string } {
  const d = body.data;
  const what = d.clock
    ? `${d.event} (${d.clock}, ${d.stage ?? ''}${d.dueAt ? `, due ${d.dueAt}` : ''})`
    : d.event;
  return {
    subject: `Pouch: ${body.type} on exchange ${d.exchangeId}`,
    text: [
      `${body.type} at ${body.timestamp}`,
      `exchange: ${d.exchangeId}`,
      `event: ${what}`,
      ...(d.twentyFourSeven ? ['a 24/7 matter (preservation or emergency)'] : []),
      '',
      `See it with: pouch show ${d.exchangeId}`,
    ].join('\n'),
  };
}

/** Build the notification use cases. */
export function createNotifications(deps: NotificationDeps) {
  /** The subscriptions of `authorityId` that should hear of `topic` for this matter. */
  async function audienceOf(authorityId: string, topic: NotificationTopic, twentyFourSeven: boolean) {
    const subs = (await deps.subscriptions.listSubscriptions(authorityId)).filter((s) =>
      s.topics.includes(topic),
    );
    // An escalation goes past the desk to everyone subscribed (the next contact and the admins).
    if (topic === 'escalation') return subs;
    const desk = subs.filter((s) => s.audience === '24/7');
    // Preservation and emergencies go to the 24/7 desk; everything else (and a 24/7 matter with no desk) to all.
    return twentyFourSeven && desk.length > 0 ? desk : subs.filter((s) => s.audience === 'all');
  }

  async function attempt(item: OutboxItem): Promise<OutboxItem> {
    const now = deps.now();
    const n = item.attempts + 1;
    const sub = await deps.subscriptions.getSubscription(item.authorityId, item.subscriptionId);
    let outcome: { ok: boolean; status?: number; error?: string };
    if (!sub) outcome = { ok: false, error: 'unsubscribed' };
    else {
      try {
        if (sub.channel === 'webhook') {
          const { status } = await deps.webhooks.send({
            url: sub.target,
            secret: sub.secret ?? '',
            id: item.id,
            timestamp: now,
            payload: JSON.stringify(item.body),
          });
          outcome = { ok: status >= 200 && status < 300, status };
        } else {
          await deps.mailer.send({ to: sub.target, ...mailOf(item.body) });
          outcome = { ok: true };
        }
      } catch (error) {
        outcome = { ok: false, error: error instanceof Error ? error.message.slice(0, 200) : 'failed' };
      }
    }
    const giveUp = !sub || n >= MAX_DELIVERY_ATTEMPTS;
    const after: OutboxItem = {
      ...item,
      attempts: n,
      state: outcome.ok ? 'delivered' : giveUp ? 'failed' : 'pending',
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(n)).toISOString(),
      ...(outcome.ok ? { deliveredAt: now.toISOString() } : {}),
    };
    await deps.outbox.recordAttempt(after, {
      notificationId: item.id,
      attempt: n,
      at: now.toISOString(),
      outcome: outcome.ok ? 'delivered' : 'failed',
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    });
    return after;
  }

  return {
    /** The tracker's listener: queue the notifications an event causes (once per subscription and event). */
    async listen(track: Track, event: LedgerEvent): Promise<void> {
      for (const n of notificationsFor(track, event)) {
        for (const sub of await audienceOf(n.authorityId, n.topic, n.body.data.twentyFourSeven)) {
          await deps.outbox.addNotification({
            id: derivedId('ntf', sub.id, event.id, n.topic),
            authorityId: n.authorityId,
            subscriptionId: sub.id,
            body: n.body,
            state: 'pending',
            attempts: 0,
            nextAttemptAt: deps.now().toISOString(),
            createdAt: deps.now().toISOString(),
          });
        }
      }
    },

    /** Send every notification due now (at most `limit`); failures are retried later with backoff. */
    async deliver(limit = 100): Promise<{ attempted: number; delivered: number }> {
      const due = await deps.outbox.listDueNotifications(deps.now().toISOString(), limit);
      let delivered = 0;
      for (const item of due) if ((await attempt(item)).state === 'delivered') delivered += 1;
      return { attempted: due.length, delivered };
    },

    /** An admin subscribes its authority; a webhook gets its signing secret, shown in this answer only. */
    async subscribe(principal: Principal, input: CreateSubscriptionInput): Promise<Subscription> {
      authorize(canManageSubscriptions(principal, principal.authorityId), {
        rule: 'manage-subscriptions',
        attempt: 'create subscription',
        message: 'No such resource',
        // No hidden object is at stake (the caller's own authority): the caller is told its role falls short.
        kind: 'role',
      });
      checkTarget(input.channel, input.target);
      const subscription: Subscription = {
        id: newId('sub'),
        authorityId: principal.authorityId,
        channel: input.channel,
        target: input.target,
        topics: [...new Set(input.topics)],
        audience: input.audience ?? 'all',
        ...(input.channel === 'webhook' ? { secret: `whsec_${randomBytes(32).toString('base64')}` } : {}),
        createdAt: deps.now().toISOString(),
        createdBy: principal.clientId,
      };
      await deps.subscriptions.putSubscription(subscription);
      return subscription;
    },

    async listSubscriptions(principal: Principal): Promise<SubscriptionView[]> {
      authorize(canManageSubscriptions(principal, principal.authorityId), {
        rule: 'manage-subscriptions',
        attempt: 'list subscriptions',
        message: 'No such resource',
        // No hidden object is at stake (the caller's own authority): the caller is told its role falls short.
        kind: 'role',
      });
      return (await deps.subscriptions.listSubscriptions(principal.authorityId)).map(withoutSecret);
    },

    async unsubscribe(principal: Principal, id: string): Promise<void> {
      authorize(canManageSubscriptions(principal, principal.authorityId), {
        rule: 'manage-subscriptions',
        attempt: 'delete subscription',
        resourceId: id,
        message: 'No such subscription',
        // No hidden object is at stake (the caller's own authority): the caller is told its role falls short.
        kind: 'role',
      });
      if (!(await deps.subscriptions.deleteSubscription(principal.authorityId, id))) {
        throw new PouchError('ERR_NOT_FOUND', 'No such subscription');
      }
    },

    /** A notification and its delivery log (tests, operators). */
    async deliveryLog(notificationId: string) {
      return {
        notification: await deps.outbox.getNotification(notificationId),
        attempts: await deps.outbox.listAttempts(notificationId),
      };
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
