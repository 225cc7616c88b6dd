// Secondary adapter: the directory log (shared/directory/directory-log.ts) in the main table, one item per entry
// under DIRLOG / SEQ#<seq> (main-table-keys.ts). Appends are conditional puts on the next seq, like the ledger's:
// two writers never share a position and the chain never forks in storage. The directory repository appends
// after each change; the checkpoint service reads the head and the lines after the head it logged.
//
// Item: `{ pk, sk, seq, body, hash }`, `body` the exact RFC 8785 string the hash covers (as in the ledger table),
// so a read gives back the very bytes that were hashed.
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { DIRECTORY_CHAIN } from '../../shared/directory/directory-log.ts';
import { ConditionFailedError, PouchError } from '../../shared/domain/errors.ts';
import type { ChainHead } from '../../shared/domain/ledger/checkpoint.ts';
import {
  canonicalEventBody,
  createEvent,
  decodeEventLine,
  formatEventLine,
  type LedgerEvent,
  type LedgerEventFields,
} from '../../shared/domain/ledger/event.ts';
import type { DirectoryLog } from '../ports/directory-repository.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { directoryLogKeys } from './main-table-keys.ts';

interface LogItem {
  readonly seq: number;
  readonly body: string;
  readonly hash: string;
}

/** The directory log over the main table: `append` for the repository, the DirectoryLog port for readers. */
export function createDynamoDirectoryLog(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: { readonly maxAttempts?: number; readonly now?: () => Date } = {},
) {
  const maxAttempts = options.maxAttempts ?? 40;
  const now = options.now ?? (() => new Date());

  async function query(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>) {
    try {
      return (await doc.send(
        new QueryCommand({ TableName: tableName, ConsistentRead: true, ...input }),
      )) as QueryCommandOutput;
    } catch (error) {
      throw translateDynamoError(error, 'Directory log read');
    }
  }

  async function readHead(): Promise<LedgerEvent | undefined> {
    const out = await query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': directoryLogKeys.pk, ':p': directoryLogKeys.entryPrefix },
      ScanIndexForward: false,
      Limit: 1,
    });
    const item = out.Items?.[0] as LogItem | undefined;
    return item ? decodeEventLine(formatEventLine(item.body, item.hash)) : undefined;
  }

  const log: DirectoryLog & {
    /** Append one entry at the next seq; a lost race is retried from the new head. */
    append(fields: LedgerEventFields & { readonly id: string }): Promise<LedgerEvent>;
  } = {
    async append(fields) {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const head = await readHead();
        // A lost answer of our own earlier attempt: the entry is already the head.
        if (head?.id === fields.id) return head;
        const event = createEvent(head, fields, { chain: DIRECTORY_CHAIN, now: now() });
        try {
          await doc.send(
            new PutCommand({
              TableName: tableName,
              Item: {
                pk: directoryLogKeys.pk,
                sk: directoryLogKeys.entrySk(event.seq),
                type: 'directory-log',
                seq: event.seq,
                body: canonicalEventBody(event),
                hash: event.hash,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          return event;
        } catch (error) {
          const translated = translateDynamoError(error, 'Directory log append');
          if (!(translated instanceof ConditionFailedError)) throw translated;
        }
      }
      throw new PouchError(
        'ERR_LEDGER_CONFLICT',
        'Other directory writers kept taking the next log position',
      );
    },

    async head(): Promise<ChainHead | undefined> {
      const head = await readHead();
      return head ? { chain: head.chain, seq: head.seq, hash: head.hash } : undefined;
    },

    async *readLines(fromSeq = 0, limit = Number.POSITIVE_INFINITY): AsyncGenerator<string> {
      let start: Record<string, unknown> | undefined;
      let count = 0;
      do {
        const out = await query({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': directoryLogKeys.pk,
            ':from': directoryLogKeys.entrySk(fromSeq),
            ':to': `${directoryLogKeys.entryPrefix}~`,
          },
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        for (const item of (out.Items ?? []) as LogItem[]) {
          if (count++ >= limit) return;
          yield formatEventLine(item.body, item.hash);
        }
        start = out.LastEvaluatedKey;
      } while (start);
    },
  };
  return log;
}

export type DynamoDirectoryLog = ReturnType<typeof createDynamoDirectoryLog>;
