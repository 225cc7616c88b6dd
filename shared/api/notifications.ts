// Wire schemas (core) of notification subscriptions: an authority's admins subscribe a webhook (Standard
// Webhooks, signed with a secret shown once) or an e-mail address to topics. Notifications carry no content.
import { z } from 'zod';
import { NOTIFICATION_TOPICS } from '../domain/clocks/notifications.ts';
import { IdSchema } from './common.ts';

export const CreateSubscriptionSchema = z
  .object({
    channel: z.enum(['webhook', 'email']),
    target: z.string().min(3).max(500),
    topics: z.array(z.enum(NOTIFICATION_TOPICS)).min(1).max(NOTIFICATION_TOPICS.length),
    /** `24/7`: preservation and emergency matters only (the 24/7 desk). */
    audience: z.enum(['all', '24/7']).optional(),
  })
  .meta({ id: 'CreateSubscription' });
export type CreateSubscriptionRequest = z.input<typeof CreateSubscriptionSchema>;

export const SubscriptionSchema = z
  .object({
    id: z.string(),
    authorityId: z.string(),
    channel: z.enum(['webhook', 'email']),
    target: z.string(),
    topics: z.array(z.enum(NOTIFICATION_TOPICS)).readonly(),
    audience: z.enum(['all', '24/7']),
    /** Only in the answer to the creation of a webhook subscription. */
    secret: z.string().optional(),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .meta({ id: 'Subscription' });

export const SubscriptionListSchema = z.object({ subscriptions: z.array(SubscriptionSchema).readonly() });
export const SubscriptionParamsSchema = z.object({ subscriptionId: IdSchema });
export const DeletedSchema = z.object({ deleted: z.literal(true) });
