// Port: notifications — an authority's subscriptions, the outbox with its delivery log, and the two ways out (a
// signed webhook POST, an e-mail). DynamoDB keeps subscriptions and the outbox
// (server/adapters/dynamo-notification-store.ts); webhooks go out through server/adapters/webhook-transport.ts;
// e-mail through SES on AWS and SMTP to the local catcher.
import type { NotificationBody, NotificationTopic } from '../../shared/domain/clocks/notifications.ts';

export type SubscriptionChannel = 'webhook' | 'email';
/** `24/7`: only preservation and emergency matters (the 24/7 desk); `all`: every matter. */
export type SubscriptionAudience = 'all' | '24/7';

export interface Subscription {
  readonly id: string;
  readonly authorityId: string;
  readonly channel: SubscriptionChannel;
  /** An https URL (webhook) or an e-mail address. */
  readonly target: string;
  readonly topics: readonly NotificationTopic[];
  readonly audience: SubscriptionAudience;
  /** Webhooks: the Standard Webhooks signing secret (`whsec_…`), shown once at creation. */
  readonly secret?: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface SubscriptionStore {
  putSubscription(subscription: Subscription): Promise<void>;
  getSubscription(authorityId: string, id: string): Promise<Subscription | undefined>;
  listSubscriptions(authorityId: string): Promise<Subscription[]>;
  /** Remove; false when there was none. */
  deleteSubscription(authorityId: string, id: string): Promise<boolean>;
}

export type NotificationState = 'pending' | 'delivered' | 'failed';

/** One notification to one subscription, with where its delivery stands. */
export interface OutboxItem {
  readonly id: string;
  readonly authorityId: string;
  readonly subscriptionId: string;
  readonly body: NotificationBody;
  readonly state: NotificationState;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly createdAt: string;
  readonly deliveredAt?: string;
}

/** One line of a notification's delivery log. */
export interface DeliveryAttempt {
  readonly notificationId: string;
  readonly attempt: number;
  readonly at: string;
  readonly outcome: 'delivered' | 'failed';
  /** The receiver's HTTP status (webhooks). */
  readonly status?: number;
  readonly error?: string;
}

export interface Outbox {
  /** Add once: false when a notification with this id exists (an event observed twice notifies once). */
  addNotification(item: OutboxItem): Promise<boolean>;
  /** Pending notifications whose next attempt is due at `now`, earliest first. */
  listDueNotifications(now: string, limit: number): Promise<OutboxItem[]>;
  getNotification(id: string): Promise<OutboxItem | undefined>;
  /** Log an attempt and store the notification as it stands after it (out of the due index unless pending). */
  recordAttempt(after: OutboxItem, attempt: DeliveryAttempt): Promise<void>;
  listAttempts(notificationId: string): Promise<DeliveryAttempt[]>;
}

/** Sends one signed webhook (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). */
export interface WebhookTransport {
  send(request: {
    url: string;
    secret: string;
    id: string;
    timestamp: Date;
    payload: string;
  }): Promise<{ status: number }>;
}

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
