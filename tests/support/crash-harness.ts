// Crash harness, shared by tests/hardening/crash.test.ts (short form) and `npm run load -- --crash` (long form):
// the local exchange runs as a child process (functions/local-server.ts) on a fixed port and data folder;
// concurrent users do the whole flow through the SDK (create, declare, upload, commit, post, read, download,
// bundle export), every mutating call with an Idempotency-Key; the child is SIGKILLed at seeded random moments
// (some aimed at an upload or a download in flight) and restarted on the same data; every interrupted call is
// retried with its same key until it succeeds. Then it checks what was acknowledged against what is stored.

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PouchApiError } from '../../client/sdk/api-error.ts';
import { fetchCustodyBundle } from '../../client/sdk/custody-api.ts';
import {
  createExchange,
  type DeclaredDocument,
  declareDocument,
  type ExchangeMessage,
  getExchange,
  newIdempotencyKey,
  newMessageId,
  postMessage,
} from '../../client/sdk/exchange-api.ts';
import { createPouchClient, type PouchClient } from '../../client/sdk/pouch-client.ts';
import { uploadFile } from '../../client/transfer/upload-file.ts';
import { createDynamoDirectoryRepository } from '../../server/adapters/dynamo-directory-repository.ts';
import { createDynamoLedgerStore } from '../../server/adapters/dynamo-ledger-store.ts';
import {
  evidenceBucket,
  ledgerTable,
  mainTable,
  objectKeys,
} from '../../server/config/storage-definitions.ts';
import { deriveRecipient, generateIdentity } from '../../shared/crypto/age-keys.ts';
import { openStream, sealStream } from '../../shared/crypto/age-native.ts';
import { verifyBundle } from '../../shared/custody/bundle.ts';
import { signManifest } from '../../shared/custody/manifest.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { verifyChain } from '../../shared/domain/ledger/verify-chain.ts';
import { type SeededAuthority, seedTestAuthority, type TestPrincipal } from './identity.ts';
import { claimsFromLabel } from './label-claims.ts';

export interface CrashOptions {
  /** Concurrent users (each a sender and a recipient officer of two authorities). */
  readonly users: number;
  readonly kills: number;
  readonly seed: number;
  /** Flows each user finishes at least, after the last kill too. */
  readonly minIterations: number;
  /** Sealed document sizes are drawn between these (bytes); below 16 MiB an upload is one PUT. */
  readonly minDocBytes: number;
  readonly maxDocBytes: number;
  /** Delay before each kill, drawn between these (ms after the exchange answered again). */
  readonly killDelayMs: readonly [number, number];
  /** Give up (and report) after this long. */
  readonly deadlineMs: number;
  /** Progress lines (the long form prints them). */
  readonly note?: (line: string) => void;
}

export interface CrashReport {
  readonly seed: number;
  readonly kills: readonly string[];
  /** Calls the exchange (or storage) acknowledged. */
  readonly acknowledged: number;
  /** Calls that needed at least one retry (same Idempotency-Key) and then completed, each once. */
  readonly retriesCompletedOnce: number;
  /** Retry attempts in all. */
  readonly retryAttempts: number;
  readonly flows: number;
  readonly chainsVerified: number;
  readonly bundlesVerified: number;
  /** What start-ups repaired in the S3 folder (log lines). */
  readonly repairs: readonly string[];
  /** Everything wrong except a retrieval recorded twice. */
  readonly problems: readonly string[];
  /** More `document.retrieved` events for a document than download keys were ever used for it. */
  readonly duplicateRetrievals: readonly string[];
  /** Lines of the exchange's output that say ERROR. */
  readonly errorLines: readonly string[];
  readonly seconds: number;
}

/** mulberry32: a small seeded PRNG, so a run can be repeated from its printed seed. */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const repoRoot = join(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The local exchange in a child process: started, SIGKILLed and restarted on one port and data folder. */
class ExchangeProcess {
  child: ChildProcess | undefined;
  dynamoEndpoint = '';
  generation = 0;
  readonly lines: string[] = [];

  constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.generation++;
    const generation = this.generation;
    const proc = spawn(
      process.execPath,
      ['--openssl-legacy-provider', '--import', 'tsx', 'functions/local-server.ts'],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          PORT: String(this.port),
          POUCH_DATA_DIR: this.dataDir,
          POUCH_DEMO: 'off',
          POUCH_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = proc;
    let out = '';
    const collect = (stream: NodeJS.ReadableStream | null, name: string) => {
      let pending = '';
      stream?.on('data', (d: Buffer) => {
        const text = d.toString();
        out += text;
        pending += text;
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) if (line.trim()) this.lines.push(`[${generation} ${name}] ${line}`);
      });
      stream?.on('end', () => {
        if (pending.trim()) this.lines.push(`[${generation} ${name}] ${pending}`);
      });
    };
    collect(proc.stdout, 'out');
    collect(proc.stderr, 'err');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`exchange did not start: ${out}`)), 60_000);
      const onData = () => {
        const match = /DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match && out.includes('Press Ctrl-C')) {
          this.dynamoEndpoint = match[1] as string;
          clearTimeout(timer);
          proc.stdout?.off('data', onData);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exchange exited ${code} while starting: ${out}`));
      });
    });
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    const proc = this.child;
    this.child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /** Ctrl-C (graceful), at the end. */
  async stop(): Promise<void> {
    const proc = this.child;
    this.child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      proc.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  }

  stores() {
    const dynamo = new DynamoDBClient({
      region: 'local',
      endpoint: this.dynamoEndpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    return {
      directory: createDynamoDirectoryRepository(doc, mainTable.localName),
      ledger: createDynamoLedgerStore({ doc, tableName: ledgerTable.localName }),
      close: () => dynamo.destroy(),
    };
  }
}

interface Party {
  readonly authority: SeededAuthority;
  readonly officer: TestPrincipal;
  readonly client: PouchClient;
  readonly ageIdentity: string;
  readonly ageRecipient: string;
}

/** What one flow was acknowledged for, to check against the stored state at the end. */
interface FlowRecord {
  readonly sender: Party;
  readonly recipient: Party;
  exchangeId?: string;
  documentId?: string;
  sealedSha256?: string;
  committed: boolean;
  messageId?: string;
  posted: boolean;
  read: boolean;
  /** Every download key used for the document, and those the exchange answered. */
  readonly downloadKeys: string[];
  readonly downloadsAcknowledged: string[];
  exports: number;
}

/** Run the scenario; never throws for a broken promise, it reports it (a harness failure does throw). */
export async function runCrashScenario(options: CrashOptions): Promise<CrashReport> {
  const started = performance.now();
  const random = createPrng(options.seed);
  const between = (lo: number, hi: number) => Math.floor(lo + random() * (hi - lo + 1));
  const note = options.note ?? (() => undefined);
  const deadline = Date.now() + options.deadlineMs;
  const dataDir = await mkdtemp(join(tmpdir(), 'pouch-crash-'));
  const workDir = await mkdtemp(join(tmpdir(), 'pouch-crash-files-'));
  const exchange = new ExchangeProcess(dataDir, await freePort());
  const baseUrl = `http://127.0.0.1:${exchange.port}`;
  const problems: string[] = [];
  const kills: string[] = [];
  const stats = { acknowledged: 0, retriesCompletedOnce: 0, retryAttempts: 0, flows: 0, bundlesVerified: 0 };
  const inFlight = { upload: 0, download: 0 };
  /** The documents whose bytes are on their way to storage right now. */
  const uploading = new Set<string>();
  /** Downloads asked for and not yet answered, with the retrievals their document had before. */
  const pendingDownloads = new Set<{ exchangeId: string; documentId: string; before: number }>();
  let ledgerReader: { generation: number; stores: ReturnType<ExchangeProcess['stores']> } | undefined;
  const countRetrievals = async (exchangeId: string, documentId: string): Promise<number> => {
    if (ledgerReader?.generation !== exchange.generation) {
      ledgerReader?.stores.close();
      ledgerReader = { generation: exchange.generation, stores: exchange.stores() };
    }
    const events = await ledgerReader.stores.ledger.read(exchangeId);
    return events.filter((e) => e.action === 'document.retrieved' && e.subject?.documentId === documentId)
      .length;
  };
  /** Recent answer times (ms) of uploads and download requests, to aim a kill inside one. */
  const typicalMs = { upload: 20, download: 20 };
  const observe = (kind: 'upload' | 'download', ms: number) => {
    typicalMs[kind] = typicalMs[kind] * 0.7 + ms * 0.3;
  };
  const flows: FlowRecord[] = [];

  try {
    await exchange.start();
    const parties: Party[] = [];
    {
      const s = exchange.stores();
      for (let i = 0; i < options.users * 2; i++) {
        const authority = await seedTestAuthority(s.directory, {
          country: `X${String.fromCharCode(65 + (i % 26))}`,
          members: [{ role: 'admin' }, { role: 'officer' }],
        });
        const officer = authority.member('officer');
        const { identity } = await generateIdentity();
        parties.push({
          authority,
          officer,
          client: createPouchClient({
            baseUrl,
            credentials: {
              clientId: officer.clientId,
              kid: officer.key.kid,
              privateKey: officer.key.privateKey,
              alg: officer.key.alg,
            },
          }),
          ageIdentity: identity,
          ageRecipient: await deriveRecipient(identity),
        });
      }
      s.close();
    }

    /** Retry `run` on a transient failure (exchange or storage gone) until it succeeds, with the same key. */
    async function settle<T>(
      what: string,
      run: () => Promise<T>,
      transient: (error: unknown) => boolean = isTransient,
    ): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        try {
          const value = await run();
          stats.acknowledged++;
          if (attempt > 0) stats.retriesCompletedOnce++;
          return value;
        } catch (error) {
          if (!transient(error) || Date.now() > deadline) {
            throw new Error(`${what}: ${describe(error)}`, { cause: error });
          }
          stats.retryAttempts++;
          await sleep(between(50, 250));
        }
      }
    }

    async function flow(user: number, n: number): Promise<void> {
      const sender = parties[user * 2] as Party;
      const recipient = parties[user * 2 + 1] as Party;
      const record: FlowRecord = {
        sender,
        recipient,
        committed: false,
        posted: false,
        read: false,
        downloadKeys: [],
        downloadsAcknowledged: [],
        exports: 0,
      };
      flows.push(record);
      const createKey = newIdempotencyKey();
      const label = await settle('create', () =>
        createExchange(
          sender.client,
          {
            kind: 'mla',
            urgency: 'normal',
            requestedId: recipient.authority.authorityId,
            requesterReference: `CRASH-${user}-${n}`,
          },
          createKey,
        ),
      );
      const exchangeId = label.id;
      record.exchangeId = exchangeId;

      // Seal a document to both authorities and keep the sealed copy on disk, as `pouch send` does.
      const plaintext = randomBytes(between(options.minDocBytes, options.maxDocBytes));
      const sealed = sealStream(Readable.from([plaintext]), [recipient.ageRecipient, sender.ageRecipient]);
      const chunks: Buffer[] = [];
      for await (const chunk of sealed) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      const digests = await sealed.digests;
      const sealedPath = join(workDir, `${exchangeId}.age`);
      await writeFile(sealedPath, bytes);
      const declaration = { sealedSize: digests.sealedSize, sealedSha256: digests.sealedSha256 };
      const declareKey = newIdempotencyKey();
      const declare = () => declareDocument(sender.client, exchangeId, declaration, declareKey);

      // Declare and upload: a retry declares again with the same key (fresh URLs) and puts the bytes again.
      const documentId = await settle(
        'declare+upload',
        async () => {
          let declared: DeclaredDocument = await declare();
          let first = true;
          await uploadFile({
            path: sealedPath,
            plan: { kind: 'single', size: declared.plan.size },
            target: { documentId: declared.document.documentId },
            presign: async () => {
              if (!first) declared = await declare();
              first = false;
              return declared.urls.slice(0, 1);
            },
            complete: async () => undefined,
            retry: { attempts: 2, baseDelayMs: 100 },
            fetch: async (input, init) => {
              inFlight.upload++;
              const key = objectKeys.document(exchangeId, declared.document.documentId);
              uploading.add(key);
              const t0 = performance.now();
              try {
                return await fetch(input, init);
              } finally {
                uploading.delete(key);
                inFlight.upload--;
                observe('upload', performance.now() - t0);
              }
            },
          });
          return declared.document.documentId;
        },
        (error) => isTransient(error) || (error instanceof PouchError && error.code === 'ERR_STORAGE'),
      );
      record.documentId = documentId;
      record.sealedSha256 = digests.sealedSha256;
      // The SDK's commitDocument and requestDownload send no Idempotency-Key: the harness calls the routes.
      const commitKey = newIdempotencyKey();
      await settle('commit', () =>
        sender.client.request(
          'POST',
          `/v1/exchanges/${exchangeId}/documents/${encodeURIComponent(documentId)}/commit`,
          { json: { parts: [] }, idempotencyKey: commitKey },
        ),
      );
      record.committed = true;

      const messageId = newMessageId();
      record.messageId = messageId;
      const manifest = await signManifest(
        {
          v: 1,
          exchangeId,
          messageId,
          messageKind: 'request',
          sender: sender.officer.clientId,
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
          label: claimsFromLabel(label, sender.officer.authorityId),
        },
        sender.officer.key.privateKey,
        { alg: 'ES256', kid: sender.officer.key.kid },
      );
      const postKey = newIdempotencyKey();
      await settle('post', () =>
        postMessage(
          sender.client,
          exchangeId,
          { messageId, kind: 'request', documentIds: [documentId], manifest },
          postKey,
        ),
      );
      record.posted = true;

      const seen = await settle('read', () => getExchange(recipient.client, exchangeId));
      record.read = true;
      if (!seen.messages.some((m: ExchangeMessage) => m.messageId === messageId)) {
        problems.push(`${exchangeId}: the recipient's read does not show message ${messageId}`);
      }

      // Download: a lost answer is retried with the same key; a URL whose storage is gone (restart) needs a
      // new download, with a new key: the first one may or may not have been recorded.
      let downloadKey = newIdempotencyKey();
      record.downloadKeys.push(downloadKey);
      const downloaded = await settle('download', async () => {
        inFlight.download++;
        const t0 = performance.now();
        const pending = {
          exchangeId,
          documentId,
          before: await countRetrievals(exchangeId, documentId).catch(() => Number.POSITIVE_INFINITY),
        };
        pendingDownloads.add(pending);
        let answer: { url: string };
        try {
          answer = await recipient.client.request<{ url: string }>(
            'POST',
            `/v1/exchanges/${exchangeId}/documents/${encodeURIComponent(documentId)}/download`,
            { idempotencyKey: downloadKey },
          );
          observe('download', performance.now() - t0);
        } finally {
          inFlight.download--;
          pendingDownloads.delete(pending);
        }
        if (!record.downloadsAcknowledged.includes(downloadKey))
          record.downloadsAcknowledged.push(downloadKey);
        let response: Response;
        try {
          response = await fetch(answer.url);
          if (!response.ok) throw new Error(`storage answered ${response.status}`);
          return Buffer.from(await response.arrayBuffer());
        } catch (error) {
          downloadKey = newIdempotencyKey();
          record.downloadKeys.push(downloadKey);
          throw new PouchError('ERR_DEPENDENCY_UNAVAILABLE', 'download URL unusable', { cause: error });
        }
      });
      if (createHash('sha256').update(downloaded).digest('hex') !== digests.sealedSha256) {
        problems.push(`${exchangeId}/${documentId}: downloaded bytes differ from the sealed upload`);
      } else {
        const opened = openStream(Readable.from([downloaded]), [recipient.ageIdentity]);
        const parts: Buffer[] = [];
        for await (const chunk of opened) parts.push(chunk);
        if (!Buffer.concat(parts).equals(plaintext)) problems.push(`${exchangeId}: opened plaintext differs`);
      }

      const bundle = await settle('export', () => fetchCustodyBundle(sender.client, exchangeId));
      record.exports++;
      if (random() < 0.5) {
        const verdict = await verifyBundle(Readable.from([bundle]));
        if (verdict.ok) stats.bundlesVerified++;
        else problems.push(`${exchangeId}: exported bundle does not verify (${verdict.broken.pointer})`);
      }
      stats.flows++;
    }

    let killing = true;
    const killer = (async () => {
      const aims = ['download', 'upload', 'random'] as const;
      for (let k = 0; k < options.kills; k++) {
        await sleep(between(options.killDelayMs[0], options.killDelayMs[1]));
        const aim = aims[k % aims.length] as (typeof aims)[number];
        if (aim === 'download') {
          // The moment the issue found: a download's retrieval is in the ledger, its answer not yet out.
          const until = Date.now() + 8_000;
          let hit = false;
          while (!hit && Date.now() < until) {
            for (const p of [...pendingDownloads]) {
              const now = await countRetrievals(p.exchangeId, p.documentId).catch(() => 0);
              if (now > p.before && pendingDownloads.has(p)) hit = true;
            }
            if (!hit) await sleep(pendingDownloads.size === 0 ? 1 : 0);
          }
        } else if (aim === 'upload') {
          // Inside a PUT, once its bytes are stored and s3rver writes its MD5 and metadata files.
          const until = Date.now() + 8_000;
          let hit = false;
          while (!hit && Date.now() < until) {
            for (const key of [...uploading]) {
              if (await fileExists(objectFile(dataDir, key, 'object.md5'))) hit = true;
            }
            if (!hit) await sleep(uploading.size === 0 ? 1 : 0);
          }
        }
        const busy = `${inFlight.upload} uploads, ${inFlight.download} downloads in flight`;
        const cut = [...uploading];
        await exchange.kill();
        // A kill can land inside s3rver's last write of a PUT (its metadata file, opened with O_TRUNC and then
        // written): a window of microseconds no timer hits, so the harness leaves that state itself.
        if (aim === 'upload') for (const key of cut) await tearMetadataWrite(dataDir, key);
        kills.push(`kill ${k + 1} (aimed at ${aim}; ${busy})`);
        note(`crash: SIGKILL ${k + 1}/${options.kills} aimed at ${aim} (${busy})`);
        await exchange.start();
        // Healthy as soon as it serves again, before any retry has rewritten what the kill left.
        const health = await probeHealth(baseUrl);
        if (health !== '200 ok') problems.push(`/health after restart ${k + 1}: ${health}`);
      }
      killing = false;
    })();

    const users = Array.from({ length: options.users }, async (_, user) => {
      for (let n = 0; killing || n < options.minIterations; n++) {
        if (Date.now() > deadline) {
          problems.push(`user ${user}: deadline reached`);
          return;
        }
        try {
          await flow(user, n);
        } catch (error) {
          problems.push(`user ${user} flow ${n}: ${describe(error)}`);
          if (!killing && n >= options.minIterations) return;
        }
      }
    });
    await Promise.all([killer, ...users]);
    ledgerReader?.stores.close();

    // The exchange is healthy after the kills (storage answers its probe; nothing half-written broke it).
    const health = await probeHealth(baseUrl);
    if (health !== '200 ok') problems.push(`/health after the kills: ${health}`);

    // Everything acknowledged is present for both parties.
    for (const f of flows) {
      if (!f.exchangeId) continue;
      for (const party of [f.sender, f.recipient]) {
        const view = await settle('final read', () =>
          getExchange(party.client, f.exchangeId as string),
        ).catch((error: unknown) => {
          problems.push(`${f.exchangeId}: ${party.officer.clientId} cannot read it (${describe(error)})`);
          return undefined;
        });
        if (view && f.posted && !view.messages.some((m) => m.messageId === f.messageId)) {
          problems.push(`${f.exchangeId}: message ${f.messageId} missing for ${party.officer.clientId}`);
        }
      }
    }

    // Every chain verifies, and no keyed action took effect twice.
    const s = exchange.stores();
    const duplicateRetrievals: string[] = [];
    let chainsVerified = 0;
    try {
      for (const f of flows) {
        if (!f.exchangeId) continue;
        const events = await s.ledger.read(f.exchangeId);
        const verdict = verifyChain(events, { chain: f.exchangeId });
        if (verdict.ok) chainsVerified++;
        else problems.push(`${f.exchangeId}: chain broken (${verdict.broken.reason})`);
        problems.push(...findDuplicates(f, events));
        const retrievals = events.filter(
          (e) => e.action === 'document.retrieved' && e.subject?.documentId === f.documentId,
        ).length;
        if (retrievals < f.downloadsAcknowledged.length) {
          problems.push(
            `${f.exchangeId}: ${f.downloadsAcknowledged.length} downloads answered, ${retrievals} recorded`,
          );
        }
        if (retrievals > f.downloadKeys.length) {
          duplicateRetrievals.push(
            `${f.exchangeId}: ${retrievals} document.retrieved for ${f.downloadKeys.length} download key(s)`,
          );
        }
        const exported = events.filter((e) => e.action === 'custody.exported').length;
        if (exported < f.exports)
          problems.push(`${f.exchangeId}: ${f.exports} exports answered, ${exported} recorded`);
      }
    } finally {
      s.close();
    }

    // A sample of bundles exported now, after all the kills, verify too.
    for (const f of flows.filter((x) => x.exchangeId && random() < 0.25)) {
      const text = await fetchCustodyBundle(f.recipient.client, f.exchangeId as string).catch(
        () => undefined,
      );
      const verdict = text === undefined ? undefined : await verifyBundle(Readable.from([text]));
      if (verdict?.ok) stats.bundlesVerified++;
      else problems.push(`${f.exchangeId}: final bundle export failed or does not verify`);
    }

    await exchange.stop();
    const errorLines = exchange.lines.filter((line) => /\bERROR\b/.test(line));
    const repairs = exchange.lines.filter((line) => line.includes('local storage repaired'));
    return {
      seed: options.seed,
      kills,
      acknowledged: stats.acknowledged,
      retriesCompletedOnce: stats.retriesCompletedOnce,
      retryAttempts: stats.retryAttempts,
      flows: stats.flows,
      chainsVerified,
      bundlesVerified: stats.bundlesVerified,
      repairs,
      problems,
      duplicateRetrievals,
      errorLines,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await exchange.kill();
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Leave what a kill inside s3rver's metadata write leaves: the object's bytes and MD5 written, its metadata
 * file empty. Only when the bytes are whole (their MD5 matches); otherwise the kill already left a torn PUT.
 */
async function tearMetadataWrite(dataDir: string, key: string): Promise<void> {
  const [bytes, md5] = await Promise.all([
    readFile(objectFile(dataDir, key, 'object')).catch(() => undefined),
    readFile(objectFile(dataDir, key, 'object.md5'), 'utf8').catch(() => undefined),
  ]);
  if (bytes && md5 === createHash('md5').update(bytes).digest('hex')) {
    await writeFile(objectFile(dataDir, key, 'metadata.json'), '');
  }
}

/** `200 ok` when /health says every dependency answers; otherwise what it said. */
function probeHealth(baseUrl: string): Promise<string> {
  return fetch(`${baseUrl}/health`).then(
    async (r) => `${r.status} ${((await r.json()) as { status?: string }).status}`,
    (error: unknown) => describe(error),
  );
}

/** One of s3rver 3.7's files for an object of the evidence bucket (server/local/s3-store-repair.ts). */
function objectFile(dataDir: string, key: string, suffix: string): string {
  return join(dataDir, 's3', evidenceBucket.localName, `${key}._S3rver_${suffix}`);
}

function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Effects that must be unique per flow: one genesis, one upload record, one send and one delivery per message. */
function findDuplicates(f: FlowRecord, events: readonly LedgerEvent[]): string[] {
  const found: string[] = [];
  const count = (action: string, match: (e: LedgerEvent) => boolean) =>
    events.filter((e) => e.action === action && match(e)).length;
  const checks: Array<[string, number, boolean]> = [
    ['exchange.created', count('exchange.created', () => true), true],
    [
      'document.uploaded',
      count('document.uploaded', (e) => e.subject?.documentId === f.documentId),
      f.committed,
    ],
    ['message.sent', count('message.sent', (e) => e.subject?.messageId === f.messageId), f.posted],
    ['message.delivered', count('message.delivered', (e) => e.subject?.messageId === f.messageId), f.read],
  ];
  for (const [action, n, acknowledged] of checks) {
    if (n > 1) found.push(`${f.exchangeId}: ${n} × ${action} (duplicated effect)`);
    if (acknowledged && n === 0) found.push(`${f.exchangeId}: ${action} acknowledged but not recorded`);
  }
  return found;
}

function isTransient(error: unknown): boolean {
  if (error instanceof PouchApiError) {
    return error.status === 503 || (error.status === 409 && error.code === 'ERR_CONFLICT');
  }
  return error instanceof PouchError && error.code === 'ERR_DEPENDENCY_UNAVAILABLE';
}

function describe(error: unknown): string {
  if (error instanceof PouchApiError) return `${error.status} ${error.code} ${error.detail ?? ''}`.trim();
  if (error instanceof PouchError) return `${error.code} ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
