// Secondary adapter: the IdempotencyStore on the main table (one item per scope and key, main-table-keys.ts), claimed by
// conditional put so that two concurrent retries cannot both start the action.

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PouchError } from '../../shared/domain/errors.ts';
import type { IdempotencyStore } from '../ports/idempotency-store.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { idempotencyKey as keyOf } from './main-table-keys.ts';

export function createDynamoIdempotencyStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
  now: () => Date = () => new Date(),
): IdempotencyStore {
  return {
    async begin(scope, key, fingerprint, data) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keyOf(scope, key),
              fingerprint,
              state: 'pending',
              data,
              createdAt: now().toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { state: 'new' };
      } catch (error) {
        const translated = translateDynamoError(error, 'claim idempotency key');
        if (!(translated instanceof PouchError && translated.code === 'ERR_CONFLICT')) throw translated;
      }
      let item: Record<string, unknown> | undefined;
      try {
        const res = await doc.send(
          new GetCommand({ TableName: tableName, Key: keyOf(scope, key), ConsistentRead: true }),
        );
        item = res.Item;
      } catch (error) {
        throw translateDynamoError(error, 'read idempotency key');
      }
      if (!item) throw new PouchError('ERR_CONFLICT', 'The Idempotency-Key is being claimed; retry');
      if (item.fingerprint !== fingerprint) {
        throw new PouchError(
          'ERR_IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was used for a different request',
        );
      }
      if (item.state === 'done') return { state: 'done', status: Number(item.status), body: item.body };
      return { state: 'pending', data: (item.data as Record<string, unknown>) ?? {} };
    },

    async complete(scope, key, status, body) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(scope, key),
            UpdateExpression: 'SET #state = :done, #status = :status, body = :body, completedAt = :at',
            ExpressionAttributeNames: { '#state': 'state', '#status': 'status' },
            ExpressionAttributeValues: {
              ':done': 'done',
              ':status': status,
              ':body': body,
              ':at': now().toISOString(),
            },
          }),
        );
      } catch (error) {
        throw translateDynamoError(error, 'complete idempotency key');
      }
    },
  };
}
