// Tests for the STREAM chunk opener that the three-thread opener runs from its source text on a worker: it must
// stay self-contained through a minifying, name-keeping bundle (as a shipped CLI bundle would build it).
import * as nodeCrypto from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { openStreamChunk } from '../../shared/crypto/age-stream-chunk.ts';

type Opener = typeof openStreamChunk;

/** A sealed STREAM chunk, built independently with node:crypto. */
function sealChunk(key: Buffer, plaintext: Buffer, index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(index, 5, 6);
  nonce[11] = last ? 1 : 0;
  const cipher = nodeCrypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The opener as the worker gets it: its source text alone, evaluated where no module scope exists. */
function fromSource(source: string): Opener {
  return new Function(`return (${source})`)() as Opener;
}

/** The opener's source as a minified bundle with kept names prints it. */
async function bundledSource(): Promise<string> {
  const entry = fileURLToPath(new URL('../../shared/crypto/age-stream-chunk.ts', import.meta.url));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    minify: true,
    keepNames: true,
    logLevel: 'silent',
  });
  const module = { exports: {} as { openStreamChunk?: Opener } };
  new Function('module', 'exports', result.outputFiles[0]!.text)(module, module.exports);
  return module.exports.openStreamChunk!.toString();
}

describe('openStreamChunk from its source text alone', () => {
  const key = randomBytes(32);
  const plaintext = randomBytes(1000);

  it.each([
    ['as this test runner compiled it', async () => openStreamChunk.toString()],
    ['from a minified bundle that keeps names', bundledSource],
  ])('opens a chunk and refuses a flipped one, %s', async (_name, source) => {
    const open = fromSource(await source());
    const sealed = sealChunk(key, plaintext, 70_000, true);
    expect(Buffer.from(open(nodeCrypto, key, sealed, 70_000, true)).equals(plaintext)).toBe(true);
    const flipped = Buffer.from(sealed);
    flipped[3]! ^= 1;
    expect(() => open(nodeCrypto, key, flipped, 70_000, true)).toThrow(
      expect.objectContaining({ code: 'ERR_SEAL_INTEGRITY' }),
    );
    // The same bytes under another chunk number or last-chunk flag do not open.
    for (const [index, last] of [
      [69_999, true],
      [70_000, false],
    ] as const) {
      expect(() => open(nodeCrypto, key, sealed, index, last)).toThrow(
        expect.objectContaining({ code: 'ERR_SEAL_INTEGRITY' }),
      );
    }
  });
});
