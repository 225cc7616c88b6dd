// Hardening: exactly once per keyed action, when the process dies between the ledger append and the end of the
// Idempotency-Key record (simulated by failing that last write: the key stays pending, as after a kill). The
// retry with the same key resumes the action, and no route records its effect twice: no second event, no second
// receipt. Recording reads (timeline, bundle) sent with a key are recorded once too.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  type FaultyExchange,
  manifestEntry,
  newIdempotencyKey,
  newMessageId,
  signTestManifest,
  startFaultyExchange,
} from './fault-harness.ts';

interface Reply {
  readonly status: number;
  readonly text: string;
}

let x: FaultyExchange;
let a: SeededAuthority;
let b: SeededAuthority;
const bearer = new Map<TestPrincipal, string>();

async function call(
  who: TestPrincipal,
  method: string,
  path: string,
  options: { body?: unknown; key?: string } = {},
): Promise<Reply> {
  const res = await x.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${bearer.get(who)}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.key === undefined ? {} : { 'idempotency-key': options.key }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: res.status, text: await res.text() };
}

const json = (reply: Reply) => JSON.parse(reply.text) as Record<string, unknown>;
const events = (exchangeId: string) => x.runtime.ledger.read(exchangeId);
const count = (
  list: readonly LedgerEvent[],
  action: string,
  match: (e: LedgerEvent) => boolean = () => true,
) => list.filter((e) => e.action === action && match(e)).length;

async function createExchange(): Promise<string> {
  const res = await call(a.member('officer'), 'POST', '/v1/exchanges', {
    body: { kind: 'mla', urgency: 'urgent', requestedId: b.authorityId, requesterReference: 'ONCE-1' },
  });
  expect(res.status).toBe(201);
  return json(res).id as string;
}

/** Declare and upload one single-PUT document; it stays pending. */
async function uploaded(exchangeId: string) {
  const sealed = randomBytes(120);
  const entry = manifestEntry('doc_placeholder_000000', sealed);
  const declared = await call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/documents`, {
    body: { sealedSize: sealed.length, sealedSha256: entry.sealedSha256 },
  });
  expect(declared.status).toBe(201);
  const body = json(declared);
  const documentId = (body.document as { documentId: string }).documentId;
  const [url] = body.urls as Array<{ url: string; headers: Record<string, string> }>;
  const put = await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: new Uint8Array(sealed) });
  expect(put.status).toBe(200);
  return { documentId, sealed };
}

async function postBody(exchangeId: string, documentId: string, sealed: Uint8Array) {
  const messageId = newMessageId();
  const label = await claimsFromExchanges(x.runtime.exchanges, asPrincipal(a.member('officer')), exchangeId);
  const manifest = await signTestManifest(
    a.member('officer'),
    exchangeId,
    messageId,
    'request',
    [manifestEntry(documentId, sealed)],
    label,
  );
  return { messageId, kind: 'request', documentIds: [documentId], manifest };
}

/** An exchange whose request (one document) B has read: what a download starts from. */
async function sentAndRead() {
  const exchangeId = await createExchange();
  const { documentId, sealed } = await uploaded(exchangeId);
  const commit = `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`;
  expect((await call(a.member('officer'), 'POST', commit, { body: { parts: [] } })).status).toBe(200);
  const body = await postBody(exchangeId, documentId, sealed);
  const posted = await call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/messages`, { body });
  expect(posted.status).toBe(201);
  expect((await call(b.member('officer'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(200);
  return { exchangeId, documentId };
}

interface KeyedAction {
  /** Prepare the starting state; `send` is the keyed request, `effects` counts what it must record once. */
  prepare(): Promise<{
    send(key: string): Promise<Reply>;
    effects(): Promise<{ events: number; receipts: number; chain: string }>;
  }>;
}

async function receiptsOf(exchangeId: string, evidence: string): Promise<number> {
  const res = await call(a.member('officer'), 'GET', `/v1/exchanges/${exchangeId}/receipts`);
  return (json(res).receipts as Array<{ evidence: string }>).filter((r) => r.evidence === evidence).length;
}

const actions: Record<string, KeyedAction> = {
  'create exchange': {
    async prepare() {
      const reference = newIdempotencyKey();
      const body = {
        kind: 'mla',
        urgency: 'normal',
        requestedId: b.authorityId,
        requesterReference: reference,
      };
      const mine = async () => {
        const page = await call(a.member('officer'), 'GET', `/v1/exchanges?box=outbox&limit=100`);
        return (json(page).items as Array<{ id: string; requesterReference: string }>).filter(
          (l) => l.requesterReference === reference,
        );
      };
      return {
        send: (key) => call(a.member('officer'), 'POST', '/v1/exchanges', { body, key }),
        async effects() {
          const labels = await mine();
          const chain = labels[0]?.id ?? '';
          const created = chain ? count(await events(chain), 'exchange.created') : 0;
          return { events: created * labels.length, receipts: 0, chain };
        },
      };
    },
  },
  'commit document': {
    async prepare() {
      const exchangeId = await createExchange();
      const { documentId } = await uploaded(exchangeId);
      const path = `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`;
      return {
        send: (key) => call(a.member('officer'), 'POST', path, { body: { parts: [] }, key }),
        effects: async () => ({
          events: count(await events(exchangeId), 'document.uploaded'),
          receipts: 0,
          chain: exchangeId,
        }),
      };
    },
  },
  'post message': {
    async prepare() {
      const exchangeId = await createExchange();
      const { documentId, sealed } = await uploaded(exchangeId);
      const commit = `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`;
      expect((await call(a.member('officer'), 'POST', commit, { body: { parts: [] } })).status).toBe(200);
      const body = await postBody(exchangeId, documentId, sealed);
      return {
        send: (key) =>
          call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/messages`, { body, key }),
        effects: async () => ({
          events: count(await events(exchangeId), 'message.sent'),
          receipts: await receiptsOf(exchangeId, 'SubmissionAcceptance'),
          chain: exchangeId,
        }),
      };
    },
  },
  'download (retrieval)': {
    async prepare() {
      const { exchangeId, documentId } = await sentAndRead();
      const path = `/v1/exchanges/${exchangeId}/documents/${documentId}/download`;
      return {
        send: (key) => call(b.member('officer'), 'POST', path, { key }),
        effects: async () => ({
          events: count(await events(exchangeId), 'document.retrieved'),
          receipts: await receiptsOf(exchangeId, 'ContentHandover'),
          chain: exchangeId,
        }),
      };
    },
  },
};

describe('exactly once per Idempotency-Key, across a crash after the ledger append', () => {
  beforeAll(async () => {
    x = await startFaultyExchange();
    const dir = x.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
    const tokens = createTokenClient(x.runtime.app, x.runtime.config.issuer);
    for (const who of [a.member('officer'), a.member('auditor'), b.member('officer')]) {
      bearer.set(who, await tokens.tokenFor(who));
    }
  });
  afterAll(async () => {
    await x?.stop();
  });

  for (const [name, action] of Object.entries(actions)) {
    it(`${name}: a retry of a key left pending records nothing twice (fault injected by wrapped SDK clients)`, async () => {
      // Dry run: the key record's completion is the request's last UpdateItem.
      const dry = await action.prepare();
      x.faults.arm({ op: '-', nth: 0, mode: 'error' });
      expect((await dry.send(newIdempotencyKey())).status).toBeLessThan(300);
      const completion = x.faults.counts().get('UpdateItem') ?? 0;
      x.faults.disarm();
      expect(completion).toBeGreaterThan(0);

      const run = await action.prepare();
      const before = await run.effects();
      const key = newIdempotencyKey();
      x.faults.arm({ op: 'UpdateItem', nth: completion, mode: 'error' });
      const first = await run.send(key);
      expect(x.faults.disarm()).toBe(true);
      // The process "died" after the effect: the caller saw a failure, the effect is in the ledger.
      expect(first.status).toBeGreaterThanOrEqual(500);
      const crashed = await run.effects();
      expect(crashed.events).toBe(before.events + 1);

      const retry = await run.send(key);
      expect(retry.status, retry.text).toBeLessThan(300);
      const after = await run.effects();
      expect(after.events).toBe(before.events + 1);
      expect(after.receipts).toBe(crashed.receipts);
      const chain = await events(after.chain);
      expect(new Set(chain.map((e) => e.id)).size).toBe(chain.length);
      expect(verifyChain(chain, { chain: after.chain }).ok).toBe(true);
    });
  }

  it('a download retried with its key after the crash keeps one ContentHandover receipt', async () => {
    const run = await actions['download (retrieval)']!.prepare();
    const dry = await actions['download (retrieval)']!.prepare();
    x.faults.arm({ op: '-', nth: 0, mode: 'error' });
    await dry.send(newIdempotencyKey());
    const completion = x.faults.counts().get('UpdateItem') ?? 0;
    x.faults.disarm();
    const key = newIdempotencyKey();
    x.faults.arm({ op: 'UpdateItem', nth: completion, mode: 'error' });
    await run.send(key);
    x.faults.disarm();
    const retry = await run.send(key);
    expect(typeof json(retry).url).toBe('string');
    expect(await run.effects()).toMatchObject({ events: 1, receipts: 1 });
  });

  it('records a custody read once per member, view and interval, keyed or not', async () => {
    const { exchangeId } = await sentAndRead();
    const auditor = a.member('auditor');
    const officer = a.member('officer');
    const timeline = `/v1/exchanges/${exchangeId}/timeline`;
    const bundle = `/v1/exchanges/${exchangeId}/bundle`;
    const viewed = async (view: string) =>
      count(await events(exchangeId), 'auditor.viewed', (e) => e.details?.view === view);
    const exported = async () => count(await events(exchangeId), 'custody.exported');

    const key = newIdempotencyKey();
    for (let i = 0; i < 2; i++) {
      expect((await call(auditor, 'GET', timeline, { key })).status).toBe(200);
      expect((await call(auditor, 'GET', bundle, { key })).status).toBe(200);
      expect((await call(officer, 'GET', bundle, { key })).status).toBe(200);
    }
    expect(await viewed('timeline')).toBe(1);
    expect(await viewed('bundle')).toBe(1);
    expect(await exported()).toBe(1);

    // Unkeyed reads in the same interval are answered under the interval's event (tests/custody/bounded-cost).
    expect((await call(auditor, 'GET', timeline)).status).toBe(200);
    expect((await call(auditor, 'GET', timeline)).status).toBe(200);
    expect(await viewed('timeline')).toBe(1);
  });
});
