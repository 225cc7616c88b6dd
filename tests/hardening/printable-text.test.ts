// Hardening (issue 12, finding 9): references and media types that one party chooses and the other party's
// terminal or browser shows are printable text only, refused at the exchange (and by the core schemas both sides
// share), so an escape sequence, a forged line or a bidi override never gets into a label or a manifest.
import { createHash, randomBytes } from 'node:crypto';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_TYP, ManifestDocumentSchema } from '../../shared/custody/manifest.ts';
import { asPrincipal, seedParties, type TestExchange } from '../custody/custody-fixture.ts';
import { createTokenClient, type TestPrincipal } from '../support/identity.ts';
import { claimsFromLabel } from '../support/label-claims.ts';
import { startTestExchange } from '../support/local-exchange.ts';

let x: TestExchange;
let tokens: ReturnType<typeof createTokenClient>;

async function call(who: TestPrincipal, method: string, path: string, body: unknown) {
  const res = await x.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${await tokens.tokenFor(who)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { code?: string; errors?: Array<{ field: string }> },
  };
}

const hostile = [
  'NL-\u001b[2J\u001b]0;pwned\u0007',
  'NL-1\r\nOK: forged',
  'NL-\u202E1-LM',
  'NL-\u009b31m',
  'NL-\u007f',
];

describe('printable references and media types', () => {
  beforeAll(async () => {
    x = await startTestExchange();
    tokens = createTokenClient(x.runtime.app, x.runtime.config.issuer);
  });
  afterAll(async () => {
    await x?.stop();
  });

  it('refuses a requester reference with control or format characters, and accepts any printable script', async () => {
    const { a, b } = await seedParties(x);
    const officer = a.member('officer');
    const create = (requesterReference: string) =>
      call(officer, 'POST', '/v1/exchanges', {
        kind: 'mla',
        urgency: 'normal',
        requestedId: b.authorityId,
        requesterReference,
      });
    for (const reference of hostile) {
      const refused = await create(reference);
      expect(refused.status, JSON.stringify(reference)).toBe(400);
      expect(refused.body.code).toBe('ERR_VALIDATION');
      expect(refused.body.errors?.map((e) => e.field)).toContain('json.requesterReference');
    }
    expect((await create('Réf. 2026/ü – ١٢٣ – 第4号')).status).toBe(201);
  });

  it('refuses a requested reference with control characters in a reply', async () => {
    const { a, b } = await seedParties(x);
    const label = await x.runtime.exchanges.createExchange(asPrincipal(a.member('officer')), {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'PR-1',
    });
    const refused = await call(b.member('officer'), 'POST', `/v1/exchanges/${label.id}/messages`, {
      messageId: `msg_${randomBytes(16).toString('base64url')}`,
      kind: 'acknowledgement',
      documentIds: [],
      manifest: 'x'.repeat(40),
      requestedReference: 'SM-\u001b[31m-7',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('ERR_VALIDATION');
  });

  it('refuses a manifest whose media type is not a media type, even when it is validly signed', async () => {
    const entry = {
      documentId: `doc_${randomBytes(16).toString('base64url')}`,
      name: 'annex.pdf',
      size: 1,
      plaintextSha256: createHash('sha256').update('p').digest('hex'),
      sealedSize: 1,
      sealedSha256: createHash('sha256').update('s').digest('hex'),
    };
    expect(ManifestDocumentSchema.safeParse({ ...entry, mediaType: 'application/pdf' }).success).toBe(true);
    for (const mediaType of ['text/html\u001b[5m', 'text/plain\r\nX: y', 'nonsense', 'a/b c']) {
      expect(ManifestDocumentSchema.safeParse({ ...entry, mediaType }).success, mediaType).toBe(false);
    }

    // Signed by hand (signManifest itself refuses the shape), and posted: the exchange refuses it.
    const { a, b } = await seedParties(x);
    const officer = a.member('officer');
    const label = await x.runtime.exchanges.createExchange(asPrincipal(officer), {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'PR-2',
    });
    // A real committed upload, so that the media type is the only thing wrong with the manifest.
    const bytes = randomBytes(64);
    const sealedSha256 = createHash('sha256').update(bytes).digest('hex');
    const declared = await x.runtime.exchanges.declareDocument(asPrincipal(officer), label.id, {
      sealedSize: bytes.length,
      sealedSha256,
    });
    const [url] = declared.urls;
    await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: new Uint8Array(bytes) });
    await x.runtime.exchanges.commitDocument(
      asPrincipal(officer),
      label.id,
      declared.document.documentId,
      [],
    );
    const uploaded = {
      ...entry,
      documentId: declared.document.documentId,
      sealedSize: bytes.length,
      sealedSha256,
    };
    const sign = (mediaType: string) =>
      new CompactSign(
        new TextEncoder().encode(JSON.stringify({ ...payload, documents: [{ ...uploaded, mediaType }] })),
      )
        .setProtectedHeader({ alg: 'ES256', kid: officer.key.kid, typ: MANIFEST_TYP })
        .sign(officer.key.privateKey);
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    const payload = {
      v: 1,
      exchangeId: label.id,
      messageId,
      messageKind: 'request',
      sender: officer.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents: [],
      senderAssertions: {},
      label: claimsFromLabel(label, a.authorityId),
    };
    const forged = await sign('text/html\u001b[5m');
    const refused = await call(officer, 'POST', `/v1/exchanges/${label.id}/messages`, {
      messageId,
      kind: 'request',
      documentIds: [uploaded.documentId],
      manifest: forged,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('ERR_MANIFEST_INVALID');
    // The control: the same manifest with a media type is accepted.
    const accepted = await call(officer, 'POST', `/v1/exchanges/${label.id}/messages`, {
      messageId,
      kind: 'request',
      documentIds: [uploaded.documentId],
      manifest: await sign('application/pdf'),
    });
    expect(accepted.status).toBe(201);
  });
});
