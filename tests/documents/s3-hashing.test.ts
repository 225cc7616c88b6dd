// Tests (integration): the embedded S3's off-thread body digests (server/local/s3-hashing.ts) are exactly
// node:crypto's over the bytes that passed, in order, however the bytes are cut and however many bodies stream
// at once (more than the shared pool has batches for, so some chunks go to the worker as copies), and after the
// worker died under streams that still held batches of its pool.
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HashingStream, terminateHashWorkerForTests } from '../../server/local/s3-hashing.ts';

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

/**
 * 24 bodies of 3 MiB at once hold more than the pool's 16 batches: some chunks go as copies, between pooled
 * batches of the same body, and every digest must still be over the bytes in their order.
 */
async function expectManyAtOnceDigested(): Promise<void> {
  const bodies = Array.from({ length: 24 }, () => randomBytes(3 * MiB + 1234));
  const results = await Promise.all(bodies.map((bytes, i) => digestThrough(bytes, i, i % 2 === 0)));
  results.forEach((result, i) => {
    const bytes = bodies[i] as Buffer;
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(result.md5).toBe(createHash('md5').update(bytes).digest('hex'));
  });
}

/** A body whose first half MiB is written now (into a batch it then holds) and the rest by `finish`. */
function startBody(bytes: Buffer) {
  const hashing = new HashingStream(['sha256', 'md5']);
  hashing.resume();
  hashing.write(bytes.subarray(0, MiB / 2));
  return {
    bytes,
    async finish() {
      hashing.end(bytes.subarray(MiB / 2));
      await finished(hashing);
      return { sha256: hashing.digest('sha256'), md5: hashing.digest('md5') };
    },
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
    await expectManyAtOnceDigested();
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

  it('fails the streams of a worker that died, and hashes every body after it exactly, more at once than a pool holds', async () => {
    // Bodies the worker was hashing when it died: each holds a half-filled batch of its pool, the last also has
    // two full batches in flight to it.
    const stranded = [MiB / 2, MiB / 2, MiB / 2, 2 * MiB + MiB / 2].map((size) => {
      const hashing = new HashingStream(['sha256', 'md5']);
      const failed = new Promise<unknown>((resolve) => hashing.once('error', resolve));
      hashing.resume();
      hashing.write(randomBytes(size));
      return { hashing, failed };
    });
    await terminateHashWorkerForTests();

    // A pool's worth of bodies on the next worker, each holding a half-filled batch of its pool.
    const holding = Array.from({ length: 16 }, () => startBody(randomBytes(MiB + 4321)));
    // The stranded bodies end while those hold their batches: they fail, and give nothing to the new worker.
    for (const { hashing } of stranded) hashing.end();
    for (const { hashing, failed } of stranded) {
      expect(await failed).toBeInstanceOf(Error);
      expect(hashing.digest('sha256')).toBeUndefined();
      expect(hashing.digest('md5')).toBeUndefined();
    }
    // Whatever the new worker was handed before it has been answered once a body sent after it has its digest.
    const probe = randomBytes(1000);
    expect((await digestThrough(probe, 0)).sha256).toBe(createHash('sha256').update(probe).digest('hex'));
    // Bodies started now take only batches nobody holds: every digest is over its own bytes.
    const late = Array.from({ length: 4 }, () => startBody(randomBytes(MiB + 1234)));
    for (const body of [...holding, ...late]) {
      const { sha256, md5 } = await body.finish();
      expect(sha256).toBe(createHash('sha256').update(body.bytes).digest('hex'));
      expect(md5).toBe(createHash('md5').update(body.bytes).digest('hex'));
    }
    // And many at once afterwards, more than the pool has batches for.
    await expectManyAtOnceDigested();
  });
});
