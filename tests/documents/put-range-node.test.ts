// Tests for the node:http PUT of one part (putRangeNode): the range's exact bytes through the two reused buffers,
// a file that got shorter, and storage that answers before the body is sent, against a raw HTTP server.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asPouchError, isRetryable, putRangeNode } from '../../client/transfer/part-sender.ts';
import type { PresignedPart } from '../../shared/api/exchange.ts';
import { isPouchError } from '../../shared/domain/errors.ts';

const MiB = 1024 * 1024;
let dir: string;
let file: string;
let bytes: Buffer;
let server: Server;
let url: string;
/** A presigned part for the test server. */
function presigned(partNumber: number): PresignedPart {
  return {
    partNumber,
    url,
    method: 'PUT',
    headers: {},
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  };
}
let handler: (request: IncomingMessage, response: ServerResponse) => void;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pouch-put-'));
  file = join(dir, 'sealed.bin');
  bytes = randomBytes(5 * MiB + 123);
  await writeFile(file, bytes);
  server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/part`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isPouchError(error) ? error.code : String(error);
  }
}

describe('putRangeNode', () => {
  it('sends exactly the bytes of a range of several MiB at an odd offset (buffers reused in turn)', async () => {
    let received = '';
    handler = (request, response) => {
      const hash = createHash('sha256');
      request.on('data', (chunk: Buffer) => hash.update(chunk));
      request.on('end', () => {
        received = hash.digest('hex');
        response.writeHead(200, { etag: '"e1"' }).end();
      });
    };
    const start = 777;
    const end = start + 3 * MiB + 4321;
    const seen: number[] = [];
    const etag = await putRangeNode(
      presigned(2),
      file,
      { partNumber: 2, start, end, size: end - start },
      undefined,
      (n) => seen.push(n),
    );
    expect(etag).toBe('"e1"');
    expect(received).toBe(createHash('sha256').update(bytes.subarray(start, end)).digest('hex'));
    expect(seen.reduce((a, b) => a + b, 0)).toBe(end - start);
  });

  it('refuses a file that got shorter than its range (ERR_CONFLICT) and sends no more', async () => {
    const short = join(dir, 'short.bin');
    await writeFile(short, bytes);
    await truncate(short, 2 * MiB);
    handler = (request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { etag: '"e2"' }).end());
    };
    const range = { partNumber: 1, start: 0, end: 4 * MiB, size: 4 * MiB };
    const code = await codeOf(putRangeNode(presigned(1), short, range, undefined, () => {}));
    expect(code).toBe('ERR_CONFLICT');
  });

  it('fails, without hanging, when storage refuses the part before reading its body, and the sender retries it', async () => {
    handler = (_request, response) => {
      response.writeHead(403, { connection: 'close' }).end('<Error><Code>AccessDenied</Code></Error>');
    };
    const range = { partNumber: 3, start: 0, end: bytes.length, size: bytes.length };
    const error = await putRangeNode(presigned(3), file, range, undefined, () => {}).catch((e: unknown) => e);
    // Which comes first is a race between storage's answer and its closing the socket under our writes: the 403
    // (TransferHttpError) or EPIPE/ECONNRESET. Either way the part is retried with a fresh URL, as ERR_STORAGE.
    expect(error).toBeInstanceOf(Error);
    expect(isRetryable(error)).toBe(true);
    expect((asPouchError(error, range) as { code?: string }).code).toBe('ERR_STORAGE');
  });
});
