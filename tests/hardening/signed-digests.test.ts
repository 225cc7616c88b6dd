// Hardening (issue 12, finding 2): the exchange signs only digests it verified. Against a real local exchange
// (dynalite + s3rver, real adapters, multipart forced at a tiny part size): a sender declares a whole-file
// `sealedSha256` that is not the file's, uploads correct parts, and the exchange must record and sign the parts'
// composite that storage verified, never the claim; a manifest must bind that composite; the sender's check
// result and `final` travel inside its signed manifest, recorded under `senderAssertions`, and a body that says
// otherwise, or a profile version the recipient never published, is refused.

import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchExchange } from '../../client/exchange/fetch-documents.ts';
import {
  commitDocument,
  createExchange as createExchangeApi,
  declareDocument,
  newIdempotencyKey,
  postMessage as postMessageApi,
} from '../../client/sdk/exchange-api.ts';
import { createPouchClient } from '../../client/sdk/pouch-client.ts';
import { objectKeys } from '../../server/config/storage-definitions.ts';
import { deriveRecipient, generateIdentity } from '../../shared/crypto/age-keys.ts';
import { sealStream } from '../../shared/crypto/age-native.ts';
import { partsDigestOf } from '../../shared/crypto/sealed-digest.ts';
import { verifyBundle } from '../../shared/custody/bundle.ts';
import { type ClaimedLabelView, type ManifestDocument, signManifest } from '../../shared/custody/manifest.ts';
import { verifyReceipt } from '../../shared/custody/receipts.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { planUpload, uploadLimits } from '../../shared/domain/upload-plan.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { claimsFromLabel } from '../support/label-claims.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import {
  cutParts,
  type FaultyExchange,
  manifestEntry,
  newMessageId,
  sha256Hex,
  startFaultyExchange,
} from './fault-harness.ts';

const PART_SIZE = 64;

let x: FaultyExchange;
let a: SeededAuthority;
let b: SeededAuthority;
const bearer = new Map<TestPrincipal, string>();

async function call(who: TestPrincipal, method: string, path: string, body?: unknown) {
  if (!bearer.has(who)) {
    bearer.set(who, await createTokenClient(x.runtime.app, x.runtime.config.issuer).tokenFor(who));
  }
  const res = await x.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${bearer.get(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  return { status: res.status, body: parsed as Record<string, unknown> & { code?: string } };
}

async function createExchange(): Promise<string> {
  const res = await call(a.member('officer'), 'POST', '/v1/exchanges', {
    kind: 'mla',
    urgency: 'normal',
    requestedId: b.authorityId,
    requesterReference: 'DIGEST-1',
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Declare `sealed` as multipart with correct part digests but `claimedSha256` as the whole-file digest. */
async function uploadMultipart(exchangeId: string, sealed: Uint8Array, claimedSha256 = sha256Hex(sealed)) {
  const { slices, sha256s } = cutParts(sealed, PART_SIZE);
  const declared = await call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/documents`, {
    sealedSize: sealed.length,
    sealedSha256: claimedSha256,
    partSize: PART_SIZE,
    partSha256s: sha256s,
  });
  expect(declared.status).toBe(201);
  const documentId = (declared.body.document as { documentId: string }).documentId;
  const parts: Array<{ partNumber: number; etag: string }> = [];
  for (const [i, url] of (
    declared.body.urls as Array<{ url: string; headers: Record<string, string> }>
  ).entries()) {
    const put = await fetch(url.url, { method: 'PUT', headers: url.headers, body: Buffer.from(slices[i]!) });
    expect(put.status).toBe(200);
    parts.push({ partNumber: i + 1, etag: put.headers.get('etag') ?? '' });
  }
  const committed = await call(
    a.member('officer'),
    'POST',
    `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`,
    { parts },
  );
  expect(committed.status).toBe(200);
  return { documentId, composite: partsDigestOf(sha256s) };
}

/** Sign a manifest as A's officer with the given entries (and assertions), and post it with `body`. */
async function postMessage(
  exchangeId: string,
  kind: string,
  entries: ManifestDocument[],
  extra: { senderAssertions?: Record<string, unknown>; body?: Record<string, unknown> } = {},
  who: TestPrincipal = a.member('officer'),
) {
  const messageId = newMessageId();
  const served = await call(who, 'GET', `/v1/exchanges/${exchangeId}`);
  const manifest = await signManifest(
    {
      v: 1,
      exchangeId,
      messageId,
      messageKind: kind,
      sender: who.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents: entries,
      ...(extra.senderAssertions ? { senderAssertions: extra.senderAssertions } : {}),
      label: claimsFromLabel(served.body.label as ClaimedLabelView, who.authorityId),
    },
    who.key.privateKey,
    { alg: 'ES256', kid: who.key.kid },
  );
  return call(who, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
    messageId,
    kind,
    documentIds: entries.map((e) => e.documentId),
    manifest,
    ...extra.body,
  });
}

const eventsOf = (exchangeId: string) => x.runtime.ledger.read(exchangeId);
const findEvent = (events: LedgerEvent[], action: string) => events.find((e) => e.action === action);

describe('signed means verified (finding 2)', () => {
  beforeAll(async () => {
    x = await startFaultyExchange({ partSize: PART_SIZE });
    const dir = x.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
  });
  afterAll(async () => {
    await x?.stop();
  });

  it('records and signs the parts composite storage verified, never the whole-file digest the sender declared', async () => {
    const exchangeId = await createExchange();
    const sealed = randomBytes(PART_SIZE * 3 + 17);
    // The attack: a whole-file digest of other bytes, with honest part digests (storage checks only those).
    const lie = sha256Hex(randomBytes(32));
    const { documentId, composite } = await uploadMultipart(exchangeId, sealed, lie);
    expect(composite).toMatch(/^[0-9a-f]{64}-4$/);

    const entry = { ...manifestEntry(documentId, sealed, undefined, PART_SIZE), sealedSha256: lie };
    const sent = await postMessage(exchangeId, 'request', [entry]);
    expect(sent.status).toBe(201);
    const read = await call(b.member('officer'), 'GET', `/v1/exchanges/${exchangeId}`);
    expect(read.status).toBe(200);
    const download = await call(
      b.member('officer'),
      'POST',
      `/v1/exchanges/${exchangeId}/documents/${documentId}/download`,
    );
    expect(download.status).toBe(200);

    const events = await eventsOf(exchangeId);
    const verifiedDigest = {
      documentId,
      plaintextSha256: entry.plaintextSha256,
      sealedPartsSha256: composite,
      partSize: PART_SIZE,
      size: sealed.length,
    };
    expect(findEvent(events, 'document.uploaded')?.details).toEqual({
      sealedPartsSha256: composite,
      partSize: PART_SIZE,
      sealedSize: sealed.length,
      status: 'open',
    });
    expect(findEvent(events, 'message.sent')?.documents).toEqual([verifiedDigest]);
    expect(findEvent(events, 'document.retrieved')?.documents).toEqual([verifiedDigest]);
    // Nowhere does the exchange record, or sign, the claim it could not check.
    expect(JSON.stringify(events)).not.toContain(lie);
    const receipts = await call(a.member('officer'), 'GET', `/v1/exchanges/${exchangeId}/receipts`);
    const jwk = await x.runtime.signer.publicJwk();
    const signed = await Promise.all(
      (receipts.body.receipts as Array<{ jws: string }>).map((r) => verifyReceipt(r.jws, jwk)),
    );
    expect(signed.map((p) => p.evidence)).toEqual([
      'SubmissionAcceptance',
      'ContentConsignment',
      'ContentHandover',
    ]);
    for (const payload of signed.filter((p) => p.evidence !== 'ContentConsignment')) {
      expect(payload.documents).toEqual([verifiedDigest]);
    }
    expect(JSON.stringify(signed)).not.toContain(lie);

    // The manifest keeps the sender's claim (the recipient's client checks it after download) and binds the
    // composite; the exported bundle verifies manifest against event in that form.
    const bundle = await x.runtime.app.request(`/v1/exchanges/${exchangeId}/bundle`, {
      headers: {
        authorization: `Bearer ${await createTokenClient(x.runtime.app, x.runtime.config.issuer).tokenFor(a.member('auditor'))}`,
      },
    });
    expect(bundle.status).toBe(200);
    const verdict = await verifyBundle(Readable.from([Buffer.from(await bundle.arrayBuffer())]), {
      trustedExchangeKeys: [jwk],
    });
    expect(verdict.ok ? 'ok' : verdict.broken.pointer).toBe('ok');
  });

  it('refuses a multipart manifest that does not bind the composite storage verified', async () => {
    const exchangeId = await createExchange();
    const sealed = randomBytes(PART_SIZE * 2 + 5);
    const { documentId } = await uploadMultipart(exchangeId, sealed);
    const bound = manifestEntry(documentId, sealed, undefined, PART_SIZE);

    // Without the composite: only the unverifiable whole-file digest would be left to sign.
    const { sealedPartsSha256: _dropped, partSize: _size, ...unbound } = bound;
    const missing = await postMessage(exchangeId, 'request', [unbound]);
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('ERR_MANIFEST_INVALID');

    const otherParts = cutParts(randomBytes(sealed.length), PART_SIZE).sha256s;
    const wrong = await postMessage(exchangeId, 'request', [
      { ...bound, sealedPartsSha256: partsDigestOf(otherParts) },
    ]);
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('ERR_HASH_MISMATCH');

    const wrongSize = await postMessage(exchangeId, 'request', [{ ...bound, partSize: PART_SIZE * 2 }]);
    expect(wrongSize.status).toBe(422);
    expect(wrongSize.body.code).toBe('ERR_HASH_MISMATCH');

    expect(findEvent(await eventsOf(exchangeId), 'message.sent')).toBeUndefined();
    expect((await postMessage(exchangeId, 'request', [bound])).status).toBe(201);
  });

  it('takes the check result and `final` from the signed manifest, recorded as the sender’s assertions', async () => {
    const exchangeId = await createExchange();
    const sealed = randomBytes(PART_SIZE + 1);
    const { documentId } = await uploadMultipart(exchangeId, sealed);
    const entry = manifestEntry(documentId, sealed, undefined, PART_SIZE);

    // The attack: a check result in the request body that no one signed.
    const unsigned = await postMessage(exchangeId, 'request', [entry], {
      body: { check: { profileVersion: 1, errors: 0, forced: false } },
    });
    expect(unsigned.status).toBe(422);
    expect(unsigned.body).toMatchObject({ code: 'ERR_MANIFEST_INVALID', field: 'json.check' });

    const check = { profileVersion: 1, errors: 2, forced: true };
    const disagrees = await postMessage(exchangeId, 'request', [entry], {
      senderAssertions: { check },
      body: { check: { ...check, errors: 0 } },
    });
    expect(disagrees.status).toBe(422);
    expect(disagrees.body).toMatchObject({ code: 'ERR_MANIFEST_INVALID', field: 'json.check' });

    // A profile version the recipient never published.
    const unknown = await postMessage(exchangeId, 'request', [entry], {
      senderAssertions: { check: { ...check, profileVersion: 99 } },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'ERR_MANIFEST_INVALID', reason: 'unknown-profile-version' });
    expect(findEvent(await eventsOf(exchangeId), 'message.sent')).toBeUndefined();

    const sent = await postMessage(exchangeId, 'request', [entry], {
      senderAssertions: { check },
      body: { check },
    });
    expect(sent.status).toBe(201);
    const event = findEvent(await eventsOf(exchangeId), 'message.sent');
    expect(event?.outcome).toBe('forced');
    expect(event?.details?.senderAssertions).toEqual({ check });
    expect(event?.details).not.toHaveProperty('check');
    expect(event?.details).not.toHaveProperty('final');
  });

  it('moves evidence to executed only when the signed manifest says final', async () => {
    const exchangeId = await createExchange();
    const request = randomBytes(PART_SIZE);
    const { documentId } = await uploadMultipart(exchangeId, request);
    expect(
      (await postMessage(exchangeId, 'request', [manifestEntry(documentId, request, undefined, PART_SIZE)]))
        .status,
    ).toBe(201);
    const officerB = b.member('officer');
    expect((await postMessage(exchangeId, 'acknowledgement', [], {}, officerB)).status).toBe(201);

    // `final: true` in the body, unsigned: refused. Signed `final: false` with body `final: true`: refused.
    const bodyOnly = await postMessage(exchangeId, 'evidence', [], { body: { final: true } }, officerB);
    expect(bodyOnly.status).toBe(422);
    expect(bodyOnly.body).toMatchObject({ code: 'ERR_MANIFEST_INVALID', field: 'json.final' });
    const contradicts = await postMessage(
      exchangeId,
      'evidence',
      [],
      { senderAssertions: { final: false }, body: { final: true } },
      officerB,
    );
    expect(contradicts.status).toBe(422);

    const finalEvidence = await postMessage(
      exchangeId,
      'evidence',
      [],
      { senderAssertions: { final: true } },
      officerB,
    );
    expect(finalEvidence.status).toBe(201);
    expect(finalEvidence.body.status).toBe('executed');
    const last = (await eventsOf(exchangeId)).filter((e) => e.action === 'message.sent').at(-1);
    expect(last?.details?.senderAssertions).toEqual({ final: true });
  });
});

describe('the recipient’s client holds the bytes to what the exchange signed (finding 2)', () => {
  let exchange: Awaited<ReturnType<typeof startTestExchange>>;
  let a2: SeededAuthority;
  let b2: SeededAuthority;

  beforeAll(async () => {
    exchange = await startTestExchange();
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
    a2 = await seedTestAuthority(exchange.runtime.directory, { country: 'XA', members });
    b2 = await seedTestAuthority(exchange.runtime.directory, { country: 'XB', members });
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  const clientOf = (who: TestPrincipal) =>
    createPouchClient({
      baseUrl: exchange.url,
      credentials: {
        clientId: who.clientId,
        kid: who.key.kid,
        privateKey: who.key.privateKey,
        alg: who.key.alg,
      },
    });
  const seal = async (plaintext: Buffer, recipients: string[]) => {
    const stream = sealStream(Readable.from([plaintext]), recipients);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk));
    return { bytes: Buffer.concat(chunks), digests: await stream.digests };
  };

  it('refuses a download whose whole-file digest matches the sender’s claim but not the composite the exchange signed', async () => {
    const sender = a2.member('officer');
    const identity = (await generateIdentity()).identity;
    const recipients = [await deriveRecipient(identity)];
    // A colluding sender and operator: the exchange confirms and signs X, the manifest's whole-file claim is Y,
    // and the operator serves Y. Both are genuine age files for the recipient, above the multipart threshold.
    const size = uploadLimits.singlePutMaxBytes + 1024;
    const x = await seal(randomBytes(size), recipients);
    const plainY = randomBytes(size);
    const y = await seal(plainY, recipients);
    expect(y.bytes.length).toBe(x.bytes.length);
    const plan = planUpload(x.bytes.length, Number.MAX_SAFE_INTEGER);
    if (plan.kind !== 'multipart') throw new Error('expected a multipart plan');
    const client = clientOf(sender);

    const created = await createExchangeApi(
      client,
      { kind: 'mla', urgency: 'normal', requestedId: b2.authorityId, requesterReference: 'COLLUDE-1' },
      newIdempotencyKey(),
    );
    const { slices, sha256s } = cutParts(x.bytes, plan.partSize);
    const declared = await declareDocument(
      client,
      created.id,
      {
        sealedSize: x.bytes.length,
        sealedSha256: y.digests.sealedSha256,
        partSize: plan.partSize,
        partSha256s: sha256s,
      },
      newIdempotencyKey(),
    );
    const parts = [];
    for (const [i, url] of declared.urls.entries()) {
      const put = await fetch(url.url, {
        method: 'PUT',
        headers: url.headers,
        body: Buffer.from(slices[i]!),
      });
      expect(put.status).toBe(200);
      parts.push({ partNumber: i + 1, etag: put.headers.get('etag') ?? '', sha256: sha256s[i]! });
    }
    const documentId = declared.document.documentId;
    await commitDocument(client, created.id, documentId, parts);
    const messageId = newMessageId();
    const manifest = await signManifest(
      {
        v: 1,
        exchangeId: created.id,
        messageId,
        messageKind: 'request',
        sender: sender.clientId,
        iat: Math.floor(Date.now() / 1000),
        documents: [
          {
            documentId,
            name: 'image.bin',
            mediaType: 'application/octet-stream',
            size: plainY.length,
            plaintextSha256: sha256Hex(plainY),
            sealedSize: y.bytes.length,
            sealedSha256: y.digests.sealedSha256,
            sealedPartsSha256: partsDigestOf(sha256s),
            partSize: plan.partSize,
          },
        ],
        label: claimsFromLabel(created, sender.authorityId),
      },
      sender.key.privateKey,
      { alg: 'ES256', kid: sender.key.kid },
    );
    await postMessageApi(
      client,
      created.id,
      { messageId, kind: 'request', documentIds: [documentId], manifest },
      newIdempotencyKey(),
    );
    await exchange.runtime.clients.s3.send(
      new PutObjectCommand({
        Bucket: exchange.runtime.config.evidenceBucket,
        Key: objectKeys.document(created.id, documentId),
        Body: y.bytes,
        ChecksumSHA256: createHash('sha256').update(y.bytes).digest('base64'),
      }),
    );

    const outDir = join(exchange.dataDir, `fetch-${randomBytes(4).toString('hex')}`);
    const failure = await fetchExchange({
      client: clientOf(b2.member('officer')),
      exchangeId: created.id,
      outDir,
      identities: [identity],
    }).catch((error: unknown) => error);
    expect(isPouchError(failure, 'ERR_HASH_MISMATCH')).toBe(true);
    expect((await readdir(outDir, { recursive: true })).filter((f) => !f.startsWith('.'))).toEqual([
      '01-request',
    ]);
  });
});
