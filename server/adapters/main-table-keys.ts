// Secondary adapters' shared rule: the main table's key layout (single-table design). Every pk/sk/gsi1 value an
// adapter writes or queries is built here, so two adapters cannot disagree on a prefix and the checkpoint store
// reads other records through these functions instead of re-encoding their layouts.
//
// Item layout (pk / sk; gsi1pk / gsi1sk where the item is indexed):
//   exchange label      EXCH#<id> / PARTY#<authorityId>       PARTY#<authorityId> / <createdAt>#<id>
//   document            EXCH#<id> / DOC#<documentId>
//   message             EXCH#<id> / MSG#<seq:10>
//   message intent      EXCH#<id> / INTENT#<messageId>
//   receipt             EXCH#<id> / RCPT#<seq:10>
//   keyed effect        EXCH#<id> / EFFECT#<eventId>           (where the effect's ledger event is: dynamo-effect-index.ts)
//   authority           AUTHORITY#<id> / DIR#AUTHORITY         DIRECTORY / AUTHORITY#<id>#
//   member              AUTHORITY#<id> / DIR#MEMBER#<memberId> DIRECTORY / AUTHORITY#<id>#MEMBER#<memberId>
//   directory audit     AUTHORITY#<id> / AUDIT#<at>#<auditId>  (never indexed: not public)
//   directory log entry DIRLOG / SEQ#<seq:12>                  (one chain of every directory change)
//   directory log intent DIRLOG / INTENT#<entryId>             (a change not yet logged: dynamo-directory-log.ts)
//   idempotency record  IDEM#<scope>#<key> / IDEM
//   checkpoint leaf     CKPT / LEAF#<index:12>
//   signed checkpoint   CKPT / HEAD#<size:12>
//   rate-limit counter  RATE#<key> / WIN#<windowStart:12>      (expiresAt: TTL, after the window ends)
//   clock track         EXCH#<id> / TRACK                      DUE / <nextStageAt>#<id>  (indexed only while a
//                                                              clock stage is open: the sweep reads what is due)
//   due view            EXCH#<id> / DUEVIEW#<authorityId>      DUES#<authorityId> / <rank>#<earliestDue>#<id>
//   lineage link        EXCH#<id> / LINK#UP#<earlierId>, LINK#DOWN#<laterId>
//   figure contribution FIG#<authorityId> / <period>#<exchangeId>
//   subscription        SUBS#<authorityId> / SUB#<subscriptionId>
//   notification        NOTE#<notificationId> / NOTE            OUTBOX / <nextAttemptAt>#<id> (while undelivered)
//   delivery attempt    NOTE#<notificationId> / TRY#<attempt:4>
// The index name and key attribute names come from server/config/storage-definitions.ts, which CDK also reads.
import { mainTable, mainTableIndex } from '../config/storage-definitions.ts';

/** Name of the main table's GSI (exchanges per party, public directory). */
export const mainIndexName = mainTableIndex.indexName;

const keyNames = {
  pk: mainTable.partitionKey.name,
  sk: mainTable.sortKey.name,
  indexPk: mainTableIndex.partitionKey.name,
  indexSk: mainTableIndex.sortKey.name,
} as const;

/** Every key attribute an item of the main table may carry. */
export const mainKeyAttributes: readonly string[] = Object.values(keyNames);

/**
 * The record an item holds: the item without its key attributes (and without `extra`, such as a type tag).
 * The caller names the record type it stored under these keys.
 */
export function withoutKeys<T>(item: Readonly<Record<string, unknown>>, extra: readonly string[] = []): T {
  const out: Record<string, unknown> = { ...item };
  for (const name of [...mainKeyAttributes, ...extra]) delete out[name];
  return out as T;
}

/** Zero-padded numbers, so that sort keys order the way the numbers do. */
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Highest sort key with a given prefix: `~` sorts after every character used in ids and numbers. */
const upperBound = (prefix: string): string => `${prefix}~`;

const EXCHANGE = 'EXCH#';
const PARTY = 'PARTY#';
const DOCUMENT = 'DOC#';
const MESSAGE = 'MSG#';
const INTENT = 'INTENT#';
const RECEIPT = 'RCPT#';
const EFFECT = 'EFFECT#';

/** Keys of an exchange's items: its label (once per party), documents, messages, intents and receipts. */
export const exchangeKeys = {
  pk: (exchangeId: string): string => `${EXCHANGE}${exchangeId}`,
  /** The exchange id of an item's pk, or undefined when the item is not an exchange's. */
  idOf: (pk: unknown): string | undefined =>
    typeof pk === 'string' && pk.startsWith(EXCHANGE) ? pk.slice(EXCHANGE.length) : undefined,
  partySk: (authorityId: string): string => `${PARTY}${authorityId}`,
  partyPrefix: PARTY,
  documentSk: (documentId: string): string => `${DOCUMENT}${documentId}`,
  messageSk: (seq: number): string => `${MESSAGE}${pad(seq, 10)}`,
  messagePrefix: MESSAGE,
  intentSk: (messageId: string): string => `${INTENT}${messageId}`,
  intentPrefix: INTENT,
  receiptSk: (seq: number): string => `${RECEIPT}${pad(seq, 10)}`,
  receiptPrefix: RECEIPT,
  /** A keyed effect's claim and the seq its event landed at (the ledger itself cannot be searched by id). */
  effectSk: (eventId: string): string => `${EFFECT}${eventId}`,
  /** gsi1 keys of a label item: each party lists its exchanges newest first without a scan. */
  partyIndexPk: (authorityId: string): string => `${PARTY}${authorityId}`,
  partyIndexSk: (createdAt: string, exchangeId: string): string => `${createdAt}#${exchangeId}`,
} as const;

const AUTHORITY = 'AUTHORITY#';
const DIRECTORY_ITEM = 'DIR#';
const AUDIT = 'AUDIT#';

/** Keys of the directory: authorities, their members and their audit records. */
export const directoryKeys = {
  pk: (authorityId: string): string => `${AUTHORITY}${authorityId}`,
  /** The authority id of an item's pk, or undefined when the item is not an authority's. */
  idOf: (pk: unknown): string | undefined =>
    typeof pk === 'string' && pk.startsWith(AUTHORITY) ? pk.slice(AUTHORITY.length) : undefined,
  authoritySk: `${DIRECTORY_ITEM}AUTHORITY`,
  memberSk: (memberId: string): string => `${DIRECTORY_ITEM}MEMBER#${memberId}`,
  /** Prefix of the authority item and its members (not its audit records). */
  entryPrefix: DIRECTORY_ITEM,
  auditSk: (at: string, auditId: string): string => `${AUDIT}${at}#${auditId}`,
  auditPrefix: AUDIT,
  /** gsi1 partition that holds the whole public directory. */
  indexPk: 'DIRECTORY',
  authorityIndexSk: (authorityId: string): string => `${AUTHORITY}${authorityId}#`,
  memberIndexSk: (authorityId: string, memberId: string): string =>
    `${AUTHORITY}${authorityId}#MEMBER#${memberId}`,
} as const;

const DIRECTORY_LOG_ENTRY = 'SEQ#';
const DIRECTORY_LOG_INTENT = 'INTENT#';

/** Keys of the directory log: one partition, one item per entry, written once at the next seq (conditional put). */
export const directoryLogKeys = {
  pk: 'DIRLOG',
  entrySk: (seq: number): string => `${DIRECTORY_LOG_ENTRY}${pad(seq, 12)}`,
  entryPrefix: DIRECTORY_LOG_ENTRY,
  intentSk: (entryId: string): string => `${DIRECTORY_LOG_INTENT}${entryId}`,
  intentPrefix: DIRECTORY_LOG_INTENT,
} as const;

/** Key of an idempotency record: one item per scope and Idempotency-Key. */
export const idempotencyKey = (scope: string, key: string): { pk: string; sk: string } => ({
  pk: `IDEM#${scope}#${key}`,
  sk: 'IDEM',
});

const LEAF = 'LEAF#';
const HEAD = 'HEAD#';

/** Keys of the checkpoint log: one partition of leaves and signed heads. */
export const checkpointKeys = {
  pk: 'CKPT',
  leafSk: (index: number): string => `${LEAF}${pad(index, 12)}`,
  lastLeafSk: upperBound(LEAF),
  headSk: (size: number): string => `${HEAD}${pad(size, 12)}`,
  headPrefix: HEAD,
} as const;

/** Key of a fixed-window counter (server/ports/rate-limits.ts): one item per counted key and window. */
export const rateLimitKey = (key: string, windowStart: number): { pk: string; sk: string } => ({
  pk: `RATE#${key}`,
  sk: `WIN#${pad(windowStart, 12)}`,
});

const TRACK = 'TRACK';
const DUE = 'DUE';
const DUE_VIEW = 'DUEVIEW#';
const DUES = 'DUES#';
const LINK = 'LINK#';

/**
 * Keys of the clocks (server/adapters/dynamo-clock-store.ts): one track per exchange, indexed by the time its next
 * clock stage opens (so a sweep reads only what is due, never every exchange), and one due view per party, indexed
 * so that a party's list comes back emergencies first and then by due time.
 */
export const clockKeys = {
  trackSk: TRACK,
  sweepIndexPk: DUE,
  sweepIndexSk: (nextStageAt: string, exchangeId: string): string => `${nextStageAt}#${exchangeId}`,
  /** Every sweep key at or before `now` sorts at or below this. */
  sweepUpTo: (now: string): string => `${now}#~`,
  dueViewSk: (authorityId: string): string => `${DUE_VIEW}${authorityId}`,
  dueViewIndexPk: (authorityId: string): string => `${DUES}${authorityId}`,
  dueViewIndexSk: (rank: number, earliestDue: string, exchangeId: string): string =>
    `${rank}#${earliestDue}#${exchangeId}`,
  linkUpSk: (earlierId: string): string => `${LINK}UP#${earlierId}`,
  linkDownSk: (laterId: string): string => `${LINK}DOWN#${laterId}`,
  linkPrefix: LINK,
  /** The direction and other exchange of a link item's sk. */
  parseLinkSk: (sk: unknown): { up: boolean; exchangeId: string } | undefined => {
    if (typeof sk !== 'string' || !sk.startsWith(LINK)) return undefined;
    const rest = sk.slice(LINK.length);
    if (rest.startsWith('UP#')) return { up: true, exchangeId: rest.slice(3) };
    if (rest.startsWith('DOWN#')) return { up: false, exchangeId: rest.slice(5) };
    return undefined;
  },
} as const;

/** Keys of the delay figures: one contribution per exchange and party, grouped by period (YYYY-MM). */
export const figureKeys = {
  pk: (authorityId: string): string => `FIG#${authorityId}`,
  sk: (period: string, exchangeId: string): string => `${period}#${exchangeId}`,
} as const;

/** Keys of notifications: subscriptions per authority, and an outbox indexed by the next attempt's time. */
export const notificationKeys = {
  subscriptionPk: (authorityId: string): string => `SUBS#${authorityId}`,
  subscriptionSk: (subscriptionId: string): string => `SUB#${subscriptionId}`,
  subscriptionPrefix: 'SUB#',
  notePk: (notificationId: string): string => `NOTE#${notificationId}`,
  noteSk: 'NOTE',
  attemptSk: (attempt: number): string => `TRY#${pad(attempt, 4)}`,
  attemptPrefix: 'TRY#',
  outboxIndexPk: 'OUTBOX',
  outboxIndexSk: (nextAttemptAt: string, notificationId: string): string =>
    `${nextAttemptAt}#${notificationId}`,
  outboxUpTo: (now: string): string => `${now}#~`,
} as const;
