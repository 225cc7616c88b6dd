// Hardening (issue 12, finding 6): receipts name the side that sent and the side that received or read. Against a
// real local exchange: the requested authority's acknowledgement and evidence earn receipts naming it as sender;
// a read or retrieval names the reader as recipient and the message's sender as sender (a party retrieving its
// own document is both); the bundle verifier enforces exactly that rule, so a receipt with the old "requester
// sends, requested receives" parties on a requested-side message is refused even with a genuine signature.

import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../shared/custody/bundle.ts';
import { signReceipt, verifyReceipt } from '../../shared/custody/receipts.ts';
import type { ReceiptPayload } from '../../shared/domain/ledger/receipt.ts';
import { asPrincipal } from '../custody/custody-fixture.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { claimsFromExchanges } from '../support/label-claims.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { manifestEntry, newMessageId, sha256Hex, signTestManifest } from './fault-harness.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

describe('receipt parties (finding 6)', () => {
  let exchange: Exchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  let tokens: ReturnType<typeof createTokenClient>;
  const bearer = new Map<TestPrincipal, string>();

  async function call(who: TestPrincipal, method: string, path: string, body?: unknown) {
    if (!bearer.has(who)) bearer.set(who, await tokens.tokenFor(who));
    return exchange.runtime.app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${bearer.get(who)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }
  async function json(who: TestPrincipal, method: string, path: string, body?: unknown, status = 200) {
    const res = await call(who, method, path, body);
    const parsed = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(parsed)).toBe(status);
    return parsed;
  }

  /** Upload opaque "sealed" bytes in one PUT and send them as a message of `kind` (no documents when empty). */
  async function send(who: TestPrincipal, exchangeId: string, kind: string, withDocument: boolean) {
    const entries = [];
    if (withDocument) {
      const sealed = randomBytes(200);
      const declared = await json(
        who,
        'POST',
        `/v1/exchanges/${exchangeId}/documents`,
        { sealedSize: sealed.length, sealedSha256: sha256Hex(sealed) },
        201,
      );
      const [url] = declared.urls as Array<{ url: string; headers: Record<string, string> }>;
      expect((await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: sealed })).status).toBe(
        200,
      );
      const documentId = (declared.document as { documentId: string }).documentId;
      await json(who, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`, { parts: [] });
      entries.push(manifestEntry(documentId, sealed));
    }
    const messageId = newMessageId();
    const label = await claimsFromExchanges(exchange.runtime.exchanges, asPrincipal(who), exchangeId);
    const manifest = await signTestManifest(who, exchangeId, messageId, kind, entries, label);
    await json(
      who,
      'POST',
      `/v1/exchanges/${exchangeId}/messages`,
      { messageId, kind, documentIds: entries.map((e) => e.documentId), manifest },
      201,
    );
    return entries[0]?.documentId;
  }

  beforeAll(async () => {
    exchange = await startTestExchange();
    const dir = exchange.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
    tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('names the sending side as sender and the reading side as recipient, and the verifier holds to it', async () => {
    const officerA = a.member('officer');
    const officerB = b.member('officer');
    const created = await json(
      officerA,
      'POST',
      '/v1/exchanges',
      { kind: 'mla', urgency: 'normal', requestedId: b.authorityId, requesterReference: 'PARTIES-1' },
      201,
    );
    const exchangeId = created.id as string;
    const download = (who: TestPrincipal, documentId: string) =>
      json(who, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/download`);

    const request = (await send(officerA, exchangeId, 'request', true)) as string;
    await json(officerB, 'GET', `/v1/exchanges/${exchangeId}`); // B sees A's request
    await download(officerB, request); // B takes A's document
    await download(officerA, request); // A takes its own document back
    await send(officerB, exchangeId, 'acknowledgement', false);
    const evidence = (await send(officerB, exchangeId, 'evidence', true)) as string;
    await json(officerA, 'GET', `/v1/exchanges/${exchangeId}`); // A sees B's acknowledgement and evidence
    await download(officerA, evidence); // A takes B's evidence

    const jwk = await exchange.runtime.signer.publicJwk();
    const listed = (await json(officerA, 'GET', `/v1/exchanges/${exchangeId}/receipts`)).receipts as Array<{
      seq: number;
      jws: string;
    }>;
    const payloads = await Promise.all(listed.map((r) => verifyReceipt(r.jws, jwk)));
    const A = a.authorityId;
    const B = b.authorityId;
    const named = payloads.map((p) => [p.action, p.sender, p.recipient]);
    expect(named).toEqual([
      ['message.sent', A, B], // A's request
      ['message.delivered', A, B], // B read it
      ['document.retrieved', A, B], // B retrieved A's document
      ['document.retrieved', A, A], // A retrieved its own document
      ['message.sent', B, A], // B's acknowledgement
      ['message.sent', B, A], // B's evidence
      ['message.delivered', B, A], // A read the acknowledgement
      ['message.delivered', B, A], // A read the evidence
      ['document.retrieved', B, A], // A retrieved B's evidence
    ]);

    const auditor = a.member('auditor');
    const res = await call(auditor, 'GET', `/v1/exchanges/${exchangeId}/bundle`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).split('\n').filter(Boolean);
    const verify = async (bundle: readonly string[]) => {
      const verdict = await verifyBundle(Readable.from([`${bundle.join('\n')}\n`]), {
        trustedExchangeKeys: [jwk],
      });
      return verdict.ok ? 'ok' : verdict.broken.pointer;
    };
    expect(await verify(lines)).toBe('ok');

    // The old rule's receipt for B's acknowledgement (requester as sender), genuinely signed by the exchange key:
    // it names the wrong parties, and the verifier refuses it.
    const ack = payloads[4] as ReceiptPayload;
    const index = lines.findIndex((l) => l.startsWith('{"type":"receipt"') && JSON.parse(l).seq === ack.seq);
    expect(index).toBeGreaterThan(0);
    const oldRule = await signReceipt(exchange.runtime.signer, { ...ack, sender: A, recipient: B });
    const forged = [...lines];
    forged[index] = JSON.stringify({ type: 'receipt', seq: ack.seq, evidence: ack.evidence, jws: oldRule });
    expect(await verify(forged)).toBe(`receipt seq ${ack.seq}: parties`);

    // A receipt naming B as sender of A's request is refused the same way.
    const first = payloads[0] as ReceiptPayload;
    const swapped = await signReceipt(exchange.runtime.signer, { ...first, sender: B, recipient: A });
    const wrongWay = [...lines];
    const firstIndex = lines.findIndex(
      (l) => l.startsWith('{"type":"receipt"') && JSON.parse(l).seq === first.seq,
    );
    wrongWay[firstIndex] = JSON.stringify({
      type: 'receipt',
      seq: first.seq,
      evidence: first.evidence,
      jws: swapped,
    });
    expect(await verify(wrongWay)).toBe(`receipt seq ${first.seq}: parties`);
  });
});
