// Storage definitions, once: table keys, GSIs and bucket rules. CDK (infra/) and the local bootstrap
// (server/local/bootstrap.ts) both build their resources from these, so the two can never drift.

/** Attribute types as DynamoDB names them. */
export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Logical id, used for CDK construct ids and environment variable names. */
  readonly id: string;
  /** Physical name locally; on AWS CloudFormation names the table and passes it in the environment. */
  readonly localName: string;
  /** Environment variable that carries the physical table name to the functions. */
  readonly envVar: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes: readonly IndexDefinition[];
  /** The ledger is append-only: no role may update or delete its items. */
  readonly appendOnly: boolean;
  /** Epoch-second attribute after which DynamoDB may delete an item (TTL on AWS; dynalite has none). */
  readonly timeToLiveAttribute?: string;
  readonly purpose: string;
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };

/**
 * The main table's one GSI: exchanges per party and the public directory. Its name and key attributes are read
 * here by CDK (index ARNs in the grants) and by server/adapters/main-table-keys.ts (every query), never retyped.
 */
export const mainTableIndex = {
  indexName: 'gsi1',
  partitionKey: { name: 'gsi1pk', type: 'S' },
  sortKey: { name: 'gsi1sk', type: 'S' },
} as const satisfies IndexDefinition;

/**
 * Main table (single-table design): directory of authorities and members, exchanges and their labels,
 * messages, idempotency records. GSI1 lists exchanges per authority (inbox/outbox/auditor views).
 */
export const mainTable = {
  id: 'Main',
  localName: 'pouch-main',
  envVar: 'POUCH_MAIN_TABLE',
  partitionKey: pk,
  sortKey: sk,
  globalIndexes: [mainTableIndex],
  appendOnly: false,
  // Only the rate-limit counters carry it: DynamoDB deletes a counter once its window is over.
  timeToLiveAttribute: 'expiresAt',
  purpose: 'directory, exchanges, messages, idempotency, rate-limit counters',
} as const satisfies TableDefinition;

/** The custody ledger: one hash chain per exchange, keyed by exchange id and zero-padded sequence number. */
export const ledgerTable = {
  id: 'Ledger',
  localName: 'pouch-ledger',
  envVar: 'POUCH_LEDGER_TABLE',
  partitionKey: { name: 'chain', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  globalIndexes: [],
  appendOnly: true,
  purpose: 'append-only hash-chained custody events',
} as const satisfies TableDefinition;

/** Single-use assertion ids (`jti`) and other replay guards, written by conditional put. */
export const replayTable = {
  id: 'Replay',
  localName: 'pouch-replay',
  envVar: 'POUCH_REPLAY_TABLE',
  partitionKey: { name: 'id', type: 'S' },
  globalIndexes: [],
  appendOnly: false,
  timeToLiveAttribute: 'expiresAt',
  purpose: 'single-use jti replay store',
} as const satisfies TableDefinition;

export const tables: readonly TableDefinition[] = [mainTable, ledgerTable, replayTable];

export interface BucketDefinition {
  readonly id: string;
  readonly localName: string;
  readonly envVar: string;
  /** Object Lock in COMPLIANCE mode (AWS only: s3rver has none, so the CDK template assertions check it). */
  readonly objectLock: boolean;
  readonly versioned: boolean;
  /** Days after which incomplete multipart uploads are aborted. */
  readonly abortIncompleteMultipartDays: number;
  readonly purpose: string;
}

/** Sealed documents and evidence packages, plus published checkpoints. */
export const evidenceBucket = {
  id: 'Evidence',
  localName: 'pouch-evidence',
  envVar: 'POUCH_EVIDENCE_BUCKET',
  objectLock: true,
  versioned: true,
  abortIncompleteMultipartDays: 7,
  purpose: 'sealed documents (age) and signed checkpoints',
} as const satisfies BucketDefinition;

export const buckets: readonly BucketDefinition[] = [evidenceBucket];

/**
 * Top-level prefixes of the evidence bucket. The IAM grants (infra/) confine each function to its prefix: the
 * API to `exchanges/` (documents and bundle exports), the checkpoint function to `checkpoints/`.
 */
export const objectPrefixes = {
  exchanges: 'exchanges/',
  checkpoints: 'checkpoints/',
} as const;

/** Object keys inside the evidence bucket. Storage keys are built only from server-generated ids. */
export const objectKeys = {
  document: (exchangeId: string, documentId: string): string =>
    `${objectPrefixes.exchanges}${exchangeId}/documents/${documentId}.age`,
  checkpoint: (size: number): string => `${objectPrefixes.checkpoints}${String(size).padStart(12, '0')}.jws`,
  /**
   * A custody bundle too large to answer inline, at its SHA-256 (hex): kept under the bucket's retention like the
   * evidence, and stored once however often the same bundle is exported.
   */
  bundleExport: (exchangeId: string, sha256: string): string =>
    `${objectPrefixes.exchanges}${exchangeId}/exports/${sha256}.jsonl`,
} as const;

/**
 * Lifetimes that the API, the configuration, the CDK settings and the template tests all rely on. Use cases
 * that cap a lifetime take it from here (server/use-cases must not retype 300).
 */
export const presignLimits = {
  /** Presigned GET and PUT URLs live at most this long, in seconds. */
  maxPresignSeconds: 300,
} as const;
