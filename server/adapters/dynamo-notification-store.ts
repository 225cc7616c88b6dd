// Secondary adapter: subscriptions and the notification outbox on the main table (server/ports/notifications.ts).
// Keys come from main-table-keys.ts (notificationKeys): a pending notification is indexed by its next attempt's
// time, so delivery reads only what is due; each attempt is one item of its delivery log.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { PouchError, StorageError } from '../../shared/domain/errors.ts';
import type {
  DeliveryAttempt,
  Outbox,
  OutboxItem,
  Subscription,
  SubscriptionStore,
} from '../ports/notifications.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { notificationKeys as keys, mainIndexName } from './main-table-keys.ts';

function parse<T>(value: unknown, what: string): T {
  if (typeof value !== 'string') throw new StorageError(`Stored ${what} is missing`, undefined);
  return JSON.parse(value) as T;
}

/** Build the stores over the document client and the main table's name. */
export function createDynamoNotificationStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
): SubscriptionStore & Outbox {
  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw translateDynamoError(error, what);
    }
  };
  const noteItem = (item: OutboxItem) => ({
    pk: keys.notePk(item.id),
    sk: keys.noteSk,
    notification: JSON.stringify(item),
    ...(item.state === 'pending'
      ? { gsi1pk: keys.outboxIndexPk, gsi1sk: keys.outboxIndexSk(item.nextAttemptAt, item.id) }
      : {}),
  });

  return {
    async putSubscription(subscription) {
      await run('put subscription', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: keys.subscriptionPk(subscription.authorityId),
              sk: keys.subscriptionSk(subscription.id),
              subscription: JSON.stringify(subscription),
            },
          }),
        ),
      );
    },

    async getSubscription(authorityId, id) {
      const out = await run('get subscription', () =>
        doc.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: keys.subscriptionPk(authorityId), sk: keys.subscriptionSk(id) },
          }),
        ),
      );
      return out.Item?.subscription ? parse<Subscription>(out.Item.subscription, 'subscription') : undefined;
    },

    async listSubscriptions(authorityId) {
      const out = await run('list subscriptions', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sub)',
            ExpressionAttributeValues: {
              ':pk': keys.subscriptionPk(authorityId),
              ':sub': keys.subscriptionPrefix,
            },
          }),
        ),
      );
      return (out.Items ?? [])
        .filter((i) => i.subscription !== undefined)
        .map((i) => parse<Subscription>(i.subscription, 'subscription'));
    },

    async deleteSubscription(authorityId, id) {
      // A removed subscription keeps its key with no subscription in it (the functions hold no DeleteItem grant).
      try {
        await run('delete subscription', () =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: { pk: keys.subscriptionPk(authorityId), sk: keys.subscriptionSk(id), removed: true },
              ConditionExpression: 'attribute_exists(subscription)',
            }),
          ),
        );
        return true;
      } catch (error) {
        if (error instanceof PouchError && error.code === 'ERR_CONFLICT') return false;
        throw error;
      }
    },

    async addNotification(item) {
      try {
        await run('add notification', () =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: noteItem(item),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
        return true;
      } catch (error) {
        if (error instanceof PouchError && error.code === 'ERR_CONFLICT') return false;
        throw error;
      }
    },

    async listDueNotifications(now, limit) {
      const out = await run('list due notifications', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: mainIndexName,
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :upTo',
            ExpressionAttributeValues: { ':pk': keys.outboxIndexPk, ':upTo': keys.outboxUpTo(now) },
            Limit: limit,
          }),
        ),
      );
      return (out.Items ?? []).map((i) => parse<OutboxItem>(i.notification, 'notification'));
    },

    async getNotification(id) {
      const out = await run('get notification', () =>
        doc.send(new GetCommand({ TableName: tableName, Key: { pk: keys.notePk(id), sk: keys.noteSk } })),
      );
      return out.Item ? parse<OutboxItem>(out.Item.notification, 'notification') : undefined;
    },

    async recordAttempt(after, attempt) {
      await run('log delivery attempt', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: keys.notePk(after.id),
              sk: keys.attemptSk(attempt.attempt),
              attempt: JSON.stringify(attempt),
            },
          }),
        ),
      );
      await run('update notification', () =>
        doc.send(new PutCommand({ TableName: tableName, Item: noteItem(after) })),
      );
    },

    async listAttempts(notificationId) {
      const out = await run('list delivery attempts', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :try)',
            ExpressionAttributeValues: { ':pk': keys.notePk(notificationId), ':try': keys.attemptPrefix },
          }),
        ),
      );
      return (out.Items ?? []).map((i) => parse<DeliveryAttempt>(i.attempt, 'delivery attempt'));
    },
  };
}
