// Secondary adapter: the checkpoint log in the main table, and the list of chains read from the main table's
// exchange index. Implements CheckpointStore and ChainLister (server/ports/checkpoint-store.ts).
//
// The log lives in one partition of the main table (keys in main-table-keys.ts): leaves `{ index, chain, seq,
// hash }` and signed checkpoints `{ size, rootHash, time, jws }` over the first `size` leaves. Both are
// conditional puts (`attribute_not_exists(pk)`), so a position in the log, once taken, never changes, and two
// builders racing for the same position cannot both win: the loser reloads and retries. The zero-padded sort keys
// make a Query return leaves in log order and the newest checkpoint first with ScanIndexForward=false. A leaf is
// ~150 bytes, so one partition holds millions of leaves before it matters.
//
// Listing chains: every exchange has one label item per party, indexed under that party. The adapter lists the
// authorities from the directory's index partition and queries each authority's party partition, projecting only
// the key it decodes. Every key is built and read through main-table-keys.ts, never re-encoded here. Queries
// only: no Scan of the whole table (directory, messages, receipts) and no Scan permission for the checkpoint
// function.

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
import { checkpointKeys, directoryKeys, exchangeKeys, mainIndexName } from './main-table-keys.ts';

const PK = checkpointKeys.pk;
const { leafSk, headSk } = checkpointKeys;

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
          ExpressionAttributeValues: { ':pk': PK, ':from': leafSk(from), ':to': checkpointKeys.lastLeafSk },
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
            ExpressionAttributeValues: { ':pk': PK, ':head': checkpointKeys.headPrefix },
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
          IndexName: mainIndexName,
          KeyConditionExpression: 'gsi1pk = :d',
          ExpressionAttributeValues: { ':d': directoryKeys.indexPk },
          ProjectionExpression: 'pk',
        },
        'list authorities',
      )) {
        const authorityId = directoryKeys.idOf(item.pk);
        if (authorityId !== undefined) authorities.add(authorityId);
      }
      const chains = new Set<string>();
      for (const authorityId of authorities) {
        for await (const item of query(
          {
            TableName: tableName,
            IndexName: mainIndexName,
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': exchangeKeys.partyIndexPk(authorityId) },
            ProjectionExpression: 'pk',
          },
          'list exchanges',
        )) {
          const exchangeId = exchangeKeys.idOf(item.pk);
          if (exchangeId !== undefined) chains.add(exchangeId);
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
