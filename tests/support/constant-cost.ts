// Test support: the constant-cost scenario of issue 16, shared by tests/ledger/constant-cost.test.ts and
// bench/ledger.bench.ts. A local exchange in-process (no checkpoint or clock timer, so nothing runs between the calls
// counted), one exchange grown to thousands of events and one fresh, the same commit, post, read and download on
// each, and every storage call counted by wrapping the runtime's DynamoDB and S3 clients' `send`.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalExchange, startLocalExchange } from '../../server/local/local-exchange.ts';
import type { Logger } from '../../server/ports/logger.ts';
import { signManifest } from '../../shared/custody/manifest.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import { newId } from '../../shared/domain/ids.ts';
import { type SeededAuthority, seedTestAuthority, type TestPrincipal } from './identity.ts';
import { claimsFromExchanges } from './label-claims.ts';

/** The actions whose storage calls are compared. */
export const COSTED_STEPS = ['declare', 'commit', 'post', 'first read', 'download', 'read'] as const;
export type CostedStep = (typeof COSTED_STEPS)[number];

export interface CostScenario {
  readonly exchange: LocalExchange;
  readonly sender: TestPrincipal;
  readonly recipient: TestPrincipal;
  /** Every storage call since the last `take()`, as `Command table-or-bucket [Limit=n]`. */
  readonly calls: { take(): string[] };
  stop(): Promise<void>;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const asPrincipal = (who: TestPrincipal): Principal => ({
  kind: 'member',
  clientId: who.clientId,
  authorityId: who.authorityId,
  memberId: who.memberId,
  role: who.role,
});

interface Sendable {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

/** Wrap `client.send` so that every call is noted before it goes out (the SDK client itself is untouched). */
function countSends(client: Sendable, into: string[]): void {
  const send = client.send.bind(client);
  client.send = (command: unknown, ...rest: unknown[]) => {
    into.push(describeCommand(command));
    return send(command, ...rest);
  };
}

function describeCommand(command: unknown): string {
  const name = (command as { constructor?: { name?: string } })?.constructor?.name ?? 'unknown';
  const input = ((command as { input?: Record<string, unknown> })?.input ?? {}) as Record<string, unknown>;
  const where = String(input.TableName ?? input.Bucket ?? '');
  return `${name} ${where}${input.Limit === undefined ? '' : ` Limit=${String(input.Limit)}`}`;
}

/** Start the exchange, seed two authorities, and count every storage call from now on. */
export async function startCostScenario(): Promise<CostScenario> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pouch-cost-'));
  const exchange = await startLocalExchange({
    dataDir,
    port: 0,
    env: { POUCH_LOG_LEVEL: 'silent' },
    logger: silent,
    checkpointIntervalMs: 0,
    clockIntervalMs: 0,
  });
  const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
  const a: SeededAuthority = await seedTestAuthority(exchange.runtime.directory, { country: 'XA', members });
  const b: SeededAuthority = await seedTestAuthority(exchange.runtime.directory, { country: 'XB', members });
  let noted: string[] = [];
  const sink: string[] = [];
  const { clients } = exchange.runtime;
  for (const client of [clients.doc, clients.dynamo, clients.s3] as Sendable[]) countSends(client, sink);
  return {
    exchange,
    sender: a.member('officer'),
    recipient: b.member('officer'),
    calls: {
      take() {
        noted = sink.splice(0, sink.length);
        return noted;
      },
    },
    async stop() {
      await exchange.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new exchange from the sender to the recipient's authority, with its label read once (caught up). */
export async function openExchange(s: CostScenario): Promise<string> {
  const svc = s.exchange.runtime.exchanges;
  const label = await svc.createExchange(asPrincipal(s.sender), {
    kind: 'mla',
    urgency: 'normal',
    requestedId: s.recipient.authorityId,
    requesterReference: `COST-${randomBytes(3).toString('hex')}`,
  });
  return label.id;
}

/**
 * Grow `exchangeId` to `total` events with retrievals (the event an exchange gathers most of: every download
 * records one), each naming a document digest as real ones do, so the chain spans several DynamoDB pages.
 */
export async function growExchange(s: CostScenario, exchangeId: string, total: number): Promise<void> {
  const { ledger, exchanges } = s.exchange.runtime;
  const actor = { authorityId: s.recipient.authorityId, memberId: s.recipient.memberId, role: 'officer' };
  const head = await ledger.head(exchangeId);
  for (let seq = (head?.seq ?? -1) + 1; seq < total; seq++) {
    const hex = (what: string) => createHash('sha256').update(`${what}${seq}`).digest('hex');
    await ledger.append(exchangeId, (at) => ({
      id: newId('evt'),
      actor,
      action: 'document.retrieved',
      outcome: 'success',
      subject: { documentId: `doc_${hex('d').slice(0, 22)}`, messageId: `msg_${hex('m').slice(0, 22)}` },
      documents: [
        {
          documentId: `doc_${hex('d').slice(0, 22)}`,
          plaintextSha256: hex('p'),
          sealedSha256: hex('s'),
          size: 4096 + seq,
        },
      ],
      details: { status: String(at?.details?.status ?? 'open') },
    }));
  }
  // The label catches up from the chain head on a read, and the clocks' track as the sweep would (the events above
  // bypassed the recorder and its observers), so what follows is the same on both exchanges.
  await exchanges.getExchange(asPrincipal(s.sender), exchangeId);
  await s.exchange.runtime.clocks.tracker.catchUp(exchangeId);
}

/** Declare a small sealed document and put its bytes through the presigned URL; resolves its id. */
export async function uploadDocument(
  s: CostScenario,
  exchangeId: string,
): Promise<{ documentId: string; bytes: Buffer }> {
  const bytes = randomBytes(256);
  const sealedSha256 = createHash('sha256').update(bytes).digest('hex');
  const declared = await s.exchange.runtime.exchanges.declareDocument(asPrincipal(s.sender), exchangeId, {
    sealedSize: bytes.length,
    sealedSha256,
  });
  const [url] = declared.urls as Array<{ url: string; headers: Record<string, string> }>;
  if (!url) throw new Error('declare gave no upload URL');
  const put = await fetch(url.url, { method: 'PUT', headers: url.headers, body: new Uint8Array(bytes) });
  if (!put.ok) throw new Error(`upload answered ${put.status}`);
  return { documentId: declared.document.documentId, bytes };
}

/** Commit an uploaded document as the sender. */
export async function commitDocument(s: CostScenario, exchangeId: string, documentId: string): Promise<void> {
  await s.exchange.runtime.exchanges.commitDocument(asPrincipal(s.sender), exchangeId, documentId, []);
}

/**
 * The whole costed flow on `exchangeId`: declare and upload, commit, post a request with the document, the
 * recipient's first read (a delivery), its download and a later read. Resolves each step's storage calls.
 */
export async function runCostedFlow(
  s: CostScenario,
  exchangeId: string,
): Promise<Record<CostedStep, string[]>> {
  const svc = s.exchange.runtime.exchanges;
  const sender = asPrincipal(s.sender);
  const reader = asPrincipal(s.recipient);
  const label = await claimsFromExchanges(svc, sender, exchangeId);
  s.calls.take();
  const { documentId, bytes } = await uploadDocument(s, exchangeId);
  const declare = s.calls.take();
  await commitDocument(s, exchangeId, documentId);
  const commit = s.calls.take();
  const messageId = newId('msg');
  const manifest = await signManifest(
    {
      v: 1,
      exchangeId,
      messageId,
      messageKind: 'request',
      sender: s.sender.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents: [
        {
          documentId,
          name: 'evidence.bin',
          mediaType: 'application/octet-stream',
          size: 10,
          plaintextSha256: createHash('sha256').update('plain').digest('hex'),
          sealedSize: bytes.length,
          sealedSha256: createHash('sha256').update(bytes).digest('hex'),
        },
      ],
      label,
    },
    s.sender.key.privateKey,
    { alg: 'ES256', kid: s.sender.key.kid },
  );
  s.calls.take();
  await svc.postMessage(sender, exchangeId, {
    messageId,
    kind: 'request',
    documentIds: [documentId],
    manifest,
  });
  const post = s.calls.take();
  await svc.getExchange(reader, exchangeId);
  const firstRead = s.calls.take();
  await svc.presignDownload(reader, exchangeId, documentId);
  const download = s.calls.take();
  await svc.getExchange(reader, exchangeId);
  const read = s.calls.take();
  return { declare, commit, post, 'first read': firstRead, download, read };
}
