// Hardening: SIGKILL the local server (functions/local-server.ts in a child process) in the middle of a multipart
// upload and in the middle of ledger appends, restart it on the same data dir, and check that nothing committed
// is lost, every chain verifies, and the upload resumes through re-presigned parts.

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDirectoryRepository } from '../../server/adapters/dynamo-directory-repository.ts';
import { createDynamoLedgerStore } from '../../server/adapters/dynamo-ledger-store.ts';
import { ledgerTable, mainTable } from '../../server/config/storage-definitions.ts';
import type { ClaimedLabelView } from '../../shared/custody/manifest.ts';
import { verifyChain } from '../../shared/domain/ledger/verify-chain.ts';
import {
  type SeededAuthority,
  seedTestAuthority,
  signClientAssertion,
  type TestPrincipal,
  tokenRequestBody,
} from '../support/identity.ts';
import { claimsFromLabel } from '../support/label-claims.ts';
import { manifestEntry, newMessageId, signTestManifest } from './fault-harness.ts';

const MiB = 1024 * 1024;
let dataDir = '';
let port = 0;
let child: ChildProcess | undefined;
let dynamoEndpoint = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Start functions/local-server.ts on the fixed port and data dir; resolves once it prints its endpoints. */
async function startServer(): Promise<void> {
  const proc = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', 'functions/local-server.ts'],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env,
        PORT: String(port),
        POUCH_DATA_DIR: dataDir,
        POUCH_DEMO: 'off',
        POUCH_LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child = proc;
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match && out.includes('Press Ctrl-C')) {
        dynamoEndpoint = match[1] as string;
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

async function killServer(): Promise<void> {
  const proc = child;
  if (!proc || proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
  child = undefined;
}

const base = () => `http://127.0.0.1:${port}`;
const bearer = new Map<TestPrincipal, string>();

async function login(who: TestPrincipal): Promise<void> {
  const assertion = await signClientAssertion(who, { audience: `${base()}/v1/token` });
  const res = await fetch(`${base()}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody(assertion),
  });
  expect(res.status).toBe(200);
  bearer.set(who, ((await res.json()) as { access_token: string }).access_token);
}

async function call(who: TestPrincipal, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer.get(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function stores() {
  const dynamo = new DynamoDBClient({
    region: 'local',
    endpoint: dynamoEndpoint,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return {
    directory: createDynamoDirectoryRepository(doc, mainTable.localName),
    ledger: createDynamoLedgerStore({ doc, tableName: ledgerTable.localName }),
    close: () => dynamo.destroy(),
  };
}

describe('kill and restart', () => {
  let a: SeededAuthority;
  let b: SeededAuthority;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pouch-restart-'));
    port = await freePort();
    await startServer();
    const s = stores();
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
    a = await seedTestAuthority(s.directory, { country: 'XA', members });
    b = await seedTestAuthority(s.directory, { country: 'XB', members });
    s.close();
  });
  afterAll(async () => {
    await killServer();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes a multipart upload and keeps every committed event across SIGKILLs', async () => {
    const officerA = a.member('officer');
    const officerB = b.member('officer');
    await login(officerA);
    const created = await call(officerA, 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'urgent',
      requestedId: b.authorityId,
      requesterReference: 'RESTART-1',
    });
    expect(created.status).toBe(201);
    const exchangeId = created.body.id as string;

    // 17 MiB: multipart with 8 MiB parts (3 parts).
    const sealed = randomBytes(17 * MiB);
    const plan = { partSize: 8 * MiB };
    const slices = [0, 1, 2].map((i) =>
      sealed.subarray(i * plan.partSize, Math.min(sealed.length, (i + 1) * plan.partSize)),
    );
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');
    const declared = await call(officerA, 'POST', `/v1/exchanges/${exchangeId}/documents`, {
      sealedSize: sealed.length,
      sealedSha256: createHash('sha256').update(sealed).digest('hex'),
      partSize: plan.partSize,
      partSha256s: slices.map(sha),
    });
    expect(declared.status).toBe(201);
    const documentId = (declared.body.document as { documentId: string }).documentId;
    const urls = declared.body.urls as Array<{ url: string; headers: Record<string, string> }>;
    const first = await fetch(urls[0]!.url, {
      method: 'PUT',
      headers: urls[0]!.headers,
      body: Buffer.from(slices[0]!),
    });
    expect(first.status).toBe(200);
    const etags = [first.headers.get('etag') ?? ''];
    // Kill while part 2 is on its way.
    const inFlight = fetch(urls[1]!.url, {
      method: 'PUT',
      headers: urls[1]!.headers,
      body: Buffer.from(slices[1]!),
    }).catch(() => undefined);
    await killServer();
    await inFlight;
    await startServer();

    // Resume: presign parts 2 and 3 again (the old URLs point at a dead port), upload, commit.
    await login(officerA);
    const again = await call(officerA, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/parts`, {
      partNumbers: [2, 3],
    });
    expect(again.status).toBe(200);
    for (const [i, url] of (
      again.body.urls as Array<{ url: string; headers: Record<string, string> }>
    ).entries()) {
      const put = await fetch(url.url, {
        method: 'PUT',
        headers: url.headers,
        body: Buffer.from(slices[i + 1]!),
      });
      expect(put.status).toBe(200);
      etags.push(put.headers.get('etag') ?? '');
    }
    const committed = await call(
      officerA,
      'POST',
      `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`,
      {
        parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })),
      },
    );
    expect(committed.status).toBe(200);
    const messageId = newMessageId();
    const served = await call(officerA, 'GET', `/v1/exchanges/${exchangeId}`);
    const label = claimsFromLabel(served.body.label as ClaimedLabelView, officerA.authorityId);
    const manifest = await signTestManifest(
      officerA,
      exchangeId,
      messageId,
      'request',
      [manifestEntry(documentId, sealed, undefined, plan.partSize)],
      label,
    );
    const sent = await call(officerA, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
      messageId,
      kind: 'request',
      documentIds: [documentId],
      manifest,
    });
    expect(sent.status).toBe(201);

    // Kill in the middle of appends: B downloads concurrently; whatever was answered 200 must survive.
    await login(officerB);
    expect((await call(officerB, 'GET', `/v1/exchanges/${exchangeId}`)).status).toBe(200);
    const answered: number[] = [];
    const downloads = Array.from({ length: 24 }, (_, i) =>
      call(officerB, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/download`)
        .then((r) => {
          if (r.status === 200) answered.push(i);
        })
        .catch(() => undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 40));
    await killServer();
    await Promise.all(downloads);
    await startServer();

    const s = stores();
    const events = await s.ledger.read(exchangeId);
    s.close();
    expect(verifyChain(events, { chain: exchangeId }).ok).toBe(true);
    expect(events.slice(0, 4).map((e) => e.action)).toEqual([
      'exchange.created',
      'document.uploaded',
      'message.sent',
      'message.delivered',
    ]);
    const retrievals = events.filter((e) => e.action === 'document.retrieved').length;
    expect(retrievals).toBeGreaterThanOrEqual(answered.length);
    // The server works on after the restart, and the chain keeps growing from where it was.
    await login(officerB);
    expect(
      (await call(officerB, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/download`)).status,
    ).toBe(200);
  }, 120_000);
});
