// Secondary adapter: the RateLimiter port (server/ports/rate-limits.ts) on the main table. One item per counted
// key and window (main-table-keys.ts rateLimitKey); a take is ONE conditional UpdateItem, `ADD count :amount`
// under `attribute_not_exists(count) OR count <= :room`, so concurrent takes can never admit more than the limit
// and a refused take writes nothing. `expiresAt` (the table's TTL attribute) lets DynamoDB drop a counter once
// its window is over; dynalite has no TTL, which only leaves stale items, since a new window is a new item.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError, PouchError } from '../../shared/domain/errors.ts';
import { mainTable } from '../config/storage-definitions.ts';
import { type RateLimiter, secondsLeftIn, windowStartOf } from '../ports/rate-limits.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { rateLimitKey } from './main-table-keys.ts';

/** Keep a counter a little past its window, so a late take in a skewed clock still finds it. */
const expiryGraceSeconds = 300;

/**
 * Create the DynamoDB rate limiter.
 *
 * @example
 * const limiter = createDynamoRateLimiter(clients.doc, config.tables.main);
 * const taken = await limiter.take({ key: `api#${authorityId}`, window: { limit: 600, windowSeconds: 60 }, now });
 */
export function createDynamoRateLimiter(doc: DynamoDBDocumentClient, tableName: string): RateLimiter {
  const expiryAttribute = mainTable.timeToLiveAttribute;
  return {
    async take({ key, window, amount = 1, now }) {
      const { limit, windowSeconds } = window;
      if (!Number.isSafeInteger(amount) || amount < 0) {
        throw new PouchError('ERR_INTERNAL', 'A rate-limit take must count a non-negative integer');
      }
      const windowStart = windowStartOf(now, windowSeconds);
      const refused = {
        allowed: false as const,
        windowStart,
        retryAfterSeconds: secondsLeftIn(windowStart, windowSeconds, now),
      };
      // More than the whole window allows can never pass: refuse without writing.
      if (amount > limit) return refused;
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: rateLimitKey(key, windowStart),
            UpdateExpression: 'ADD #count :amount SET #expires = if_not_exists(#expires, :expires)',
            ConditionExpression: 'attribute_not_exists(#count) OR #count <= :room',
            ExpressionAttributeNames: { '#count': 'count', '#expires': expiryAttribute },
            ExpressionAttributeValues: {
              ':amount': amount,
              ':room': limit - amount,
              ':expires': windowStart + windowSeconds + expiryGraceSeconds,
            },
          }),
        );
        return { allowed: true, windowStart };
      } catch (error) {
        const translated = translateDynamoError(error, 'Rate-limit counter');
        if (translated instanceof ConditionFailedError) return refused;
        throw translated;
      }
    },
  };
}
