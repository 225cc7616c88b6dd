// Benchmark support: the large input files the transfer benches read (seal, upload, send and fetch, peak RSS).
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

const MiB = 1024 * 1024;

/**
 * Write `size` bytes made of one random block of up to 64 MiB, repeated: fast to make, and incompressible
 * enough that no layer (TLS, storage, the page cache) can shrink it.
 */
export async function writeRepeatedRandom(path: string, size: number): Promise<void> {
  const block = randomBytes(Math.min(64 * MiB, Math.max(size, 1)));
  async function* generate(): AsyncGenerator<Buffer> {
    for (let written = 0; written < size; ) {
      const offset = written % block.length;
      const n = Math.min(4 * MiB, size - written, block.length - offset);
      yield block.subarray(offset, offset + n);
      written += n;
    }
  }
  await pipeline(generate(), createWriteStream(path));
}
