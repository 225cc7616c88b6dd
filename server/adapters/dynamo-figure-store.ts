// Secondary adapter: the delay figures' contributions on the main table (server/ports/clock-store.ts, FigureStore):
// one item per exchange and party under the party's partition, sorted by period, so an authority's figures for a
// month are one Query over its own exchanges' contributions, never a read of any chain.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Contribution } from '../../shared/domain/clocks/figures.ts';
import { StorageError } from '../../shared/domain/errors.ts';
import type { FigureStore } from '../ports/clock-store.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { figureKeys } from './main-table-keys.ts';

/** Build the figure store over the document client and the main table's name. */
export function createDynamoFigureStore(doc: DynamoDBDocumentClient, tableName: string): FigureStore {
  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw translateDynamoError(error, what);
    }
  };
  return {
    async putContribution(owner, contribution) {
      await run('put figure contribution', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: figureKeys.pk(owner),
              sk: figureKeys.sk(contribution.period, contribution.exchangeId),
              contribution: JSON.stringify(contribution),
            },
          }),
        ),
      );
    },

    async listContributions(owner, period) {
      const found: Contribution[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await run('list figure contributions', () =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression:
                period === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :period)',
              ExpressionAttributeValues: {
                ':pk': figureKeys.pk(owner),
                ...(period === undefined ? {} : { ':period': `${period}#` }),
              },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          ),
        );
        for (const item of out.Items ?? []) {
          if (typeof item.contribution !== 'string') {
            throw new StorageError('Stored figure contribution is missing', undefined);
          }
          found.push(JSON.parse(item.contribution) as Contribution);
        }
        start = out.LastEvaluatedKey;
      } while (start);
      return found;
    },
  };
}
