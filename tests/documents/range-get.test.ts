// Tests (integration): the fetch's ranged GETs on their own sockets (client/transfer/range-get.ts), the kernel
// reading each body straight into the fetch's batch buffers. A raw HTTP server in the test sends what real
// storage can send (a head split across packets, a connection cut mid-body, a chunked body, a body longer than
// the range), and fetchAndOpen must still open exactly the sealed document or refuse it with a stable code.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAndOpen } from '../../client/transfer/fetch-open.ts';
import { type BodySink, socketGet } from '../../client/transfer/range-get.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { sealFile } from '../../shared/crypto/age-native.ts';
import { settledCode } from '../support/document-store-harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const KiB = 1024;

/** How the test server answers one ranged GET (`request` counts from 1). */
type Answer =
  | 'pieces'
  | 'cut'
  | 'chunked'
  | 'long'
  | 'stall'
  | 'unannounced'
  | 'shifted'
  | 'chunked-shifted'
  | 'silent'
  | 403
  | 404
  | 503;

interface RawStorage {
  readonly url: string;
  /** The Range header of every request, in order. */
  readonly ranges: string[];
  close(): Promise<void>;
}

/** A raw HTTP/1.1 server for one object, answering each ranged GET as `answer` says. */
async function rawStorage(object: Buffer, answer: (request: number) => Answer): Promise<RawStorage> {
  const ranges: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let text = '';
    socket.on('data', (piece) => {
      text += piece.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      const range = /\r\nrange: *bytes=(\d+)-(\d+)/i.exec(text);
      ranges.push(range ? `${range[1]}-${range[2]}` : 'none');
      const how = answer(ranges.length);
      const to = Number(range?.[2] ?? object.length - 1);
      const asked = Number(range?.[1] ?? 0);
      // 'shifted': storage (a cache, a proxy) ignoring where the range starts sends as many bytes from the
      // object's start, its Content-Range saying so.
      const from = typeof how === 'string' && how.endsWith('shifted') ? 0 : asked;
      const body = object.subarray(from, from + to - asked + 1);
      void respond(socket, how, body, from, object.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/bucket/object?X-Amz-Signature=abc`,
    ranges,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A server answering every request with `head` then `body`, the connection left open (no close ends a body). */
async function headServer(head: string, body: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/bucket/object?X-Amz-Signature=abc`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A sink filling `into` from its start. */
function bufferSink(into: Buffer): BodySink & { filled(): number } {
  let filled = 0;
  return {
    space: (limit) => into.subarray(filled, filled + limit),
    took: (bytes) => {
      filled += bytes;
      return undefined;
    },
    filled: () => filled,
  };
}

const noFallback = () => Promise.reject(new Error('no fallback expected'));

/** One ranged GET on the socket into `sink`, never aborted, with no node:http fallback expected. */
function getRange(url: string, range: string, sink: BodySink, idleMs?: number) {
  return socketGet(url, range, 0, sink, new AbortController().signal, noFallback, idleMs);
}

async function respond(
  socket: Socket,
  how: Answer,
  body: Buffer,
  from: number,
  total: number,
): Promise<void> {
  if (how === 'silent') return; // accepts the request, and never answers
  if (typeof how === 'number') {
    socket.end(`HTTP/1.1 ${how} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    return;
  }
  const range = `Content-Range: bytes ${from}-${from + body.length - 1}/${total}\r\n`;
  if (how === 'chunked' || how === 'chunked-shifted') {
    socket.write(`HTTP/1.1 206 Partial Content\r\n${range}Transfer-Encoding: chunked\r\n\r\n`);
    for (let at = 0; at < body.length; at += 3000) {
      const piece = body.subarray(at, at + 3000);
      socket.write(`${piece.length.toString(16)}\r\n`);
      socket.write(piece);
      socket.write('\r\n');
    }
    socket.end('0\r\n\r\n');
    return;
  }
  if (how === 'unannounced') {
    // No length: the body ends when the server closes, and this one sends a byte past the range.
    socket.write(`HTTP/1.1 206 Partial Content\r\n${range}Connection: close\r\n\r\n`);
    await pause();
    socket.end(Buffer.concat([body, Buffer.from('!')]));
    return;
  }
  const length = how === 'long' ? body.length + 1 : body.length;
  const head = `HTTP/1.1 206 Partial Content\r\nContent-Length: ${length}\r\n${range}Connection: close\r\n\r\n`;
  // The head in two packets, the second carrying the body's first bytes with it.
  socket.write(head.slice(0, 20));
  await pause();
  const half = Math.floor(body.length / 2);
  if (how === 'cut' || how === 'stall') {
    socket.write(Buffer.concat([Buffer.from(head.slice(20), 'latin1'), body.subarray(0, half)]));
    await pause();
    // 'stall': the rest never comes (the connection stays open until the test closes it).
    if (how === 'cut') socket.destroy();
    return;
  }
  socket.write(Buffer.concat([Buffer.from(head.slice(20), 'latin1'), body.subarray(0, 100)]));
  await pause();
  socket.write(body.subarray(100, half));
  await pause();
  socket.end(how === 'long' ? Buffer.concat([body.subarray(half), Buffer.from('!')]) : body.subarray(half));
}

describe('one-pass fetch: ranged GETs read straight into the batches (raw storage server in the test)', () => {
  let dir: string;
  let identity: string;
  let sealed: Buffer;
  let plaintext: Buffer;
  let expected: Awaited<ReturnType<typeof sealFile>>;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'range-get-'));
    let recipient: string;
    ({ identity, recipient } = await generateIdentity());
    plaintext = randomBytes(300 * KiB);
    await writeFile(join(dir, 'plain'), plaintext);
    expected = await sealFile(join(dir, 'plain'), join(dir, 'sealed'), [recipient]);
    sealed = await readFile(join(dir, 'sealed'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fetchFrom(
    storage: RawStorage,
    into?: string,
    signal?: AbortSignal,
    refreshUrl?: () => Promise<string>,
    keepSealed = false,
  ) {
    const workDir = into ?? join(dir, `work-${++n}`);
    if (!into) await mkdir(workDir, { mode: 0o700 });
    return {
      workDir,
      run: () =>
        fetchAndOpen({
          url: storage.url,
          ...(signal ? { signal } : {}),
          ...(refreshUrl ? { refreshUrl } : {}),
          workDir,
          identities: [identity],
          expected,
          rangeBytes: 64 * KiB,
          concurrency: 2,
          parallel: true,
          ...(keepSealed ? { keepSealed } : {}),
          retry: { attempts: 3, baseDelayMs: 1 },
        }),
    };
  }

  /** Run `use` against a raw storage server for the sealed document, closed afterwards whatever happens. */
  async function withStorage(
    answer: (request: number) => Answer,
    use: (storage: RawStorage) => Promise<void>,
  ): Promise<void> {
    const storage = await rawStorage(sealed, answer);
    try {
      await use(storage);
    } finally {
      await storage.close();
    }
  }

  /** The fetch opened exactly the sealed document. */
  async function expectOpened(result: { plaintextPath: string }): Promise<void> {
    expect((await readFile(result.plaintextPath)).equals(plaintext)).toBe(true);
  }

  /** Fetch into a fresh work folder and expect exactly the sealed document opened. */
  async function expectFetchOpens(storage: RawStorage): Promise<void> {
    await expectOpened(await (await fetchFrom(storage)).run());
  }

  /** No plaintext, by either path's name for it (`plain` through the spool, `plain-<hex>` from memory). */
  async function expectNoPlaintext(workDir: string): Promise<void> {
    expect((await readdir(workDir)).filter((name) => name.startsWith('plain'))).toEqual([]);
  }

  it('opens the document from heads split across packets and bodies in pieces', async () => {
    await withStorage(
      () => 'pieces',
      async (storage) => {
        await expectFetchOpens(storage);
        expect(storage.ranges).toHaveLength(Math.ceil(sealed.length / (64 * KiB)));
      },
    );
  });

  it('asks again for the rest of a range whose connection storage cut mid-body, and opens the document', async () => {
    await withStorage(
      (request) => (request === 2 ? 'cut' : 'pieces'),
      async (storage) => {
        await expectFetchOpens(storage);
        // The cut range was asked for again from the bytes it had written, not from its start.
        const cut = storage.ranges[1] as string;
        const again = storage.ranges.slice(2).find((r) => r.endsWith(`-${cut.split('-')[1]}`));
        expect(again).toBeDefined();
        expect(Number(again?.split('-')[0])).toBeGreaterThan(Number(cut.split('-')[0]));
      },
    );
  });

  it('stops on abort mid-body, keeps what was written to the spool, and the next call asks only for the rest', async () => {
    const stalled = await rawStorage(sealed, (request) => (request === 1 ? 'stall' : 'pieces'));
    const abort = new AbortController();
    const first = await fetchFrom(stalled, undefined, abort.signal, undefined, true);
    try {
      const fetching = first.run();
      // Abort once the stalled range's first half is in (its connection stays open, nothing more comes).
      await new Promise((resolve) => setTimeout(resolve, 300));
      abort.abort();
      await expect(fetching).rejects.toBeDefined();
    } finally {
      await stalled.close();
    }
    // Interrupted, not refused: the spool and the journal stay for the resume, and no plaintext.
    await expect(stat(join(first.workDir, 'sealed.age'))).resolves.toBeDefined();
    await expect(stat(join(first.workDir, 'fetch.json'))).resolves.toBeDefined();
    await expectNoPlaintext(first.workDir);
    await withStorage(
      () => 'pieces',
      async (storage) => {
        await expectOpened(await (await fetchFrom(storage, first.workDir, undefined, undefined, true)).run());
        // The stalled first range was asked for from the bytes it had written, not from 0.
        const firstRange = storage.ranges.find((r) => r.endsWith(`-${64 * KiB - 1}`));
        expect(firstRange).toBeDefined();
        expect(Number(firstRange?.split('-')[0])).toBeGreaterThan(0);
      },
    );
  });

  it('reads a body without a length no further than its range, and opens the document', async () => {
    await withStorage(() => 'unannounced', expectFetchOpens);
  });

  it('reads a body sent in chunks (no Content-Length) through node:http, and opens the document', async () => {
    await withStorage(() => 'chunked', expectFetchOpens);
  });

  it('refuses a range whose body is longer than the range (ERR_HASH_MISMATCH) and keeps no plaintext', async () => {
    await withStorage(
      () => 'long',
      async (storage) => {
        const { run, workDir } = await fetchFrom(storage);
        expect(await settledCode(run())).toBe('ERR_HASH_MISMATCH');
        // A refused copy is not kept for a resume: no plaintext, no journal, nothing.
        expect(await readdir(workDir)).toEqual([]);
      },
    );
  });

  it('puts every body byte at its place in the sink, however small the rooms and slow the writes', async () => {
    await withStorage(
      () => 'pieces',
      async (storage) => {
        const received = Buffer.alloc(100 * KiB);
        let filled = 0;
        let writes = 0;
        const sink: BodySink = {
          // Rooms of at most 777 bytes; every fourth one "written" after a pause, as a batch write would be.
          space: (limit) => received.subarray(filled, filled + Math.min(limit, 777)),
          took: (bytes) => {
            filled += bytes;
            return ++writes % 4 === 0 ? pause().then(() => undefined) : undefined;
          },
        };
        const answer = await getRange(storage.url, `bytes=1000-${1000 + received.length - 1}`, sink);
        expect(answer.status).toBe(206);
        await answer.readBody(received.length);
        expect(filled).toBe(received.length);
        expect(received.equals(sealed.subarray(1000, 1000 + received.length))).toBe(true);
      },
    );
  });

  it('gives each GET the body bytes that came with its own head, while head buffers go from GET to GET', async () => {
    // Every answer's head and first body bytes arrive in one write: they land in the head buffer and are kept
    // aside until the body is asked for. Closed GETs' buffers are reused, so a mix-up would show here.
    const bodies = Array.from({ length: 24 }, (_, i) => randomBytes(500 + i * 37));
    let request = 0;
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.once('data', (piece) => {
        const index = Number(/GET \/object\/(\d+)/.exec(piece.toString('latin1'))?.[1]);
        request++;
        const body = bodies[index] as Buffer;
        const head = `HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\nContent-Range: bytes 0-${body.length - 1}/${body.length}\r\n\r\n`;
        socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const get = async (index: number): Promise<Buffer | undefined> => {
        const body = bodies[index] as Buffer;
        const into = Buffer.alloc(body.length);
        const answer = await socketGet(
          `http://127.0.0.1:${port}/object/${index}`,
          `bytes=0-${body.length - 1}`,
          index,
          bufferSink(into),
          new AbortController().signal,
          noFallback,
        );
        // Every third answer is dropped unread: its buffers go back all the same.
        if (index % 3 === 2) {
          answer.cancel();
          return undefined;
        }
        await answer.readBody(body.length);
        return into;
      };
      for (let round = 0; round < 2; round++) {
        // Four at a time, as a fetch's ranges are.
        for (let start = 0; start < bodies.length; start += 4) {
          const got = await Promise.all([0, 1, 2, 3].map((k) => get(start + k)));
          for (const [k, bytes] of got.entries()) {
            if (bytes) expect(bytes.equals(bodies[start + k] as Buffer)).toBe(true);
          }
          await pause();
        }
      }
      expect(request).toBe(2 * bodies.length);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('speaks TLS to https storage, checking its certificate and host name (a child process trusting the test certificate)', async () => {
    const fixtures = join(repoRoot, 'tests/support/fixtures');
    const script = `
      import { createServer } from 'node:https';
      import { readFileSync } from 'node:fs';
      const { socketGet } = await import(${JSON.stringify(join(repoRoot, 'client/transfer/range-get.ts'))});
      const body = Buffer.alloc(200000, 7);
      const server = createServer(
        { key: readFileSync(${JSON.stringify(join(fixtures, 'tls-localhost.key'))}), cert: readFileSync(${JSON.stringify(join(fixtures, 'tls-localhost.crt'))}) },
        (request, response) => {
          response.writeHead(206, { 'content-length': body.length, 'content-range': 'bytes 0-199999/200000' });
          response.end(body);
        },
      ).listen(0, process.env.RG_LISTEN);
      await new Promise((resolve) => server.once('listening', resolve));
      const into = Buffer.alloc(body.length);
      let filled = 0;
      const sink = { space: (limit) => into.subarray(filled, filled + Math.min(limit, 65536)), took: (n) => { filled += n; } };
      const url = 'https://' + process.env.RG_HOST + ':' + server.address().port + '/object';
      const answer = await socketGet(url, 'bytes=0-199999', 0, sink, new AbortController().signal, () => Promise.reject(new Error('fallback')));
      await answer.readBody(body.length);
      server.close();
      console.log(JSON.stringify({ status: answer.status, same: into.equals(body) }));
    `;
    // The certificate names localhost and 127.0.0.1; 127.0.0.2 is the same machine under a name it does not hold.
    const run = (trust: boolean, host = 'localhost', listen = '127.0.0.1') =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script],
          {
            cwd: repoRoot,
            env: {
              ...process.env,
              NODE_EXTRA_CA_CERTS: trust ? join(fixtures, 'tls-localhost.crt') : '',
              RG_HOST: host,
              RG_LISTEN: listen,
            },
          },
          (error, stdout) => resolve({ code: error ? 1 : 0, stdout }),
        );
      });
    const trusted = await run(true);
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.stdout.trim().split('\n').pop() as string)).toEqual({
      status: 206,
      same: true,
    });
    // Without the certificate trusted, the GET fails: the socket checks storage's certificate.
    expect((await run(false)).code).toBe(1);
    // A trusted certificate for another host name is refused too: the host name is checked, not only the chain.
    expect((await run(true, '127.0.0.2', '127.0.0.2')).code).toBe(1);
  });

  it('refuses a 206 for another range than the one asked (ERR_STORAGE), on the socket and through node:http', async () => {
    for (const how of ['shifted', 'chunked-shifted'] as const) {
      // Range 0 starts at 0, so only the others are answered wrongly; each is asked again, then refused.
      await withStorage(
        () => how,
        async (storage) => {
          const { run, workDir } = await fetchFrom(storage);
          expect(await settledCode(run()), how).toBe('ERR_STORAGE');
          await expectNoPlaintext(workDir);
        },
      );
    }
  });

  const total = 300 * KiB;
  const answerFor = `Content-Range: bytes 1000-1999/${total}\r\n`;
  it.each([
    [
      'a Content-Length with a sign',
      `HTTP/1.1 206 Partial Content\r\nContent-Length: +1000\r\n${answerFor}\r\n`,
    ],
    ['a Content-Length in hex', `HTTP/1.1 206 Partial Content\r\nContent-Length: 0x3e8\r\n${answerFor}\r\n`],
    [
      'a Content-Length listed twice',
      `HTTP/1.1 206 Partial Content\r\nContent-Length: 1000, 1000\r\n${answerFor}\r\n`,
    ],
    [
      'two Content-Lengths that differ',
      `HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\nContent-Length: 1000\r\n${answerFor}\r\n`,
    ],
    [
      'a Content-Length folded onto the line before (obs-fold)',
      `HTTP/1.1 206 Partial Content\r\nX-Amz-Id: a\r\n Content-Length: 1000\r\n${answerFor}\r\n`,
    ],
    ['a space before the colon', `HTTP/1.1 206 Partial Content\r\nContent-Length : 1000\r\n${answerFor}\r\n`],
    ['a four-digit status', `HTTP/1.1 2060 Partial Content\r\nContent-Length: 1000\r\n${answerFor}\r\n`],
    [
      'a 206 for another range',
      `HTTP/1.1 206 Partial Content\r\nContent-Length: 1000\r\nContent-Range: bytes 0-999/${total}\r\n\r\n`,
    ],
    ['a 206 without Content-Range', 'HTTP/1.1 206 Partial Content\r\nContent-Length: 1000\r\n\r\n'],
  ])('refuses a head with %s (ERR_STORAGE) and puts nothing in the sink', async (_, head) => {
    // The body is the range's exact bytes: only the head is wrong, so only a check of the head refuses it.
    const server = await headServer(head, sealed.subarray(1000, 2000));
    try {
      const sink = bufferSink(Buffer.alloc(1000));
      const get = async () => {
        const answer = await getRange(server.url, 'bytes=1000-1999', sink);
        await answer.readBody(1000);
      };
      expect(await settledCode(get())).toBe('ERR_STORAGE');
      expect(sink.filled()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('fails a GET whose storage never answers, or stops mid-body, once it has been silent too long (ERR_STORAGE)', async () => {
    await withStorage(
      () => 'silent',
      async (silent) => {
        const sink = bufferSink(Buffer.alloc(10 * KiB));
        expect(await settledCode(getRange(silent.url, 'bytes=0-10239', sink, 200))).toBe('ERR_STORAGE');
      },
    );
    await withStorage(
      () => 'stall',
      async (stalled) => {
        const sink = bufferSink(Buffer.alloc(10 * KiB));
        const answer = await getRange(stalled.url, 'bytes=0-10239', sink, 200);
        expect(await settledCode(answer.readBody(10 * KiB))).toBe('ERR_STORAGE');
        expect(sink.filled()).toBe(5 * KiB);
      },
    );
  });

  it('does not count a slow write of the sink as storage being silent', async () => {
    await withStorage(
      () => 'pieces',
      async (storage) => {
        const into = Buffer.alloc(100 * KiB);
        let filled = 0;
        const sink: BodySink = {
          space: (limit) => into.subarray(filled, filled + Math.min(limit, 20 * KiB)),
          // Each write takes longer than storage may stay silent.
          took: (bytes) => {
            filled += bytes;
            return new Promise((resolve) => setTimeout(resolve, 250));
          },
        };
        const answer = await getRange(storage.url, `bytes=0-${into.length - 1}`, sink, 100);
        await answer.readBody(into.length);
        expect(into.equals(sealed.subarray(0, into.length))).toBe(true);
      },
    );
  });

  it('refreshes the URL on a 403 and retries a 503 on the socket, and opens the document', async () => {
    let refreshes = 0;
    await withStorage(
      (request) => (request === 1 ? 403 : request === 2 ? 503 : 'pieces'),
      async (storage) => {
        const refresh = async () => {
          refreshes++;
          return `${storage.url}&fresh=${refreshes}`;
        };
        await expectOpened(await (await fetchFrom(storage, undefined, undefined, refresh)).run());
      },
    );
    expect(refreshes).toBe(1);
  });

  it('refuses a 404 on the socket at once (ERR_NOT_FOUND, no range asked twice)', async () => {
    await withStorage(
      () => 404,
      async (storage) => {
        const { run } = await fetchFrom(storage);
        expect(await settledCode(run())).toBe('ERR_NOT_FOUND');
        expect(new Set(storage.ranges).size).toBe(storage.ranges.length);
      },
    );
  });
});
