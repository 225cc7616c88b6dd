// Secondary adapter: the directory log (shared/directory/directory-log.ts) in the main table, one item per entry
// under DIRLOG / SEQ#<seq> (main-table-keys.ts). Appends are conditional puts on the next seq, like the ledger's:
// two writers never share a position and the chain never forks in storage. The directory repository logs each
// change; the checkpoint service reads the head and the lines after the head it logged.
//
// Item: `{ pk, sk, seq, body, hash }`, `body` the exact RFC 8785 string the hash covers (as in the ledger table),
// so a read gives back the very bytes that were hashed.
//
// No change served without its entry, even across a crash (issue 12): a change and its entry are two writes and
// there are no transactions, so the repository first writes an intent (DIRLOG / INTENT#<entryId>: the entry to
// append, the items the change writes, its audit id, and the log head before it), then the change, then the
// entry, then deletes the intent. `repair` finishes what a dead writer left: an intent whose change stands (an
// item carries its audit id) is appended, in the order the intents were written; one whose change never stood is
// dropped once it is older than any writer can live. It runs before every directory write and before the head
// is read (the checkpoint service, `GET /v1/directory/log`), so an unlogged change is logged before the next
// change and before any head is checkpointed. Appending is idempotent by entry id: the entries after the intent's
// head are searched first, so a repair racing the writer (or another repair) never logs a change twice.
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
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

/** An entry to append, with the id that makes appending it idempotent. */
export type DirectoryLogFields = LedgerEventFields & { readonly id: string };

/** A change about to be made, and the entry that logs it (written before the change). */
export interface DirectoryLogIntent {
  readonly fields: DirectoryLogFields;
  /** The audit id the change stamps on every item it writes: how a repair tells whether it stands. */
  readonly auditId: string;
  /** The main-table keys of the items the change writes. */
  readonly items: ReadonlyArray<{ readonly pk: string; readonly sk: string }>;
  /** Seq of the log head when the intent was written (-1 for an empty log): the entry, if appended, is after it. */
  readonly afterSeq: number;
  /** When the intent was written (ISO time). */
  readonly at: string;
}

/** How long an intent whose change never stood is kept: longer than any writer (a Lambda lives 15 minutes). */
const ABANDONED_AFTER_MS = 20 * 60 * 1000;

/** The directory log over the main table: `append` for the repository, the DirectoryLog port for readers. */
export function createDynamoDirectoryLog(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: {
    readonly maxAttempts?: number;
    readonly now?: () => Date;
    readonly abandonedAfterMs?: number;
  } = {},
) {
  const maxAttempts = options.maxAttempts ?? 40;
  const now = options.now ?? (() => new Date());
  const abandonedAfterMs = options.abandonedAfterMs ?? ABANDONED_AFTER_MS;

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

  /** The entry with this id among those after `afterSeq`, if it was appended. */
  async function findAfter(id: string, afterSeq: number): Promise<LedgerEvent | undefined> {
    for await (const line of readLines(afterSeq + 1)) {
      const event = decodeEventLine(line);
      if (event.id === id) return event;
    }
    return undefined;
  }

  /** Append `fields` at the next seq unless an entry with its id is already after `afterSeq`. */
  async function appendOnce(fields: DirectoryLogFields, afterSeq: number): Promise<LedgerEvent> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const head = await readHead();
      if (head?.id === fields.id) return head;
      if (head && head.seq > afterSeq) {
        const logged = await findAfter(fields.id, afterSeq);
        if (logged) return logged;
      }
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
    throw new PouchError('ERR_LEDGER_CONFLICT', 'Other directory writers kept taking the next log position');
  }

  async function send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translateDynamoError(error, what);
    }
  }

  const dropIntent = (intent: DirectoryLogIntent) =>
    send('Directory log intent delete', () =>
      doc.send(
        new DeleteCommand({
          TableName: tableName,
          Key: { pk: directoryLogKeys.pk, sk: directoryLogKeys.intentSk(intent.fields.id) },
        }),
      ),
    );

  /** Whether an item the intended change writes carries its audit id (the change stands). */
  async function stands(intent: DirectoryLogIntent): Promise<boolean> {
    for (const key of intent.items) {
      const out = await send('Directory log intent check', () =>
        doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })),
      );
      if (out.Item?.auditId === intent.auditId) return true;
    }
    return false;
  }

  async function* readLines(fromSeq = 0, limit = Number.POSITIVE_INFINITY): AsyncGenerator<string> {
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
  }

  /** Log every change a dead writer left standing but unlogged; drop intents whose change never stood. */
  async function repair(): Promise<number> {
    const intents: DirectoryLogIntent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await query({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': directoryLogKeys.pk, ':p': directoryLogKeys.intentPrefix },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      for (const item of out.Items ?? []) intents.push(item.intent as DirectoryLogIntent);
      start = out.LastEvaluatedKey;
    } while (start);
    // In the order the changes were begun, so the log keeps the order in which they took effect.
    intents.sort((x, y) => x.at.localeCompare(y.at) || x.afterSeq - y.afterSeq);
    let logged = 0;
    for (const intent of intents) {
      if (await stands(intent)) {
        await appendOnce(intent.fields, intent.afterSeq);
        await dropIntent(intent);
        logged++;
      } else if (now().getTime() - Date.parse(intent.at) > abandonedAfterMs) {
        await dropIntent(intent);
      }
    }
    return logged;
  }

  const log = {
    /**
     * Before a change: write its intent (the entry to append once it stands), after logging whatever an earlier
     * writer left unlogged, so entries keep the order of the changes.
     */
    async begin(
      fields: DirectoryLogFields,
      change: { readonly auditId: string; readonly items: DirectoryLogIntent['items'] },
    ): Promise<DirectoryLogIntent> {
      await repair();
      const intent: DirectoryLogIntent = {
        fields,
        auditId: change.auditId,
        items: change.items,
        afterSeq: (await readHead())?.seq ?? -1,
        at: now().toISOString(),
      };
      await send('Directory log intent', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: directoryLogKeys.pk,
              sk: directoryLogKeys.intentSk(fields.id),
              type: 'directory-log-intent',
              intent,
            },
          }),
        ),
      );
      return intent;
    },

    /** After the change stood: append its entry (once) and drop the intent. */
    async complete(intent: DirectoryLogIntent): Promise<LedgerEvent> {
      const event = await appendOnce(intent.fields, intent.afterSeq);
      await dropIntent(intent);
      return event;
    },

    /** After the change failed: it never stood, so there is nothing to log. */
    async abandon(intent: DirectoryLogIntent): Promise<void> {
      await dropIntent(intent);
    },

    repair,

    async head(): Promise<ChainHead | undefined> {
      await repair();
      const head = await readHead();
      return head ? { chain: head.chain, seq: head.seq, hash: head.hash } : undefined;
    },

    readLines,
  };
  return log satisfies DirectoryLog;
}

export type DynamoDirectoryLog = ReturnType<typeof createDynamoDirectoryLog>;
