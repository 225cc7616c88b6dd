// Secondary adapter: the directory of authorities and its audit log in the main table (single-table design).
//
// Item layout (main-table-keys.ts): the authority, its members and its audit records share the authority's
// partition; authorities and members are also indexed under one gsi1 partition, so the public directory is one
// query. Audit records are never indexed (never public). Operator members live under the reserved authority id
// `operator` without index keys, so the public listing never shows them.
// Members carry their keys (public JWK, status, createdAt, revokedAt) inline: the per-request key check of an
// access token is a single GetItem on the member item.
//
// Audit first: each change (1) puts its audit record `pending` with attribute_not_exists, (2) writes the
// changed item(s) stamped with `auditId`, conditional on `version`, (3) settles the record to `succeeded` or
// `failed`. No change is ever visible without its audit record (step 1 must succeed before step 2 runs). If the
// process dies between 2 and 3 the record stays `pending`; the item's `auditId` then tells whether it applied.
// There are no transactions (dynalite has none), hence this ordering instead of TransactWriteItems.
//
// Directory log: before the change, its log entry (the state it leaves: the authority's statement digests, key
// fingerprint and status; the member's status, role and keys-statement digest) is written as an intent; once the
// change stands, and before the audit record is settled, the entry is appended to the directory log
// (dynamo-directory-log.ts), whose head the checkpoint service logs. If the process dies in between, the next
// directory write or head read finds the intent, sees the change stands (its item carries the audit id) and
// appends the entry, so a change is never served unlogged for longer than until the next write or checkpoint.
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  authorityLogState,
  directoryLogDetails,
  memberLogState,
} from '../../shared/directory/directory-log.ts';
import { PouchError, StorageError } from '../../shared/domain/errors.ts';
import type { AuditRecord, Authority, AuthorityEntry, Member } from '../../shared/domain/identity/types.ts';
import { OPERATOR_ID } from '../../shared/domain/identity/types.ts';
import type { LedgerEventFields } from '../../shared/domain/ledger/event.ts';
import type { AuditPage, DirectoryRepository } from '../ports/directory-repository.ts';
import { createDynamoDirectoryLog } from './dynamo-directory-log.ts';
import { translateDynamoError } from './dynamo-errors.ts';
import { directoryKeys, mainIndexName, withoutKeys } from './main-table-keys.ts';

const authorityPk = directoryKeys.pk;
const AUTHORITY_SK = directoryKeys.authoritySk;
const memberSk = directoryKeys.memberSk;
const auditSk = (record: AuditRecord) => directoryKeys.auditSk(record.at, record.id);

/** A directory record from its item: without the keys and the item type tag. */
const strip = <T>(item: Record<string, unknown>): T => withoutKeys<T>(item, ['type']);
/** Items written before authorities and members had a status are active. */
const toAuthority = (item: Record<string, unknown>): Authority => ({
  status: 'active',
  ...strip<Omit<Authority, 'status'> & Partial<Pick<Authority, 'status'>>>(item),
});
const toMember = (item: Record<string, unknown>): Member => ({
  status: 'active',
  ...strip<Omit<Member, 'status'> & Partial<Pick<Member, 'status'>>>(item),
});

/** Build the DynamoDB directory repository on the shared document client. */
export function createDynamoDirectoryRepository(
  doc: DynamoDBDocumentClient,
  tableName: string,
): DirectoryRepository {
  async function send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translateDynamoError(error, what);
    }
  }

  async function putAudit(record: AuditRecord): Promise<void> {
    await send('put audit record', () =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: authorityPk(record.authorityId), sk: auditSk(record), type: 'audit', ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /** Settle an audit record. Best effort: the change already stands, and the item's auditId links the two. */
  async function settleAudit(
    record: AuditRecord,
    outcome: 'succeeded' | 'failed',
    reason?: string,
  ): Promise<void> {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: authorityPk(record.authorityId), sk: auditSk(record) },
          UpdateExpression: reason ? 'SET outcome = :o, reason = :r' : 'SET outcome = :o',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':o': outcome, ...(reason ? { ':r': reason } : {}) },
        }),
      );
    } catch {
      // Left `pending`; see the file comment for how a reader resolves it.
    }
  }

  const log = createDynamoDirectoryLog(doc, tableName);

  async function audited(
    record: AuditRecord,
    change: () => Promise<void>,
    left: { readonly authority?: Authority; readonly members?: readonly Member[] },
  ): Promise<void> {
    await putAudit(record);
    const items = [
      ...(left.authority ? [{ pk: authorityPk(left.authority.id), sk: AUTHORITY_SK }] : []),
      ...(left.members ?? []).map((m) => ({ pk: authorityPk(m.authorityId), sk: memberSk(m.id) })),
    ];
    const intent = await log.begin(logEntryOf(record, left), { auditId: record.id, items });
    try {
      await change();
    } catch (error) {
      const code = error instanceof PouchError ? error.code : 'ERR_INTERNAL';
      await settleAudit(record, 'failed', code);
      // Best effort: an intent whose change never stood is dropped by a later repair anyway.
      await log.abandon(intent).catch(() => undefined);
      throw error;
    }
    await log.complete(intent);
    await settleAudit(record, 'succeeded');
  }

  function authorityItem(a: Authority) {
    return {
      pk: authorityPk(a.id),
      sk: AUTHORITY_SK,
      gsi1pk: directoryKeys.indexPk,
      gsi1sk: directoryKeys.authorityIndexSk(a.id),
      type: 'authority',
      ...a,
    };
  }

  function memberItem(m: Member) {
    const listed = m.authorityId !== OPERATOR_ID;
    return {
      pk: authorityPk(m.authorityId),
      sk: memberSk(m.id),
      ...(listed
        ? { gsi1pk: directoryKeys.indexPk, gsi1sk: directoryKeys.memberIndexSk(m.authorityId, m.id) }
        : {}),
      type: 'member',
      ...m,
    };
  }

  function versionCondition(version: number) {
    return version === 1
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          ConditionExpression: '#v = :expected',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':expected': version - 1 },
        };
  }

  async function queryAll(input: ConstructorParameters<typeof QueryCommand>[0], what: string) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await send(what, () =>
        doc.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  function groupEntries(items: Record<string, unknown>[]): AuthorityEntry[] {
    const authorities = new Map<string, Authority>();
    const members = new Map<string, Member[]>();
    for (const item of items) {
      if (item.type === 'authority') authorities.set(String(item.id), toAuthority(item));
      else if (item.type === 'member') {
        const m = toMember(item);
        members.set(m.authorityId, [...(members.get(m.authorityId) ?? []), m]);
      }
    }
    return [...authorities.values()].map((authority) => ({
      authority,
      members: (members.get(authority.id) ?? []).sort((x, y) => x.createdAt.localeCompare(y.createdAt)),
    }));
  }

  return {
    async getAuthority(authorityId) {
      const out = await send('get authority', () =>
        doc.send(
          new GetCommand({ TableName: tableName, Key: { pk: authorityPk(authorityId), sk: AUTHORITY_SK } }),
        ),
      );
      return out.Item ? toAuthority(out.Item) : undefined;
    },

    async getAuthorityEntry(authorityId) {
      const items = await queryAll(
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :dir)',
          ExpressionAttributeValues: { ':pk': authorityPk(authorityId), ':dir': directoryKeys.entryPrefix },
        },
        'query authority',
      );
      return groupEntries(items)[0];
    },

    async listAuthorityEntries() {
      const items = await queryAll(
        {
          TableName: tableName,
          IndexName: mainIndexName,
          KeyConditionExpression: 'gsi1pk = :d',
          ExpressionAttributeValues: { ':d': directoryKeys.indexPk },
        },
        'list directory',
      );
      return groupEntries(items);
    },

    async getMember(authorityId, memberId) {
      const out = await send('get member', () =>
        doc.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: authorityPk(authorityId), sk: memberSk(memberId) },
          }),
        ),
      );
      return out.Item ? toMember(out.Item) : undefined;
    },

    async getCaller(authorityId, memberId) {
      const pk = authorityPk(authorityId);
      const memberKey = { pk, sk: memberSk(memberId) };
      // The operator has no authority item: one GetItem, as getMember.
      if (authorityId === OPERATOR_ID) {
        const out = await send('get member', () =>
          doc.send(new GetCommand({ TableName: tableName, Key: memberKey })),
        );
        return out.Item ? { member: toMember(out.Item) } : {};
      }
      // One BatchGetItem for both items (the same partition): one round trip on every authenticated request
      // instead of two. Keys the service leaves unprocessed (throttling) are asked for again.
      let keys: Record<string, unknown>[] = [memberKey, { pk, sk: AUTHORITY_SK }];
      const found: Record<string, unknown>[] = [];
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * 2 ** attempt)));
        if (attempt >= 8) {
          throw new StorageError('get caller: keys left unprocessed', undefined, true);
        }
        const out = await send('get caller', () =>
          doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys } } })),
        );
        found.push(...(out.Responses?.[tableName] ?? []));
        keys = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
      const memberItem = found.find((item) => item.sk === memberKey.sk);
      const authorityItem = found.find((item) => item.sk === AUTHORITY_SK);
      return {
        ...(memberItem ? { member: toMember(memberItem) } : {}),
        ...(authorityItem ? { authority: toAuthority(authorityItem) } : {}),
      };
    },

    async createAuthority(authority, firstAdmin, audit) {
      const left = { authority, members: [firstAdmin] };
      await audited(
        audit,
        async () => {
          await send('create authority', () =>
            doc.send(
              new PutCommand({
                TableName: tableName,
                Item: authorityItem(authority),
                ...versionCondition(1),
              }),
            ),
          );
          await send('create first admin', () =>
            doc.send(
              new PutCommand({ TableName: tableName, Item: memberItem(firstAdmin), ...versionCondition(1) }),
            ),
          );
        },
        left,
      );
    },

    async updateAuthority(authority, audit) {
      await audited(
        audit,
        () =>
          send('update authority', async () => {
            await doc.send(
              new PutCommand({
                TableName: tableName,
                Item: authorityItem(authority),
                ...versionCondition(Math.max(2, authority.version)),
              }),
            );
          }),
        { authority },
      );
    },

    async putMember(member, audit) {
      await audited(
        audit,
        () =>
          send('put member', async () => {
            await doc.send(
              new PutCommand({
                TableName: tableName,
                Item: memberItem(member),
                ...versionCondition(member.version),
              }),
            );
          }),
        { members: [member] },
      );
    },

    async listAudit(authorityId, options = {}): Promise<AuditPage> {
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
      const pk = authorityPk(authorityId);
      const start = options.cursor ? decodeCursor(options.cursor, pk) : undefined;
      const out = await send('list audit', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
            ExpressionAttributeValues: { ':pk': pk, ':a': directoryKeys.auditPrefix },
            ScanIndexForward: false,
            Limit: limit,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      const records = (out.Items ?? []).map((item) => strip<AuditRecord>(item));
      const next = out.LastEvaluatedKey;
      return next
        ? { records, cursor: Buffer.from(JSON.stringify(next)).toString('base64url') }
        : { records };
    },
  };
}

/** The directory log entry of an audited change: who made it, and the state it left. */
function logEntryOf(
  record: AuditRecord,
  left: { readonly authority?: Authority; readonly members?: readonly Member[] },
): LedgerEventFields & { readonly id: string } {
  const actor =
    record.actor.kind === 'system'
      ? { authorityId: 'system', memberId: record.actor.clientId, role: 'system' }
      : { authorityId: record.actor.authorityId, memberId: record.actor.memberId, role: record.actor.role };
  const a = left.authority;
  return {
    id: `dirlog_${record.id}`,
    actor,
    action: `directory.${record.action}`,
    outcome: 'success',
    details: directoryLogDetails({
      auditId: record.id,
      authorityId: record.authorityId,
      ...(a
        ? {
            authority: authorityLogState({
              id: a.id,
              status: a.status,
              fingerprint: a.authorityKey?.fingerprint,
              rotations: a.authorityKey?.rotations.length,
              recipientsStatement: a.recipientsStatement,
              profileStatement: a.profileStatement,
            }),
          }
        : {}),
      ...(left.members ? { members: left.members.map((m) => memberLogState(m.authorityId, m)) } : {}),
    }),
  };
}

function decodeCursor(cursor: string, pk: string): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      key.pk === pk &&
      typeof key.sk === 'string' &&
      key.sk.startsWith(directoryKeys.auditPrefix) &&
      Object.keys(key).length === 2
    ) {
      return { pk, sk: key.sk };
    }
  } catch {
    // fall through
  }
  throw new PouchError('ERR_VALIDATION', 'Invalid cursor', {
    details: { errors: [{ field: 'query.cursor', message: 'not a cursor of this list' }] },
  });
}
