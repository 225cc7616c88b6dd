// Attacks on the streamed fetch (client/transfer/fetch-open.ts, fetchStreamed): a tampered journal in the work
// folder, kept plaintexts at chunk and range boundaries, odd range sizes against the memory window, and what is
// left in the work folder afterwards. Real embedded S3 (s3rver) and real age crypto.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchAndOpen } from '../../client/transfer/fetch-open.ts';
import { sealAndUpload } from '../../client/transfer/seal-upload.ts';
import { objectKeys } from '../../server/config/storage-definitions.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { settledCode, useDocumentStore } from '../support/document-store-harness.ts';
import {
  journalNamingPlaintext,
  manifestExpectation,
  stallingGets,
  streamedTarget,
} from '../support/streamed-upload.ts';

const KiB = 1024;
const CHUNK = 64 * KiB;
const SEALED_CHUNK = CHUNK + 16;
const hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('streamed fetch under attack', () => {
  const docs = useDocumentStore({ prefix: 'fetch-attacks-' });
  let identity: string;
  let recipient: string;
  let n = 0;
  beforeAll(async () => {
    ({ identity, recipient } = await generateIdentity());
  });

  /** Seal `bytes` into a multipart upload (as the API does for a streamed document) and describe it as a manifest would. */
  async function stored(bytes: Buffer, partSize = 64 * KiB) {
    const id = ++n;
    const dir = join(docs.dir, `send-${id}`);
    await mkdir(dir, { mode: 0o700 });
    const source = join(dir, 'plain.bin');
    await writeFile(source, bytes);
    const key = objectKeys.document('ex-fetch-attacks', `doc-${id}`);
    const result = await sealAndUpload({
      source,
      recipients: [recipient],
      spoolPath: join(dir, 'doc.age'),
      journalPath: join(dir, 'doc.journal.json'),
      ...streamedTarget(docs.store, key, partSize).options,
    });
    const url = (await docs.store.presignGet({ key, expiresInSeconds: 300 })).url;
    const sealed = Buffer.from(await (await fetch(url)).arrayBuffer());
    const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK));
    const prefix = sealed.subarray(0, sealed.length - bytes.length - 16 * chunks);
    return {
      bytes,
      url,
      sealed,
      prefix,
      expected: manifestExpectation(result),
    };
  }

  async function freshFolder(): Promise<string> {
    const dir = join(docs.dir, `fetch-${++n}`);
    await mkdir(dir, { mode: 0o700 });
    return dir;
  }

  /** A fetch that records each ranged GET's Range header and lets a test slow some of them. */
  function recordingGets(delay: (get: number) => number = () => 0) {
    const ranges: string[] = [];
    const wrapped: typeof fetch = async (input, init) => {
      ranges.push(new Headers(init?.headers).get('range') ?? '');
      const wait = delay(ranges.length);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return fetch(input, init);
    };
    const firstStart = (): number => Math.min(...ranges.map((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1])));
    return { fetch: wrapped, ranges, firstStart };
  }

  /** Plant what an interrupted streamed call would leave: a kept plaintext and a journal naming it. */
  async function plant(
    workDir: string,
    doc: Awaited<ReturnType<typeof stored>>,
    opened: { plaintext: string; bytes: unknown; prefix: string },
    keptBytes?: Buffer,
  ): Promise<void> {
    if (keptBytes) await writeFile(join(workDir, opened.plaintext), keptBytes, { mode: 0o600 });
    const journal = {
      version: 1,
      sealedSize: doc.expected.sealedSize,
      sealedSha256: doc.expected.sealedSha256,
      rangeBytes: 32 * KiB,
      done: [],
      opened,
    };
    await writeFile(join(workDir, 'fetch.json'), JSON.stringify(journal), { mode: 0o600 });
  }

  const NAME = 'plain-0123456789ab';

  /** Files of `dir` this process holds open (through /proc/self/fd). */
  async function openFilesIn(dir: string): Promise<string[]> {
    const held: string[] = [];
    for (const fd of await readdir('/proc/self/fd')) {
      const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
      if (target.startsWith(`${dir}/`)) held.push(target);
    }
    return held;
  }

  describe('a tampered journal', () => {
    let doc: Awaited<ReturnType<typeof stored>>;
    let other: Awaited<ReturnType<typeof stored>>;
    beforeAll(async () => {
      doc = await stored(randomBytes(5 * CHUNK + 777));
      other = await stored(randomBytes(5 * CHUNK + 777));
    });

    it('cannot name a file outside the work folder: a path is not a name the journal takes, and nothing outside is read or removed', async () => {
      const workDir = await freshFolder();
      const victim = join(docs.dir, `victim-${++n}`);
      await writeFile(victim, doc.bytes.subarray(0, 3 * CHUNK));
      // Resumption fails (more bytes than the file holds), which is when a named plaintext is removed.
      await plant(workDir, doc, {
        plaintext: `../${basename(victim)}`,
        bytes: 10 * CHUNK,
        prefix: doc.prefix.toString('base64'),
      });
      const gets = recordingGets();
      const result = await fetchAndOpen({
        ...doc,
        workDir,
        identities: [identity],
        parallel: true,
        rangeBytes: 32 * KiB,
        fetch: gets.fetch,
      });
      expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
      expect(gets.firstStart()).toBe(0);
      expect((await readFile(victim)).length).toBe(3 * CHUNK);
      expect(await readdir(workDir)).toEqual([basename(result.plaintextPath)]);
    });

    const flipped = (bytes: Buffer, at: number): Buffer => {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] as number) ^ 1;
      return copy;
    };

    // Each tamper must end in the document's own bytes (resumed, or downloaded afresh) and a work folder holding
    // only the returned plaintext; never another file's bytes, a non-PouchError, or a leftover.
    const tampers: [
      string,
      () => { opened: { plaintext: string; bytes: unknown; prefix: string }; kept?: Buffer },
    ][] = [
      [
        'a prefix that is not base64',
        () => ({ opened: { plaintext: NAME, bytes: 2 * CHUNK, prefix: 'no!' }, kept: doc.bytes }),
      ],
      [
        'a prefix of base64 noise',
        () => ({
          opened: { plaintext: NAME, bytes: 2 * CHUNK, prefix: randomBytes(300).toString('base64') },
          kept: doc.bytes,
        }),
      ],
      [
        'an empty prefix',
        () => ({ opened: { plaintext: NAME, bytes: 2 * CHUNK, prefix: '' }, kept: doc.bytes }),
      ],
      [
        'a header altered (its MAC fails)',
        () => ({
          opened: { plaintext: NAME, bytes: 2 * CHUNK, prefix: flipped(doc.prefix, 30).toString('base64') },
          kept: doc.bytes,
        }),
      ],
      [
        'a nonce altered (the header MAC does not cover it)',
        () => ({
          opened: {
            plaintext: NAME,
            bytes: 3 * CHUNK,
            prefix: flipped(doc.prefix, doc.prefix.length - 3).toString('base64'),
          },
          kept: doc.bytes,
        }),
      ],
      [
        'the prefix of another document sealed to the same identity',
        () => ({
          opened: { plaintext: NAME, bytes: 3 * CHUNK, prefix: other.prefix.toString('base64') },
          kept: doc.bytes,
        }),
      ],
      [
        "another document's prefix and plaintext",
        () => ({
          opened: { plaintext: NAME, bytes: 3 * CHUNK, prefix: other.prefix.toString('base64') },
          kept: other.bytes,
        }),
      ],
      [
        'more bytes than the kept file holds',
        () => ({
          opened: { plaintext: NAME, bytes: 4 * CHUNK, prefix: doc.prefix.toString('base64') },
          kept: doc.bytes.subarray(0, 2 * CHUNK),
        }),
      ],
      [
        'bytes that are not a multiple of a chunk',
        () => ({
          opened: { plaintext: NAME, bytes: 2 * CHUNK + 5, prefix: doc.prefix.toString('base64') },
          kept: doc.bytes,
        }),
      ],
      [
        'bytes beyond the plaintext size',
        () => ({
          opened: { plaintext: NAME, bytes: 2 ** 52, prefix: doc.prefix.toString('base64') },
          kept: doc.bytes,
        }),
      ],
      [
        'bytes that are not an integer',
        () => ({
          opened: { plaintext: NAME, bytes: 1.5, prefix: doc.prefix.toString('base64') },
          kept: doc.bytes,
        }),
      ],
      [
        'a kept file longer than the plaintext',
        () => ({
          opened: {
            plaintext: NAME,
            bytes: doc.bytes.length + 9 * CHUNK,
            prefix: doc.prefix.toString('base64'),
          },
          kept: Buffer.concat([doc.bytes, randomBytes(9 * CHUNK)]),
        }),
      ],
      [
        'a named plaintext that is missing',
        () => ({ opened: { plaintext: NAME, bytes: 2 * CHUNK, prefix: doc.prefix.toString('base64') } }),
      ],
    ];
    for (const [what, make] of tampers) {
      it(`${what}: the fetch delivers the document's own bytes and leaves only them`, async () => {
        const workDir = await freshFolder();
        const { opened, kept } = make();
        await plant(workDir, doc, opened, kept);
        const outcome = fetchAndOpen({
          ...doc,
          workDir,
          identities: [identity],
          parallel: true,
          rangeBytes: 32 * KiB,
        });
        const result = await outcome.catch((error: unknown) => error);
        expect(await settledCode(outcome)).toBe('resolved');
        const plaintextPath = (result as { plaintextPath: string }).plaintextPath;
        expect(hex(await readFile(plaintextPath))).toBe(doc.expected.plaintextSha256);
        expect(await readdir(workDir)).toEqual([basename(plaintextPath)]);
      });
    }

    it('what an interrupted spool call left (its spool, plaintext name and journal) is gone after a streamed call delivers', async () => {
      const workDir = await freshFolder();
      await writeFile(join(workDir, 'sealed.age'), doc.sealed.subarray(0, 100 * KiB), { mode: 0o600 });
      await writeFile(join(workDir, 'plain'), randomBytes(10), { mode: 0o600 });
      const journal = {
        version: 1,
        sealedSize: doc.expected.sealedSize,
        sealedSha256: doc.expected.sealedSha256,
        rangeBytes: 32 * KiB,
        done: [0, 1, 2],
      };
      await writeFile(join(workDir, 'fetch.json'), JSON.stringify(journal), { mode: 0o600 });
      const result = await fetchAndOpen({
        ...doc,
        workDir,
        identities: [identity],
        parallel: true,
        rangeBytes: 32 * KiB,
      });
      expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
      expect(await readdir(workDir)).toEqual([basename(result.plaintextPath)]);
    });

    it('a kept plaintext altered in its last sealed-again chunk is refused, and nothing is kept', async () => {
      const workDir = await freshFolder();
      const kept = Buffer.from(doc.bytes.subarray(0, 5 * CHUNK));
      kept[5 * CHUNK - 1] = (kept[5 * CHUNK - 1] as number) ^ 1;
      await plant(
        workDir,
        doc,
        { plaintext: NAME, bytes: 5 * CHUNK, prefix: doc.prefix.toString('base64') },
        kept,
      );
      const failed = fetchAndOpen({
        ...doc,
        workDir,
        identities: [identity],
        parallel: true,
        rangeBytes: 32 * KiB,
      });
      expect(await settledCode(failed)).toBe('ERR_HASH_MISMATCH');
      expect(await readdir(workDir)).toEqual([]);
      expect(await openFilesIn(workDir)).toEqual([]);
    });
  });

  describe('resuming at chunk and range boundaries', () => {
    // A plaintext of exactly 4 chunks: the last one is full and carries the last-chunk flag, so it is never
    // sealed again; one more byte makes a fifth chunk and lets all four full ones be sealed again.
    for (const extra of [0, 1]) {
      const size = 4 * CHUNK + extra;
      const resealed = extra === 0 ? 3 : 4;
      for (const [where, rangeOf] of [
        ['ends exactly where a range ends', (end: number) => end],
        ['ends one byte into a range', (end: number) => end - 1],
        ['ends mid-range, ranges smaller than a chunk', () => 7 * KiB + 3],
      ] as const) {
        it(`plaintext of ${size} bytes kept whole: ${resealed} chunks sealed again; the kept part ${where}`, async () => {
          const doc = await stored(randomBytes(size));
          const workDir = await freshFolder();
          await plant(
            workDir,
            doc,
            { plaintext: NAME, bytes: size, prefix: doc.prefix.toString('base64') },
            doc.bytes,
          );
          const end = doc.prefix.length + resealed * SEALED_CHUNK;
          const gets = recordingGets();
          const result = await fetchAndOpen({
            ...doc,
            workDir,
            identities: [identity],
            parallel: true,
            rangeBytes: rangeOf(end),
            fetch: gets.fetch,
          });
          expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
          expect(gets.firstStart()).toBe(end);
          expect(await readdir(workDir)).toEqual([basename(result.plaintextPath)]);
        });
      }
    }
  });

  describe('odd range sizes against the window', () => {
    it('ranges so small that one ends inside the payload nonce still deliver', async () => {
      const doc = await stored(randomBytes(3 * CHUNK + 11));
      const workDir = await freshFolder();
      const outcome = fetchAndOpen({
        ...doc,
        workDir,
        identities: [identity],
        parallel: true,
        // The header ends, then 16 bytes of nonce: a range boundary 8 bytes into them.
        rangeBytes: doc.prefix.length - 8,
      });
      expect(await settledCode(outcome)).toBe('resolved');
      const result = await outcome;
      expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
      expect(await readdir(workDir)).toEqual([basename(result.plaintextPath)]);
    });

    // More than the window (24 MiB) so that ranges wait for room, with the first range held back.
    let big: Awaited<ReturnType<typeof stored>>;
    beforeAll(async () => {
      big = await stored(randomBytes(30 * 1024 * KiB + 333), 8 * 1024 * KiB);
    }, 120_000);
    for (const [rangeBytes, concurrency] of [
      [1024 * KiB + 17, 1],
      [3 * 1024 * KiB + 5, 3],
      [100 * KiB + 3, 8],
      [13 * 1024 * KiB + 1, 2],
    ] as const) {
      it(`rangeBytes ${rangeBytes}, concurrency ${concurrency}, first range late: finishes and delivers`, async () => {
        const workDir = await freshFolder();
        const gets = recordingGets((get) => (get === 1 ? 300 : 0));
        const result = await fetchAndOpen({
          ...big,
          workDir,
          identities: [identity],
          parallel: true,
          rangeBytes,
          concurrency,
          fetch: gets.fetch,
        });
        expect(hex(await readFile(result.plaintextPath))).toBe(big.expected.plaintextSha256);
        expect(await readdir(workDir)).toEqual([basename(result.plaintextPath)]);
      }, 60_000);
    }
    it('the head range cut mid-body and retried while the ranges ahead fill the window: finishes and delivers (fault injected through fetch)', async () => {
      const workDir = await freshFolder();
      let gets = 0;
      const cutFirst: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (++gets !== 1) return response;
        // The first range's body: 1.5 MiB and 7 bytes, then (once the others had time to fill the window) an error.
        const body = Buffer.from(await response.arrayBuffer()).subarray(0, 1536 * KiB + 7);
        const stream = new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(new Uint8Array(body));
            await new Promise((resolve) => setTimeout(resolve, 400));
            controller.error(new TypeError('terminated (fault injected)'));
          },
        });
        return new Response(stream, { status: response.status, headers: response.headers });
      };
      const result = await fetchAndOpen({
        ...big,
        workDir,
        identities: [identity],
        parallel: true,
        rangeBytes: 4 * 1024 * KiB + 9,
        concurrency: 4,
        retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 20 },
        fetch: cutFirst,
      });
      expect(gets).toBeGreaterThan(Math.ceil(big.expected.sealedSize / (4 * 1024 * KiB + 9)));
      expect(hex(await readFile(result.plaintextPath))).toBe(big.expected.plaintextSha256);
      expect(await readdir(workDir)).toEqual([basename(result.plaintextPath)]);
    }, 60_000);
  });

  describe('what an interrupted call writes', () => {
    it('a resumed call interrupted before it passes the kept plaintext keeps that one and its journal only, with no file left open; the next call delivers', async () => {
      const doc = await stored(randomBytes(8 * 1024 * KiB + 5), 1024 * KiB);
      const workDir = await freshFolder();
      const keptBytes = 3 * 1024 * KiB;
      await plant(
        workDir,
        doc,
        { plaintext: NAME, bytes: keptBytes, prefix: doc.prefix.toString('base64') },
        doc.bytes.subarray(0, keptBytes),
      );
      const abort = new AbortController();
      const stalled = stallingGets(0);
      const failed = fetchAndOpen({
        ...doc,
        workDir,
        identities: [identity],
        parallel: true,
        rangeBytes: 1024 * KiB,
        plaintextSyncBytes: CHUNK,
        fetch: stalled.fetch,
        signal: abort.signal,
      });
      while (stalled.ranges.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 200));
      abort.abort(new Error('interrupted (test)'));
      expect(await settledCode(failed)).toBe('ERR_STORAGE');
      expect((await readdir(workDir)).sort()).toEqual(['fetch.json', NAME]);
      const journal = JSON.parse(await readFile(join(workDir, 'fetch.json'), 'utf8')) as {
        opened: { plaintext: string; bytes: number };
      };
      expect(journal.opened).toMatchObject({ plaintext: NAME, bytes: keptBytes });
      expect(await openFilesIn(workDir)).toEqual([]);

      const gets = recordingGets();
      const result = await fetchAndOpen({
        ...doc,
        workDir,
        identities: [identity],
        parallel: true,
        rangeBytes: 1024 * KiB,
        fetch: gets.fetch,
      });
      expect((await readFile(result.plaintextPath)).equals(doc.bytes)).toBe(true);
      expect(gets.firstStart()).toBe(doc.prefix.length + (keptBytes / CHUNK) * SEALED_CHUNK);
      expect(await readdir(workDir)).toEqual([basename(result.plaintextPath)]);
      expect(await openFilesIn(workDir)).toEqual([]);
    });

    it("the journal holds the public header and nonce (the sealed file's first bytes) and no key material", async () => {
      // The opener hands a 2 MiB slot on only once the next one is filled: enough must arrive for a sync.
      const doc = await stored(randomBytes(8 * 1024 * KiB + 5), 1024 * KiB);
      const workDir = await freshFolder();
      const abort = new AbortController();
      const failed = fetchAndOpen({
        ...doc,
        workDir,
        identities: [identity],
        parallel: true,
        rangeBytes: 1024 * KiB,
        concurrency: 1,
        plaintextSyncBytes: CHUNK,
        fetch: stallingGets(5).fetch,
        signal: abort.signal,
      });
      await journalNamingPlaintext(workDir);
      abort.abort(new Error('interrupted (test)'));
      expect(await settledCode(failed)).toBe('ERR_STORAGE');
      const final = JSON.parse(await readFile(join(workDir, 'fetch.json'), 'utf8')) as {
        opened: { plaintext: string; bytes: number; prefix: string };
      } & Record<string, unknown>;
      expect(Object.keys(final).sort()).toEqual([
        'done',
        'opened',
        'rangeBytes',
        'sealedSha256',
        'sealedSize',
        'version',
      ]);
      expect(Object.keys(final.opened).sort()).toEqual(['bytes', 'plaintext', 'prefix']);
      expect(Buffer.from(final.opened.prefix, 'base64').equals(doc.prefix)).toBe(true);
      expect((await readdir(workDir)).sort()).toEqual(['fetch.json', final.opened.plaintext].sort());
      expect((await stat(join(workDir, 'fetch.json'))).mode & 0o777).toBe(0o600);
    });
  });
});
