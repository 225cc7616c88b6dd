// Tests (integration): the embedded S3's off-thread body digests (server/local/s3-hashing.ts) are exactly
// node:crypto's over the bytes that passed, in order, however the bytes are cut and however many bodies stream
// at once (more than the shared pool has batches for, so some chunks go to the worker as copies).
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HashingStream } from '../../server/local/s3-hashing.ts';

const MiB = 1024 * 1024;

/** Chunks of `bytes` of varied sizes (1 byte to a little over 1 MiB), so batches fill across chunk edges. */
function* cut(bytes: Buffer, seed: number): Generator<Buffer> {
  const sizes = [1, 65_536, 7, MiB + 3, 300_001, 65_535, 2 * MiB];
  let at = 0;
  for (let i = seed; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length] as number, bytes.length - at);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

/** Stream `bytes` through a HashingStream into a sink that checks the bytes pass unchanged and in order. */
async function digestThrough(bytes: Buffer, seed: number, slowSink = false) {
  const hashing = new HashingStream(['sha256', 'md5']);
  const passed = createHash('sha256');
  await pipeline(
    Readable.from(cut(bytes, seed)),
    hashing,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        passed.update(chunk);
        if (slowSink) setImmediate(callback);
        else callback();
      },
    }),
  );
  return {
    sha256: hashing.digest('sha256'),
    md5: hashing.digest('md5'),
    passed: passed.digest('hex'),
  };
}

describe('embedded S3 off-thread digests', () => {
  it('equal node:crypto over bytes cut every which way, empty included, and pass the bytes on unchanged', async () => {
    for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 5 * MiB + 12_345]) {
      const bytes = randomBytes(size);
      const result = await digestThrough(bytes, size % 7);
      expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(result.md5).toBe(createHash('md5').update(bytes).digest('hex'));
      expect(result.passed).toBe(result.sha256);
    }
  });

  it('keeps each body in order when more bodies stream at once than the shared pool has batches', async () => {
    // 24 bodies of 3 MiB at once hold more than the pool's 16 batches: some chunks go as copies, between
    // pooled batches of the same body, and every digest must still be over the bytes in their order.
    const bodies = Array.from({ length: 24 }, () => randomBytes(3 * MiB + 1234));
    const results = await Promise.all(bodies.map((bytes, i) => digestThrough(bytes, i, i % 2 === 0)));
    results.forEach((result, i) => {
      const bytes = bodies[i] as Buffer;
      expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(result.md5).toBe(createHash('md5').update(bytes).digest('hex'));
    });
  });

  it('has no digest before the body ended, nor for a body destroyed midway', async () => {
    const hashing = new HashingStream(['sha256']);
    const failed = new Promise((resolve) => hashing.once('error', resolve));
    const closed = new Promise((resolve) => hashing.once('close', resolve));
    hashing.write(randomBytes(MiB + 5));
    expect(hashing.digest('sha256')).toBeUndefined();
    hashing.destroy(new Error('client went away'));
    expect(((await failed) as Error).message).toBe('client went away');
    await closed;
    expect(hashing.digest('sha256')).toBeUndefined();
    // A body after it still hashes exactly.
    const bytes = randomBytes(5 * MiB);
    expect((await digestThrough(bytes, 3)).sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
