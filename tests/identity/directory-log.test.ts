// The directory log (issue 12, finding 3): every directory change is appended to one hash-chained chain, the
// checkpoint service logs its head under the reserved chain id `directory` with the extend-only rule, and a
// client checks that what it was served is the latest logged state. The attack: the operator, who controls the
// table, rolls an authority's recipients back to an older statement that the authority key did sign (so the
// pinned signature check alone accepts it) and serves that to one party; `pouch directory show --verify` must
// report it.
import { createHash } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryKeys, directoryLogKeys } from '../../server/adapters/main-table-keys.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { DIRECTORY_CHAIN, verifyDirectoryLog } from '../../shared/directory/directory-log.ts';
import { statementDigest, verifyPinnedRecipients } from '../../shared/directory/statements.ts';
import type { Authority } from '../../shared/domain/identity/types.ts';
import { canonicalEventBody, hashEvent, type LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { type PouchRun, runPouch } from '../client/support/run-pouch.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;
let exchange: Exchange;
let tokens: ReturnType<typeof createTokenClient>;
let a: SeededAuthority;
let northHome: string;

beforeAll(async () => {
  exchange = await startTestExchange({ seedDemo: true });
  tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  northHome = exchange.demo.find((d) => d.slug === 'northland')!.home;
  a = await seedTestAuthority(exchange.runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
});

afterAll(async () => {
  await exchange?.stop();
});

async function call(who: TestPrincipal, method: string, path: string, body?: unknown) {
  const res = await exchange.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${await tokens.tokenFor(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const showVerified = (authorityId: string): Promise<PouchRun> =>
  runPouch(['--profile', 'officer', '--json', 'directory', 'show', authorityId, '--verify'], {
    POUCH_HOME: northHome,
  });
const lastError = (run: PouchRun) =>
  (JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { error: { code: string } }).error.code;

async function readLog() {
  const res = await call(a.member('officer'), 'GET', '/v1/directory/log?limit=1000');
  expect(res.status).toBe(200);
  return res.body as {
    entries: string[];
    head: { seq: number; hash: string } | null;
    checkpoint: Parameters<typeof verifyDirectoryLog>[1] | null;
  };
}

/** Write an authority item as an operator with table access could: no audit record, no log entry. */
async function writeTableDirectly(authority: Authority): Promise<void> {
  await exchange.runtime.clients.doc.send(
    new PutCommand({
      TableName: exchange.runtime.config.tables.main,
      Item: {
        pk: directoryKeys.pk(authority.id),
        sk: directoryKeys.authoritySk,
        gsi1pk: directoryKeys.indexPk,
        gsi1sk: directoryKeys.authorityIndexSk(authority.id),
        type: 'authority',
        ...authority,
      },
    }),
  );
}

describe('every directory change enters one hash-chained log whose head is checkpointed', () => {
  it('appends an entry per change, with the state it left, and logs the head in a signed checkpoint', async () => {
    const before = await readLog();
    const admin = a.member('admin');
    const statement = await a.signStatement('recipients', { recipients: [a.recipient] }, 2);
    expect(
      (await call(admin, 'PUT', `/v1/directory/authorities/${a.authorityId}/recipients`, { statement }))
        .status,
    ).toBe(200);
    const after = await readLog();
    expect(after.entries.length).toBe(before.entries.length + 1);
    const last = JSON.parse(after.entries.at(-1)!) as { body: LedgerEvent };
    expect(last.body.chain).toBe(DIRECTORY_CHAIN);
    expect(last.body.action).toBe('directory.authority.recipients');
    expect(last.body.details).toMatchObject({
      authorityId: a.authorityId,
      authority: { recipientsStatementSha256: statementDigest(statement), status: 'active' },
    });
    // The entry carries the statement's digest, not the statement: the directory entry serves the statement.
    expect(after.entries.at(-1)).not.toContain(statement);
    expect(statementDigest(statement)).toBe(
      createHash('sha256').update(JSON.stringify(statement)).digest('hex'),
    );

    await exchange.runtime.checkpoints.build();
    const logged = await readLog();
    expect(logged.checkpoint?.heads.at(-1)?.head).toEqual({ chain: DIRECTORY_CHAIN, ...after.head });
    const keys = [await exchange.runtime.signer.publicJwk()];
    const verified = await verifyDirectoryLog(logged.entries, logged.checkpoint ?? undefined, keys);
    expect(verified.checkpointedSeq).toBe(after.head?.seq);
  });
});

describe('a client detects an entry served differently from the logged one', () => {
  it('accepts the logged entry, and reports a rolled-back recipients statement served from the table', async () => {
    const admin = a.member('admin');
    const repo = exchange.runtime.directory;
    const current = (await repo.getAuthority(a.authorityId))!;
    const { recipient } = await generateIdentity();
    const next = (current.recipientsVersion ?? 0) + 1;
    const statement = await a.signStatement('recipients', { recipients: [recipient] }, next);
    expect(
      (await call(admin, 'PUT', `/v1/directory/authorities/${a.authorityId}/recipients`, { statement }))
        .status,
    ).toBe(200);
    await exchange.runtime.checkpoints.build();

    const honest = await showVerified(a.authorityId);
    expect(honest.code, honest.stderr).toBe(0);
    expect(JSON.parse(honest.stdout)).toMatchObject({ log: { checkpointed: true } });

    // The operator serves the previous statement, which the authority key did sign: the signature check alone
    // accepts it, the log does not.
    const published = (await repo.getAuthority(a.authorityId))!;
    await writeTableDirectly({
      ...published,
      recipients: current.recipients,
      recipientsStatement: current.recipientsStatement!,
      recipientsVersion: current.recipientsVersion!,
    });
    try {
      const entry = (await call(a.member('officer'), 'GET', `/v1/directory/authorities/${a.authorityId}`))
        .body;
      expect(await verifyPinnedRecipients(entry, a.authorityKey.kid)).toEqual(current.recipients);
      const rolledBack = await showVerified(a.authorityId);
      expect(rolledBack.code).not.toBe(0);
      expect(lastError(rolledBack)).toBe('ERR_DIRECTORY_LOG_MISMATCH');
    } finally {
      await writeTableDirectly(published);
    }
    expect((await showVerified(a.authorityId)).code).toBe(0);
  });
});

// Last: the rewritten entry stays, so the directory chain is refused from here on.
describe('the checkpoint service logs only a directory head that extends the logged one', () => {
  it('refuses to log a directory head that does not extend the logged one (rewritten entry), with an alarm', async () => {
    await exchange.runtime.checkpoints.build();
    const { head } = await readLog();
    const table = exchange.runtime.config.tables.main;
    const doc = exchange.runtime.clients.doc;
    // Rewrite the logged head consistently (body and hash), as an operator erasing a change would...
    const line = (await readLog()).entries.at(-1)!;
    const event = (JSON.parse(line) as { body: LedgerEvent }).body;
    const forged = { ...event, details: { ...(event.details ?? {}), erased: true } };
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: directoryLogKeys.pk, sk: directoryLogKeys.entrySk(head!.seq) },
        UpdateExpression: 'SET body = :b, #h = :h',
        ExpressionAttributeNames: { '#h': 'hash' },
        ExpressionAttributeValues: { ':b': canonicalEventBody(forged), ':h': hashEvent(forged) },
      }),
    );
    // ...then the log goes on from the rewritten head.
    const admin = a.member('admin');
    expect(
      (
        await call(admin, 'PATCH', `/v1/directory/authorities/${a.authorityId}/details`, {
          languages: ['fr'],
        })
      ).status,
    ).toBe(200);
    const result = await exchange.runtime.checkpoints.build();
    expect(result.refused?.map((r) => r.chain)).toContain(DIRECTORY_CHAIN);
    // A client finds the checkpointed head no longer in the chain it is served.
    const run = await showVerified(a.authorityId);
    expect(run.code).not.toBe(0);
    expect(lastError(run)).toBe('ERR_PROOF_INVALID');
  });
});
