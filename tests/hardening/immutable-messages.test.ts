// Hardening (issue 12, finding 1): a sent message is immutable. Posting again with the same message id and a new
// signed manifest (another file, another digest) must not replace the message the recipient reads, before or after
// delivery; a byte-identical retry returns the original; anything else is 409 ERR_MESSAGE_IMMUTABLE, and the
// ledger holds exactly one `message.sent` for the id. Against the embedded servers, with real signatures.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signManifest } from '../../shared/custody/manifest.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { verifyChain } from '../../shared/domain/ledger/verify-chain.ts';
import { asPrincipal, seedParties, type TestExchange } from '../custody/custody-fixture.ts';
import type { TestPrincipal } from '../support/identity.ts';
import { claimsFromExchanges } from '../support/label-claims.ts';
import { startTestExchange } from '../support/local-exchange.ts';

let x: TestExchange;

/** Upload and commit `bytes` as a sealed document of `who`'s in `exchangeId`. */
async function upload(who: TestPrincipal, exchangeId: string, bytes: Buffer) {
  const svc = x.runtime.exchanges;
  const sealedSha256 = createHash('sha256').update(bytes).digest('hex');
  const declared = await svc.declareDocument(asPrincipal(who), exchangeId, {
    sealedSize: bytes.length,
    sealedSha256,
  });
  const [url] = declared.urls as Array<{ url: string; headers: Record<string, string> }>;
  await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: new Uint8Array(bytes) });
  await svc.commitDocument(asPrincipal(who), exchangeId, declared.document.documentId, []);
  return { documentId: declared.document.documentId, sealedSha256, sealedSize: bytes.length };
}

async function manifestFor(
  who: TestPrincipal,
  exchangeId: string,
  messageId: string,
  docs: Array<{ documentId: string; sealedSha256: string; sealedSize: number }>,
  name = 'request.bin',
) {
  const label = await claimsFromExchanges(x.runtime.exchanges, asPrincipal(who), exchangeId);
  return signManifest(
    {
      v: 1,
      exchangeId,
      messageId,
      messageKind: 'request',
      label,
      sender: who.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents: docs.map((d) => ({
        documentId: d.documentId,
        name,
        mediaType: 'application/octet-stream',
        size: 10,
        plaintextSha256: createHash('sha256').update(`plain-${d.documentId}`).digest('hex'),
        sealedSize: d.sealedSize,
        sealedSha256: d.sealedSha256,
      })),
    },
    who.key.privateKey,
    { alg: 'ES256', kid: who.key.kid },
  );
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('a sent message is immutable', () => {
  beforeAll(async () => {
    x = await startTestExchange();
  });
  afterAll(async () => {
    await x?.stop();
  });

  it('refuses a second manifest for a sent message id, before and after delivery, and keeps the original', async () => {
    const { a, b } = await seedParties(x);
    const sender = a.member('officer');
    const reader = b.member('officer');
    const svc = x.runtime.exchanges;
    const label = await svc.createExchange(asPrincipal(sender), {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'IMM-1',
    });
    const original = await upload(sender, label.id, randomBytes(80));
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    const manifest = await manifestFor(sender, label.id, messageId, [original]);
    const input = { messageId, kind: 'request' as const, documentIds: [original.documentId], manifest };
    const sent = await svc.postMessage(asPrincipal(sender), label.id, input);
    expect(sent.status).toBe('submitted');

    // A byte-identical retry returns the original answer.
    const retried = await svc.postMessage(asPrincipal(sender), label.id, input);
    expect(retried.seq).toBe(sent.seq);
    expect(retried.message.manifest).toBe(manifest);

    // The attack: the same message id, a substituted file and a freshly signed manifest, before delivery...
    const substitute = await upload(sender, label.id, randomBytes(80));
    const forged = await manifestFor(sender, label.id, messageId, [substitute], 'substituted.bin');
    const before = await rejection(
      svc.postMessage(asPrincipal(sender), label.id, {
        messageId,
        kind: 'request',
        documentIds: [substitute.documentId],
        manifest: forged,
      }),
    );
    expect(isPouchError(before, 'ERR_MESSAGE_IMMUTABLE')).toBe(true);

    // ... and after the recipient has read it; even a re-signed manifest for the same document is refused.
    await svc.getExchange(asPrincipal(reader), label.id);
    const resigned = await manifestFor(sender, label.id, messageId, [original], 'renamed.bin');
    const after = await rejection(
      svc.postMessage(asPrincipal(sender), label.id, {
        messageId,
        kind: 'request',
        documentIds: [original.documentId],
        manifest: resigned,
      }),
    );
    expect(isPouchError(after, 'ERR_MESSAGE_IMMUTABLE')).toBe(true);

    // The recipient still reads the original manifest; the ledger has one message.sent for the id and verifies.
    const seen = await svc.getExchange(asPrincipal(reader), label.id);
    expect(seen.messages.map((m) => m.manifest)).toEqual([manifest]);
    const events = await x.runtime.ledger.read(label.id);
    expect(events.filter((e) => e.action === 'message.sent')).toHaveLength(1);
    expect(verifyChain(events).ok).toBe(true);
  });

  it('answers 409 ERR_MESSAGE_IMMUTABLE over HTTP', async () => {
    const { a, b } = await seedParties(x);
    const sender = a.member('officer');
    const svc = x.runtime.exchanges;
    const label = await svc.createExchange(asPrincipal(sender), {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'IMM-2',
    });
    const doc = await upload(sender, label.id, randomBytes(64));
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    await svc.postMessage(asPrincipal(sender), label.id, {
      messageId,
      kind: 'request',
      documentIds: [doc.documentId],
      manifest: await manifestFor(sender, label.id, messageId, [doc]),
    });
    const { createTokenClient } = await import('../support/identity.ts');
    const token = await createTokenClient(x.runtime.app, x.runtime.config.issuer).tokenFor(sender);
    const res = await x.runtime.app.request(`/v1/exchanges/${label.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        messageId,
        kind: 'request',
        documentIds: [doc.documentId],
        manifest: await manifestFor(sender, label.id, messageId, [doc], 'other.bin'),
      }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_MESSAGE_IMMUTABLE');
  });

  it('never rewrites a committed document record or moves it to another message (conditional writes)', async () => {
    const { a, b } = await seedParties(x);
    const sender = a.member('officer');
    const svc = x.runtime.exchanges;
    const label = await svc.createExchange(asPrincipal(sender), {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'IMM-3',
    });
    const doc = await upload(sender, label.id, randomBytes(64));
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    await svc.postMessage(asPrincipal(sender), label.id, {
      messageId,
      kind: 'request',
      documentIds: [doc.documentId],
      manifest: await manifestFor(sender, label.id, messageId, [doc]),
    });
    const repo = x.runtime.exchangeRepository;
    const stored = await repo.getDocument(label.id, doc.documentId);
    expect(stored?.messageId).toBe(messageId);
    const rewrite = await rejection(
      repo.putDocument({ ...stored!, sealedSha256: 'f'.repeat(64), messageId: 'msg_other_other_other_x' }),
    );
    expect(isPouchError(rewrite, 'ERR_CONFLICT')).toBe(true);
    const backwards = await rejection(repo.putDocument({ ...stored!, state: 'pending' }));
    expect(isPouchError(backwards, 'ERR_CONFLICT')).toBe(true);
    const messages = await repo.listMessages(label.id);
    const overwrite = await rejection(repo.putMessage({ ...messages[0]!, manifest: 'forged' }));
    expect(isPouchError(overwrite, 'ERR_CONFLICT')).toBe(true);
  });
});
