// Tests for the Node age fast path: CLI interop both ways, digests, tampering, chunk rules and hostile headers.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, open, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES } from '../../shared/crypto/age-header.ts';
import { encodeBech32, generateIdentity } from '../../shared/crypto/age-keys.ts';
import {
  CHUNK_SIZE,
  openFile,
  openFromReader,
  openStream,
  PARALLEL_MIN_BYTES,
  SLOT_CHUNKS,
  sealFile,
  sealStream,
} from '../../shared/crypto/age-native.ts';
import {
  codeOf,
  collect,
  craftAgeFile,
  createScratch,
  flipByte,
  generateCliIdentity,
  headerLength,
  runTool,
  shiftBase64Char,
  splitInto,
  writeIdentityFile,
} from './age-fixtures.ts';

const SEALED_CHUNK = CHUNK_SIZE + 16;
const SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * 1024 * 1024 + 7];

let scratch: { dir: string; cleanup: () => Promise<void> };
let cli: { file: string; identity: string; recipient: string };
let other: { file: string; identity: string; recipient: string };

beforeAll(async () => {
  scratch = await createScratch();
  cli = await generateCliIdentity(scratch.dir, 'cli');
  other = await generateCliIdentity(scratch.dir, 'other');
});
afterAll(async () => {
  await scratch.cleanup();
});

async function sealBytes(plaintext: Uint8Array, recipients: string[], pieces?: number[]) {
  const sealed = sealStream(splitInto(plaintext, pieces), recipients);
  const bytes = await collect(sealed);
  return { bytes, digests: await sealed.digests };
}

async function openBytes(sealed: Uint8Array, identities: string[], pieces?: number[]) {
  return collect(openStream(splitInto(sealed, pieces), identities));
}

let fileCounter = 0;

/**
 * Open through the file path on three threads (forced even for small files). On failure it also checks that
 * nothing is left at the output path.
 */
async function openBytesFromFile(sealed: Uint8Array, identities: string[]): Promise<Buffer> {
  const name = `opener-${fileCounter++}`;
  const input = join(scratch.dir, `${name}.age`);
  const output = join(scratch.dir, `${name}.out`);
  await writeFile(input, sealed);
  try {
    await openFile(input, output, identities, { parallel: true });
  } catch (error) {
    await expect(stat(output)).rejects.toMatchObject({ code: 'ENOENT' });
    throw error;
  }
  return readFile(output);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('sealStream interoperates with the age CLI', () => {
  it.each(SIZES)('age -d opens what we sealed (%i bytes)', async (size) => {
    const plaintext = randomBytes(size);
    const { bytes } = await sealBytes(plaintext, [cli.recipient]);
    const path = join(scratch.dir, `ours-${size}.age`);
    await writeFile(path, bytes);
    const opened = await runTool('age', ['-d', '-i', cli.file, path]);
    expect(opened.equals(plaintext)).toBe(true);
  });

  it.each(SIZES)('we open what age -r sealed (%i bytes)', async (size) => {
    const plaintext = randomBytes(size);
    const input = join(scratch.dir, `plain-${size}`);
    const output = join(scratch.dir, `theirs-${size}.age`);
    await writeFile(input, plaintext);
    await runTool('age', ['-r', cli.recipient, '-o', output, input]);
    const opened = await openBytes(await readFile(output), [cli.identity], [4096, 70_000, 1]);
    expect(opened.equals(plaintext)).toBe(true);
  });

  it('seals to several recipients, each of which the CLI can open', async () => {
    const ours = await generateIdentity();
    const oursFile = await writeIdentityFile(scratch.dir, 'ours', ours.identity);
    const plaintext = randomBytes(200_000);
    const { bytes } = await sealBytes(plaintext, [cli.recipient, ours.recipient, other.recipient]);
    const path = join(scratch.dir, 'multi.age');
    await writeFile(path, bytes);
    for (const file of [cli.file, oursFile, other.file]) {
      expect((await runTool('age', ['-d', '-i', file, path])).equals(plaintext)).toBe(true);
    }
  });

  it('opens a CLI file sealed to several recipients with any one identity', async () => {
    const plaintext = randomBytes(100_000);
    const input = join(scratch.dir, 'multi-plain');
    const output = join(scratch.dir, 'multi-theirs.age');
    await writeFile(input, plaintext);
    await runTool('age', ['-r', cli.recipient, '-r', other.recipient, '-o', output, input]);
    const sealed = await readFile(output);
    expect((await openBytes(sealed, [other.identity])).equals(plaintext)).toBe(true);
    expect((await openBytes(sealed, [cli.identity])).equals(plaintext)).toBe(true);
    const stranger = await generateIdentity();
    expect(await codeOf(openBytes(sealed, [stranger.identity]))).toBe('ERR_SEAL_NO_IDENTITY');
  });

  it('sealFile and openFile round-trip through disk and agree on digests', async () => {
    const plaintext = randomBytes(5 * CHUNK_SIZE + 3);
    const input = join(scratch.dir, 'file-plain');
    await writeFile(input, plaintext);
    const sealedDigests = await sealFile(input, join(scratch.dir, 'file.age'), [cli.recipient]);
    const openedDigests = await openFile(join(scratch.dir, 'file.age'), join(scratch.dir, 'file-out'), [
      cli.identity,
    ]);
    expect((await readFile(join(scratch.dir, 'file-out'))).equals(plaintext)).toBe(true);
    expect(openedDigests).toEqual(sealedDigests);
  });

  it('sealFile and openFile take the three-thread path by default for large files, and agree with sha256 and the age CLI', async () => {
    const plaintext = randomBytes(PARALLEL_MIN_BYTES + 5);
    const input = join(scratch.dir, 'large-plain');
    const sealedPath = join(scratch.dir, 'large.age');
    await writeFile(input, plaintext);
    const digests = await sealFile(input, sealedPath, [cli.recipient]);
    const sealed = await readFile(sealedPath);
    expect(digests).toEqual({
      plaintextSha256: createHash('sha256').update(plaintext).digest('hex'),
      plaintextSize: plaintext.length,
      sealedSha256: createHash('sha256').update(sealed).digest('hex'),
      sealedSize: sealed.length,
    });
    const opened = await runTool('age', ['-d', '-i', cli.file, sealedPath]);
    expect(opened.equals(plaintext)).toBe(true);
    // Opening a large file takes the same path, and must agree with the sealing side.
    const openedPath = join(scratch.dir, 'large-opened');
    expect(await openFile(sealedPath, openedPath, [cli.identity])).toEqual(digests);
    expect((await readFile(openedPath)).equals(plaintext)).toBe(true);
  });

  it.each([false, true])('openFile creates the plaintext 0600 (three threads: %s)', async (parallel) => {
    const input = join(scratch.dir, `mode-${parallel}`);
    await writeFile(input, randomBytes(CHUNK_SIZE + 9));
    await sealFile(input, `${input}.age`, [cli.recipient], { parallel });
    await openFile(`${input}.age`, `${input}.opened`, [cli.identity], { parallel });
    expect((await stat(`${input}.opened`)).mode & 0o777).toBe(0o600);
  });

  it('openFile removes the partial plaintext when the file is truncated', async () => {
    const { bytes } = await sealBytes(randomBytes(3 * CHUNK_SIZE), [cli.recipient]);
    const path = join(scratch.dir, 'cut.age');
    const out = join(scratch.dir, 'cut-out');
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    expect(await codeOf(openFile(path, out, [cli.identity]))).toBe('ERR_SEAL_INTEGRITY');
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('sealFile and openFile on three threads (the large-file path, forced for small files)', () => {
  /** Plaintext bytes per pipeline slot. */
  const SLOT = SLOT_CHUNKS * CHUNK_SIZE;

  it.each([0, 1, CHUNK_SIZE, SLOT - 1, SLOT, SLOT + 1, 2 * SLOT, 2 * SLOT + CHUNK_SIZE + 7])(
    'agree with sha256 and with the age CLI both ways at %i bytes',
    async (size) => {
      const plaintext = randomBytes(size);
      const input = join(scratch.dir, `slots-${size}`);
      const sealedPath = `${input}.age`;
      await writeFile(input, plaintext);
      const digests = await sealFile(input, sealedPath, [cli.recipient], { parallel: true });
      const sealed = await readFile(sealedPath);
      expect(digests).toEqual({
        plaintextSha256: sha256(plaintext),
        plaintextSize: size,
        sealedSha256: sha256(sealed),
        sealedSize: sealed.length,
      });
      expect((await runTool('age', ['-d', '-i', cli.file, sealedPath])).equals(plaintext)).toBe(true);
      expect(await openFile(sealedPath, `${input}.opened`, [cli.identity], { parallel: true })).toEqual(
        digests,
      );
      expect((await readFile(`${input}.opened`)).equals(plaintext)).toBe(true);

      const cliSealed = `${input}.cli.age`;
      await runTool('age', ['-r', cli.recipient, '-o', cliSealed, input]);
      const threaded = await openFile(cliSealed, `${input}.cli-1`, [cli.identity], { parallel: true });
      const streamed = await openFile(cliSealed, `${input}.cli-2`, [cli.identity], { parallel: false });
      expect(threaded).toEqual(streamed);
      expect(threaded.plaintextSha256).toBe(sha256(plaintext));
      expect(threaded.sealedSha256).toBe(sha256(await readFile(cliSealed)));
      expect((await readFile(`${input}.cli-1`)).equals(plaintext)).toBe(true);
    },
  );

  it.each([true, false])(
    'reports progress up to the whole input, in order (three threads: %s)',
    async (parallel) => {
      const input = join(scratch.dir, `progress-${parallel}`);
      await writeFile(input, randomBytes(2 * SLOT + 5));
      const sealing: number[] = [];
      const digests = await sealFile(input, `${input}.age`, [cli.recipient], {
        parallel,
        onProgress: (done) => sealing.push(done),
      });
      const opening: number[] = [];
      await openFile(`${input}.age`, `${input}.opened`, [cli.identity], {
        parallel,
        onProgress: (done) => opening.push(done),
      });
      for (const [updates, total] of [
        [sealing, digests.plaintextSize],
        [opening, digests.sealedSize],
      ] as const) {
        expect(updates.length).toBeGreaterThan(1);
        expect(updates).toEqual([...updates].sort((a, b) => a - b));
        expect(updates.at(-1)).toBe(total);
      }
    },
  );

  it('rejects a file cut at a slot boundary or tampered in a later slot, and opens the intact one', async () => {
    const plaintext = randomBytes(2 * SLOT + 100);
    const { bytes } = await sealBytes(plaintext, [cli.recipient]);
    const payload = headerLength(bytes) + 16;
    const open = (file: Uint8Array) => codeOf(openBytesFromFile(file, [cli.identity]));
    expect(await open(bytes.subarray(0, payload + SLOT_CHUNKS * SEALED_CHUNK))).toBe('ERR_SEAL_INTEGRITY');
    expect(await open(bytes.subarray(0, payload + 2 * SLOT_CHUNKS * SEALED_CHUNK))).toBe(
      'ERR_SEAL_INTEGRITY',
    );
    expect(await open(bytes.subarray(0, payload + 2 * SLOT_CHUNKS * SEALED_CHUNK + 10))).toBe(
      'ERR_SEAL_INTEGRITY',
    );
    expect(await open(flipByte(bytes, payload + SLOT_CHUNKS * SEALED_CHUNK + 5))).toBe('ERR_SEAL_INTEGRITY');
    expect(await open(flipByte(bytes, bytes.length - 1))).toBe('ERR_SEAL_INTEGRITY');
    expect((await openBytesFromFile(bytes, [cli.identity])).equals(plaintext)).toBe(true);
  });

  it('a write that fails mid-file (ENOSPC from /dev/full) rejects with its code and leaves no output', async () => {
    const input = join(scratch.dir, 'to-full');
    await writeFile(input, randomBytes(SLOT + 5));
    // The output is a symlink to /dev/full, so removing the partial output removes only the link.
    const output = join(scratch.dir, 'to-full.age');
    await symlink('/dev/full', output);
    await expect(sealFile(input, output, [cli.recipient], { parallel: true })).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    await expect(lstat(output)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('openFromReader with syncEvery (the fetch: the plaintext is made durable before it is named)', () => {
  const openWith = async (sealedPath: string, output: string, syncEvery: number | undefined) => {
    const handle = await open(sealedPath, 'r');
    try {
      return await openFromReader(handle, output, [cli.identity], { syncEvery });
    } finally {
      await handle.close();
    }
  };

  // The syncs are what this shows: only a sync of /dev/null fails, and only the pipeline's own syncs run here.
  it('syncs while it opens; a sync that fails (fdatasync on /dev/null: EINVAL) rejects with its code and leaves no output', async () => {
    const input = join(scratch.dir, 'sync-fails');
    await writeFile(input, randomBytes(3 * SLOT_CHUNKS * CHUNK_SIZE));
    await sealFile(input, `${input}.age`, [cli.recipient], { parallel: true });
    // Writes to /dev/null succeed; only its sync fails. The removal on failure removes only the link.
    const output = join(scratch.dir, 'sync-fails.out');
    await symlink('/dev/null', output);
    await expect(openWith(`${input}.age`, output, CHUNK_SIZE)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(lstat(output)).rejects.toMatchObject({ code: 'ENOENT' });
    // Without incremental syncs the same output opens (the caller's own sync would be what fails).
    await symlink('/dev/null', output);
    await expect(openWith(`${input}.age`, output, undefined)).resolves.toMatchObject({
      plaintextSize: 3 * SLOT_CHUNKS * CHUNK_SIZE,
    });
  });
});

describe('digests', () => {
  it('equal an independent SHA-256 of the plaintext and of the sealed bytes', async () => {
    const plaintext = randomBytes(3 * CHUNK_SIZE + 11);
    const { bytes, digests } = await sealBytes(plaintext, [cli.recipient], [1000, 200_000]);
    expect(digests).toEqual({
      plaintextSha256: sha256(plaintext),
      plaintextSize: plaintext.length,
      sealedSha256: sha256(bytes),
      sealedSize: bytes.length,
    });
    const opened = openStream(splitInto(bytes, [777]), [cli.identity]);
    await collect(opened);
    expect(await opened.digests).toEqual(digests);
  });

  it('reject when the sealed stream is abandoned before its end', async () => {
    const sealed = sealStream(splitInto(randomBytes(4 * CHUNK_SIZE), [CHUNK_SIZE]), [cli.recipient]);
    for await (const _ of sealed) break;
    expect(await codeOf(sealed.digests)).toBe('ERR_INVALID_STATE');
  });
});

describe('round-trip property', () => {
  it('open(seal(x)) == x for sizes around chunk boundaries and arbitrary input splits', async () => {
    const boundary = fc.constantFrom(0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE);
    const size = fc.oneof(boundary, fc.integer({ min: 0, max: 3 * CHUNK_SIZE + 5 }));
    const pieces = fc.array(fc.integer({ min: 1, max: 3 * CHUNK_SIZE }), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(size, pieces, pieces, async (n, sealPieces, openPieces) => {
        const plaintext = randomBytes(n);
        const { bytes, digests } = await sealBytes(plaintext, [cli.recipient], sealPieces);
        const expectedChunks = Math.max(1, Math.ceil(n / CHUNK_SIZE));
        expect(digests.sealedSize - headerLength(bytes) - 16).toBe(n + 16 * expectedChunks);
        const opened = await openBytes(bytes, [cli.identity], openPieces);
        expect(opened.equals(plaintext)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe.each([
  ['the stream opener', openBytes],
  ['the three-thread file opener', openBytesFromFile],
])('%s', (_name, openBytes) => {
  describe('tampering', () => {
    const plaintext = randomBytes(3 * CHUNK_SIZE + 500);
    let sealed: Buffer;
    let header: number;
    beforeAll(async () => {
      sealed = (await sealBytes(plaintext, [cli.recipient])).bytes;
      header = headerLength(sealed);
    });

    it('the untampered file opens (control)', async () => {
      expect((await openBytes(sealed, [cli.identity])).equals(plaintext)).toBe(true);
    });

    it('rejects a flipped byte in the header MAC', async () => {
      expect(await codeOf(openBytes(shiftBase64Char(sealed, header - 5), [cli.identity]))).toBe(
        'ERR_SEAL_INTEGRITY',
      );
    });

    it('rejects a flipped byte in the version line as malformed', async () => {
      expect(await codeOf(openBytes(flipByte(sealed, 3), [cli.identity]))).toBe('ERR_SEAL_FORMAT');
    });

    it('rejects a flipped byte in the only stanza as not for us', async () => {
      const bodyByte = sealed.indexOf('\n', 30) + 5;
      expect(await codeOf(openBytes(shiftBase64Char(sealed, bodyByte), [cli.identity]))).toBe(
        'ERR_SEAL_NO_IDENTITY',
      );
    });

    it("rejects a flipped byte in another recipient's stanza through the header MAC", async () => {
      const multi = (await sealBytes(plaintext, [other.recipient, cli.recipient])).bytes;
      const otherBody = multi.indexOf('\n', 30) + 5;
      expect(await codeOf(openBytes(shiftBase64Char(multi, otherBody), [cli.identity]))).toBe(
        'ERR_SEAL_INTEGRITY',
      );
    });

    it('rejects a flip of any single header byte', async () => {
      for (let i = 0; i < header; i++) {
        const code = await codeOf(openBytes(flipByte(sealed, i), [cli.identity]));
        expect(['ERR_SEAL_FORMAT', 'ERR_SEAL_INTEGRITY', 'ERR_SEAL_NO_IDENTITY']).toContain(code);
      }
    });

    it.each([
      ['the nonce', 3],
      ['the first chunk', 16 + 100],
      ['a middle chunk tag', 16 + 2 * SEALED_CHUNK - 1],
      ['the last chunk', 16 + 3 * SEALED_CHUNK + 10],
    ])('rejects a flipped byte in %s', async (_, offset) => {
      const code = await codeOf(openBytes(flipByte(sealed, header + offset), [cli.identity]));
      expect(code).toBe('ERR_SEAL_INTEGRITY');
    });

    it('rejects truncation anywhere in the payload', async () => {
      for (const cut of [1, 17, 516, 600, SEALED_CHUNK + 516]) {
        const code = await codeOf(openBytes(sealed.subarray(0, sealed.length - cut), [cli.identity]));
        expect(code).toBe('ERR_SEAL_INTEGRITY');
      }
      expect(await codeOf(openBytes(sealed.subarray(0, header + 16), [cli.identity]))).toBe(
        'ERR_SEAL_INTEGRITY',
      );
      expect(await codeOf(openBytes(sealed.subarray(0, header + 5), [cli.identity]))).toBe(
        'ERR_SEAL_INTEGRITY',
      );
    });

    it('rejects truncation inside the header as malformed', async () => {
      expect(await codeOf(openBytes(sealed.subarray(0, header - 10), [cli.identity]))).toBe(
        'ERR_SEAL_FORMAT',
      );
    });

    it('rejects a file whose last chunk was dropped', async () => {
      const cut = sealed.subarray(0, header + 16 + 3 * SEALED_CHUNK);
      expect(await codeOf(openBytes(cut, [cli.identity]))).toBe('ERR_SEAL_INTEGRITY');
      const exact = (await sealBytes(randomBytes(2 * CHUNK_SIZE), [cli.recipient])).bytes;
      const exactHeader = headerLength(exact);
      const dropped = exact.subarray(0, exactHeader + 16 + SEALED_CHUNK);
      expect(await codeOf(openBytes(dropped, [cli.identity]))).toBe('ERR_SEAL_INTEGRITY');
    });

    it('rejects two reordered chunks', async () => {
      const start = header + 16;
      const first = sealed.subarray(start, start + SEALED_CHUNK);
      const second = sealed.subarray(start + SEALED_CHUNK, start + 2 * SEALED_CHUNK);
      const swapped = Buffer.concat([
        sealed.subarray(0, start),
        second,
        first,
        sealed.subarray(start + 2 * SEALED_CHUNK),
      ]);
      expect(await codeOf(openBytes(swapped, [cli.identity]))).toBe('ERR_SEAL_INTEGRITY');
    });

    it('rejects a header swapped in from another file for the same recipient', async () => {
      const donor = (await sealBytes(plaintext, [cli.recipient])).bytes;
      const swapped = Buffer.concat([donor.subarray(0, headerLength(donor)), sealed.subarray(header)]);
      expect(await codeOf(openBytes(swapped, [cli.identity]))).toBe('ERR_SEAL_INTEGRITY');
      const withNonce = Buffer.concat([
        donor.subarray(0, headerLength(donor) + 16),
        sealed.subarray(header + 16),
      ]);
      expect(await codeOf(openBytes(withNonce, [cli.identity]))).toBe('ERR_SEAL_INTEGRITY');
    });

    it('rejects trailing bytes after the final chunk', async () => {
      const extended = Buffer.concat([sealed, Buffer.from([0])]);
      expect(await codeOf(openBytes(extended, [cli.identity]))).toBe('ERR_SEAL_INTEGRITY');
    });
  });

  describe('a file the age CLI sealed: several slots of chunks and a partial last chunk', () => {
    // Two pipeline slots and more, so that chunk numbering carries across slots on the three-thread path.
    const plaintext = randomBytes(2 * SLOT_CHUNKS * CHUNK_SIZE + 3 * CHUNK_SIZE + 777);
    const chunks = Math.ceil(plaintext.length / CHUNK_SIZE);
    let sealed: Buffer;
    let payload: number;
    beforeAll(async () => {
      const input = join(scratch.dir, `cli-chunks-${_name.length}`);
      await writeFile(input, plaintext);
      await runTool('age', ['-r', cli.recipient, '-o', `${input}.age`, input]);
      sealed = await readFile(`${input}.age`);
      payload = headerLength(sealed) + 16;
      expect(sealed.length).toBe(payload + plaintext.length + chunks * 16);
    });

    it('opens identically', async () => {
      expect((await openBytes(sealed, [cli.identity])).equals(plaintext)).toBe(true);
    });

    it('refuses a flipped byte in any chunk', async () => {
      // The first, last and slot-boundary chunks, and every ninth one between.
      const picked = new Set([0, 1, SLOT_CHUNKS - 1, SLOT_CHUNKS, 2 * SLOT_CHUNKS, chunks - 2, chunks - 1]);
      for (let chunk = 0; chunk < chunks; chunk += 9) picked.add(chunk);
      for (const chunk of picked) {
        const start = payload + chunk * SEALED_CHUNK;
        const end = Math.min(sealed.length, start + SEALED_CHUNK);
        // Alternately a ciphertext byte and a tag byte.
        const at = chunk % 2 === 0 ? start + ((chunk * 7919) % (end - start - 16)) : end - 1 - (chunk % 16);
        expect(await codeOf(openBytes(flipByte(sealed, at), [cli.identity])), `chunk ${chunk}`).toBe(
          'ERR_SEAL_INTEGRITY',
        );
      }
    });

    it('refuses a truncated last chunk', async () => {
      for (const cut of [1, 16, 17, sealed.length - payload - (chunks - 1) * SEALED_CHUNK]) {
        expect(
          await codeOf(openBytes(sealed.subarray(0, sealed.length - cut), [cli.identity])),
          `cut ${cut}`,
        ).toBe('ERR_SEAL_INTEGRITY');
      }
    });

    it('refuses an appended chunk (a copy of a full one, or of the final one)', async () => {
      const full = sealed.subarray(payload + SEALED_CHUNK, payload + 2 * SEALED_CHUNK);
      const last = sealed.subarray(payload + (chunks - 1) * SEALED_CHUNK);
      for (const extra of [full, last]) {
        expect(await codeOf(openBytes(Buffer.concat([sealed, extra]), [cli.identity]))).toBe(
          'ERR_SEAL_INTEGRITY',
        );
      }
    });
  });

  describe('last-chunk flag rules (hand-crafted files)', () => {
    const full = () => randomBytes(CHUNK_SIZE);
    const open = (chunks: Parameters<typeof craftAgeFile>[0]) => {
      const { file, identityScalar } = craftAgeFile(chunks);
      return openBytes(file, [encodeBech32('AGE-SECRET-KEY-', identityScalar)]);
    };

    it('accepts well-formed crafted files (control), which the CLI opens too', async () => {
      const data = full();
      const { file, identityScalar } = craftAgeFile([
        { data, last: false },
        { data: Buffer.from('tail'), last: true },
      ]);
      const identity = encodeBech32('AGE-SECRET-KEY-', identityScalar);
      const expected = Buffer.concat([data, Buffer.from('tail')]);
      expect((await openBytes(file, [identity])).equals(expected)).toBe(true);
      const path = join(scratch.dir, 'crafted.age');
      await writeFile(path, file);
      const keyFile = await writeIdentityFile(scratch.dir, 'crafted', identity);
      expect((await runTool('age', ['-d', '-i', keyFile, path])).equals(expected)).toBe(true);
      expect((await open([{ data: Buffer.alloc(0), last: true }])).length).toBe(0);
      expect((await open([{ data, last: true }])).equals(data)).toBe(true);
    });

    it('rejects an empty final chunk after data', async () => {
      expect(
        await codeOf(
          open([
            { data: full(), last: false },
            { data: Buffer.alloc(0), last: true },
          ]),
        ),
      ).toBe('ERR_SEAL_INTEGRITY');
    });

    it('rejects a last flag on a chunk that is not the final one', async () => {
      expect(
        await codeOf(
          open([
            { data: full(), last: true },
            { data: Buffer.from('more'), last: true },
          ]),
        ),
      ).toBe('ERR_SEAL_INTEGRITY');
    });

    it('rejects a file with no chunk flagged last', async () => {
      expect(await codeOf(open([{ data: Buffer.from('short'), last: false }]))).toBe('ERR_SEAL_INTEGRITY');
      expect(
        await codeOf(
          open([
            { data: full(), last: false },
            { data: full(), last: false },
          ]),
        ),
      ).toBe('ERR_SEAL_INTEGRITY');
    });
  });
});

describe('hostile headers', () => {
  const fast = async (input: AsyncIterable<Uint8Array> | Uint8Array) => {
    const started = performance.now();
    const source = input instanceof Uint8Array ? splitInto(input, [4096]) : input;
    const code = await codeOf(collect(openStream(source, [cli.identity])));
    return { code, ms: performance.now() - started };
  };

  it('stops reading an endless line after the header bound', async () => {
    let pulled = 0;
    async function* endless() {
      yield Buffer.from('age-encryption.org/v1\n-> X25519 ');
      for (;;) {
        pulled += 1024;
        yield Buffer.alloc(1024, 0x41);
      }
    }
    const { code, ms } = await fast(endless());
    expect(code).toBe('ERR_SEAL_FORMAT');
    expect(pulled).toBeLessThanOrEqual(MAX_HEADER_BYTES + 1024);
    expect(ms).toBeLessThan(2000);
  });

  it('rejects 10,000 stanzas', async () => {
    const stanza = `-> X25519 ${'A'.repeat(43)}\n${'A'.repeat(43)}\n`;
    const header = Buffer.from(`age-encryption.org/v1\n${stanza.repeat(10_000)}--- ${'A'.repeat(43)}\n`);
    const { code, ms } = await fast(header);
    expect(code).toBe('ERR_SEAL_FORMAT');
    expect(ms).toBeLessThan(2000);
  });

  it('rejects more stanzas than the cap even when the header is small', async () => {
    const header = Buffer.from(`age-encryption.org/v1\n${'-> x\n\n'.repeat(65)}--- ${'A'.repeat(43)}\n`);
    expect((await fast(header)).code).toBe('ERR_SEAL_FORMAT');
  });

  it('rejects garbage, an empty file, and a header byte-trickled past the bound', async () => {
    expect((await fast(randomBytes(100_000))).code).toBe('ERR_SEAL_FORMAT');
    expect((await fast(Buffer.alloc(0))).code).toBe('ERR_SEAL_FORMAT');
    const trickle = splitInto(Buffer.alloc(MAX_HEADER_BYTES + 10, 0x41), [1]);
    const { code, ms } = await fast(trickle);
    expect(code).toBe('ERR_SEAL_FORMAT');
    expect(ms).toBeLessThan(5000);
  });

  it('rejects non-canonical base64 and malformed X25519 stanzas', async () => {
    const { bytes } = await sealBytes(Buffer.from('x'), [cli.recipient]);
    const text = bytes.toString('latin1');
    const macStart = text.indexOf('\n--- ') + 5;
    const padded = Buffer.concat([
      bytes.subarray(0, macStart + 43),
      Buffer.from('='),
      bytes.subarray(macStart + 43),
    ]);
    expect((await fast(padded)).code).toBe('ERR_SEAL_FORMAT');
    const extraArg = Buffer.from(text.replace('-> X25519 ', '-> X25519 extra ').slice(0), 'latin1');
    expect((await fast(extraArg)).code).toBe('ERR_SEAL_FORMAT');
  });
});

describe('argument validation', () => {
  it('rejects bad recipients and identities up front with ERR_SEAL_FORMAT', () => {
    expect(() => sealStream(splitInto(Buffer.from('x')), ['age1notarecipient'])).toThrow(
      expect.objectContaining({ code: 'ERR_SEAL_FORMAT' }),
    );
    expect(() => sealStream(splitInto(Buffer.from('x')), [])).toThrow(
      expect.objectContaining({ code: 'ERR_SEAL_FORMAT' }),
    );
    expect(() => openStream(splitInto(Buffer.from('x')), [cli.recipient])).toThrow(
      expect.objectContaining({ code: 'ERR_SEAL_FORMAT' }),
    );
  });
});
