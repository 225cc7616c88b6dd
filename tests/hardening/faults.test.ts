// Hardening: every write path of the sealed exchange under injected faults. The Nth DynamoDB/S3 call (or signer
// call) of each path fails in turn — error, throttling or a lost answer — and the outcome must be all-or-nothing:
// either nothing visible happened, or the action is in the ledger; a retry with the same Idempotency-Key (or the
// same ids) then completes it exactly once, and the chain verifies.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoExchangeRepository } from '../../server/adapters/dynamo-exchange-repository.ts';
import type { ExchangeRepository } from '../../server/ports/exchange-repository.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { verifyChain } from '../../shared/domain/ledger/verify-chain.ts';
import { asPrincipal } from '../custody/custody-fixture.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { claimsFromExchanges } from '../support/label-claims.ts';
import {
  cutParts,
  type FaultMode,
  type FaultyExchange,
  manifestEntry,
  newIdempotencyKey,
  newMessageId,
  signTestManifest,
  startFaultyExchange,
} from './fault-harness.ts';

const PART_SIZE = 64;
const INJECTABLE = new Set([
  'PutItem',
  'UpdateItem',
  'Query',
  'GetItem',
  'CompleteMultipartUpload',
  'HeadObject',
  'GetObject',
  'CreateMultipartUpload',
  'sign',
]);
const WRITES = new Set(['PutItem', 'UpdateItem', 'CompleteMultipartUpload', 'sign']);

interface Reply {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

let x: FaultyExchange;
let a: SeededAuthority;
let b: SeededAuthority;
let c: SeededAuthority;
const bearer = new Map<TestPrincipal, string>();

async function call(
  who: TestPrincipal,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await x.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${bearer.get(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: (await res.json()) as Record<string, unknown>,
  };
}

const events = (exchangeId: string) => x.runtime.ledger.read(exchangeId);
const count = (list: LedgerEvent[], match: (e: LedgerEvent) => boolean) => list.filter(match).length;

async function createExchange(to: SeededAuthority = b): Promise<string> {
  const res = await call(a.member('officer'), 'POST', '/v1/exchanges', {
    kind: 'mla',
    urgency: 'urgent',
    requestedId: to.authorityId,
    requesterReference: 'FAULT-1',
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

function declareBody(sealed: Uint8Array) {
  const { sha256s } = cutParts(sealed, PART_SIZE);
  return {
    sealedSize: sealed.length,
    sealedSha256: manifestEntry('doc_placeholder_000000', sealed).sealedSha256,
    partSize: PART_SIZE,
    partSha256s: sha256s,
  };
}

async function uploadParts(
  urls: Array<{ url: string; headers: Record<string, string> }>,
  sealed: Uint8Array,
) {
  const { slices } = cutParts(sealed, PART_SIZE);
  const parts: Array<{ partNumber: number; etag: string }> = [];
  for (const [i, url] of urls.entries()) {
    const put = await fetch(url.url, {
      method: 'PUT',
      headers: url.headers,
      body: Buffer.from(slices[i] as Uint8Array),
    });
    expect(put.status).toBe(200);
    parts.push({ partNumber: i + 1, etag: put.headers.get('etag') ?? '' });
  }
  return parts;
}

/** Declare, upload and return what commit needs (the document stays pending). */
async function declareAndUpload(exchangeId: string, sealed: Uint8Array) {
  const declared = await call(
    a.member('officer'),
    'POST',
    `/v1/exchanges/${exchangeId}/documents`,
    declareBody(sealed),
  );
  expect(declared.status).toBe(201);
  const documentId = (declared.body.document as { documentId: string }).documentId;
  const parts = await uploadParts(
    declared.body.urls as Array<{ url: string; headers: Record<string, string> }>,
    sealed,
  );
  return { documentId, parts };
}

async function commit(exchangeId: string, documentId: string, parts: unknown) {
  return call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`, {
    parts,
  });
}

async function postBody(exchangeId: string, documentId: string, sealed: Uint8Array) {
  const messageId = newMessageId();
  const officer = a.member('officer');
  const label = await claimsFromExchanges(x.runtime.exchanges, asPrincipal(officer), exchangeId);
  const manifest = await signTestManifest(
    officer,
    exchangeId,
    messageId,
    'request',
    [manifestEntry(documentId, sealed, undefined, PART_SIZE)],
    label,
  );
  return { messageId, kind: 'request', documentIds: [documentId], manifest };
}

/** An exchange with a committed document and its request sent by A (what B's read and download start from). */
async function sentExchange() {
  const exchangeId = await createExchange();
  const sealed = randomBytes(150);
  const { documentId, parts } = await declareAndUpload(exchangeId, sealed);
  expect((await commit(exchangeId, documentId, parts)).status).toBe(200);
  const body = await postBody(exchangeId, documentId, sealed);
  expect((await call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/messages`, body)).status).toBe(
    201,
  );
  return { exchangeId, documentId, messageId: body.messageId };
}

interface Observation {
  /** Events of the action under test. */
  readonly recorded: number;
  /** What "nothing visible happened" compares: label status and seq, messages, document state, deliveries. */
  readonly visible: string;
}

interface Scenario {
  /** Prepare the state the action starts from; returns the action (the same request every time it is called). */
  prepare(): Promise<{
    act(): Promise<Reply>;
    observe(): Promise<Observation>;
    /** The exchange whose chain must verify and whose label must equal the fold of its chain. */
    exchangeId(reply: Reply): string;
  }>;
}

/** A party's read (the requester's: it records no delivery of its own messages). */
async function labelView(exchangeId: string) {
  expect((await call(a.member('officer'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(200);
}

/** The label and messages as stored (not through getExchange, which may record deliveries). */
async function stored(exchangeId: string): Promise<string> {
  const label = await exchangeRepo().getExchange(exchangeId);
  const messages = await exchangeRepo().listMessages(exchangeId);
  return JSON.stringify({
    status: label?.status,
    seq: label?.ledgerSeq,
    messages: messages.map((m) => [m.messageId, m.deliveredAt ?? null]),
  });
}

let repository: ExchangeRepository;
const exchangeRepo = () => repository;

const scenarios: Record<string, Scenario> = {
  'create exchange': {
    async prepare() {
      const key = newIdempotencyKey();
      const body = { kind: 'mla', urgency: 'normal', requestedId: c.authorityId, requesterReference: key };
      const outbox = async () => {
        const page = await call(
          a.member('officer'),
          'GET',
          `/v1/exchanges?box=outbox&counterpart=${c.authorityId}&limit=100`,
        );
        return (page.body.items as Array<{ id: string; requesterReference: string }>).filter(
          (l) => l.requesterReference === key,
        );
      };
      let createdId: string | undefined;
      return {
        act: async () => {
          const res = await call(a.member('officer'), 'POST', '/v1/exchanges', body, {
            'idempotency-key': key,
          });
          if (res.status === 201) createdId = res.body.id as string;
          return res;
        },
        async observe() {
          const labels = await outbox();
          const id = createdId ?? labels[0]?.id;
          const recorded = id ? count(await events(id), (e) => e.action === 'exchange.created') : 0;
          return { recorded, visible: JSON.stringify(labels.map((l) => l.id)) };
        },
        exchangeId: (reply) => reply.body.id as string,
      };
    },
  },
  'declare document': {
    async prepare() {
      const exchangeId = await createExchange();
      const sealed = randomBytes(150);
      const key = newIdempotencyKey();
      return {
        act: () =>
          call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/documents`, declareBody(sealed), {
            'idempotency-key': key,
          }),
        async observe() {
          // A declaration is not a custody event; "recorded" means a document record exists for the key.
          return { recorded: 0, visible: await stored(exchangeId) };
        },
        exchangeId: () => exchangeId,
      };
    },
  },
  'commit document': {
    async prepare() {
      const exchangeId = await createExchange();
      const sealed = randomBytes(150);
      const { documentId, parts } = await declareAndUpload(exchangeId, sealed);
      return {
        act: () => commit(exchangeId, documentId, parts),
        async observe() {
          const doc = await exchangeRepo().getDocument(exchangeId, documentId);
          return {
            recorded: count(
              await events(exchangeId),
              (e) => e.action === 'document.uploaded' && e.subject?.documentId === documentId,
            ),
            visible: `${await stored(exchangeId)} ${doc?.state}`,
          };
        },
        exchangeId: () => exchangeId,
      };
    },
  },
  'post message': {
    async prepare() {
      const exchangeId = await createExchange();
      const sealed = randomBytes(150);
      const { documentId, parts } = await declareAndUpload(exchangeId, sealed);
      expect((await commit(exchangeId, documentId, parts)).status).toBe(200);
      const body = await postBody(exchangeId, documentId, sealed);
      const key = newIdempotencyKey();
      return {
        act: () =>
          call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/messages`, body, {
            'idempotency-key': key,
          }),
        async observe() {
          return {
            recorded: count(
              await events(exchangeId),
              (e) => e.action === 'message.sent' && e.subject?.messageId === body.messageId,
            ),
            visible: await stored(exchangeId),
          };
        },
        exchangeId: () => exchangeId,
      };
    },
  },
  'get exchange (delivery)': {
    async prepare() {
      const { exchangeId, messageId } = await sentExchange();
      return {
        act: () => call(b.member('officer'), 'GET', `/v1/exchanges/${exchangeId}`),
        async observe() {
          return {
            recorded: count(
              await events(exchangeId),
              (e) => e.action === 'message.delivered' && e.subject?.messageId === messageId,
            ),
            visible: await stored(exchangeId),
          };
        },
        exchangeId: () => exchangeId,
      };
    },
  },
  'download (retrieval)': {
    async prepare() {
      const { exchangeId, documentId } = await sentExchange();
      // The delivery read is done first, so that the download is the only action under test.
      expect((await call(b.member('officer'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(200);
      return {
        act: () =>
          call(b.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/download`),
        async observe() {
          return {
            recorded: count(
              await events(exchangeId),
              (e) => e.action === 'document.retrieved' && e.subject?.documentId === documentId,
            ),
            visible: await stored(exchangeId),
          };
        },
        exchangeId: () => exchangeId,
      };
    },
  },
};

const SERVER_FAILURES = new Set(['ERR_STORAGE', 'ERR_STORAGE_THROTTLED', 'ERR_SIGNER', 'ERR_INTERNAL']);

function modesFor(op: string): FaultMode[] {
  if (op === 'sign') return ['error', 'timeout'];
  return WRITES.has(op) ? ['error', 'throttle', 'timeout'] : ['error', 'throttle'];
}

/** Run every fault of one path; returns the violations (empty when the path holds). */
async function runPath(name: string, scenario: Scenario): Promise<string[]> {
  // Dry run: which calls does this path make?
  const dry = await scenario.prepare();
  x.faults.arm({ op: '-', nth: 0, mode: 'error' });
  const ok = await dry.act();
  const calls = x.faults.counts();
  x.faults.disarm();
  expect(ok.status, `${name} dry run`).toBeLessThan(300);

  const violations: string[] = [];
  const plans = [...calls]
    .filter(([op]) => INJECTABLE.has(op))
    .flatMap(([op, n]) =>
      Array.from({ length: n }, (_, i) => modesFor(op).map((mode) => ({ op, nth: i + 1, mode }))).flat(),
    );
  for (const plan of plans) {
    const tag = `${name}: ${plan.mode} on ${plan.op} #${plan.nth}`;
    const run = await scenario.prepare();
    const before = await run.observe();
    x.faults.arm(plan);
    const first = await run.act();
    const fired = x.faults.disarm();
    if (!fired) continue;
    const after = await run.observe();
    if (first.status >= 300) {
      if (first.status < 500 || !first.contentType.startsWith('application/problem+json')) {
        violations.push(`${tag}: answered ${first.status} ${first.contentType}`);
      } else if (!SERVER_FAILURES.has(String(first.body.code)) || 'url' in first.body) {
        violations.push(`${tag}: answered ${JSON.stringify(first.body)}`);
      }
      const untouched = after.recorded === before.recorded && after.visible === before.visible;
      const recorded = after.recorded === before.recorded + 1;
      if (!untouched && !recorded) {
        violations.push(
          `${tag}: half done (${before.visible} -> ${after.visible}, events ${after.recorded})`,
        );
      }
      // A message whose event landed must be visible to a reader even if the sender never retries.
      if (name === 'post message' && recorded) {
        const exchangeId = run.exchangeId(first);
        await labelView(exchangeId);
        const messages = await exchangeRepo().listMessages(exchangeId);
        if (messages.length !== 1) violations.push(`${tag}: message sent in the ledger but not visible`);
      }
      if (name === 'download (retrieval)' && after.recorded > 0) {
        violations.push(`${tag}: a failed download left a retrieval event`);
      }
    }
    // The retry (same Idempotency-Key, same ids) completes the action exactly once.
    const retry = first.status < 300 ? first : await run.act();
    if (retry.status >= 300) {
      violations.push(`${tag}: retry answered ${retry.status} ${JSON.stringify(retry.body)}`);
      continue;
    }
    const final = await run.observe();
    const expected = name === 'declare document' ? 0 : before.recorded + 1;
    if (final.recorded !== expected) violations.push(`${tag}: ${final.recorded} events after the retry`);
    if (name === 'download (retrieval)' && typeof retry.body.url !== 'string') {
      violations.push(`${tag}: retry returned no URL`);
    }
    const exchangeId = run.exchangeId(retry);
    // A party's read heals any lagging projection; then the label must equal the fold of the chain.
    await labelView(exchangeId);
    const chain = await events(exchangeId);
    if (!verifyChain(chain, { chain: exchangeId }).ok) violations.push(`${tag}: chain does not verify`);
    const label = await exchangeRepo().getExchange(exchangeId);
    const head = chain.at(-1);
    if (label?.status !== head?.details?.status || label?.ledgerSeq !== head?.seq) {
      violations.push(
        `${tag}: label ${label?.status}@${label?.ledgerSeq} vs ledger ${head?.details?.status}@${head?.seq}`,
      );
    }
    if (name === 'post message' || name === 'get exchange (delivery)') {
      const messages = await exchangeRepo().listMessages(exchangeId);
      if (messages.length !== 1) violations.push(`${tag}: ${messages.length} messages`);
      if (name === 'get exchange (delivery)' && !messages[0]?.deliveredAt) {
        violations.push(`${tag}: delivery recorded but the message is not marked delivered`);
      }
    }
    if (name === 'commit document' || name === 'post message') {
      const documents = chain.filter((e) => e.action === 'document.uploaded');
      if (documents.length !== 1) violations.push(`${tag}: ${documents.length} upload events`);
    }
  }
  expect(plans.length, `${name}: faults planned`).toBeGreaterThan(3);
  return violations;
}

describe('write paths under faults', () => {
  beforeAll(async () => {
    x = await startFaultyExchange({ partSize: PART_SIZE });
    repository = createDynamoExchangeRepository(x.runtime.clients.doc, x.runtime.config.tables.main);
    const dir = x.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
    c = await seedTestAuthority(dir, { country: 'XC', members });
    const tokens = createTokenClient(x.runtime.app, x.runtime.config.issuer);
    for (const who of [a.member('officer'), b.member('officer')]) bearer.set(who, await tokens.tokenFor(who));
  });
  afterAll(async () => {
    await x?.stop();
  });

  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`${name} is all-or-nothing and completes once on retry (fault injected by wrapped SDK clients)`, async () => {
      expect(await runPath(name, scenario)).toEqual([]);
      // Each path replays a dozen fault plans, each with its retries: 45 s on a loaded 2-core machine.
    }, 240_000);
  }

  it('fails a download closed when its retrieval event cannot be appended (fault injected by wrapped SDK clients)', async () => {
    const { exchangeId, documentId } = await sentExchange();
    expect((await call(b.member('officer'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(200);
    const before = (await events(exchangeId)).length;
    // The append reads the head (Query) and then puts; both failing modes must keep the URL back.
    for (const plan of [
      { op: 'PutItem', nth: 1, mode: 'error' as const },
      { op: 'PutItem', nth: 1, mode: 'throttle' as const },
    ]) {
      x.faults.arm(plan);
      const res = await call(
        b.member('officer'),
        'POST',
        `/v1/exchanges/${exchangeId}/documents/${documentId}/download`,
      );
      expect(x.faults.disarm()).toBe(true);
      expect(res.status).toBe(503);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
      expect(res.body).not.toHaveProperty('url');
      expect(JSON.stringify(res.body)).not.toContain('X-Amz-Signature');
      expect(await events(exchangeId)).toHaveLength(before);
    }
  });
});
