// The directory log across a crash (issue 12, finding 3): a directory change and its log entry are two writes, so
// a process that dies between them used to leave the change served but never logged (clients that check the log
// fail closed, for ever). The fault is injected by mocking the DynamoDB document client's `send` (only to make one
// write fail, as a crash would); the next directory write, or the next read of the log head (the checkpoint
// service, `GET /v1/directory/log`), must log the change once, in order, and the chain must still verify.
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { servedLogStates } from '../../client/cli/directory-context.ts';
import { createDynamoDirectoryLog } from '../../server/adapters/dynamo-directory-log.ts';
import { directoryLogKeys } from '../../server/adapters/main-table-keys.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import {
  checkServedAgainstLog,
  latestLoggedStates,
  verifyDirectoryLog,
} from '../../shared/directory/directory-log.ts';
import { statementDigest } from '../../shared/directory/statements.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
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

beforeAll(async () => {
  exchange = await startTestExchange();
  tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  a = await seedTestAuthority(exchange.runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
});

afterEach(() => {
  vi.restoreAllMocks();
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

/** Make the next write matching `matches` fail, as a process dying at that point would. */
function crashAt(matches: (command: unknown) => boolean): { fired: () => boolean } {
  const doc = exchange.runtime.clients.doc;
  const original = doc.send.bind(doc);
  let fired = false;
  vi.spyOn(doc, 'send').mockImplementation(((command: unknown, ...rest: unknown[]) => {
    if (!fired && matches(command)) {
      fired = true;
      return Promise.reject(new Error('injected crash'));
    }
    return Reflect.apply(original, doc, [command, ...rest]);
  }) as typeof doc.send);
  return { fired: () => fired };
}

const isLogEntryPut = (command: unknown): boolean =>
  command instanceof PutCommand &&
  command.input.Item?.pk === directoryLogKeys.pk &&
  String(command.input.Item?.sk).startsWith(directoryLogKeys.entryPrefix);

const isIntentDelete = (command: unknown): boolean =>
  command instanceof DeleteCommand &&
  command.input.Key?.pk === directoryLogKeys.pk &&
  String(command.input.Key?.sk).startsWith(directoryLogKeys.intentPrefix);

/** The directory log as stored, read straight from the table (no repair runs). */
async function storedEvents(): Promise<LedgerEvent[]> {
  const lines: string[] = [];
  const log = createDynamoDirectoryLog(exchange.runtime.clients.doc, exchange.runtime.config.tables.main);
  for await (const line of log.readLines(0)) lines.push(line);
  return lines.map((line) => (JSON.parse(line) as { body: LedgerEvent }).body);
}

/** What a client checks: the served entry against the latest logged state, in a verified, checkpointed log. */
async function checkServed(): Promise<void> {
  const who = a.member('officer');
  const served = await call(who, 'GET', `/v1/directory/authorities/${a.authorityId}`);
  expect(served.status).toBe(200);
  const log = await call(who, 'GET', '/v1/directory/log?limit=1000');
  expect(log.status).toBe(200);
  const keys = [await exchange.runtime.signer.publicJwk()];
  const { events } = await verifyDirectoryLog(log.body.entries, log.body.checkpoint ?? undefined, keys);
  checkServedAgainstLog(servedLogStates(served.body), latestLoggedStates(events, a.authorityId));
}

async function publishRecipients(version: number): Promise<{ status: number; statement: string }> {
  const { recipient } = await generateIdentity();
  const statement = await a.signStatement('recipients', { recipients: [recipient] }, version);
  const res = await call(a.member('admin'), 'PUT', `/v1/directory/authorities/${a.authorityId}/recipients`, {
    statement,
  });
  return { status: res.status, statement };
}

const recipientsVersion = async () =>
  (await exchange.runtime.directory.getAuthority(a.authorityId))?.recipientsVersion ?? 0;

describe('a change a crash left unlogged is logged by the next read of the log head', () => {
  it('crash between the change and its log entry (mocked SDK client, fault injected): the next head read logs it, and the chain verifies', async () => {
    const version = (await recipientsVersion()) + 1;
    const crash = crashAt(isLogEntryPut);
    const crashed = await publishRecipients(version);
    expect(crash.fired()).toBe(true);
    expect(crashed.status).toBeGreaterThanOrEqual(500);
    vi.restoreAllMocks();

    // The change stands and is served, but is not (yet) in the stored log.
    expect(await recipientsVersion()).toBe(version);
    const digest = statementDigest(crashed.statement);
    const logged = (events: LedgerEvent[]) =>
      events.filter(
        (e) =>
          (e.details as { authority?: { recipientsStatementSha256?: string } } | undefined)?.authority
            ?.recipientsStatementSha256 === digest,
      );
    expect(logged(await storedEvents())).toHaveLength(0);

    // Recovery: the checkpoint service reads the head, which logs the change first; then it is checkpointed.
    await exchange.runtime.checkpoints.build();
    expect(logged(await storedEvents())).toHaveLength(1);
    await checkServed();
  });

  it('crash after the entry but before the intent is dropped (fault injected on the intent delete): the repair does not log it twice', async () => {
    const version = (await recipientsVersion()) + 1;
    const crash = crashAt(isIntentDelete);
    const crashed = await publishRecipients(version);
    expect(crash.fired()).toBe(true);
    expect(crashed.status).toBeGreaterThanOrEqual(500);
    vi.restoreAllMocks();

    const digest = statementDigest(crashed.statement);
    const count = async () =>
      (await storedEvents()).filter(
        (e) =>
          (e.details as { authority?: { recipientsStatementSha256?: string } } | undefined)?.authority
            ?.recipientsStatementSha256 === digest,
      ).length;
    expect(await count()).toBe(1);
    await exchange.runtime.checkpoints.build();
    expect(await count()).toBe(1);
    await checkServed();
  });
});

describe('a change a crash left unlogged is logged by the next directory write, before it', () => {
  it('crash between a member change and its entry (mocked SDK client, fault injected): the next write logs both, in order', async () => {
    const officer = a.member('officer');
    const crash = crashAt(isLogEntryPut);
    const renamed = await call(
      a.member('admin'),
      'PATCH',
      `/v1/directory/authorities/${a.authorityId}/members/${officer.memberId}`,
      { displayName: 'Officer renamed across a crash' },
    );
    expect(crash.fired()).toBe(true);
    expect(renamed.status).toBeGreaterThanOrEqual(500);
    vi.restoreAllMocks();
    const before = (await storedEvents()).length;

    // Another change by the same authority: the crashed one is logged first, then this one.
    const version = (await recipientsVersion()) + 1;
    expect((await publishRecipients(version)).status).toBe(200);
    const after = await storedEvents();
    expect(after.slice(before).map((e) => e.action)).toEqual([
      'directory.member.update',
      'directory.authority.recipients',
    ]);
    await exchange.runtime.checkpoints.build();
    await checkServed();
  });

  it('without a repair, a client would see the unlogged change as a mismatch (the gap the repair closes)', async () => {
    const officer = a.member('officer');
    const crash = crashAt(isLogEntryPut);
    await call(
      a.member('admin'),
      'PATCH',
      `/v1/directory/authorities/${a.authorityId}/members/${officer.memberId}`,
      { role: 'auditor' },
    );
    expect(crash.fired()).toBe(true);
    vi.restoreAllMocks();
    // Compared with the stored log as it stands before any repair, the served entry differs.
    const served = await call(officer, 'GET', `/v1/directory/authorities/${a.authorityId}`);
    const stored = latestLoggedStates(await storedEvents(), a.authorityId);
    let code: string | undefined;
    try {
      checkServedAgainstLog(servedLogStates(served.body), stored);
    } catch (error) {
      code = error instanceof PouchError ? error.code : undefined;
    }
    expect(code).toBe('ERR_DIRECTORY_LOG_MISMATCH');
    // Once the head is read, it is logged.
    await exchange.runtime.checkpoints.build();
    await checkServed();
  });
});
