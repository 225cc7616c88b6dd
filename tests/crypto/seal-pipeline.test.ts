// Tests for the two-worker seal (seal-pipeline.ts): byte-exact against an independently crafted age file whichever worker seals, digests, part digests, the age CLI, and failures.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import { lstat, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBech32 } from '../../shared/crypto/age-keys.ts';
import { CHUNK_SIZE, sealFile } from '../../shared/crypto/age-native.ts';
import {
  COPY_SOURCE,
  type OutputPart,
  RELEASE_SOURCE,
  SINK_SOURCE,
} from '../../shared/crypto/file-pipeline.ts';
import { SEAL_SLOT_CHUNKS, type SealTraceEvent, sealOnThreads } from '../../shared/crypto/seal-pipeline.ts';
import {
  type CraftedChunk,
  craftAgeFile,
  createScratch,
  generateCliIdentity,
  runTool,
  writeIdentityFile,
} from './age-fixtures.ts';

const SLOT = SEAL_SLOT_CHUNKS * CHUNK_SIZE;
const SEALED_CHUNK = CHUNK_SIZE + 16;
/** Crosses chunk and slot boundaries at odd places. */
const PART_SIZE = 3 * SEALED_CHUNK + 5;

let scratch: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  scratch = await createScratch();
});
afterAll(async () => {
  await scratch.cleanup();
});

/** age's STREAM chunks of a plaintext: full chunks, the last one flagged; an empty plaintext is one empty chunk. */
function chunksOf(plaintext: Buffer): CraftedChunk[] {
  const chunks: CraftedChunk[] = [];
  for (let offset = 0; offset < plaintext.length; offset += CHUNK_SIZE) {
    chunks.push({ data: plaintext.subarray(offset, offset + CHUNK_SIZE), last: false });
  }
  if (chunks.length === 0) return [{ data: Buffer.alloc(0), last: true }];
  return chunks.map((chunk, i) => ({ ...chunk, last: i === chunks.length - 1 }));
}

/** Seal `input` to `output` `rounds` times (the payload's own bytes unchecked) and collect the `pouch:seal` events. */
async function sealTraced(input: string, output: string, rounds: number) {
  const crafted = craftAgeFile(chunksOf(Buffer.alloc(0)));
  const events: SealTraceEvent[] = [];
  const sizes: number[] = [];
  const onEvent = (event: unknown) => events.push(event as SealTraceEvent);
  subscribe('pouch:seal', onEvent);
  const handle = await open(input, 'r');
  try {
    for (let round = 0; round < rounds; round++) {
      const sides = await sealOnThreads(
        { fd: handle.fd },
        { path: output, prefix: crafted.prefix },
        crafted.payloadKey,
      );
      sizes.push(sides.input.size);
    }
  } finally {
    unsubscribe('pouch:seal', onEvent);
    await handle.close();
  }
  return { events, sizes };
}

const sha256 = (bytes: Uint8Array, encoding: 'hex' | 'base64' = 'hex') =>
  createHash('sha256').update(bytes).digest(encoding);

async function sealWithThreads(
  name: string,
  plaintext: Buffer,
  sealers: 'both' | 'reader' | 'writer',
  end?: number,
) {
  const sealedPlaintext = plaintext.subarray(0, end ?? plaintext.length);
  const crafted = craftAgeFile(chunksOf(sealedPlaintext));
  const input = join(scratch.dir, `${name}.plain`);
  const output = join(scratch.dir, `${name}.age`);
  await writeFile(input, plaintext);
  const parts: OutputPart[] = [];
  const progress: number[] = [];
  const handle = await open(input, 'r');
  try {
    const sides = await sealOnThreads(
      { fd: handle.fd, end, onProgress: (done) => progress.push(done) },
      {
        path: output,
        prefix: crafted.prefix,
        parts: { size: PART_SIZE, onPart: (part) => parts.push(part) },
      },
      crafted.payloadKey,
      { sealers },
    );
    return { sides, crafted, output, parts, progress, sealedPlaintext };
  } finally {
    await handle.close();
  }
}

describe('sealOnThreads', () => {
  const sizes = [0, 1, CHUNK_SIZE, SLOT - 1, SLOT, SLOT + 1, 5 * SLOT + CHUNK_SIZE + 7];
  describe.each(['both', 'reader', 'writer'] as const)('with chunks sealed by %s', (sealers) => {
    it.each(sizes)(
      'writes exactly the crafted age file, its digests and part digests at %i bytes',
      async (size) => {
        const plaintext = randomBytes(size);
        const { sides, crafted, output, parts, progress } = await sealWithThreads(
          `${sealers}-${size}`,
          plaintext,
          sealers,
        );
        const sealed = await readFile(output);
        expect(sealed.equals(crafted.file)).toBe(true);
        expect(sides).toEqual({
          input: { sha256: sha256(plaintext), size },
          output: { sha256: sha256(sealed), size: sealed.length },
        });
        const expectedParts: OutputPart[] = [];
        for (let start = 0; start < sealed.length; start += PART_SIZE) {
          const end = Math.min(start + PART_SIZE, sealed.length);
          const slice = sealed.subarray(start, end);
          expectedParts.push({ partNumber: expectedParts.length + 1, sha256: sha256(slice, 'base64'), end });
        }
        expect(parts).toEqual(expectedParts);
        expect(progress).toEqual([...progress].sort((a, b) => a - b));
        expect(progress.at(-1)).toBe(size);
        const identity = encodeBech32('AGE-SECRET-KEY-', crafted.identityScalar);
        const keyFile = await writeIdentityFile(scratch.dir, `${sealers}-${size}`, identity);
        expect((await runTool('age', ['-d', '-i', keyFile, output])).equals(plaintext)).toBe(true);
      },
    );
  });

  it.each([
    ['a chunk boundary', 3 * CHUNK_SIZE],
    ['a slot boundary', SLOT],
    ['mid-chunk', 2 * SLOT + 9],
  ])('reads no further than `end` (%s), sealing exactly that prefix', async (_, end) => {
    const plaintext = randomBytes(end + CHUNK_SIZE + 3);
    const { sides, crafted, output, sealedPlaintext } = await sealWithThreads(
      `end-${end}`,
      plaintext,
      'both',
      end,
    );
    expect((await readFile(output)).equals(crafted.file)).toBe(true);
    expect(sides.input).toEqual({ sha256: sha256(sealedPlaintext), size: end });
  });

  it('a read that fails (the input is a directory) rejects with its code and leaves no output', async () => {
    const cli = await generateCliIdentity(scratch.dir, 'reader-fails');
    const input = join(scratch.dir, 'a-directory');
    await mkdir(input);
    const output = join(scratch.dir, 'from-directory.age');
    await expect(sealFile(input, output, [cli.recipient], { parallel: true })).rejects.toMatchObject({
      code: 'EISDIR',
    });
    await expect(lstat(output)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a part callback that throws rejects the seal with its error', async () => {
    const crafted = craftAgeFile(chunksOf(Buffer.alloc(0)));
    const input = join(scratch.dir, 'part-throws.plain');
    await writeFile(input, randomBytes(2 * SLOT));
    const handle = await open(input, 'r');
    const refusal = new Error('refused');
    try {
      await expect(
        sealOnThreads(
          { fd: handle.fd },
          {
            path: join(scratch.dir, 'part-throws.age'),
            prefix: crafted.prefix,
            parts: {
              size: PART_SIZE,
              onPart: () => {
                throw refusal;
              },
            },
          },
          crafted.payloadKey,
        ),
      ).rejects.toBe(refusal);
    } finally {
      await handle.close();
    }
  });

  it('hands every slot over without a wait running to its timeout (a lost wake-up stalls 200 ms)', async () => {
    // The writer once re-read the chunks-done word for its wait, so a last chunk finished between the two reads
    // left it asleep on a value already reached: 0-4 stalls of 200 ms per GiB, a third of the seal's time. The
    // race is a matter of timing, so this seals 3 x 256 MiB (about 80% to catch the old code); a counterpart
    // really held up for 200 ms would fail it too, which on two cores would be a fault worth seeing.
    const size = 256 * SLOT;
    const input = join(scratch.dir, 'no-stalls.plain');
    const block = randomBytes(16 * SLOT);
    const file = await open(input, 'w');
    for (let written = 0; written < size; written += block.length) await file.write(block);
    await file.close();
    const { events, sizes } = await sealTraced(input, join(scratch.dir, 'no-stalls.age'), 3);
    expect(sizes).toEqual([size, size, size]);
    expect(events).toHaveLength(6);
    expect(events.map((event) => event.stalls)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("release, the workers' eager free of cipher outputs", () => {
  /** The worker source evaluated as the workers do (CommonJS, with the `require` given), on this thread. */
  const loadRelease = (require: (id: string) => unknown) =>
    new Function('require', `${RELEASE_SOURCE}\nreturn release;`)(require) as (view: Uint8Array) => void;
  const release = loadRelease(createRequire(import.meta.url));

  it('detaches a cipher output, which owns its whole buffer', () => {
    const cipher = createCipheriv('chacha20-poly1305', randomBytes(32), randomBytes(12), {
      authTagLength: 16,
    });
    const body = cipher.update(randomBytes(CHUNK_SIZE));
    expect(body.buffer.byteLength).toBe(CHUNK_SIZE);
    release(body);
    expect(body.buffer.byteLength).toBe(0);
    expect(body.length).toBe(0);
  });

  it('leaves alone a buffer the view shares: a slice, a head, shared memory, a pooled Buffer', () => {
    const whole = new Uint8Array(64).fill(7);
    const slice = whole.subarray(8, 16);
    const head = whole.subarray(0, 8); // at offset 0, but shorter than its buffer
    const shared = new Uint8Array(new SharedArrayBuffer(64)).fill(9);
    // Node marks its Buffer pool untransferable: Node 20 skips it in a transfer list, 21+ throws, which release
    // swallows; either way the guard keeps it out first.
    const pooled = Buffer.from('pooled bytes');
    for (const view of [slice, head, shared, pooled]) release(view);
    expect(whole.buffer.byteLength).toBe(64);
    expect([...slice]).toEqual(new Array(8).fill(7));
    expect([...head]).toEqual(new Array(8).fill(7));
    expect(shared[63]).toBe(9);
    expect(pooled.toString()).toBe('pooled bytes');
  });

  it('never throws when postMessage refuses the buffer (fault injected: a port that throws, as Node 21+ does)', () => {
    // From Node 21 on, postMessage throws a DataCloneError for a buffer already detached or untransferable; Node
    // 20 skips it. The speed-up must never fail the seal, so release swallows it.
    const refusing = {
      MessageChannel: class {
        port1 = {
          close: () => undefined,
          postMessage: () => {
            throw new DOMException('An ArrayBuffer is detached and could not be cloned.', 'DataCloneError');
          },
        };
      },
    };
    const releaseOnRefusingPort = loadRelease(() => refusing);
    const own = new Uint8Array(16).fill(3);
    expect(() => releaseOnRefusingPort(own)).not.toThrow();
    expect([...own]).toEqual(new Array(16).fill(3));
  });

  it("keeps the seal workers from holding their chunks' outputs: a few MiB, not tens", async () => {
    // Without release, each worker holds about 30 MB of dead 64 KiB outputs before V8 collects them.
    const size = 64 * SLOT;
    const input = join(scratch.dir, 'released.plain');
    await writeFile(input, randomBytes(size));
    const { events } = await sealTraced(input, join(scratch.dir, 'released.age'), 1);
    expect(events.map((event) => event.side).sort()).toEqual(['input', 'output']);
    for (const event of events) expect(event.arrayBuffersPeak).toBeLessThan(8 * 1024 * 1024);
  });
});

describe("settleVectorState, the sink's reset before each SHA-256 update", () => {
  interface Sink {
    take(view: Uint8Array): void;
    finish(done: (error: unknown, digest?: { sha256: string; size: number }) => void): void;
  }
  type CreateSink = (
    crypto: unknown,
    fsModule: unknown,
    post: (reply: unknown) => void,
    fd: undefined,
    partSize: number,
  ) => Sink;
  /** The sink's source evaluated as the workers do, on this thread. */
  const loadSink = () => new Function(`${SINK_SOURCE}\nreturn createSink;`)() as CreateSink;
  /**
   * node:crypto, noting each hash update and each cipher made, in order, and each cipher's key and nonce in `secrets`
   * (asserted by the tests: a throw in here would be swallowed by the reset's own catch); `refuse` makes
   * createCipheriv throw.
   */
  const recordingCrypto = (calls: string[], refuse = false, secrets: Uint8Array[] = []) => ({
    createHash(algorithm: string) {
      const hash = createHash(algorithm);
      return {
        update(view: Uint8Array) {
          calls.push('hash');
          hash.update(view);
        },
        digest: (encoding: 'hex' | 'base64') => hash.digest(encoding),
      };
    },
    createCipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array) {
      calls.push(algorithm);
      secrets.push(Uint8Array.from(key), Uint8Array.from(iv));
      if (refuse) throw Object.assign(new Error('unsupported'), { code: 'ERR_CRYPTO_UNKNOWN_CIPHER' });
      return createCipheriv(algorithm, key, iv);
    },
  });
  const digestOf = (sink: Sink) =>
    new Promise<{ sha256: string; size: number }>((resolve, reject) =>
      sink.finish((error, digest) => (error || !digest ? reject(error) : resolve(digest))),
    );

  it("runs one raw ChaCha20 block just before every hash update, and the digest is the bytes' own", async () => {
    const calls: string[] = [];
    const secrets: Uint8Array[] = [];
    const sink = loadSink()(recordingCrypto(calls, false, secrets), fs, () => {}, undefined, 0);
    const a = randomBytes(1000);
    const b = randomBytes(3);
    sink.take(a);
    sink.take(b);
    expect(calls).toEqual(['chacha20', 'hash', 'chacha20', 'hash']);
    // The reset never sees a secret: each time, a 32-byte key and a 16-byte nonce of constant zeros.
    expect(secrets.map((bytes) => [bytes.length, bytes.every((byte) => byte === 0)])).toEqual([
      [32, true],
      [16, true],
      [32, true],
      [16, true],
    ]);
    const digest = await digestOf(sink);
    expect(digest).toEqual({ sha256: createHash('sha256').update(a).update(b).digest('hex'), size: 1003 });
  });

  it('hashes on when the raw cipher is refused (a FIPS build, fault injected), and tries it only once', async () => {
    const calls: string[] = [];
    const sink = loadSink()(recordingCrypto(calls, true), fs, () => {}, undefined, 0);
    const a = randomBytes(64);
    sink.take(a);
    sink.take(a);
    expect(calls).toEqual(['chacha20', 'hash', 'hash']);
    expect((await digestOf(sink)).sha256).toBe(createHash('sha256').update(a).update(a).digest('hex'));
  });
});

describe("copyInto, the workers' copy of a chunk's output into shared memory", () => {
  const copyInto = new Function(`${COPY_SOURCE}\nreturn copyInto;`)() as (
    target: Buffer,
    offset: number,
    view: Uint8Array,
  ) => void;

  it('copies a view once, at its offset, and leaves the bytes either side alone', () => {
    const target = Buffer.from(new SharedArrayBuffer(4 * CHUNK_SIZE)).fill(0xee);
    const body = randomBytes(CHUNK_SIZE);
    const odd = randomBytes(17);
    copyInto(target, CHUNK_SIZE + 3, body);
    copyInto(target, 3 * CHUNK_SIZE + 100, odd);
    expect(target.subarray(CHUNK_SIZE + 3, 2 * CHUNK_SIZE + 3).equals(body)).toBe(true);
    expect(target.subarray(3 * CHUNK_SIZE + 100, 3 * CHUNK_SIZE + 117).equals(odd)).toBe(true);
    const untouched = [
      ...target.subarray(0, CHUNK_SIZE + 3),
      ...target.subarray(2 * CHUNK_SIZE + 3, 3 * CHUNK_SIZE + 100),
      ...target.subarray(3 * CHUNK_SIZE + 117),
    ];
    expect(untouched.every((byte) => byte === 0xee)).toBe(true);
  });

  it('refuses a view running past the end of the ring, and anything but bytes, before writing', () => {
    const target = Buffer.from(new SharedArrayBuffer(64)).fill(7);
    expect(() => copyInto(target, 60, randomBytes(5))).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => copyInto(target, 0, [1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => copyInto(target, 0, new Uint16Array([1, 2]) as unknown as Uint8Array)).toThrow(TypeError);
    expect([...target].every((byte) => byte === 7)).toBe(true);
  });

  it('copies nothing for an empty view (the empty final chunk of an empty file)', () => {
    const target = Buffer.from(new SharedArrayBuffer(64)).fill(7);
    expect(() => copyInto(target, 10, new Uint8Array(0))).not.toThrow();
    expect([...target].every((byte) => byte === 7)).toBe(true);
  });
});
