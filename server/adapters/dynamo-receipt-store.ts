// Secondary adapter: the ReceiptStore on the main table (in the exchange's partition, main-table-keys.ts), written once.

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { PouchError } from '../../shared/domain/errors.ts';
import type { ReceiptStore, StoredReceipt } from '../ports/receipt-store.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { exchangeKeys } from './main-table-keys.ts';

export function createDynamoReceiptStore(doc: DynamoDBDocumentClient, tableName: string): ReceiptStore {
  return {
    async put(exchangeId, seq, evidence, jws) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: exchangeKeys.pk(exchangeId),
              sk: exchangeKeys.receiptSk(seq),
              exchangeId,
              seq,
              evidence,
              jws,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        const translated = translateDynamoError(error, 'put receipt');
        if (translated instanceof PouchError && translated.code === 'ERR_CONFLICT') return;
        throw translated;
      }
    },
    async list(exchangeId) {
      const out: StoredReceipt[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        let res: QueryCommandOutput;
        try {
          res = await doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
              ExpressionAttributeValues: {
                ':pk': exchangeKeys.pk(exchangeId),
                ':r': exchangeKeys.receiptPrefix,
              },
              ConsistentRead: true,
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          );
        } catch (error) {
          throw translateDynamoError(error, 'list receipts');
        }
        for (const item of res.Items ?? []) {
          out.push({
            exchangeId: String(item.exchangeId),
            seq: Number(item.seq),
            evidence: String(item.evidence),
            jws: String(item.jws),
          });
        }
        startKey = res.LastEvaluatedKey;
      } while (startKey);
      return out;
    },
  };
}
