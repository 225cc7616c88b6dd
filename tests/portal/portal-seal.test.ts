// Tests (browser): the portal's parallel sealing in Debian's chromium — the built transfer worker seals a file
// with one seal worker and with several (ranges sealed apart, in any order), and every digest it reports (the
// plaintext, the sealed file, each upload part) is the SHA-256 of the bytes it wrote to OPFS, which the `age`
// CLI opens back into the plaintext; the plaintext digest comes from `digestBlob`, which `hashBlob` wraps.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SealedDigests } from '../../portal/src/transfer/transfer-protocol.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { launchChromium } from '../support/portal-browser.ts';

const exec = promisify(execFile);
const MiB = 1024 * 1024;
const PART = 8 * MiB;

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

describe('sealing in the portal on several cores', () => {
  let exchange: Exchange;
  let browser: Browser;
  let page: Page;
  let work: string;
  let workerUrl: string;
  let recipient: string;
  let keyFile: string;
  let plaintext: Buffer = Buffer.alloc(0);
  let sealed: Buffer = Buffer.alloc(0);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pouch-portalseal-'));
    const dist = resolve('portal/dist');
    const worker = (await readdir(join(dist, 'assets'))).find((f) => f.startsWith('transfer-worker-'));
    if (!worker) throw new Error('no transfer worker in the build');
    workerUrl = `/assets/${worker}`;
    exchange = await startTestExchange({ portalDir: dist });
    keyFile = join(work, 'identity.key');
    await exec('age-keygen', ['-o', keyFile]);
    recipient = (await exec('age-keygen', ['-y', keyFile])).stdout.trim();
    browser = await launchChromium();
    page = await browser.newPage();
    // The plaintext comes from the test and the sealed file goes back to it, byte for byte, through routes.
    await page.route('**/test-plaintext', (route) => route.fulfill({ status: 200, body: plaintext }));
    await page.route('**/test-sealed', async (route) => {
      sealed = route.request().postDataBuffer() ?? Buffer.alloc(0);
      await route.fulfill({ status: 204 });
    });
    await page.goto(`${exchange.url}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await exchange?.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function sealInPage(sealWorkers: number): Promise<SealedDigests> {
    return page.evaluate(
      async ({ url, recipients, workers }) => {
        const file = await (await fetch('/test-plaintext')).blob();
        const digests = await new Promise<SealedDigests>((done, fail) => {
          const w = new Worker(url, { type: 'module' });
          w.onmessage = (event: MessageEvent<{ type: string; digests: SealedDigests; message?: string }>) => {
            if (event.data.type === 'sealed') done(event.data.digests);
            else if (event.data.type === 'failed') fail(new Error(event.data.message));
            else return;
            w.terminate();
          };
          w.postMessage({ type: 'seal', id: 1, file, recipients, target: 'test.age', sealWorkers: workers });
        });
        const root = await navigator.storage.getDirectory();
        const out = await (await root.getFileHandle('test.age')).getFile();
        await fetch('/test-sealed', { method: 'POST', body: out });
        return digests;
      },
      { url: workerUrl, recipients: [recipient], workers: sealWorkers },
    );
  }

  const sha256 = (bytes: Uint8Array, encoding: 'hex' | 'base64') =>
    createHash('sha256').update(bytes).digest(encoding);

  it.each([
    { size: 20 * MiB + 12_345, workers: 3, multipart: true },
    { size: 20 * MiB + 12_345, workers: 1, multipart: true },
    { size: 10 * MiB + 7, workers: 2, multipart: false },
    { size: 0, workers: 2, multipart: false },
  ])(
    '$size bytes with $workers seal worker(s): digests of what was written, and age opens it',
    async (c) => {
      plaintext = randomBytes(c.size);
      const digests = await sealInPage(c.workers);
      expect(sealed.length).toBe(digests.sealedSize);
      expect(digests.plaintextSize).toBe(c.size);
      expect(digests.plaintextSha256).toBe(sha256(plaintext, 'hex'));
      expect(digests.sealedSha256).toBe(sha256(sealed, 'hex'));
      if (c.multipart) {
        expect(digests.parts?.partSize).toBe(PART);
        const expected: string[] = [];
        for (let at = 0; at < sealed.length; at += PART)
          expected.push(sha256(sealed.subarray(at, at + PART), 'base64'));
        expect(digests.parts?.partSha256s).toEqual(expected);
      } else {
        expect(digests.parts).toBeUndefined();
      }
      const sealedFile = join(work, 'sealed.age');
      await writeFile(sealedFile, sealed);
      // To stdout: age creates an output file only once it has a byte to write.
      const opened = await exec('age', ['-d', '-i', keyFile, sealedFile], {
        encoding: 'buffer',
        maxBuffer: 64 * MiB,
      });
      expect(opened.stdout.equals(plaintext)).toBe(true);
    },
    240_000,
  );
});
