// Tests (unit): the one per-part SHA-256 loop that the client's file hasher and the server's read-back
// confirmation share. Checked against slicing the bytes up front and hashing each slice on its own.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPartHasher } from '../../shared/crypto/part-hasher.ts';
import { isPouchError } from '../../shared/domain/errors.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function expectedParts(bytes: Buffer, partSize: number): string[] {
  const out: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += partSize) {
    out.push(sha256(bytes.subarray(offset, offset + partSize)));
  }
  return out.length > 0 ? out : [sha256(bytes)];
}

function feed(bytes: Buffer, chunkSize: number, partSize: number, whole: boolean) {
  const hasher = createPartHasher(partSize, { whole });
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    hasher.update(bytes.subarray(offset, offset + chunkSize));
  }
  return hasher.digest();
}

describe('createPartHasher', () => {
  const bytes = randomBytes(1000);

  it.each([
    // [size, chunk size, part size]: chunks smaller, equal and larger than parts, exact multiples, one part.
    [1000, 7, 100],
    [1000, 100, 100],
    [1000, 333, 100],
    [1000, 1000, 64],
    [1000, 50, 1000],
    [1000, 50, 4096],
    [999, 10, 333],
    [0, 10, 100],
  ])('size %i in chunks of %i, parts of %i: same digests as slicing first', (size, chunk, part) => {
    const input = bytes.subarray(0, size);
    for (const whole of [false, true]) {
      const out = feed(input, chunk, part, whole);
      expect(out.size).toBe(size);
      expect(out.parts.map((d) => d.toString('hex'))).toEqual(expectedParts(input, part));
      expect(out.whole?.toString('hex')).toBe(whole ? sha256(input) : undefined);
    }
  });

  it('treats an infinite part size as one part of any size', () => {
    const out = feed(bytes, 17, Number.POSITIVE_INFINITY, false);
    expect(out.parts.map((d) => d.toString('hex'))).toEqual([sha256(bytes)]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses part size %s with ERR_VALIDATION', (partSize) => {
    let caught: unknown;
    try {
      createPartHasher(partSize);
    } catch (error) {
      caught = error;
    }
    expect(isPouchError(caught, 'ERR_VALIDATION')).toBe(true);
  });
});

describe('the browser binding (portal)', () => {
  it('cuts and hashes exactly as the Node binding, whole digest included', async () => {
    const { createWebPartHasher } = await import('../../shared/crypto/part-hasher-web.ts');
    const bytes = randomBytes(3 * 1024 + 17);
    for (const [chunkSize, partSize] of [
      [100, 1024],
      [1024, 1024],
      [5000, 999],
      [7, Number.POSITIVE_INFINITY],
    ] as const) {
      const node = feed(bytes, chunkSize, partSize, true);
      const web = createWebPartHasher(partSize, { whole: true });
      for (let offset = 0; offset < bytes.length; offset += chunkSize) {
        web.update(bytes.subarray(offset, offset + chunkSize));
      }
      const digests = web.digest();
      expect(digests.size).toBe(bytes.length);
      expect(digests.parts.map((p) => Buffer.from(p).toString('hex'))).toEqual(
        node.parts.map((p) => Buffer.from(p).toString('hex')),
      );
      expect(Buffer.from(digests.whole ?? []).toString('hex')).toBe(sha256(bytes));
    }
  });
});
