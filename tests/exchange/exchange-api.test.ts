// Integration: the sealed exchange over HTTP against a real local exchange (dynalite + s3rver, real age sealing,
// real signatures). A request goes out sealed, is delivered, retrieved, opened and verified; every step is in the
// ledger with its receipt; outsiders get 404; invalid moves get 409; retries with an Idempotency-Key are safe.

import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRecipient, generateIdentity } from '../../shared/crypto/age-keys.ts';
import { openStream, sealStream } from '../../shared/crypto/age-native.ts';
import { type ClaimedLabelView, signManifest, verifyManifest } from '../../shared/custody/manifest.ts';
import { verifyReceipt } from '../../shared/custody/receipts.ts';
import { verifyChain } from '../../shared/domain/ledger/verify-chain.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { claimsFromLabel } from '../support/label-claims.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const messageId = () => `msg_${randomBytes(16).toString('base64url')}`;

describe('sealed exchange API', () => {
  let exchange: Exchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  let c: SeededAuthority;
  let tokens: ReturnType<typeof createTokenClient>;
  const identities = new Map<string, string>();
  const bearer = new Map<TestPrincipal, string>();

  async function call(
    who: TestPrincipal,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    if (!bearer.has(who)) bearer.set(who, await tokens.tokenFor(who));
    const res = await exchange.runtime.app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${bearer.get(who)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { code?: string } };
  }

  beforeAll(async () => {
    exchange = await startTestExchange();
    const dir = exchange.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
    c = await seedTestAuthority(dir, { country: 'XC', members });
    for (const auth of [a, b, c]) identities.set(auth.authorityId, (await generateIdentity()).identity);
    tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  });
  afterAll(async () => {
    await exchange.stop();
  });

  /** Seal `plaintext` for the recipient and the sender, upload it through the presigned URL, commit it. */
  async function sendDocument(
    who: TestPrincipal,
    exchangeId: string,
    plaintext: Buffer,
    recipients: string[],
  ) {
    const sealed = sealStream(Readable.from([plaintext]), recipients);
    const bytes = await collect(sealed);
    const digests = await sealed.digests;
    const declared = await call(who, 'POST', `/v1/exchanges/${exchangeId}/documents`, {
      sealedSize: digests.sealedSize,
      sealedSha256: digests.sealedSha256,
    });
    expect(declared.status).toBe(201);
    const [url] = declared.body.urls as Array<{ url: string; headers: Record<string, string> }>;
    const put = await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: new Uint8Array(bytes) });
    expect(put.status).toBe(200);
    const documentId = (declared.body.document as { documentId: string }).documentId;
    const committed = await call(who, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`, {
      parts: [],
    });
    expect(committed.status).toBe(200);
    return { documentId, digests, bytes };
  }

  async function post(
    who: TestPrincipal,
    exchangeId: string,
    kind: string,
    docs: Array<{ documentId: string; digests: Awaited<ReturnType<typeof sendDocument>>['digests'] }>,
    extra: Record<string, unknown> = {},
  ) {
    const id = messageId();
    const served = await call(who, 'GET', `/v1/exchanges/${exchangeId}`);
    const manifest = await signManifest(
      {
        v: 1,
        exchangeId,
        messageId: id,
        messageKind: kind,
        sender: who.clientId,
        iat: Math.floor(Date.now() / 1000),
        documents: docs.map((d) => ({
          documentId: d.documentId,
          name: 'request.json',
          mediaType: 'application/json',
          size: d.digests.plaintextSize,
          plaintextSha256: d.digests.plaintextSha256,
          sealedSize: d.digests.sealedSize,
          sealedSha256: d.digests.sealedSha256,
        })),
        label: claimsFromLabel(served.body.label as ClaimedLabelView, who.authorityId),
      },
      who.key.privateKey,
      { alg: 'ES256', kid: who.key.kid },
    );
    return call(who, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
      messageId: id,
      kind,
      documentIds: docs.map((d) => d.documentId),
      manifest,
      ...extra,
    });
  }

  it('carries a sealed request from A to B, with delivery, retrieval, receipts and a verifiable ledger', async () => {
    const officerA = a.member('officer');
    const officerB = b.member('officer');
    const created = await call(officerA, 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'urgent',
      requestedId: b.authorityId,
      requesterReference: 'XA-2026-0042',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'open',
      requesterId: a.authorityId,
      requestedId: b.authorityId,
    });
    const exchangeId = created.body.id as string;
    expect(exchangeId).toMatch(/^exch_[A-Za-z0-9_-]{22}$/);

    const plaintext = Buffer.from(JSON.stringify({ request: 'Please preserve and produce the records.' }));
    const recipients = [
      await deriveRecipient(identities.get(b.authorityId)!),
      await deriveRecipient(identities.get(a.authorityId)!),
    ];
    const doc = await sendDocument(officerA, exchangeId, plaintext, recipients);

    // Acknowledging before the request exists is refused by the state machine, naming the state.
    const early = await post(officerB, exchangeId, 'acknowledgement', []);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'ERR_INVALID_STATE', state: 'open' });

    const sent = await post(officerA, exchangeId, 'request', [doc]);
    expect(sent.status).toBe(201);
    expect(sent.body.status).toBe('submitted');

    // B sees it in its inbox, and its first read records delivery.
    const inbox = await call(officerB, 'GET', '/v1/exchanges?box=inbox');
    expect((inbox.body.items as Array<{ id: string }>).map((e) => e.id)).toContain(exchangeId);
    const seen = await call(officerB, 'GET', `/v1/exchanges/${exchangeId}`);
    expect(seen.status).toBe(200);
    const [message] = seen.body.messages as Array<{
      messageId: string;
      manifest: string;
      deliveredAt?: string;
    }>;
    expect(message?.deliveredAt).toBeDefined();

    // B downloads, checks the sealed hash, opens with its identity, checks the plaintext hash and the signature.
    const download = await call(
      officerB,
      'POST',
      `/v1/exchanges/${exchangeId}/documents/${doc.documentId}/download`,
    );
    expect(download.status).toBe(200);
    expect(download.body.expiresInSeconds).toBeLessThanOrEqual(300);
    const fetched = Buffer.from(await (await fetch(download.body.url as string)).arrayBuffer());
    expect(sha256(fetched)).toBe(doc.digests.sealedSha256);
    const opened = await collect(openStream(Readable.from([fetched]), [identities.get(b.authorityId)!]));
    expect(opened.equals(plaintext)).toBe(true);
    const senderKey = officerA.key.publicJwk;
    const { manifest } = await verifyManifest(message!.manifest, senderKey, {
      exchangeId,
      sender: officerA.clientId,
    });
    expect(manifest.documents[0]?.plaintextSha256).toBe(sha256(plaintext));

    // A retried download with the same Idempotency-Key returns the same URL and records one retrieval.
    const key = randomBytes(12).toString('hex');
    const path = `/v1/exchanges/${exchangeId}/documents/${doc.documentId}/download`;
    const once = await call(officerB, 'POST', path, undefined, { 'idempotency-key': key });
    const twice = await call(officerB, 'POST', path, undefined, { 'idempotency-key': key });
    expect(twice.body.url).toBe(once.body.url);
    const retrievals = (await exchange.runtime.ledger.read(exchangeId)).filter(
      (e) => e.action === 'document.retrieved',
    );
    expect(retrievals).toHaveLength(2);

    // Outsiders cannot even learn the exchange exists; A's auditor reads the label, and that read is recorded.
    expect((await call(c.member('officer'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(404);
    expect((await call(c.member('auditor'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(404);
    // A party's admin may know the exchange exists: its role falls short (403), it is not a miss.
    expect((await call(a.member('admin'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(403);
    expect(
      (
        await call(
          a.member('auditor'),
          'POST',
          `/v1/exchanges/${exchangeId}/documents/${doc.documentId}/download`,
        )
      ).status,
    ).toBe(403);
    expect((await call(a.member('auditor'), 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(200);

    const events = await exchange.runtime.ledger.read(exchangeId);
    expect(verifyChain(events, { chain: exchangeId }).ok).toBe(true);
    expect(events.map((e) => e.action)).toEqual([
      'exchange.created',
      'document.uploaded',
      'message.sent',
      'message.delivered',
      'document.retrieved',
      'document.retrieved',
      'auditor.viewed',
    ]);
    expect(events.map((e) => e.details?.status)).toEqual([
      'open',
      'open',
      'submitted',
      'submitted',
      'submitted',
      'submitted',
      'submitted',
    ]);

    const receipts = await call(officerA, 'GET', `/v1/exchanges/${exchangeId}/receipts`);
    const list = receipts.body.receipts as Array<{ seq: number; evidence: string; jws: string }>;
    expect(list.map((r) => r.evidence)).toEqual([
      'SubmissionAcceptance',
      'ContentConsignment',
      'ContentHandover',
      'ContentHandover',
    ]);
    const jwk = await exchange.runtime.signer.publicJwk();
    for (const r of list) {
      const payload = await verifyReceipt(r.jws, jwk);
      expect(payload.eventHash).toBe(events[r.seq]?.hash);
      expect(payload).toMatchObject({ sender: a.authorityId, recipient: b.authorityId, chain: exchangeId });
    }
  });

  it('returns the original result for a retried create, and refuses a reused key with another body', async () => {
    const officerA = a.member('officer');
    const body = {
      kind: 'preservation',
      urgency: 'urgent',
      requestedId: b.authorityId,
      requesterReference: 'P-1',
    };
    const key = randomBytes(12).toString('hex');
    const first = await call(officerA, 'POST', '/v1/exchanges', body, { 'idempotency-key': key });
    const second = await call(officerA, 'POST', '/v1/exchanges', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    const events = await exchange.runtime.ledger.read(first.body.id as string);
    expect(events).toHaveLength(1);
    const other = await call(
      officerA,
      'POST',
      '/v1/exchanges',
      { ...body, requesterReference: 'P-2' },
      {
        'idempotency-key': key,
      },
    );
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('ERR_IDEMPOTENCY_MISMATCH');
  });

  it('rejects a manifest that does not match the upload, or is signed by someone else', async () => {
    const officerA = a.member('officer');
    const created = await call(officerA, 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'XA-2',
    });
    const exchangeId = created.body.id as string;
    const recipients = [await deriveRecipient(identities.get(b.authorityId)!)];
    const doc = await sendDocument(officerA, exchangeId, Buffer.from('evidence'), recipients);
    const forged = { ...doc, digests: { ...doc.digests, sealedSha256: 'f'.repeat(64) } };
    const mismatch = await post(officerA, exchangeId, 'request', [forged]);
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('ERR_HASH_MISMATCH');

    // The auditor's key is in the directory, but the manifest must be signed by the sender itself.
    const id = messageId();
    const manifest = await signManifest(
      {
        v: 1,
        exchangeId,
        messageId: id,
        messageKind: 'request',
        sender: officerA.clientId,
        iat: 1,
        documents: [],
      },
      a.member('auditor').key.privateKey,
      { alg: 'ES256', kid: a.member('auditor').key.kid },
    );
    const wrongSigner = await call(officerA, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
      messageId: id,
      kind: 'request',
      documentIds: [],
      manifest,
    });
    expect(wrongSigner.status).toBe(422);
    expect(wrongSigner.body.code).toBe('ERR_SIGNATURE_INVALID');
    // Nothing was sent: the exchange is still open.
    expect(
      ((await call(officerA, 'GET', `/v1/exchanges/${exchangeId}`)).body.label as { status: string }).status,
    ).toBe('open');
  });

  it('answers 413 up front for a document above the maximum size', async () => {
    const officerA = a.member('officer');
    const created = await call(officerA, 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'XA-3',
    });
    const res = await call(officerA, 'POST', `/v1/exchanges/${created.body.id as string}/documents`, {
      sealedSize: exchange.runtime.config.maxDocumentBytes + 1,
      sealedSha256: 'a'.repeat(64),
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });
});
