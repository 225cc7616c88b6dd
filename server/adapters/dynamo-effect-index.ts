// Secondary adapter: the EffectIndex on the main table (server/ports/effect-index.ts), one item per keyed effect in
// its exchange's partition (main-table-keys.ts). Each call is one UpdateItem or GetItem, whatever the chain's length.
//
// The claim is `if_not_exists` on every attribute, answered with the item as stored (ReturnValues ALL_NEW): the
// nonce tells the caller whether it made the claim, in the same single call that would otherwise need a read.
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError, PouchError } from '../../shared/domain/errors.ts';
import type { EffectIndex, EffectRecord } from '../ports/effect-index.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { exchangeKeys } from './main-table-keys.ts';

/**
 * Create the effect index over the main table.
 *
 * @example
 * const effects = createDynamoEffectIndex(clients.doc, config.tables.main);
 * const claim = await effects.claim(exchangeId, eventId, label.ledgerSeq + 1);
 */
export function createDynamoEffectIndex(doc: DynamoDBDocumentClient, tableName: string): EffectIndex {
  const key = (chain: string, id: string) => ({ pk: exchangeKeys.pk(chain), sk: exchangeKeys.effectSk(id) });

  return {
    async claim(chain, id, fromSeq) {
      const nonce = randomUUID();
      let item: Record<string, unknown> | undefined;
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(chain, id),
            UpdateExpression:
              'SET #from = if_not_exists(#from, :from), #claim = if_not_exists(#claim, :claim), #id = :id',
            ExpressionAttributeNames: { '#from': 'fromSeq', '#claim': 'claim', '#id': 'eventId' },
            ExpressionAttributeValues: { ':from': fromSeq, ':claim': nonce, ':id': id },
            ReturnValues: 'ALL_NEW',
          }),
        );
        item = out.Attributes;
      } catch (error) {
        throw translateDynamoError(error, 'Effect claim');
      }
      const record = toRecord(item, chain, id);
      if (!record) throw new PouchError('ERR_STORAGE', 'Effect claim answered without the item');
      return { ...record, fresh: item?.claim === nonce, token: nonce };
    },

    async get(chain, id) {
      try {
        const out = await doc.send(
          new GetCommand({ TableName: tableName, Key: key(chain, id), ConsistentRead: true }),
        );
        return toRecord(out.Item, chain, id);
      } catch (error) {
        throw translateDynamoError(error, 'Effect read');
      }
    },

    async settle(chain, id, seq) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(chain, id),
            // A note without a claim (the claim's write was lost) is still a valid bound: the event is at `seq`.
            UpdateExpression:
              'SET #seq = if_not_exists(#seq, :seq), #from = if_not_exists(#from, :seq), #id = :id',
            ExpressionAttributeNames: { '#seq': 'seq', '#from': 'fromSeq', '#id': 'eventId' },
            ExpressionAttributeValues: { ':seq': seq, ':id': id },
          }),
        );
      } catch (error) {
        throw translateDynamoError(error, 'Effect note');
      }
    },

    async advance(chain, id, fromSeq, token) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(chain, id),
            UpdateExpression: 'SET #from = :from',
            ConditionExpression: '#claim = :claim AND attribute_not_exists(#seq) AND #from < :from',
            ExpressionAttributeNames: { '#from': 'fromSeq', '#claim': 'claim', '#seq': 'seq' },
            ExpressionAttributeValues: { ':from': fromSeq, ':claim': token },
          }),
        );
      } catch (error) {
        const translated = translateDynamoError(error, 'Effect bound');
        // Another attempt's claim or note: it stays as it is.
        if (translated instanceof ConditionFailedError) return;
        throw translated;
      }
    },
  };
}

/** The record an item holds; a malformed one is reported, never guessed at. */
function toRecord(
  item: Record<string, unknown> | undefined,
  chain: string,
  id: string,
): EffectRecord | undefined {
  if (!item) return undefined;
  const { fromSeq, seq } = item;
  if (!isSeq(fromSeq) || (seq !== undefined && !isSeq(seq))) {
    throw new PouchError('ERR_LEDGER_BROKEN', 'A stored effect record is malformed', {
      details: { chain, eventId: id },
    });
  }
  return seq === undefined ? { fromSeq } : { fromSeq, seq };
}

const isSeq = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
