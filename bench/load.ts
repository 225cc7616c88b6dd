// Load test (bench): a local exchange in-process on a free loopback port, N seeded authorities, and concurrent
// virtual users doing the whole flow over real HTTP with keep-alive for LOAD_SECONDS; then a consistency check of
// every chain, document and label. Exits non-zero on any error or inconsistency. `npm run load`.
// `npm run load -- --crash` runs the crash scenario's long form instead (tests/hardening/crash-harness.ts): the
// exchange in a child process, CRASH_USERS (8) users, CRASH_KILLS (4) SIGKILLs and restarts, CRASH_SEED to repeat.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import { deriveRecipient, generateIdentity } from '../shared/crypto/age-keys.ts';
import { sealStream } from '../shared/crypto/age-native.ts';
import { signManifest } from '../shared/custody/manifest.ts';
import { type MessageKind, projectState, type Side } from '../shared/domain/exchange/state-machine.ts';
import type { LedgerEvent } from '../shared/domain/ledger/event.ts';
import { verifyChain } from '../shared/domain/ledger/verify-chain.ts';
import {
  type SeededAuthority,
  seedTestAuthority,
  signClientAssertion,
  type TestPrincipal,
  tokenRequestBody,
} from '../tests/support/identity.ts';

// Pinned SDK versions on the Node 20 dev machine: the SDK's future-support notice is noise in load output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

if (process.argv.includes('--crash')) {
  const { runCrashScenario } = await import('../tests/support/crash-harness.ts');
  const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const kills = Number(process.env.CRASH_KILLS ?? 4);
  const crashUsers = Number(process.env.CRASH_USERS ?? 8);
  console.log(
    `crash: seed ${seed} (CRASH_SEED=${seed} repeats this run), ${crashUsers} users, ${kills} kills`,
  );
  const report = await runCrashScenario({
    users: crashUsers,
    kills: Math.max(3, kills),
    seed,
    minIterations: Number(process.env.CRASH_ITERATIONS ?? 3),
    minDocBytes: 64 * 1024,
    maxDocBytes: 4 * 1024 * 1024,
    killDelayMs: [1_000, 4_000],
    deadlineMs: 10 * 60_000,
    note: (line) => console.log(line),
  });
  console.log(
    [
      `crash: seed ${report.seed}, ${report.seconds.toFixed(1)} s`,
      `  kills                      ${report.kills.length}`,
      ...report.kills.map((k) => `    ${k}`),
      `  flows completed            ${report.flows}`,
      `  acknowledged operations    ${report.acknowledged}`,
      `  retries completed once     ${report.retriesCompletedOnce} (${report.retryAttempts} retry attempts)`,
      `  chains verified            ${report.chainsVerified}`,
      `  bundles verified           ${report.bundlesVerified}`,
      `  start-up repairs           ${report.repairs.length}`,
      `  problems                   ${report.problems.length}`,
      ...report.problems.slice(0, 20).map((p) => `    ${p}`),
      `  duplicated retrievals      ${report.duplicateRetrievals.length}`,
      ...report.duplicateRetrievals.slice(0, 20).map((p) => `    ${p}`),
      `  ERROR lines in the log     ${report.errorLines.length}`,
      ...report.errorLines.slice(0, 5).map((p) => `    ${p.slice(0, 300)}`),
    ].join('\n'),
  );
  const failed = report.problems.length + report.duplicateRetrievals.length + report.errorLines.length > 0;
  process.exit(failed ? 1 : 0);
}

const seconds = Number(process.env.LOAD_SECONDS ?? 60);
const users = Number(process.env.LOAD_USERS ?? 16);
const authorityCount = Number(process.env.LOAD_AUTHORITIES ?? 8);

const latencies = new Map<string, number[]>();
const errors: string[] = [];
const created: Array<{ exchangeId: string; documents: Array<{ documentId: string; sealedSha256: string }> }> =
  [];

async function timed(route: string, run: () => Promise<Response>, expected: number): Promise<Response> {
  const start = performance.now();
  const res = await run();
  const ms = performance.now() - start;
  const list = latencies.get(route) ?? [];
  list.push(ms);
  latencies.set(route, list);
  if (res.status !== expected) {
    const text = await res.text();
    errors.push(`${route}: ${res.status} ${text.slice(0, 200)}`);
    throw new Error(`${route} answered ${res.status}`);
  }
  return res;
}

const dataDir = await mkdtemp(join(tmpdir(), 'pouch-load-'));
// Few authorities at full speed, a token per flow: the per-caller limits would cut the run short (they still count).
const exchange = await startLocalExchange({
  dataDir,
  port: 0,
  env: {
    POUCH_LOG_LEVEL: 'silent',
    POUCH_RATE_API_REQUESTS_PER_MINUTE: '100000000',
    POUCH_RATE_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: '100000000',
    POUCH_RATE_TOKEN_REQUESTS_PER_AUTHORITY_PER_MINUTE: '100000000',
    POUCH_QUOTA_EXCHANGES_PER_DAY: '100000000',
  },
});
const base = exchange.url;
if (!base.startsWith('http://127.0.0.1:')) throw new Error('load traffic must stay on 127.0.0.1');
const audience = `${exchange.runtime.config.issuer.replace(/\/+$/, '')}/v1/token`;

const authorities: Array<SeededAuthority & { identity: string; ageRecipient: string }> = [];
for (let i = 0; i < authorityCount; i++) {
  const seeded = await seedTestAuthority(exchange.runtime.directory, {
    country: `X${String.fromCharCode(65 + (i % 26))}`,
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
  const { identity } = await generateIdentity();
  authorities.push({ ...seeded, identity, ageRecipient: await deriveRecipient(identity) });
}

async function tokenFor(who: TestPrincipal): Promise<string> {
  const assertion = await signClientAssertion(who, { audience });
  const res = await timed(
    'POST /v1/token',
    () =>
      fetch(`${base}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: tokenRequestBody(assertion),
      }),
    200,
  );
  return ((await res.json()) as { access_token: string }).access_token;
}

function api(bearer: string) {
  return (route: string, method: string, path: string, body: unknown, expected: number) =>
    timed(
      route,
      () =>
        fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${bearer}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      expected,
    ).then((r) => r.json() as Promise<Record<string, unknown>>);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function iteration(vu: number, n: number): Promise<void> {
  const from = authorities[(vu + n) % authorities.length]!;
  const to = authorities[(vu + n + 1 + (n % (authorities.length - 1))) % authorities.length]!;
  if (from === to) return;
  const sender = from.member('officer');
  const recipient = to.member('officer');
  const asSender = api(await tokenFor(sender));
  const asRecipient = api(await tokenFor(recipient));
  await asRecipient('GET /v1/exchanges', 'GET', '/v1/exchanges?box=inbox&limit=10', undefined, 200);
  const label = await asSender(
    'POST /v1/exchanges',
    'POST',
    '/v1/exchanges',
    { kind: 'mla', urgency: 'normal', requestedId: to.authorityId, requesterReference: `LOAD-${vu}-${n}` },
    201,
  );
  const exchangeId = label.id as string;
  const record = { exchangeId, documents: [] as Array<{ documentId: string; sealedSha256: string }> };
  created.push(record);
  const plaintext = randomBytes(2048);
  const sealed = sealStream(Readable.from([plaintext]), [to.ageRecipient, from.ageRecipient]);
  const bytes = await collect(sealed);
  const digests = await sealed.digests;
  const declared = await asSender(
    'POST /v1/exchanges/{id}/documents',
    'POST',
    `/v1/exchanges/${exchangeId}/documents`,
    { sealedSize: digests.sealedSize, sealedSha256: digests.sealedSha256 },
    201,
  );
  const documentId = (declared.document as { documentId: string }).documentId;
  const [url] = declared.urls as Array<{ url: string; headers: Record<string, string> }>;
  await timed(
    'PUT (presigned S3)',
    () => fetch(url!.url, { method: 'PUT', headers: url!.headers, body: new Uint8Array(bytes) }),
    200,
  );
  await asSender(
    'POST /v1/exchanges/{id}/documents/{doc}/commit',
    'POST',
    `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`,
    { parts: [] },
    200,
  );
  record.documents.push({ documentId, sealedSha256: digests.sealedSha256 });
  const messageId = `msg_${randomBytes(16).toString('base64url')}`;
  const manifest = await signManifest(
    {
      v: 1,
      exchangeId,
      messageId,
      messageKind: 'request',
      sender: sender.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents: [
        {
          documentId,
          name: 'request.bin',
          mediaType: 'application/octet-stream',
          size: digests.plaintextSize,
          plaintextSha256: digests.plaintextSha256,
          sealedSize: digests.sealedSize,
          sealedSha256: digests.sealedSha256,
        },
      ],
      // The label it created, signed as the sender's claims (the exchange refuses a manifest without them).
      label: {
        recipientId: to.authorityId,
        kind: 'mla',
        urgency: 'normal',
        requesterReference: `LOAD-${vu}-${n}`,
      },
    },
    sender.key.privateKey,
    { alg: 'ES256', kid: sender.key.kid },
  );
  await asSender(
    'POST /v1/exchanges/{id}/messages',
    'POST',
    `/v1/exchanges/${exchangeId}/messages`,
    { messageId, kind: 'request', documentIds: [documentId], manifest },
    201,
  );
  await asRecipient('GET /v1/exchanges/{id}', 'GET', `/v1/exchanges/${exchangeId}`, undefined, 200);
}

console.log(`load: ${users} users, ${authorityCount} authorities, ${seconds}s against ${base}`);
const started = performance.now();
const deadline = started + seconds * 1000;
let iterations = 0;
await Promise.all(
  Array.from({ length: users }, async (_, vu) => {
    for (let n = 0; performance.now() < deadline; n++) {
      try {
        await iteration(vu, n);
        iterations++;
      } catch (error) {
        if (errors.length === 0 || !(error instanceof Error && error.message.includes('answered'))) {
          errors.push(`vu ${vu}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const rows = [...latencies].map(([route, list]) => {
  const sorted = [...list].sort((x, y) => x - y);
  return {
    route,
    count: list.length,
    'req/s': Number((list.length / elapsed).toFixed(1)),
    'p50 ms': Number(pct(sorted, 50).toFixed(1)),
    'p95 ms': Number(pct(sorted, 95).toFixed(1)),
    'p99 ms': Number(pct(sorted, 99).toFixed(1)),
  };
});
console.table(rows);
console.log(`iterations ${iterations} in ${elapsed.toFixed(1)}s; errors ${errors.length}`);
for (const e of errors.slice(0, 20)) console.log(`  ${e}`);

// Consistency: every chain verifies, every document is stored whole, every label is the fold of its ledger.
const problems: string[] = [];
const { ledger, clients, config } = exchange.runtime;
const { createDynamoExchangeRepository } = await import('../server/adapters/dynamo-exchange-repository.ts');
const repository = createDynamoExchangeRepository(clients.doc, config.tables.main);
/** `final` is the sender's assertion (`details.senderAssertions`; bare `details.final` in older events). */
const finalOf = (details: LedgerEvent['details']): { final?: boolean } => {
  const asserted = details?.senderAssertions;
  const final =
    typeof asserted === 'object' && asserted !== null && !Array.isArray(asserted) && 'final' in asserted
      ? asserted.final
      : details?.final;
  return typeof final === 'boolean' ? { final } : {};
};
for (const { exchangeId, documents } of created) {
  const events = await ledger.read(exchangeId);
  if (events.length === 0) continue; // the create itself failed (already counted as an error)
  const verified = verifyChain(events, { chain: exchangeId });
  if (!verified.ok) problems.push(`${exchangeId}: chain broken (${verified.broken.reason})`);
  const head = events.at(-1)!;
  const moves = events
    .filter((e) => e.action === 'message.sent')
    .map((e) => ({
      kind: e.details?.messageKind as MessageKind,
      side: e.details?.side as Side,
      ...finalOf(e.details),
    }));
  const folded = projectState(moves);
  const label = await repository.getExchange(exchangeId);
  if (head.details?.status !== folded)
    problems.push(`${exchangeId}: head says ${head.details?.status}, fold ${folded}`);
  if (label && label.status !== folded) problems.push(`${exchangeId}: label ${label.status}, fold ${folded}`);
  for (const doc of documents) {
    const key = `exchanges/${exchangeId}/documents/${doc.documentId}.age`;
    await clients.s3.send(new HeadObjectCommand({ Bucket: config.evidenceBucket, Key: key }));
    const out = await clients.s3.send(new GetObjectCommand({ Bucket: config.evidenceBucket, Key: key }));
    const hash = createHash('sha256');
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
    if (hash.digest('hex') !== doc.sealedSha256)
      problems.push(`${exchangeId}/${doc.documentId}: sha256 differs`);
  }
}
console.log(
  `consistency: ${created.length} exchanges, ${created.reduce((n, c) => n + c.documents.length, 0)} documents checked; ${problems.length} problems`,
);
for (const p of problems.slice(0, 20)) console.log(`  ${p}`);

await exchange.close();
await rm(dataDir, { recursive: true, force: true });
process.exit(errors.length > 0 || problems.length > 0 ? 1 : 0);
