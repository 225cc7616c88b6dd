// Test support: items written straight into a DynamoDB table in batches of 25 by a few concurrent writers, each
// batch retried until nothing is left unprocessed. The seeders (clock-seed.ts, figure-cost.ts) use it to build
// large tables faster than the API could.
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/** The most items one BatchWriteItem call takes. */
const BATCH = 25;

/** Put every item into `table`, `writers` batches in flight at a time. */
export async function batchPut(
  doc: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
  writers: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < items.length) {
        const batch = items.slice(next, next + BATCH);
        next += BATCH;
        let request: BatchWriteCommandInput['RequestItems'] = {
          [table]: batch.map((Item) => ({ PutRequest: { Item } })),
        };
        while (request && Object.keys(request).length > 0) {
          const out: { UnprocessedItems?: BatchWriteCommandInput['RequestItems'] } = await doc.send(
            new BatchWriteCommand({ RequestItems: request }),
          );
          request = out.UnprocessedItems;
        }
      }
    }),
  );
}
