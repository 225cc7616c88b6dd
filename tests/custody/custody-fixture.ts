// Test support (custody): drives real exchanges in-process (real DynamoDB/S3 adapters, real signatures) and
// exports their custody bundles through the HTTP route, for the bundle, checkpoint and CLI suites.

import { createHash, randomBytes } from 'node:crypto';
import { signManifest } from '../../shared/custody/manifest.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { claimsFromLabel } from '../support/label-claims.ts';
import type { startTestExchange } from '../support/local-exchange.ts';

export type TestExchange = Awaited<ReturnType<typeof startTestExchange>>;

export const asPrincipal = (who: TestPrincipal): Principal => ({
  kind: 'member',
  clientId: who.clientId,
  authorityId: who.authorityId,
  memberId: who.memberId,
  role: who.role,
});

/** Two authorities (officer + auditor each) and a third one, seeded on `exchange`. */
export async function seedParties(exchange: TestExchange, requested?: SeededAuthority) {
  const dir = exchange.runtime.directory;
  const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];
  const a = await seedTestAuthority(dir, { country: 'XA', members });
  const b = requested ?? (await seedTestAuthority(dir, { country: 'XB', members }));
  const c = await seedTestAuthority(dir, { country: 'XC', members });
  return { a, b, c };
}

/**
 * Run an exchange from `from` to `toAuthorityId`: create, `messages` requests/notes each with one sealed
 * document, the recipient's read (delivery) and retrieval when `recipient` is given. Returns the exchange id.
 */
export async function runExchange(
  exchange: TestExchange,
  from: TestPrincipal,
  toAuthorityId: string,
  options: { recipient?: TestPrincipal; messages?: number } = {},
): Promise<string> {
  const svc = exchange.runtime.exchanges;
  const sender = asPrincipal(from);
  const label = await svc.createExchange(sender, {
    kind: 'mla',
    urgency: 'normal',
    requestedId: toAuthorityId,
    requesterReference: `CUST-${randomBytes(3).toString('hex')}`,
  });
  const count = options.messages ?? 2;
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(64 + i);
    const sealedSha256 = createHash('sha256').update(bytes).digest('hex');
    const declared = await svc.declareDocument(sender, label.id, { sealedSize: bytes.length, sealedSha256 });
    const [url] = declared.urls as Array<{ url: string; headers: Record<string, string> }>;
    await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: new Uint8Array(bytes) });
    const documentId = declared.document.documentId;
    await svc.commitDocument(sender, label.id, documentId, []);
    const kind = i === 0 ? 'request' : 'consultation';
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    const manifest = await signManifest(
      {
        v: 1,
        exchangeId: label.id,
        messageId,
        messageKind: kind,
        sender: from.clientId,
        iat: Math.floor(Date.now() / 1000),
        documents: [
          {
            documentId,
            name: `file-${i}.bin`,
            mediaType: 'application/octet-stream',
            size: 10,
            plaintextSha256: createHash('sha256').update(`plain-${i}`).digest('hex'),
            sealedSize: bytes.length,
            sealedSha256,
          },
        ],
        label: claimsFromLabel(label, from.authorityId),
      },
      from.key.privateKey,
      { alg: 'ES256', kid: from.key.kid },
    );
    await svc.postMessage(sender, label.id, {
      messageId,
      kind: kind as 'request',
      documentIds: [documentId],
      manifest,
    });
    if (options.recipient && i === 0) {
      const reader = asPrincipal(options.recipient);
      await svc.getExchange(reader, label.id);
      await svc.presignDownload(reader, label.id, documentId);
    }
  }
  return label.id;
}

/** Call the app as `who` (token from the exchange itself). */
export function createCaller(exchange: TestExchange) {
  const tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  const bearer = new Map<TestPrincipal, string>();
  return async (who: TestPrincipal, method: string, path: string): Promise<Response> => {
    if (!bearer.has(who)) bearer.set(who, await tokens.tokenFor(who));
    return exchange.runtime.app.request(path, {
      method,
      headers: { authorization: `Bearer ${bearer.get(who)}` },
    });
  };
}
