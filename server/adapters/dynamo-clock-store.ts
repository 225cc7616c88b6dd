// Secondary adapter: the clocks' projections on the main table (server/ports/clock-store.ts). Keys come from
// main-table-keys.ts (clockKeys): the track is indexed by its next stage's time only while one is open, so the
// sweep's query returns what is due and nothing else; due views are indexed per party, emergencies first.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { URGENCY_RANK } from '../../shared/domain/clocks/clocks.ts';
import { type ExchangeLink, isLinkKind } from '../../shared/domain/clocks/lineage.ts';
import type { Track } from '../../shared/domain/clocks/track.ts';
import { PouchError, StorageError } from '../../shared/domain/errors.ts';
import type { ClockStore, DueView, LineageStore } from '../ports/clock-store.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { clockKeys, exchangeKeys, mainIndexName } from './main-table-keys.ts';

const isConflict = (error: unknown): boolean => error instanceof PouchError && error.code === 'ERR_CONFLICT';

function parseJson<T>(value: unknown, what: string): T {
  if (typeof value !== 'string') throw new StorageError(`Stored ${what} is missing`, undefined);
  try {
    return JSON.parse(value) as T;
  } catch (error) {
    throw new StorageError(`Stored ${what} is not JSON`, error);
  }
}

/** Build the clock and lineage stores over the document client and the main table's name. */
export function createDynamoClockStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
): ClockStore & LineageStore {
  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw translateDynamoError(error, what);
    }
  };

  return {
    async getTrack(exchangeId) {
      const out = await run('get clock track', () =>
        doc.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: exchangeKeys.pk(exchangeId), sk: clockKeys.trackSk },
            ConsistentRead: true,
          }),
        ),
      );
      return out.Item ? parseJson<Track>(out.Item.track, 'clock track') : undefined;
    },

    async putTrack(track, nextStageAt) {
      const item: Record<string, unknown> = {
        pk: exchangeKeys.pk(track.exchangeId),
        sk: clockKeys.trackSk,
        lastSeq: track.lastSeq,
        track: JSON.stringify(track),
        ...(nextStageAt === undefined
          ? {}
          : {
              gsi1pk: clockKeys.sweepIndexPk,
              gsi1sk: clockKeys.sweepIndexSk(nextStageAt, track.exchangeId),
            }),
      };
      try {
        await run('put clock track', () =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: item,
              // Only forward: two observers of the same chain cannot take the track back.
              ConditionExpression: 'attribute_not_exists(pk) OR lastSeq < :seq',
              ExpressionAttributeValues: { ':seq': track.lastSeq },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw error;
      }
    },

    async putDueView(authorityId, exchangeId, view) {
      const Key = { pk: exchangeKeys.pk(exchangeId), sk: clockKeys.dueViewSk(authorityId) };
      if (!view) {
        // Out of the party's list: the item stays without index keys (the functions hold no DeleteItem grant).
        await run('clear due view', () => doc.send(new PutCommand({ TableName: tableName, Item: Key })));
        return;
      }
      await run('put due view', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...Key,
              gsi1pk: clockKeys.dueViewIndexPk(authorityId),
              gsi1sk: clockKeys.dueViewIndexSk(URGENCY_RANK[view.urgency], view.earliestDue, exchangeId),
              view: JSON.stringify(view),
            },
          }),
        ),
      );
    },

    async listDueViews(authorityId, limit) {
      const out = await run('list due views', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: mainIndexName,
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': clockKeys.dueViewIndexPk(authorityId) },
            Limit: limit,
          }),
        ),
      );
      return (out.Items ?? []).map((item) => parseJson<DueView>(item.view, 'due view'));
    },

    async listDue(now, limit) {
      const ids: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await run('list due clocks', () =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: mainIndexName,
              KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :upTo',
              ExpressionAttributeValues: { ':pk': clockKeys.sweepIndexPk, ':upTo': clockKeys.sweepUpTo(now) },
              ProjectionExpression: 'pk',
              Limit: limit - ids.length,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          ),
        );
        for (const item of out.Items ?? []) {
          const id = exchangeKeys.idOf(item.pk);
          if (id !== undefined) ids.push(id);
        }
        start = out.LastEvaluatedKey;
      } while (start && ids.length < limit);
      return ids;
    },

    async setLabelExpiry(exchangeId, parties, expiresAt) {
      for (const authorityId of parties) {
        await run('set label expiry', () =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: exchangeKeys.pk(exchangeId), sk: exchangeKeys.partySk(authorityId) },
              UpdateExpression:
                expiresAt === undefined ? 'REMOVE preservationExpiresAt' : 'SET preservationExpiresAt = :at',
              ConditionExpression: 'attribute_exists(pk)',
              ...(expiresAt === undefined ? {} : { ExpressionAttributeValues: { ':at': expiresAt } }),
            }),
          ),
        ).catch((error: unknown) => {
          // The label is written after the genesis: a missing label gets the expiry with the next event.
          if (!isConflict(error)) throw error;
        });
      }
    },

    async putLink(later, earlier, kind) {
      for (const [pk, sk] of [
        [exchangeKeys.pk(later), clockKeys.linkUpSk(earlier)],
        [exchangeKeys.pk(earlier), clockKeys.linkDownSk(later)],
      ] as const) {
        await run('put lineage link', () =>
          doc.send(new PutCommand({ TableName: tableName, Item: { pk, sk, linkKind: kind } })),
        );
      }
    },

    async listLinks(exchangeId) {
      const out = await run('list lineage links', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :link)',
            ExpressionAttributeValues: { ':pk': exchangeKeys.pk(exchangeId), ':link': clockKeys.linkPrefix },
          }),
        ),
      );
      const parents: ExchangeLink[] = [];
      const children: ExchangeLink[] = [];
      for (const item of out.Items ?? []) {
        const link = clockKeys.parseLinkSk(item.sk);
        const kind = typeof item.linkKind === 'string' ? item.linkKind : '';
        if (!link || !isLinkKind(kind)) continue;
        (link.up ? parents : children).push({ exchangeId: link.exchangeId, kind });
      }
      return { parents, children };
    },
  };
}
