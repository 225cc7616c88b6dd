// Secondary adapter: the ExchangeRepository on the main DynamoDB table (single-table design).
//
// Item layout (pk / sk):
//   EXCH#<id> / PARTY#<authorityId>   the label, once per party; gsi1pk PARTY#<authorityId>, gsi1sk <createdAt>#<id>
//                                     so each authority lists its exchanges newest first without a scan
//   EXCH#<id> / DOC#<documentId>      a document: declared digests, upload shape, pending or committed
//   EXCH#<id> / MSG#<seq:10>          a message: kind, side, manifest, document ids (ordered by ledger seq)
//   EXCH#<id> / INTENT#<messageId>    a message written before its ledger event, to complete it if need be

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PouchError } from '../../shared/domain/errors.ts';
import type {
  DocumentRecord,
  ExchangeLabel,
  ExchangeRepository,
  MessageIntent,
  MessageRecord,
} from '../ports/exchange-repository.ts';
import { translateDynamoError } from './dynamo-errors.ts';

const exchangePk = (id: string) => `EXCH#${id}`;
const partySk = (authorityId: string) => `PARTY#${authorityId}`;
const messageSk = (seq: number) => `MSG#${String(seq).padStart(10, '0')}`;

const labelFields = [
  'id',
  'kind',
  'urgency',
  'requesterId',
  'requestedId',
  'requesterReference',
  'requestedReference',
  'links',
  'createdAt',
  'createdBy',
  'status',
  'ledgerSeq',
  'updatedAt',
  'deadline',
] as const;

function toLabel(item: Record<string, unknown>): ExchangeLabel {
  const out: Record<string, unknown> = {};
  for (const f of labelFields) if (item[f] !== undefined) out[f] = item[f];
  return out as unknown as ExchangeLabel;
}

/** Build the repository over the document client and the main table's name. */
export function createDynamoExchangeRepository(
  doc: DynamoDBDocumentClient,
  tableName: string,
): ExchangeRepository {
  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw translateDynamoError(error, what);
    }
  };

  return {
    async putExchange(label) {
      for (const [authorityId, counterpart, box] of [
        [label.requesterId, label.requestedId, 'outbox'],
        [label.requestedId, label.requesterId, 'inbox'],
      ] as const) {
        await run('put exchange', () =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: {
                pk: exchangePk(label.id),
                sk: partySk(authorityId),
                gsi1pk: `PARTY#${authorityId}`,
                gsi1sk: `${label.createdAt}#${label.id}`,
                box,
                counterpart,
                ...label,
              },
              // Never let a replayed write take the projection backwards.
              ConditionExpression: 'attribute_not_exists(pk) OR ledgerSeq <= :seq',
              ExpressionAttributeValues: { ':seq': label.ledgerSeq },
            }),
          ),
        ).catch((error: unknown) => {
          if (!(error instanceof PouchError && error.code === 'ERR_CONFLICT')) throw error;
        });
      }
    },

    async getExchange(id) {
      const res = await run('get exchange', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :party)',
            ExpressionAttributeValues: { ':pk': exchangePk(id), ':party': 'PARTY#' },
            ConsistentRead: true,
          }),
        ),
      );
      const items = (res.Items ?? []) as Array<Record<string, unknown>>;
      if (items.length === 0) return undefined;
      // Both party items hold the label; the one with the newer projection wins.
      items.sort((a, b) => Number(b.ledgerSeq) - Number(a.ledgerSeq));
      return toLabel(items[0]!);
    },

    async updateProjection(label, change) {
      for (const authorityId of [label.requesterId, label.requestedId]) {
        const names: Record<string, string> = { '#status': 'status' };
        const values: Record<string, unknown> = {
          ':status': change.status,
          ':seq': change.ledgerSeq,
          ':updatedAt': change.updatedAt,
        };
        let set = 'SET #status = :status, ledgerSeq = :seq, updatedAt = :updatedAt';
        if (change.requestedReference !== undefined) {
          set += ', requestedReference = :ref';
          values[':ref'] = change.requestedReference;
        }
        await run('update exchange status', () =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: exchangePk(label.id), sk: partySk(authorityId) },
              UpdateExpression: set,
              ConditionExpression: 'attribute_exists(pk) AND ledgerSeq < :seq',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }),
          ),
        ).catch((error: unknown) => {
          // A newer projection is already there: nothing to do.
          if (!(error instanceof PouchError && error.code === 'ERR_CONFLICT')) throw error;
        });
      }
    },

    async listForAuthority(authorityId, filter) {
      const filters: string[] = [];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':pk': `PARTY#${authorityId}` };
      if (filter.box) {
        filters.push('box = :box');
        values[':box'] = filter.box;
      }
      if (filter.status) {
        filters.push('#status = :status');
        names['#status'] = 'status';
        values[':status'] = filter.status;
      }
      if (filter.kind) {
        filters.push('kind = :kind');
        values[':kind'] = filter.kind;
      }
      if (filter.counterpart) {
        filters.push('counterpart = :counterpart');
        values[':counterpart'] = filter.counterpart;
      }
      let keyCondition = 'gsi1pk = :pk';
      if (filter.from && filter.to) {
        keyCondition += ' AND gsi1sk BETWEEN :from AND :to';
        values[':from'] = filter.from;
        values[':to'] = `${filter.to}~`;
      } else if (filter.from) {
        keyCondition += ' AND gsi1sk >= :from';
        values[':from'] = filter.from;
      } else if (filter.to) {
        keyCondition += ' AND gsi1sk <= :to';
        values[':to'] = `${filter.to}~`;
      }
      const items: ExchangeLabel[] = [];
      let startKey = decodeCursor(filter.cursor);
      if (startKey && startKey.gsi1pk !== values[':pk']) {
        throw new PouchError('ERR_VALIDATION', 'The cursor is not valid', {
          details: { field: 'query.cursor' },
        });
      }
      // Filters apply after the key condition, so keep reading until the page is full or the index ends.
      do {
        const res = await run('list exchanges', () =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi1',
              KeyConditionExpression: keyCondition,
              ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
              ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
              ExpressionAttributeValues: values,
              ScanIndexForward: false,
              Limit: filter.limit - items.length,
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          ),
        );
        for (const item of res.Items ?? []) items.push(toLabel(item));
        startKey = res.LastEvaluatedKey;
      } while (startKey && items.length < filter.limit);
      return startKey ? { items, nextCursor: encodeCursor(startKey) } : { items };
    },

    async putDocument(record) {
      await run('put document', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: exchangePk(record.exchangeId), sk: `DOC#${record.documentId}`, ...record },
          }),
        ),
      );
    },

    async getDocument(exchangeId, documentId) {
      const res = await run('get document', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk = :sk',
            ExpressionAttributeValues: { ':pk': exchangePk(exchangeId), ':sk': `DOC#${documentId}` },
            ConsistentRead: true,
          }),
        ),
      );
      const item = res.Items?.[0];
      if (!item) return undefined;
      const { pk: _pk, sk: _sk, ...record } = item;
      return record as DocumentRecord;
    },

    async putMessage(message) {
      await run('put message', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: exchangePk(message.exchangeId), sk: messageSk(message.seq), ...message },
          }),
        ),
      );
    },

    async putMessageIntent(intent) {
      await run('put message intent', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: exchangePk(intent.exchangeId), sk: `INTENT#${intent.messageId}`, ...intent },
          }),
        ),
      );
    },

    async listMessageIntents(exchangeId) {
      const res = await run('list message intents', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :intent)',
            ExpressionAttributeValues: { ':pk': exchangePk(exchangeId), ':intent': 'INTENT#' },
            ConsistentRead: true,
          }),
        ),
      );
      return (res.Items ?? []).map((item) => {
        const { pk: _pk, sk: _sk, ...intent } = item;
        return intent as MessageIntent;
      });
    },

    async listMessages(exchangeId) {
      const out: MessageRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const res = await run('list messages', () =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
              ExpressionAttributeValues: { ':pk': exchangePk(exchangeId), ':msg': 'MSG#' },
              ConsistentRead: true,
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          ),
        );
        for (const item of res.Items ?? []) {
          const { pk: _pk, sk: _sk, ...record } = item;
          out.push(record as MessageRecord);
        }
        startKey = res.LastEvaluatedKey;
      } while (startKey);
      return out;
    },
  };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Cursors are opaque to callers; a forged one can only point elsewhere in the caller's own partition. */
function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) {
      const k = key as Record<string, unknown>;
      if (['pk', 'sk', 'gsi1pk', 'gsi1sk'].every((f) => typeof k[f] === 'string')) return k;
    }
  } catch {
    // fall through
  }
  throw new PouchError('ERR_VALIDATION', 'The cursor is not valid', { details: { field: 'query.cursor' } });
}
