// Secondary adapter: the custody ledger in DynamoDB (ledgerTable: `chain` S, `seq` N). Appends are conditional
// puts on the next seq; reads are consistent queries. Implements server/ports/ledger-store.ts.
//
// Item: `{ chain, seq, body, hash }` where `body` is the exact RFC 8785 string the hash covers (event.ts), kept as
// a string so that a read gives back the very bytes that were hashed, and `hash` is the event hash. Nothing else is
// stored, so there is nothing that could disagree with the hashed body.
//
// Writers of one exchange: within a process, appends to one chain run one at a time (a queue per chain), so they
// never race each other for the next seq. An append reads the head (one Query, Limit 1) and puts after it; only
// another process's append makes the put fail, and only then do writers back off (full jitter) and re-read the
// head, nothing else. While appends are queued back to back on a chain (a busy exchange), each one starts from the
// event the one before it has just written instead of reading it again, so writers that wait behind each other
// cost one put per event, not a query and a put: that is what lets 16 concurrent writers go at least as fast as
// one. The guess is checked by the put itself: if another process moved the chain meanwhile, the conditional put
// fails and the writer reads the real head. Once the queue is empty nothing is remembered: the next append reads
// the table, which is the truth, so a tail deleted out of band is refilled at its seq (a fork the checkpoint log
// exposes), never skipped over.
//
// Listing chain heads: the ledger table is append-only (no role may update an item), so it cannot hold a
// per-chain head pointer, and a Scan would read every event of every chain. The exchange records in the main
// table already list every exchange id; the checkpoint job reads them there and passes them to `heads`, which
// runs one consistent `Query (ScanIndexForward=false, Limit=1)` per chain with bounded concurrency.

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError, PouchError } from '../../shared/domain/errors.ts';
import type { ChainHead } from '../../shared/domain/ledger/checkpoint.ts';
import {
  canonicalEventBody,
  createEvent,
  formatEventLine,
  type LedgerEvent,
} from '../../shared/domain/ledger/event.ts';
import type { BuildEventFields, LedgerStore } from '../ports/ledger-store.ts';
import { translateDynamoError } from './dynamo-errors.ts';

export interface DynamoLedgerStoreOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Attempts before ERR_LEDGER_CONFLICT (default 40: enough for dozens of writers racing on one exchange). */
  readonly maxAttempts?: number;
  /** Backoff after a lost race: full jitter, `random() * min(maxDelayMs, baseDelayMs * 2^(attempt-1))`. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Concurrent queries in `heads` (default 16). */
  readonly headConcurrency?: number;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface LedgerItem {
  chain: string;
  seq: number;
  body: string;
  hash: string;
}

/**
 * Create the DynamoDB ledger store.
 *
 * @example
 * const ledger = createDynamoLedgerStore({ doc: clients.doc, tableName: config.tables.ledger });
 * const event = await ledger.append(exchangeId, (head) => ({ actor, action: 'message.sent', outcome: 'success' }));
 */
export function createDynamoLedgerStore(options: DynamoLedgerStoreOptions): LedgerStore {
  const { doc, tableName } = options;
  const maxAttempts = options.maxAttempts ?? 40;
  const baseDelayMs = options.baseDelayMs ?? 2;
  const maxDelayMs = options.maxDelayMs ?? 50;
  const headConcurrency = options.headConcurrency ?? 16;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const queue = createChainQueue();

  async function readHead(chain: string): Promise<LedgerEvent | undefined> {
    let out: QueryCommandOutput;
    try {
      out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#chain = :chain',
          ExpressionAttributeNames: { '#chain': 'chain' },
          ExpressionAttributeValues: { ':chain': chain },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
    } catch (error) {
      throw translateDynamoError(error, 'Ledger head read');
    }
    const item = out.Items?.[0] as LedgerItem | undefined;
    return item ? toEvent(item) : undefined;
  }

  async function readItem(chain: string, seq: number): Promise<LedgerItem | undefined> {
    try {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: { chain, seq }, ConsistentRead: true }),
      );
      return out.Item as LedgerItem | undefined;
    } catch (error) {
      throw translateDynamoError(error, 'Ledger item read');
    }
  }

  async function* readItems(chain: string, fromSeq = 0): AsyncGenerator<LedgerItem> {
    let startKey: Record<string, unknown> | undefined;
    do {
      let out: QueryCommandOutput;
      try {
        out = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#chain = :chain AND #seq >= :from',
            ExpressionAttributeNames: { '#chain': 'chain', '#seq': 'seq' },
            ExpressionAttributeValues: { ':chain': chain, ':from': fromSeq },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      } catch (error) {
        throw translateDynamoError(error, 'Ledger read');
      }
      for (const item of out.Items ?? []) yield item as LedgerItem;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  /** `written`: the event this process has just put on the chain, while writers were queued behind it. */
  async function appendNow(
    chain: string,
    build: BuildEventFields,
    written: LedgerEvent | undefined,
  ): Promise<LedgerEvent> {
    let known = written;
    for (let attempt = 1; ; attempt++) {
      const head = known ?? (await readHead(chain));
      known = undefined;
      const event = createEvent(head, build(head), { chain, now: now() });
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(event),
            ConditionExpression: 'attribute_not_exists(#seq)',
            ExpressionAttributeNames: { '#seq': 'seq' },
          }),
        );
        return event;
      } catch (error) {
        const translated = translateDynamoError(error, 'Ledger append');
        if (!(translated instanceof ConditionFailedError)) throw translated;
        // The SDK retried the put (a lost response): the item in the way may be our own first try.
        if (sdkAttempts(error) > 1 && (await readItem(chain, event.seq))?.hash === event.hash) return event;
        if (attempt >= maxAttempts) {
          throw new PouchError('ERR_LEDGER_CONFLICT', 'The ledger append lost the race too many times', {
            cause: error,
            details: { chain, attempts: attempt },
          });
        }
        await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  return {
    append: (chain: string, build: BuildEventFields): Promise<LedgerEvent> =>
      queue.run(chain, async (turn) => {
        const written = turn.memo;
        turn.memo = undefined;
        const event = await appendNow(chain, build, written);
        // Kept only for a writer already waiting; read back exactly as a Query would give it.
        if (turn.queuedBehind()) turn.memo = toEvent(toItem(event));
        return event;
      }),

    head: readHead,

    async at(chain: string, seq: number): Promise<LedgerEvent | undefined> {
      const item = await readItem(chain, seq);
      return item ? toEvent(item) : undefined;
    },

    async read(chain: string, fromSeq?: number): Promise<LedgerEvent[]> {
      const events: LedgerEvent[] = [];
      for await (const item of readItems(chain, fromSeq)) events.push(toEvent(item));
      return events;
    },

    async *readLines(chain: string, fromSeq?: number): AsyncGenerator<string> {
      for await (const item of readItems(chain, fromSeq)) yield formatEventLine(item.body, item.hash);
    },

    async heads(chains: Iterable<string>): Promise<ChainHead[]> {
      const ids = [...new Set(chains)];
      const found: ChainHead[] = [];
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const id = ids[next++] as string;
          const head = await readHead(id);
          if (head) found.push({ chain: head.chain, seq: head.seq, hash: head.hash });
        }
      };
      await Promise.all(Array.from({ length: Math.min(headConcurrency, ids.length) }, worker));
      return found;
    },
  };
}

/**
 * One task at a time per chain, in arrival order; a failed task does not stop the ones queued behind it. A task may
 * leave a `memo` for the next task of the same chain; it is dropped as soon as the chain has no task queued.
 */
function createChainQueue() {
  interface Line {
    tail: Promise<void>;
    queued: number;
    memo: LedgerEvent | undefined;
  }
  interface Turn {
    memo: LedgerEvent | undefined;
    /** Whether another task of this chain is already waiting behind this one. */
    queuedBehind(): boolean;
  }
  const lines = new Map<string, Line>();
  return {
    run<T>(chain: string, task: (turn: Turn) => Promise<T>): Promise<T> {
      let line = lines.get(chain);
      if (!line) {
        line = { tail: Promise.resolve(), queued: 0, memo: undefined };
        lines.set(chain, line);
      }
      const current = line;
      current.queued++;
      const turn: Turn = {
        get memo() {
          return current.memo;
        },
        set memo(value) {
          current.memo = value;
        },
        queuedBehind: () => current.queued > 1,
      };
      const result = current.tail.then(() => task(turn));
      current.tail = result.then(
        () => undefined,
        () => undefined,
      );
      const settle = () => {
        current.queued--;
        if (current.queued === 0) {
          current.memo = undefined;
          if (lines.get(chain) === current) lines.delete(chain);
        }
      };
      // Settled before the caller hears back, so a caller that appends again after awaiting finds an idle chain.
      return result.then(
        (value) => {
          settle();
          return value;
        },
        (error: unknown) => {
          settle();
          throw error;
        },
      );
    },
  };
}

function toItem(event: LedgerEvent): LedgerItem {
  return { chain: event.chain, seq: event.seq, body: canonicalEventBody(event), hash: event.hash };
}

/** Decode a stored item. A body that is not JSON is reported as a broken ledger naming the item. */
function toEvent(item: LedgerItem): LedgerEvent {
  let body: unknown;
  try {
    body = JSON.parse(item.body);
  } catch (error) {
    throw new PouchError('ERR_LEDGER_BROKEN', 'A stored ledger event is not JSON', {
      cause: error,
      details: { chain: item.chain, seq: item.seq },
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof item.hash !== 'string') {
    throw new PouchError('ERR_LEDGER_BROKEN', 'A stored ledger event is malformed', {
      details: { chain: item.chain, seq: item.seq },
    });
  }
  return { ...(body as LedgerEvent), hash: item.hash };
}

function sdkAttempts(error: unknown): number {
  return (error as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts ?? 1;
}
