// Secondary adapter: the checkpoint log in the main table, and the list of chains read from the main table's
// exchange index. Implements CheckpointStore and ChainLister (server/ports/checkpoint-store.ts).
//
// Item layout (main table, pk / sk):
//   CKPT / LEAF#<index:12>   { index, chain, seq, hash }        one leaf of the log, written once
//   CKPT / HEAD#<size:12>    { size, rootHash, time, jws }      a signed checkpoint over the first `size` leaves
// Both are conditional puts (`attribute_not_exists(pk)`), so a position in the log, once taken, never changes,
// and two builders racing for the same position cannot both win: the loser reloads and retries. The zero-padded
// sort keys make a Query return leaves in log order and the newest checkpoint first with ScanIndexForward=false.
// The log lives in one partition: a leaf is ~150 bytes, so that is millions of leaves before it matters.
//
// Listing chains: every exchange has one label item per party (pk EXCH#<id>, sk PARTY#<authorityId>), indexed
// in gsi1 under PARTY#<authorityId>. The adapter lists the authorities from the directory index (gsi1pk
// DIRECTORY) and queries each authority's PARTY# partition, projecting only the id. Queries only: no Scan of
// the whole table (directory, messages, receipts) and no Scan permission for the checkpoint function.

import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../../shared/domain/errors.ts';
import type {
  ChainLister,
  CheckpointLeaf,
  CheckpointStore,
  StoredCheckpoint,
} from '../ports/checkpoint-store.ts';
import { translateDynamoError } from './dynamo-errors.ts';

const PK = 'CKPT';
const leafSk = (index: number) => `LEAF#${String(index).padStart(12, '0')}`;
const headSk = (size: number) => `HEAD#${String(size).padStart(12, '0')}`;

/** Build the checkpoint store and chain lister over the main table. */
export function createDynamoCheckpointStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
): CheckpointStore & ChainLister {
  async function* query(input: QueryCommandInput, what: string): AsyncGenerator<Record<string, unknown>> {
    let startKey: Record<string, unknown> | undefined;
    do {
      let out: QueryCommandOutput;
      try {
        out = await doc.send(
          new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        );
      } catch (error) {
        throw translateDynamoError(error, what);
      }
      for (const item of out.Items ?? []) yield item;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  async function putOnce(item: Record<string, unknown>, what: string): Promise<boolean> {
    try {
      await doc.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      const translated = translateDynamoError(error, what);
      if (translated instanceof ConditionFailedError) return false;
      throw translated;
    }
  }

  return {
    async readLeaves(from) {
      const leaves: CheckpointLeaf[] = [];
      for await (const item of query(
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': PK, ':from': leafSk(from), ':to': 'LEAF#~' },
          ConsistentRead: true,
        },
        'read checkpoint leaves',
      )) {
        const leaf = toLeaf(item);
        if (leaf.index !== from + leaves.length) break;
        leaves.push(leaf);
      }
      return leaves;
    },

    appendLeaf(leaf) {
      return putOnce({ pk: PK, sk: leafSk(leaf.index), ...leaf }, 'append checkpoint leaf');
    },

    putCheckpoint(checkpoint) {
      return putOnce({ pk: PK, sk: headSk(checkpoint.size), ...checkpoint }, 'put checkpoint');
    },

    async getCheckpoint(size) {
      try {
        const out = await doc.send(
          new GetCommand({ TableName: tableName, Key: { pk: PK, sk: headSk(size) }, ConsistentRead: true }),
        );
        return out.Item ? toCheckpoint(out.Item) : undefined;
      } catch (error) {
        throw translateDynamoError(error, 'get checkpoint');
      }
    },

    async latestCheckpoint() {
      let out: QueryCommandOutput;
      try {
        out = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :head)',
            ExpressionAttributeValues: { ':pk': PK, ':head': 'HEAD#' },
            ScanIndexForward: false,
            Limit: 1,
            ConsistentRead: true,
          }),
        );
      } catch (error) {
        throw translateDynamoError(error, 'latest checkpoint');
      }
      const item = out.Items?.[0];
      return item ? toCheckpoint(item) : undefined;
    },

    async listChains() {
      const authorities = new Set<string>();
      for await (const item of query(
        {
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :d',
          ExpressionAttributeValues: { ':d': 'DIRECTORY' },
          ProjectionExpression: 'pk',
        },
        'list authorities',
      )) {
        const pk = String(item.pk ?? '');
        if (pk.startsWith('AUTHORITY#')) authorities.add(pk.slice('AUTHORITY#'.length));
      }
      const chains = new Set<string>();
      for (const authorityId of authorities) {
        for await (const item of query(
          {
            TableName: tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': `PARTY#${authorityId}` },
            ProjectionExpression: 'id',
          },
          'list exchanges',
        )) {
          if (typeof item.id === 'string') chains.add(item.id);
        }
      }
      return [...chains];
    },
  };
}

function toLeaf(item: Record<string, unknown>): CheckpointLeaf {
  return {
    index: Number(item.index),
    chain: String(item.chain),
    seq: Number(item.seq),
    hash: String(item.hash),
  };
}

function toCheckpoint(item: Record<string, unknown>): StoredCheckpoint {
  return {
    size: Number(item.size),
    rootHash: String(item.rootHash),
    time: String(item.time),
    jws: String(item.jws),
  };
}
