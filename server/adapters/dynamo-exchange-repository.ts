// Secondary adapter: the ExchangeRepository on the main DynamoDB table (single-table design). The keys come from
// main-table-keys.ts: the label once per party (indexed per party, so each authority lists its exchanges newest
// first without a scan), documents, messages (ordered by ledger seq) and message intents (a message written
// before its ledger event, to complete it if need be).

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PouchError, StorageError } from '../../shared/domain/errors.ts';
import { EXCHANGE_STATES, type ExchangeState } from '../../shared/domain/exchange/state-machine.ts';
import type {
  DocumentRecord,
  ExchangeLabel,
  ExchangeRepository,
  MessageIntent,
  MessageRecord,
  Urgency,
} from '../ports/exchange-repository.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { exchangeKeys, mainIndexName, mainKeyAttributes, withoutKeys } from './main-table-keys.ts';

const urgencies: readonly string[] = ['normal', 'urgent', 'emergency'] satisfies readonly Urgency[];
const states: readonly string[] = EXCHANGE_STATES;

/**
 * Read a label back from a party item, field by field: the item also carries keys, `box` and `counterpart`,
 * which are not part of the label, and a field of the wrong type is a broken item, not a label.
 */
function toLabel(item: Record<string, unknown>): ExchangeLabel {
  const broken = (field: string): never => {
    throw new StorageError(`Stored exchange label has an invalid ${field}`, undefined);
  };
  const text = (field: string): string => {
    const value = item[field];
    return typeof value === 'string' ? value : broken(field);
  };
  const optionalText = (field: string): string | undefined =>
    item[field] === undefined ? undefined : text(field);
  const urgency = text('urgency');
  const status = text('status');
  const links = item.links;
  const ledgerSeq = item.ledgerSeq;
  const requestedReference = optionalText('requestedReference');
  const deadline = optionalText('deadline');
  // Written by the clocks' tracker (dynamo-clock-store.ts) from the preservation clock.
  const preservationExpiresAt = optionalText('preservationExpiresAt');
  return {
    id: text('id'),
    kind: text('kind'),
    urgency: urgencies.includes(urgency) ? (urgency as Urgency) : broken('urgency'),
    requesterId: text('requesterId'),
    requestedId: text('requestedId'),
    requesterReference: text('requesterReference'),
    ...(requestedReference !== undefined ? { requestedReference } : {}),
    links:
      Array.isArray(links) && links.every((l): l is string => typeof l === 'string')
        ? links
        : broken('links'),
    createdAt: text('createdAt'),
    createdBy: text('createdBy'),
    status: states.includes(status) ? (status as ExchangeState) : broken('status'),
    ledgerSeq:
      typeof ledgerSeq === 'number' && Number.isSafeInteger(ledgerSeq) ? ledgerSeq : broken('ledgerSeq'),
    updatedAt: text('updatedAt'),
    ...(deadline !== undefined ? { deadline } : {}),
    ...(preservationExpiresAt !== undefined ? { preservationExpiresAt } : {}),
  };
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
      // The two party items are independent writes: written together, one round trip of latency.
      const parties = [
        [label.requesterId, label.requestedId, 'outbox'],
        [label.requestedId, label.requesterId, 'inbox'],
      ] as const;
      await Promise.all(
        parties.map(([authorityId, counterpart, box]) =>
          run('put exchange', () =>
            doc.send(
              new PutCommand({
                TableName: tableName,
                Item: {
                  pk: exchangeKeys.pk(label.id),
                  sk: exchangeKeys.partySk(authorityId),
                  gsi1pk: exchangeKeys.partyIndexPk(authorityId),
                  gsi1sk: exchangeKeys.partyIndexSk(label.createdAt, label.id),
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
          }),
        ),
      );
    },

    async getExchange(id) {
      const res = await run('get exchange', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :party)',
            ExpressionAttributeValues: { ':pk': exchangeKeys.pk(id), ':party': exchangeKeys.partyPrefix },
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
      // Each party item moves forward on its own guard: written together, one round trip of latency.
      const update = async (authorityId: string) => {
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
              Key: { pk: exchangeKeys.pk(label.id), sk: exchangeKeys.partySk(authorityId) },
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
      };
      await Promise.all([update(label.requesterId), update(label.requestedId)]);
    },

    async listForAuthority(authorityId, filter) {
      const filters: string[] = [];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':pk': exchangeKeys.partyIndexPk(authorityId) };
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
              IndexName: mainIndexName,
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
      // Written once, then only moved forward: what was declared (digest, size, uploader) never changes, a
      // committed document never returns to pending, and once attached to a message it stays with that message.
      const forward =
        record.state === 'committed' ? '(#state = :pending OR #state = :committed)' : '#state = :pending';
      const message =
        record.messageId === undefined
          ? 'attribute_not_exists(messageId)'
          : '(attribute_not_exists(messageId) OR messageId = :messageId)';
      await run('put document', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: exchangeKeys.pk(record.exchangeId),
              sk: exchangeKeys.documentSk(record.documentId),
              ...record,
            },
            ConditionExpression: `attribute_not_exists(pk) OR ((sealedSha256 = :sha OR sealedSha256 = :unset) AND sealedSize = :size AND uploaderAuthorityId = :uploader AND ${forward} AND ${message})`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':sha': record.sealedSha256,
              // A streamed upload's record gets its digest once, at commit.
              ':unset': '',
              ':size': record.sealedSize,
              ':uploader': record.uploaderAuthorityId,
              ':pending': 'pending',
              ...(record.state === 'committed' ? { ':committed': 'committed' } : {}),
              ...(record.messageId === undefined ? {} : { ':messageId': record.messageId }),
            },
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
            ExpressionAttributeValues: {
              ':pk': exchangeKeys.pk(exchangeId),
              ':sk': exchangeKeys.documentSk(documentId),
            },
            ConsistentRead: true,
          }),
        ),
      );
      const item = res.Items?.[0];
      if (!item) return undefined;
      return withoutKeys<DocumentRecord>(item);
    },

    async putMessage(message) {
      await run('put message', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: exchangeKeys.pk(message.exchangeId),
              sk: exchangeKeys.messageSk(message.seq),
              ...message,
            },
            // A sent message is immutable: only its own record, with the same signed manifest, may be written again
            // (to add `deliveredAt`).
            ConditionExpression:
              'attribute_not_exists(pk) OR (messageId = :messageId AND manifest = :manifest)',
            ExpressionAttributeValues: { ':messageId': message.messageId, ':manifest': message.manifest },
          }),
        ),
      );
    },

    async putMessageIntent(intent) {
      await run('put message intent', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: exchangeKeys.pk(intent.exchangeId),
              sk: exchangeKeys.intentSk(intent.messageId),
              ...intent,
            },
            // Once: a retry writes the same manifest again; a different message under the same id is refused.
            ConditionExpression: 'attribute_not_exists(pk) OR manifest = :manifest',
            ExpressionAttributeValues: { ':manifest': intent.manifest },
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
            ExpressionAttributeValues: {
              ':pk': exchangeKeys.pk(exchangeId),
              ':intent': exchangeKeys.intentPrefix,
            },
            ConsistentRead: true,
          }),
        ),
      );
      return (res.Items ?? []).map((item) => withoutKeys<MessageIntent>(item));
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
              ExpressionAttributeValues: {
                ':pk': exchangeKeys.pk(exchangeId),
                ':msg': exchangeKeys.messagePrefix,
              },
              ConsistentRead: true,
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          ),
        );
        for (const item of res.Items ?? []) out.push(withoutKeys<MessageRecord>(item));
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
      if (mainKeyAttributes.every((f) => typeof k[f] === 'string')) return k;
    }
  } catch {
    // fall through
  }
  throw new PouchError('ERR_VALIDATION', 'The cursor is not valid', { details: { field: 'query.cursor' } });
}
