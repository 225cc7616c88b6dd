// Secondary adapter: the replay store (single-use assertion jti) in the replay table, by conditional put.
// An expired entry may be overwritten by the same condition, so correctness never waits on TTL; on AWS the table's
// TTL attribute (from the storage definition) deletes old ids, and dynalite, which has no TTL, just keeps them.
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isPouchError } from '../../shared/domain/errors.ts';
import { replayTable } from '../config/storage-definitions.ts';
import type { ReplayStore } from '../ports/replay-store.ts';
import { translateDynamoError } from './dynamo-errors.ts';

/** The attribute holding the epoch-second expiry: the table's TTL attribute. */
const replayExpiryAttribute = replayTable.timeToLiveAttribute;

/** Build the replay store over the replay table (partition key `id`). */
export function createDynamoReplayStore(doc: DynamoDBDocumentClient, tableName: string): ReplayStore {
  return {
    async consume(id, expiresAt, now) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { id, [replayExpiryAttribute]: expiresAt },
            ConditionExpression: 'attribute_not_exists(id) OR #exp < :now',
            ExpressionAttributeNames: { '#exp': replayExpiryAttribute },
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return true;
      } catch (error) {
        const translated = translateDynamoError(error, 'consume jti');
        if (isPouchError(translated, 'ERR_CONFLICT')) return false;
        throw translated;
      }
    },
  };
}
