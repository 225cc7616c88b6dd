// Tests (integration): the one-pass transfer engine (issue 16) against a real s3rver through the real S3
// DocumentStore adapter and real age crypto: sealAndUpload (seal while the parts go up, resumable) and
// fetchAndOpen (parallel ranged GETs, hashed and opened in order, resumable). Faults are injected only by
// wrapping `fetch`, as each test's name says.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHotBatches, FETCH_WINDOW_BYTES, fetchAndOpen } from '../../client/transfer/fetch-open.ts';
import { sealAndUpload } from '../../client/transfer/seal-upload.ts';
import { objectKeys } from '../../server/config/storage-definitions.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { openFile } from '../../shared/crypto/age-native.ts';
import { partsDigestOf, partsDigestOfStorageChecksum } from '../../shared/crypto/sealed-digest.ts';
import { settledCode, useDocumentStore } from '../support/document-store-harness.ts';
import {
  journalNamingPlaintext,
  manifestExpectation,
  stallingGets,
  streamedTarget,
} from '../support/streamed-upload.ts';

const KiB = 1024;
const hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** `size` random bytes in `dir`/plain-`id`.bin, and a private folder `dir`/send-`id` for its spool and journal. */
async function plaintextAndFolder(dir: string, id: number, size: number) {
  const bytes = randomBytes(size);
  const work = join(dir, `send-${id}`);
  await mkdir(work, { mode: 0o700 });
  const source = join(dir, `plain-${id}.bin`);
  await writeFile(source, bytes);
  return { bytes, source, work };
}

describe('one-pass transfer engine on s3rver', () => {
  const docs = useDocumentStore({ prefix: 'one-pass-' });
  let identity: string;
  let recipient: string;
  let n = 0;
  beforeAll(async () => {
    ({ identity, recipient } = await generateIdentity());
  });

  /** A plaintext file and a private folder for its spool and journal. */
  async function prepare(size: number) {
    const id = ++n;
    const { bytes, source, work } = await plaintextAndFolder(docs.dir, id, size);
    return { bytes, source, work, key: objectKeys.document('ex-one-pass', `doc-${id}`) };
  }

  /** A fetch that counts storage PUTs, and fails (as a network error) those `failWhen` picks. */
  function faultyPuts(failWhen: (put: number) => boolean = () => false) {
    const counter = { puts: 0 };
    const wrapped: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && failWhen(++counter.puts))
        throw new TypeError('fetch failed (fault injected)');
      return fetch(input, init);
    };
    return { fetch: wrapped, counter };
  }

  async function openStored(
    key: string,
    size: number,
    plaintext: Buffer,
    partSize: number,
    partSha256s: readonly string[],
  ) {
    const confirmed = await docs.store.confirmObject({
      key,
      size,
      expected: { kind: 'multipart', partSha256s, partSize },
    });
    expect(partsDigestOfStorageChecksum(confirmed.checksum)).toBe(partsDigestOf(partSha256s));
    const url = (await docs.store.presignGet({ key, expiresInSeconds: 300 })).url;
    const sealed = Buffer.from(await (await fetch(url)).arrayBuffer());
    const sealedPath = join(docs.dir, `stored-${++n}.age`);
    await writeFile(sealedPath, sealed);
    const digests = await openFile(sealedPath, `${sealedPath}.opened`, [identity]);
    expect((await readFile(`${sealedPath}.opened`)).equals(plaintext)).toBe(true);
    return { sealed, digests };
  }

  it('seals into the multipart upload in one pass: parts leave while later ones seal, digests come from the sealing', async () => {
    const { bytes, source, work, key } = await prepare(8 * 1024 * KiB + 123);
    const partSize = 64 * KiB;
    const target = streamedTarget(docs.store, key, partSize);
    let sealedInput = 0;
    let presignedBeforeSealed: boolean | undefined;
    const result = await sealAndUpload({
      source,
      recipients: [recipient],
      spoolPath: join(work, 'doc.age'),
      journalPath: join(work, 'doc.journal.json'),
      ...target.options,
      presign: (documentId, parts) => {
        presignedBeforeSealed ??= sealedInput < bytes.length;
        return target.options.presign(documentId, parts);
      },
      onProgress: (progress) => {
        sealedInput = progress.sealedInput;
      },
    });
    expect(presignedBeforeSealed).toBe(true);
    expect(result.plaintextSha256).toBe(hex(bytes));
    expect(result.plaintextSize).toBe(bytes.length);
    expect(result.partSha256s).toHaveLength(Math.ceil(result.sealedSize / partSize));
    expect(result.partsUploaded).toBe(result.partSha256s.length);
    const { sealed, digests } = await openStored(key, result.sealedSize, bytes, partSize, result.partSha256s);
    expect(hex(sealed)).toBe(result.sealedSha256);
    expect(digests).toMatchObject({
      plaintextSha256: result.plaintextSha256,
      sealedSha256: result.sealedSha256,
    });
    // The journal is gone once committed; the spool is private until the caller drops it.
    expect(await readdir(work)).toEqual(['doc.age']);
    expect((await stat(join(work, 'doc.age'))).mode & 0o777).toBe(0o600);
  });

  it('resumes an interrupted send without uploading the stored parts again (fault injected through fetch)', async () => {
    const { bytes, source, work, key } = await prepare(40 * 16 * KiB);
    const partSize = 16 * KiB;
    const target = streamedTarget(docs.store, key, partSize);
    const paths = { spoolPath: join(work, 'doc.age'), journalPath: join(work, 'doc.journal.json') };
    const first = faultyPuts((put) => put > 3);
    const failed = sealAndUpload({
      source,
      recipients: [recipient],
      ...paths,
      ...target.options,
      concurrency: 1,
      retry: { attempts: 1 },
      fetch: first.fetch,
    });
    expect(await settledCode(failed)).toBe('ERR_STORAGE');
    // Sealing ran to its end despite the failure, so the journal can vouch for the three stored parts.
    const journal = JSON.parse(await readFile(paths.journalPath, 'utf8')) as {
      sealed?: unknown;
      stored: unknown[];
    };
    expect(journal.sealed).toBeDefined();
    expect(journal.stored).toHaveLength(3);
    expect((await stat(paths.journalPath)).mode & 0o777).toBe(0o600);

    const second = faultyPuts();
    const result = await sealAndUpload({
      source,
      recipients: [recipient],
      ...paths,
      ...target.options,
      fetch: second.fetch,
    });
    expect(result.partsSkipped).toBe(3);
    expect(second.counter.puts).toBe(result.partSha256s.length - 3);
    expect(target.calls.declared).toBe(1);
    await openStored(key, result.sealedSize, bytes, partSize, result.partSha256s);
  });

  it('retries a part that storage answers with 503, and one whose connection fails (faults injected through fetch)', async () => {
    const { bytes, source, work, key } = await prepare(5 * 16 * KiB);
    const partSize = 16 * KiB;
    const target = streamedTarget(docs.store, key, partSize);
    let puts = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT') {
        puts++;
        if (puts === 1) return new Response('<Error><Code>SlowDown</Code></Error>', { status: 503 });
        if (puts === 2) throw new TypeError('fetch failed (fault injected)');
      }
      return fetch(input, init);
    };
    const result = await sealAndUpload({
      source,
      recipients: [recipient],
      spoolPath: join(work, 'doc.age'),
      journalPath: join(work, 'doc.journal.json'),
      ...target.options,
      retry: { baseDelayMs: 1 },
      fetch: flaky,
    });
    expect(puts).toBe(result.partSha256s.length + 2);
    await openStored(key, result.sealedSize, bytes, partSize, result.partSha256s);
  });

  /** Send a file (streamed) and describe it as a manifest would, with a presigned GET. */
  async function stored(size: number, partSize = 16 * KiB) {
    const { bytes, source, work, key } = await prepare(size);
    const target = streamedTarget(docs.store, key, partSize);
    const result = await sealAndUpload({
      source,
      recipients: [recipient],
      spoolPath: join(work, 'doc.age'),
      journalPath: join(work, 'doc.journal.json'),
      ...target.options,
    });
    const url = (await docs.store.presignGet({ key, expiresInSeconds: 300 })).url;
    const fetchDir = join(docs.dir, `fetch-${++n}`);
    await mkdir(fetchDir, { mode: 0o700 });
    return {
      bytes,
      url,
      workDir: fetchDir,
      expected: manifestExpectation(result),
    };
  }

  /** A fetch that counts ranged GETs and lets a test fail, slow or alter some of them. */
  function faultyGets(
    fault: (get: number, response: Response) => Promise<Response> | Response = (_, r) => r,
  ) {
    const counter = { gets: 0 };
    const wrapped: typeof fetch = async (input, init) => {
      const get = ++counter.gets;
      return fault(get, await fetch(input, init));
    };
    return { fetch: wrapped, counter };
  }

  it('fetches with parallel ranged GETs, verifies both digests and the parts composite, and opens in the same pass', async () => {
    const doc = await stored(300 * KiB + 5);
    const gets = faultyGets();
    const result = await fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes: 32 * KiB,
      fetch: gets.fetch,
    });
    expect(gets.counter.gets).toBe(Math.ceil(doc.expected.sealedSize / (32 * KiB)));
    expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
    expect((await stat(result.plaintextPath)).mode & 0o777).toBe(0o600);
    // Opened from memory: nothing sealed was written, and nothing but the plaintext is left.
    expect(result.sealedPath).toBeUndefined();
    expect(await readdir(doc.workDir)).toEqual([basename(result.plaintextPath)]);

    // Asked to keep the sealed copy, the ranges go through the spool.
    await mkdir(join(doc.workDir, 'kept'), { mode: 0o700 });
    const kept = await fetchAndOpen({
      ...doc,
      workDir: join(doc.workDir, 'kept'),
      identities: [identity],
      parallel: true,
      rangeBytes: 32 * KiB,
      keepSealed: true,
    });
    expect((await readFile(kept.plaintextPath)).equals(doc.bytes)).toBe(true);
    expect(hex(await readFile(kept.sealedPath as string))).toBe(doc.expected.sealedSha256);
    expect(await readdir(join(doc.workDir, 'kept'))).not.toContain('fetch.json');

    // The same document on the small-file path (downloaded first, opened on this thread).
    await mkdir(join(doc.workDir, 'small'), { mode: 0o700 });
    const small = await fetchAndOpen({
      ...doc,
      workDir: join(doc.workDir, 'small'),
      identities: [identity],
      parallel: false,
    });
    expect((await readFile(small.plaintextPath)).equals(doc.bytes)).toBe(true);
  });

  it('detects a corrupt range through the spool, keeps nothing it opened, and downloads afresh next time (fault injected through fetch)', async () => {
    const doc = await stored(200 * KiB);
    const corrupt = faultyGets(async (get, response) => {
      if (get !== 3) return response;
      const body = Buffer.from(await response.arrayBuffer());
      body[body.length - 1] = (body[body.length - 1] as number) ^ 1;
      return new Response(body, { status: response.status, headers: response.headers });
    });
    const failed = fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      keepSealed: true,
      rangeBytes: 32 * KiB,
      fetch: corrupt.fetch,
    });
    expect(await settledCode(failed)).toBe('ERR_HASH_MISMATCH');
    // Unverified bytes are never kept: no plaintext, no spool, no journal to resume them from.
    expect(await readdir(doc.workDir)).toEqual([]);

    const healthy = await fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes: 32 * KiB,
    });
    expect(healthy.rangesReused).toBe(0);
    expect((await readFile(healthy.plaintextPath)).equals(doc.bytes)).toBe(true);
  });

  it('refuses a copy altered inside a part, where no range ends, through the spool, and keeps nothing it opened (fault injected through fetch)', async () => {
    const doc = await stored(200 * KiB);
    const altered = faultyGets(async (get, response) => {
      if (get !== 2) return response;
      const body = Buffer.from(await response.arrayBuffer());
      body[Math.floor(body.length / 2)] = (body[Math.floor(body.length / 2)] as number) ^ 0x80;
      return new Response(body, { status: response.status, headers: response.headers });
    });
    const failed = fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      keepSealed: true,
      rangeBytes: 48 * KiB,
      fetch: altered.fetch,
    });
    expect(await settledCode(failed)).toBe('ERR_HASH_MISMATCH');
    expect(await readdir(doc.workDir)).toEqual([]);
  });

  it('refuses a copy whose parts composite differs from the one the exchange signed', async () => {
    const doc = await stored(100 * KiB);
    const wrongParts = {
      ...doc.expected,
      sealedPartsSha256: `${'0'.repeat(64)}-${doc.expected.sealedPartsSha256.split('-')[1]}`,
    };
    expect(
      await settledCode(
        fetchAndOpen({ ...doc, expected: wrongParts, identities: [identity], parallel: true }),
      ),
    ).toBe('ERR_HASH_MISMATCH');
    expect(await readdir(doc.workDir)).toEqual([]);
  });

  it('retries a slow range and a failed one (faults injected through fetch)', async () => {
    const doc = await stored(160 * KiB);
    let failedOnce = false;
    const flaky = faultyGets(async (get, response) => {
      if (get === 1) await new Promise((resolve) => setTimeout(resolve, 300));
      if (get === 2 && !failedOnce) {
        failedOnce = true;
        await response.body?.cancel();
        return new Response('slow down', { status: 503 });
      }
      return response;
    });
    const result = await fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes: 32 * KiB,
      retry: { baseDelayMs: 1 },
      fetch: flaky.fetch,
    });
    expect(flaky.counter.gets).toBe(Math.ceil(doc.expected.sealedSize / (32 * KiB)) + 1);
    expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
  });

  it('resumes an interrupted fetch through the spool, downloading only the missing ranges (fault injected through fetch)', async () => {
    const doc = await stored(320 * KiB);
    const rangeBytes = 32 * KiB;
    const rangeCount = Math.ceil(doc.expected.sealedSize / rangeBytes);
    const broken = faultyGets((get, response) => {
      if (get <= 4) return response;
      throw new TypeError('fetch failed (fault injected)');
    });
    const failed = fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      keepSealed: true,
      rangeBytes,
      concurrency: 1,
      retry: { attempts: 1 },
      fetch: broken.fetch,
    });
    expect(await settledCode(failed)).toBe('ERR_STORAGE');
    expect((await readdir(doc.workDir)).sort()).toEqual(['fetch.json', 'sealed.age']);

    const again = faultyGets();
    const result = await fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      keepSealed: true,
      rangeBytes,
      fetch: again.fetch,
    });
    expect(result.rangesReused).toBe(4);
    expect(again.counter.gets).toBe(rangeCount - 4);
    expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
  });

  it('streamed: an interrupted fetch keeps the plaintext it made durable; the next call seals it again and downloads only the rest (fault injected through fetch)', async () => {
    const doc = await stored(8 * 1024 * KiB + 123, 1024 * KiB);
    const rangeBytes = 1024 * KiB;
    const rangeCount = Math.ceil(doc.expected.sealedSize / rangeBytes);
    const common = {
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes,
      plaintextSyncBytes: 64 * KiB,
    };
    const abort = new AbortController();
    const stalled = stallingGets(5);
    const failed = fetchAndOpen({ ...common, concurrency: 2, fetch: stalled.fetch, signal: abort.signal });
    const kept = await journalNamingPlaintext(doc.workDir);
    abort.abort(new Error('interrupted (test)'));
    expect(await settledCode(failed)).toBe('ERR_STORAGE');
    // Nothing sealed was written: the journal and the plaintext it names, private, are all that is left.
    expect((await readdir(doc.workDir)).sort()).toEqual(['fetch.json', kept.plaintext].sort());
    expect((await stat(join(doc.workDir, kept.plaintext))).mode & 0o777).toBe(0o600);
    expect(kept.bytes % (64 * KiB)).toBe(0);

    const again = stallingGets(Number.POSITIVE_INFINITY);
    const result = await fetchAndOpen({ ...common, fetch: again.fetch });
    expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
    // The first GET starts where the kept chunks, sealed again, end: nothing before is downloaded.
    const firstStart = Number(/^bytes=(\d+)-/.exec(again.ranges[0] ?? '')?.[1]);
    const headerAndNonce =
      doc.expected.sealedSize -
      (doc.expected.plaintextSize + 16 * Math.ceil(doc.expected.plaintextSize / (64 * KiB)));
    expect(firstStart).toBe(headerAndNonce + (kept.bytes / (64 * KiB)) * (64 * KiB + 16));
    expect(result.rangesReused).toBe(Math.floor(firstStart / rangeBytes));
    expect(again.ranges).toHaveLength(rangeCount - result.rangesReused);
    // The earlier plaintext and the journal are gone once the document is verified.
    expect(await readdir(doc.workDir)).toEqual([basename(result.plaintextPath)]);
  });

  it('streamed: a kept plaintext altered on disk gives other sealed bytes, which the digests refuse; nothing is kept (fault injected through fetch)', async () => {
    const doc = await stored(6 * 1024 * KiB, 1024 * KiB);
    const common = {
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes: 1024 * KiB,
      plaintextSyncBytes: 64 * KiB,
    };
    const abort = new AbortController();
    const failed = fetchAndOpen({
      ...common,
      concurrency: 1,
      fetch: stallingGets(5).fetch,
      signal: abort.signal,
    });
    const kept = await journalNamingPlaintext(doc.workDir);
    abort.abort(new Error('interrupted (test)'));
    expect(await settledCode(failed)).toBe('ERR_STORAGE');
    const keptPath = join(doc.workDir, kept.plaintext);
    const plaintext = await readFile(keptPath);
    plaintext[1000] = (plaintext[1000] as number) ^ 1;
    await writeFile(keptPath, plaintext);

    expect(await settledCode(fetchAndOpen(common))).toBe('ERR_HASH_MISMATCH');
    expect(await readdir(doc.workDir)).toEqual([]);
  });

  /** A fetch that flips the sealed byte at `at` in every answer that holds it (storage altered, not transit). */
  function alteredAt(at: number) {
    const counter = { gets: 0 };
    const wrapped: typeof fetch = async (input, init) => {
      counter.gets++;
      const response = await fetch(input, init);
      const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1] ?? 0);
      const body = Buffer.from(await response.arrayBuffer());
      if (at >= start && at < start + body.length) body[at - start] = (body[at - start] as number) ^ 0x80;
      return new Response(body, { status: response.status, headers: response.headers });
    };
    return { fetch: wrapped, counter };
  }

  it('streamed: bytes altered in transit fail to open, and the call downloads afresh through the spool and delivers (fault injected through fetch)', async () => {
    const doc = await stored(200 * KiB);
    const rangeBytes = 32 * KiB;
    const rangeCount = Math.ceil(doc.expected.sealedSize / rangeBytes);
    const once = faultyGets(async (get, response) => {
      if (get !== 3) return response;
      const body = Buffer.from(await response.arrayBuffer());
      body[body.length - 1] = (body[body.length - 1] as number) ^ 1;
      return new Response(body, { status: response.status, headers: response.headers });
    });
    const result = await fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes,
      fetch: once.fetch,
    });
    expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
    expect(once.counter.gets).toBeGreaterThan(rangeCount);
  });

  it('streamed: a copy altered in storage is refused as not the one the manifest names, and nothing is kept (fault injected through fetch)', async () => {
    const doc = await stored(200 * KiB);
    const altered = alteredAt(70_000);
    const failed = fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes: 48 * KiB,
      fetch: altered.fetch,
    });
    expect(await settledCode(failed)).toBe('ERR_HASH_MISMATCH');
    expect(await readdir(doc.workDir)).toEqual([]);
  });

  it('streamed: ranges ahead of the opener wait while the window is full, so memory stays bounded (a slow first range injected through fetch)', async () => {
    const doc = await stored(48 * 1024 * KiB, 4 * 1024 * KiB);
    // The first range answers late: every other one could arrive meanwhile, were the window not full.
    const slowFirst = faultyGets(async (get, response) => {
      if (get === 1) await new Promise((resolve) => setTimeout(resolve, 500));
      return response;
    });
    let downloaded = 0;
    let opened = 0;
    let furthestAhead = 0;
    const result = await fetchAndOpen({
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes: 2 * 1024 * KiB,
      concurrency: 8,
      fetch: slowFirst.fetch,
      onDownloadProgress: ({ bytesDone }) => {
        downloaded = bytesDone;
        furthestAhead = Math.max(furthestAhead, downloaded - opened);
      },
      onProgress: ({ bytesDone }) => {
        opened = bytesDone;
      },
    });
    expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
    // The window, the batch each range in flight may be filling (1 MiB), and the range the opener reads from;
    // without the window, all but the first range (46 MiB) arrive while the first one is held up.
    expect(furthestAhead).toBeLessThanOrEqual(FETCH_WINDOW_BYTES + 8 * 1024 * KiB + 2 * 1024 * KiB);
    expect(furthestAhead).toBeGreaterThanOrEqual(FETCH_WINDOW_BYTES);
  });
});

describe('one-pass fetch: written batches the opener copies from memory', () => {
  const bytes = (from: number, length: number) =>
    Buffer.from(Array.from({ length }, (_, i) => (from + i) % 251));

  /** A batch buffer of 16 bytes holding `length` bytes from position `from`. */
  const batch = (from: number, length: number) => {
    const buffer = Buffer.alloc(16);
    bytes(from, length).copy(buffer);
    return buffer;
  };

  it('serves a position from the batch that holds it, and reports 0 where none does (the spool is read instead)', () => {
    const hot = createHotBatches(64, 16);
    hot.add(0, batch(0, 10), 10);
    hot.add(10, batch(10, 6), 6);
    hot.add(16, batch(16, 16), 16);
    const target = Buffer.alloc(40);
    expect(hot.copy(target, 0, 40, 4)).toBe(6); // never past the batch: the reader loops for the rest
    expect(target.subarray(0, 6).equals(bytes(4, 6))).toBe(true);
    expect(hot.copy(target, 0, 40, 10)).toBe(6);
    expect(target.subarray(0, 6).equals(bytes(10, 6))).toBe(true);
    expect(hot.copy(target, 0, 40, 16)).toBe(16);
    expect(target.subarray(0, 16).equals(bytes(16, 16))).toBe(true);
    expect(hot.copy(target, 0, 8, 32)).toBe(0);
  });

  it('stays within its limit by dropping the batches furthest ahead, and forgets what the opener has read', () => {
    const hot = createHotBatches(32, 16);
    hot.add(32, batch(32, 16), 16);
    hot.add(0, batch(0, 16), 16);
    hot.add(16, batch(16, 16), 16); // 48 bytes held: the batch at 32, furthest ahead, goes
    const target = Buffer.alloc(16);
    expect(hot.copy(target, 0, 16, 32)).toBe(0);
    expect(hot.copy(target, 0, 16, 0)).toBe(16);
    // Read past: a batch that ends before the opener's position is neither kept nor served.
    hot.add(0, batch(0, 16), 16);
    expect(hot.copy(target, 0, 16, 16)).toBe(16);
    expect(hot.copy(target, 0, 16, 0)).toBe(0);
    hot.add(48, batch(48, 16), 16);
    hot.clear();
    expect(hot.copy(target, 0, 16, 48)).toBe(0);
  });

  it('hands out again the buffers of batches read or dropped, so received bytes land in reused memory', () => {
    const hot = createHotBatches(32, 16);
    const first = hot.take();
    const second = hot.take();
    expect(first).not.toBe(second);
    expect(first.length).toBe(16);
    bytes(0, 16).copy(first);
    bytes(16, 16).copy(second);
    hot.add(0, first, 16);
    hot.add(16, second, 16);
    const target = Buffer.alloc(16);
    expect(hot.copy(target, 0, 16, 0)).toBe(16); // the first batch is read through: its buffer is free again
    expect(hot.take()).toBe(first);
    const third = hot.take();
    expect([first, second]).not.toContain(third);
    bytes(48, 16).copy(third);
    hot.add(48, third, 16);
    const fourth = hot.take();
    hot.add(64, fourth, 16); // over the limit: the batch at 64, furthest ahead, is dropped and its buffer reused
    expect(hot.take()).toBe(fourth);
    hot.give(second);
    expect(hot.take()).toBe(second);
  });

  it('keeps every buffer given back, however many were in use at once: none is left to the collector', () => {
    const hot = createHotBatches(32, 16);
    const inUse = Array.from({ length: 6 }, () => hot.take());
    for (const buffer of inUse) hot.give(buffer);
    hot.give(inUse[0] as Buffer); // given twice (a batch dropped, then its failed write): still handed out once
    const again = Array.from({ length: 6 }, () => hot.take());
    // By identity (equal contents would pass an equality check)
    expect(new Set(again).size).toBe(6);
    expect(again.every((buffer) => inUse.includes(buffer))).toBe(true);
    expect(inUse.includes(hot.take())).toBe(false);
  });
});

describe('one-pass fetch: expired URLs and ranges cut short', () => {
  const docs = useDocumentStore({ prefix: 'fetch-faults-' });
  let identity: string;
  let recipient: string;
  let n = 0;
  beforeAll(async () => {
    ({ identity, recipient } = await generateIdentity());
  });

  /** A sealed document in storage (single-part streamed upload) and a private folder to fetch it into. */
  async function storedDocument(size: number) {
    const id = ++n;
    const { bytes, source, work } = await plaintextAndFolder(docs.dir, id, size);
    const key = objectKeys.document('ex-fetch-faults', `doc-${id}`);
    const result = await sealAndUpload({
      source,
      recipients: [recipient],
      spoolPath: join(work, 'doc.age'),
      journalPath: join(work, 'doc.journal.json'),
      ...streamedTarget(docs.store, key, 64 * KiB).options,
    });
    const workDir = join(docs.dir, `fetch-${id}`);
    await mkdir(workDir, { mode: 0o700 });
    return {
      bytes,
      key,
      workDir,
      expected: manifestExpectation(result),
    };
  }

  it('asks for a fresh URL when the first one expires mid-fetch, and finishes (1 s expiry, a slow range injected through fetch)', async () => {
    const doc = await storedDocument(200 * KiB);
    const presign = async () => (await docs.store.presignGet({ key: doc.key, expiresInSeconds: 1 })).url;
    let refreshes = 0;
    const statuses: number[] = [];
    // The second range starts only after the first URL expired (s3rver enforces X-Amz-Expires, as S3 does).
    const slow: typeof fetch = async (input, init) => {
      if (statuses.length === 1) await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    const common = {
      ...doc,
      identities: [identity],
      parallel: true,
      rangeBytes: 64 * KiB,
      concurrency: 1,
      retry: { attempts: 1 },
    };
    const result = await fetchAndOpen({
      ...common,
      url: await presign(),
      refreshUrl: async () => {
        refreshes++;
        return presign();
      },
      fetch: slow,
    });
    expect(statuses).toContain(403);
    // At least once: on a loaded machine a 1-second URL can expire again before the last range.
    expect(refreshes).toBeGreaterThanOrEqual(1);
    expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);

    // Without a way to refresh, the expired URL ends the fetch as an interruption (resumable), not a success.
    const stale = await presign();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const workDir = join(doc.workDir, 'no-refresh');
    await mkdir(workDir, { mode: 0o700 });
    expect(await settledCode(fetchAndOpen({ ...common, workDir, url: stale }))).toBe('ERR_STORAGE');
  });

  it('resumes a range cut short from its last written byte, in the same call and in the next one (faults injected through fetch)', async () => {
    const doc = await storedDocument(150 * KiB);
    const url = (await docs.store.presignGet({ key: doc.key, expiresInSeconds: 300 })).url;
    const rangeBytes = 64 * KiB;
    const ranges: string[] = [];
    /** Pass the first `keep` bytes of the GET numbered in `cut`, then fail its body as a dropped connection. */
    const cutting =
      (cut: ReadonlySet<number>, keep: number): typeof fetch =>
      async (input, init) => {
        ranges.push(new Headers(init?.headers).get('range') ?? '');
        const response = await fetch(input, init);
        if (!cut.has(ranges.length)) return response;
        const body = Buffer.from(await response.arrayBuffer()).subarray(0, keep);
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new Uint8Array(body));
          },
          pull(controller) {
            controller.error(new TypeError('terminated (fault injected)'));
          },
        });
        return new Response(stream, { status: response.status, headers: response.headers });
      };
    // Through the spool: the journal keeps a range's written bytes for the next call.
    const common = {
      ...doc,
      url,
      identities: [identity],
      parallel: true,
      keepSealed: true,
      rangeBytes,
      concurrency: 1,
    };

    // Same call: the first range is cut after 10,000 bytes; its retry asks for the rest only.
    const first = await fetchAndOpen({
      ...common,
      retry: { attempts: 2, baseDelayMs: 1 },
      fetch: cutting(new Set([1]), 10_000),
    });
    expect(ranges.slice(0, 2)).toEqual([`bytes=0-${rangeBytes - 1}`, `bytes=10000-${rangeBytes - 1}`]);
    expect((await readFile(first.plaintextPath)).equals(doc.bytes)).toBe(true);

    // Next call: the second range is cut after 20,000 bytes and the call gives up; the journal keeps those bytes.
    ranges.length = 0;
    const workDir = join(doc.workDir, 'resumed');
    await mkdir(workDir, { mode: 0o700 });
    const failed = fetchAndOpen({
      ...common,
      workDir,
      retry: { attempts: 1 },
      fetch: cutting(new Set([2]), 20_000),
    });
    expect(await settledCode(failed)).toBe('ERR_STORAGE');
    ranges.length = 0;
    const resumed = await fetchAndOpen({ ...common, workDir, fetch: cutting(new Set(), 0) });
    expect(ranges[0]).toBe(`bytes=${rangeBytes + 20_000}-${2 * rangeBytes - 1}`);
    expect(resumed.rangesReused).toBe(1);
    expect((await readFile(resumed.plaintextPath)).equals(doc.bytes)).toBe(true);
  });
});
