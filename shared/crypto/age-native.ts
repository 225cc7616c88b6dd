// Crypto layer (Node fast path): streaming age v1 seal/open on node:crypto, with digests for the manifest.

import * as nodeCrypto from 'node:crypto';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Decrypter, Encrypter, type Recipient as LibraryRecipient } from 'age-encryption';
import { PouchError } from '../domain/errors.ts';
import {
  type AgeHeader,
  type AgeStanza,
  decodeBase64NoPad,
  encodeBase64NoPad,
  encodeHeaderNoMac,
  encodeMacLineTail,
  locateHeaderEnd,
  MAX_HEADER_BYTES,
  parseAgeHeader,
} from './age-header.ts';
import { type AgeIdentity, type AgeRecipient, parseIdentity, parseRecipients } from './age-keys.ts';
import { openStreamChunk } from './age-stream-chunk.ts';
import {
  type OutputPart,
  type PositionalReader,
  type SlotTransform,
  transformFile,
} from './file-pipeline.ts';
import { sealOnThreads, sealStreamChunk } from './seal-pipeline.ts';

/** Plaintext bytes per STREAM chunk. */
export const CHUNK_SIZE = 64 * 1024;
const TAG_SIZE = 16;
/** A sealed STREAM chunk: a full chunk's ciphertext and its tag. */
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
const NONCE_SIZE = 16;
const FILE_KEY_SIZE = 16;
const X25519_LABEL = 'age-encryption.org/v1/X25519';
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const ZERO_NONCE = Buffer.alloc(12);
/** Read size for file helpers: large reads keep the per-call overhead of hashing and ciphers negligible. */
const FILE_READ_SIZE = 4 * 1024 * 1024;
/**
 * Files at least this large are sealed and opened on worker threads (two seal workers, see sealOnThreads; the
 * opener's three threads, see transformFile); smaller ones are not worth starting two workers.
 */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/**
 * Chunks per pipeline slot on the opener's three-thread path: 2 MiB reads. Measured on 1 GiB: 1 MiB slots were as fast,
 * 4 MiB slots no faster and 15 MB heavier in peak RSS.
 */
export const SLOT_CHUNKS = 32;
/** Mode of a plaintext file created by openFile: owner read/write only. */
const PLAINTEXT_MODE = 0o600;

/** Hex SHA-256 digests and sizes of both sides of a sealed document, as the signed manifest lists them. */
export interface SealDigests {
  readonly plaintextSha256: string;
  readonly plaintextSize: number;
  readonly sealedSha256: string;
  readonly sealedSize: number;
}

/**
 * Output of {@link sealStream} and {@link openStream}: iterate it once to the end, then read `digests`.
 * `digests` rejects if the stream fails or is abandoned before its end.
 */
export interface DigestedStream extends AsyncIterable<Buffer> {
  readonly digests: Promise<SealDigests>;
}

/** Options of {@link sealFile} and {@link openFile}. */
export interface FileOptions {
  /** Force the worker-thread path (true) or the stream path (false); by default it follows the file's size. */
  readonly parallel?: boolean;
  /** Called as the input is consumed, with the input bytes done so far (at the end, the input file's size). */
  readonly onProgress?: (inputBytes: number) => void;
}

/** What the sealer and the opener accept: a Node Readable (of Buffers) or any async iterable of bytes. */
export type ByteSource = Readable | AsyncIterable<Uint8Array>;

/**
 * Seal a plaintext stream into an age v1 file for the given recipients (`age1...`, `age1pq1...`), chunk by
 * chunk in constant memory. Recipients are validated now (ERR_SEAL_FORMAT); the output can be opened by the
 * `age` CLI and by {@link openStream}. Both SHA-256 digests are computed on the way through.
 *
 * @example
 * const sealed = sealStream(createReadStream(path, { highWaterMark: 4 << 20 }), [recipient]);
 * await pipeline(sealed, createWriteStream(`${path}.age`));
 * const { plaintextSha256, sealedSha256 } = await sealed.digests;
 */
export function sealStream(plaintext: ByteSource, recipients: readonly string[]): DigestedStream {
  const parsed = parseRecipients(recipients);
  const result = settleLater<SealDigests>();
  async function* generate(): AsyncGenerator<Buffer> {
    const digester = new StreamDigester();
    try {
      const { fileKey, header } = await buildHeader(parsed);
      const nonce = randomBytes(NONCE_SIZE);
      const cipher = new PayloadCipher(derivePayloadKey(fileKey, nonce));
      const sealer = new ChunkStream(CHUNK_SIZE, (chunk, last) => cipher.seal(chunk, last));
      yield digester.sealed(Buffer.concat([header, nonce]));
      for await (const input of plaintext) {
        const out = sealer.push(digester.plain(toBuffer(input)));
        if (out !== undefined) yield digester.sealed(out);
      }
      yield digester.sealed(sealer.finish());
      result.resolve(digester.finish());
    } catch (error) {
      result.reject(error);
      throw error;
    } finally {
      result.reject(new PouchError('ERR_INVALID_STATE', 'The sealed stream was not read to its end'));
    }
  }
  return Object.assign(generate(), { digests: result.promise });
}

/**
 * Open an age v1 file with the given identities (`AGE-SECRET-KEY-1...`, `AGE-SECRET-KEY-PQ-1...`), chunk by
 * chunk in constant memory. Every chunk is authenticated before its plaintext is released, but truncation is
 * only detectable at the end: a consumer must discard its output if iteration throws.
 *
 * Errors: ERR_SEAL_FORMAT (malformed or oversized header), ERR_SEAL_NO_IDENTITY (no identity matches),
 * ERR_SEAL_INTEGRITY (header MAC, chunk authentication, truncation, reordering, trailing data).
 */
export function openStream(sealed: ByteSource, identities: readonly string[]): DigestedStream {
  const keys = prepareIdentities(identities);
  const result = settleLater<SealDigests>();
  async function* generate(): AsyncGenerator<Buffer> {
    const digester = new StreamDigester();
    const source = measure(sealed, (bytes) => digester.sealed(bytes));
    try {
      const { header, rest } = await readHeader(source);
      const fileKey = await unlockHeader(header, keys);
      let pending = rest;
      while (pending.length < NONCE_SIZE) {
        const next = await source.next();
        if (next.done) throw integrityError('file ends before the payload nonce');
        pending = Buffer.concat([pending, next.value]);
      }
      const payloadKey = derivePayloadKey(fileKey, pending.subarray(0, NONCE_SIZE));
      const cipher = new PayloadCipher(payloadKey);
      const opener = new ChunkStream(SEALED_CHUNK_SIZE, (chunk, last) => [cipher.open(chunk, last)]);
      let out = opener.push(pending.subarray(NONCE_SIZE));
      if (out !== undefined) yield digester.plain(out);
      for (;;) {
        const next = await source.next();
        if (next.done) break;
        out = opener.push(next.value);
        if (out !== undefined) yield digester.plain(out);
      }
      yield digester.plain(opener.finish());
      result.resolve(digester.finish());
    } catch (error) {
      result.reject(error);
      throw error;
    } finally {
      result.reject(new PouchError('ERR_INVALID_STATE', 'The opened stream was not read to its end'));
      await source.return(undefined);
    }
  }
  return Object.assign(generate(), { digests: result.promise });
}

/**
 * Seal a file to another file and return the digests. A partial output is removed on failure. Files of
 * {@link PARALLEL_MIN_BYTES} or more are sealed on two worker threads (see sealOnThreads); `parallel` forces
 * either path.
 *
 * @example
 * const digests = await sealFile('evidence.img', 'evidence.img.age', [recipient]);
 */
export async function sealFile(
  inputPath: string,
  outputPath: string,
  recipients: readonly string[],
  options: FileOptions = {},
): Promise<SealDigests> {
  const parsed = parseRecipients(recipients);
  return withInputFile(inputPath, options, {
    stream: (source) => writeDigested(sealStream(source, recipients), outputPath),
    async threads(input) {
      const { fileKey, header } = await buildHeader(parsed);
      const nonce = randomBytes(NONCE_SIZE);
      const sides = await removeOnFailure(outputPath, () =>
        sealOnThreads(
          { fd: input.fd, onProgress: options.onProgress },
          { path: outputPath, prefix: Buffer.concat([header, nonce]) },
          derivePayloadKey(fileKey, nonce),
        ),
      );
      return {
        plaintextSha256: sides.input.sha256,
        plaintextSize: sides.input.size,
        sealedSha256: sides.output.sha256,
        sealedSize: sides.output.size,
      };
    },
  });
}

/** What {@link prepareSeal} returns: the sealed size, known before a byte is sealed, and the sealing itself. */
export interface PreparedSeal {
  /** The exact size of the sealed output for the planned plaintext size. */
  readonly sealedSize: number;
  /**
   * Seal the input to `outputPath` on two worker threads, hashing the output in `partSize` slices on the same
   * pass and reporting each slice once it is written (see sealOnThreads). Reads at most the planned size; a file
   * that is shorter or longer than planned is ERR_CONFLICT. A partial output is removed on failure.
   */
  run(
    inputPath: string,
    outputPath: string,
    options: {
      readonly partSize: number;
      readonly onPart: (part: OutputPart) => void;
      readonly onProgress?: (inputBytes: number) => void;
      readonly mode?: number;
    },
  ): Promise<SealDigests & { readonly partSha256s: readonly string[] }>;
}

/**
 * Prepare to seal a plaintext of `plaintextSize` bytes: the header (with its fresh file key) is built now, so
 * the sealed size is known before sealing starts, and an upload of it can be declared first.
 *
 * @example
 * const seal = await prepareSeal(recipients, (await stat(path)).size);
 * await declare(seal.sealedSize);
 * await seal.run(path, spool, { partSize, onPart: (part) => queue.push(part) });
 */
export async function prepareSeal(
  recipients: readonly string[],
  plaintextSize: number,
): Promise<PreparedSeal> {
  const { fileKey, header } = await buildHeader(parseRecipients(recipients));
  const nonce = randomBytes(NONCE_SIZE);
  const prefix = Buffer.concat([header, nonce]);
  // Every chunk carries a tag, and an empty plaintext still has its one (empty, final) chunk.
  const chunks = Math.max(1, Math.ceil(plaintextSize / CHUNK_SIZE));
  const sealedSize = prefix.length + plaintextSize + chunks * TAG_SIZE;
  let used = false;
  return {
    sealedSize,
    async run(inputPath, outputPath, options) {
      // One header, one file key, one nonce: a second run would reuse the STREAM nonces under the same key.
      if (used) throw new PouchError('ERR_INVALID_STATE', 'A prepared seal runs once');
      used = true;
      const partSha256s: string[] = [];
      const input = await open(inputPath, 'r');
      try {
        const sides = await removeOnFailure(outputPath, () =>
          sealOnThreads(
            { fd: input.fd, onProgress: options.onProgress, end: plaintextSize },
            {
              path: outputPath,
              prefix,
              ...(options.mode === undefined ? {} : { mode: options.mode }),
              parts: {
                size: options.partSize,
                onPart(part) {
                  partSha256s.push(part.sha256);
                  options.onPart(part);
                },
              },
            },
            derivePayloadKey(fileKey, nonce),
          ),
        );
        if (sides.input.size !== plaintextSize || sides.output.size !== sealedSize) {
          await rm(outputPath, { force: true });
          throw new PouchError('ERR_CONFLICT', 'The file changed while it was being sealed', {
            details: { expectedSize: plaintextSize, actualSize: sides.input.size },
          });
        }
        return {
          plaintextSha256: sides.input.sha256,
          plaintextSize: sides.input.size,
          sealedSha256: sides.output.sha256,
          sealedSize: sides.output.size,
          partSha256s,
        };
      } finally {
        await input.close();
      }
    },
  };
}

/**
 * Open a sealed file into a plaintext file and return the digests. On any failure the partial plaintext is
 * removed, so unauthenticated or truncated content never stays on disk. A new plaintext file is created 0600:
 * opened evidence is for its holder only. Large files take the three-thread path (see openFromReader).
 */
export async function openFile(
  inputPath: string,
  outputPath: string,
  identities: readonly string[],
  options: FileOptions = {},
): Promise<SealDigests> {
  prepareIdentities(identities);
  return withInputFile(inputPath, options, {
    stream: (source) => writeDigested(openStream(source, identities), outputPath, PLAINTEXT_MODE),
    threads: (input) => openFromReader(input, outputPath, identities, options),
  });
}

/**
 * Open sealed bytes read with positional reads (a file, or a download that is still arriving: the reader may
 * wait) on three threads, as {@link openFile} does for large files. With `parts`, the sealed input is also
 * hashed in `parts.size` slices on the same pass. The partial plaintext is removed on failure.
 */
export async function openFromReader(
  input: PositionalReader,
  outputPath: string,
  identities: readonly string[],
  options: {
    readonly onProgress?: ((inputBytes: number) => void) | undefined;
    readonly parts?: { readonly size: number; readonly onPart: (part: OutputPart) => void } | undefined;
    /** Start the plaintext's writeback every this many bytes (see PipelineOutput.syncEvery). */
    readonly syncEvery?: number | undefined;
    /** Plaintext bytes made durable by those syncs (see PipelineOutput.onSynced). */
    readonly onSynced?: ((bytes: number) => void) | undefined;
    /** The header and payload nonce (every sealed byte before the first chunk), once the header MAC matched. */
    readonly onPrefix?: ((prefix: Buffer) => void) | undefined;
    /** Leave the output in place on failure (a resumable fetch keeps its durable bytes); removed by default. */
    readonly keepOnFailure?: boolean | undefined;
  } = {},
): Promise<SealDigests> {
  const keys = prepareIdentities(identities);
  const { header } = await readHeader(readPieces(input, 0));
  const fileKey = await unlockHeader(header, keys);
  const nonce = Buffer.alloc(NONCE_SIZE);
  // A positional read may return less than asked (a download's reader stops at a range's end), so only a read
  // of nothing means the file ends.
  for (let got = 0; got < NONCE_SIZE; ) {
    const { bytesRead } = await input.read(nonce, got, NONCE_SIZE - got, header.raw.length + got);
    if (bytesRead === 0) throw integrityError('file ends before the payload nonce');
    got += bytesRead;
  }
  const payloadKey = derivePayloadKey(fileKey, nonce);
  options.onPrefix?.(Buffer.concat([header.raw, nonce]));
  type Sides = Awaited<ReturnType<typeof transformFile>>;
  const run = (work: () => Promise<Sides>): Promise<Sides> =>
    options.keepOnFailure ? work() : removeOnFailure(outputPath, work);
  const sides = await run(() =>
    transformFile(
      {
        handle: input,
        offset: header.raw.length + NONCE_SIZE,
        prefix: Buffer.concat([header.raw, nonce]),
        onProgress: options.onProgress,
        parts: options.parts,
      },
      {
        path: outputPath,
        prefix: new Uint8Array(0),
        mode: PLAINTEXT_MODE,
        syncEvery: options.syncEvery,
        onSynced: options.onSynced,
      },
      openSlots(payloadKey),
    ).catch((error: unknown) => {
      throw asIntegrityError(error);
    }),
  );
  return {
    plaintextSha256: sides.output.sha256,
    plaintextSize: sides.output.size,
    sealedSha256: sides.input.sha256,
    sealedSize: sides.input.size,
  };
}

/** The sealed form of a payload's chunks, made again from their plaintext (see {@link createResealer}). */
export interface Resealer {
  /** Sealed bytes before the first chunk: the header and the payload nonce. */
  readonly prefixLength: number;
  /** Chunk number `index` (a full one, never the payload's last) sealed again: its ciphertext and tag. */
  seal(chunk: Uint8Array, index: number): Buffer;
}

/**
 * Seal plaintext chunks again exactly as the sealed file holds them, for a fetch that resumes from the plaintext
 * it already opened: STREAM chunks are a function of the payload key, the chunk number and the plaintext, so the
 * same bytes come back, and the opener hashes them as if downloaded. `prefix` is the header and payload nonce as
 * {@link openFromReader} reported them; the header MAC is checked again, so a prefix altered on disk is refused
 * here, and a plaintext altered on disk gives other sealed bytes, which the digests then refuse.
 */
export async function createResealer(prefix: Uint8Array, identities: readonly string[]): Promise<Resealer> {
  const bytes = Buffer.from(prefix);
  const { header, rest } = await readHeader(
    (async function* () {
      yield bytes;
    })(),
  );
  if (rest.length !== NONCE_SIZE)
    throw integrityError('the kept header is not followed by exactly the nonce');
  const fileKey = await unlockHeader(header, prepareIdentities(identities));
  const cipher = new PayloadCipher(derivePayloadKey(fileKey, rest));
  return {
    prefixLength: bytes.length,
    seal: (chunk, index) => {
      if (chunk.length !== CHUNK_SIZE) throw integrityError('only full chunks are sealed again');
      return Buffer.concat(cipher.sealAt(toBuffer(chunk), index));
    },
  };
}

/** Run one of the two file paths over the open input: by its size, unless `parallel` forces one. */
async function withInputFile(
  inputPath: string,
  options: FileOptions,
  paths: {
    stream(source: ByteSource): Promise<SealDigests>;
    threads(input: FileHandle): Promise<SealDigests>;
  },
): Promise<SealDigests> {
  const input = await open(inputPath, 'r');
  try {
    if (options.parallel ?? (await input.stat()).size >= PARALLEL_MIN_BYTES)
      return await paths.threads(input);
    const source = input.createReadStream({ highWaterMark: FILE_READ_SIZE, autoClose: false });
    const { onProgress } = options;
    if (!onProgress) return await paths.stream(source);
    let done = 0;
    return await paths.stream(
      measure(source, (bytes) => {
        done += bytes.length;
        onProgress(done);
      }),
    );
  } finally {
    await input.close();
  }
}

async function writeDigested(
  stream: DigestedStream,
  outputPath: string,
  mode?: number,
): Promise<SealDigests> {
  return removeOnFailure(outputPath, async () => {
    await pipeline(stream, createWriteStream(outputPath, mode === undefined ? {} : { mode }));
    return stream.digests;
  });
}

async function removeOnFailure<T>(outputPath: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await rm(outputPath, { force: true });
    throw error;
  }
}

/** Reads a file from `position` in 64 KiB pieces, for the header parser. */
async function* readPieces(handle: PositionalReader, position: number): AsyncGenerator<Buffer> {
  for (;;) {
    const piece = Buffer.allocUnsafe(CHUNK_SIZE);
    const { bytesRead } = await handle.read(piece, 0, piece.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield piece.subarray(0, bytesRead);
  }
}

/**
 * Opens whole slots of sealed chunks; the last chunk of the final slot must carry the last-chunk flag. The
 * chunks are opened on the pipeline's input worker (beside the sealed hash), not on this thread: measured on
 * 256 MiB, this thread's deciphering, its 64 KiB allocations and their garbage collection were the opener's
 * critical path while both workers waited.
 */
function openSlots(payloadKey: Buffer): SlotTransform {
  return {
    inWorker: { source: openStreamChunk.toString(), key: payloadKey },
    inputSlotBytes: SLOT_CHUNKS * SEALED_CHUNK_SIZE,
    unitBytes: SEALED_CHUNK_SIZE,
    outputSlotBytes: SLOT_CHUNKS * CHUNK_SIZE,
  };
}

/**
 * ChaCha20-Poly1305 over the STREAM chunks of one payload, in order. Opening (and its final-chunk rules) is
 * {@link openStreamChunk}'s, the same function the three-thread opener runs on its worker.
 */
class PayloadCipher {
  private sealed = 0;
  private opened = 0;

  constructor(private readonly key: Buffer) {}

  seal(chunk: Buffer, last: boolean): [Buffer, Buffer] {
    const [body, tag] = sealStreamChunk(nodeCrypto, this.key, chunk, this.sealed++, last);
    return [toBuffer(body), toBuffer(tag)];
  }

  /** Chunk number `index`, not the last, sealed out of order (a resumed fetch's chunks, sealed again). */
  sealAt(chunk: Buffer, index: number): [Buffer, Buffer] {
    const [body, tag] = sealStreamChunk(nodeCrypto, this.key, chunk, index, false);
    return [toBuffer(body), toBuffer(tag)];
  }

  open(chunk: Buffer, last: boolean): Buffer {
    try {
      return toBuffer(openStreamChunk(nodeCrypto, this.key, chunk, this.opened++, last));
    } catch (error) {
      throw asIntegrityError(error);
    }
  }
}

/**
 * Cuts a byte stream into fixed-size STREAM chunks and runs `process` on each. The latest chunk is held back
 * (a full chunk counts as non-final only once more bytes follow it), because only the end of input says which
 * chunk is last; `finish` processes it, possibly empty, as the last one.
 */
class ChunkStream {
  private readonly stage: Buffer;
  private used = 0;

  constructor(
    private readonly size: number,
    private readonly process: (chunk: Buffer, last: boolean) => readonly Buffer[],
  ) {
    this.stage = Buffer.allocUnsafe(size);
  }

  push(input: Buffer): Buffer | undefined {
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < input.length) {
      if (this.used === this.size) {
        out.push(...this.process(this.stage, false));
        this.used = 0;
      }
      if (this.used === 0 && input.length - offset > this.size) {
        out.push(...this.process(input.subarray(offset, offset + this.size), false));
        offset += this.size;
        continue;
      }
      const n = Math.min(this.size - this.used, input.length - offset);
      input.copy(this.stage, this.used, offset, offset + n);
      this.used += n;
      offset += n;
    }
    return out.length === 0 ? undefined : Buffer.concat(out);
  }

  finish(): Buffer {
    return Buffer.concat(this.process(this.stage.subarray(0, this.used), true));
  }
}

interface PreparedIdentity {
  readonly identity: AgeIdentity;
  readonly privateKey?: KeyObject;
  readonly publicKey?: Buffer;
}

function prepareIdentities(identities: readonly string[]): PreparedIdentity[] {
  if (identities.length === 0) throw new PouchError('ERR_SEAL_NO_IDENTITY', 'No identity was given');
  return identities.map((text) => {
    const identity = parseIdentity(text);
    if (identity.kind !== 'x25519') return { identity };
    const privateKey = importPrivateKey(identity.secretKey);
    return { identity, privateKey, publicKey: exportRawPublicKey(createPublicKey(privateKey)) };
  });
}

async function buildHeader(
  recipients: readonly AgeRecipient[],
): Promise<{ fileKey: Buffer; header: Buffer }> {
  const hybrid = recipients.filter((r) => r.kind === 'mlkem768x25519');
  const wrapped = hybrid.length > 0 ? await wrapWithLibrary(hybrid) : undefined;
  const fileKey = wrapped?.fileKey ?? randomBytes(FILE_KEY_SIZE);
  const stanzas: AgeStanza[] = [...(wrapped?.stanzas ?? [])];
  for (const recipient of recipients) {
    if (recipient.kind === 'x25519') stanzas.push(wrapX25519(fileKey, recipient.publicKey));
  }
  const headerNoMac = encodeHeaderNoMac(stanzas);
  const mac = computeHeaderMac(fileKey, headerNoMac);
  return { fileKey, header: Buffer.concat([headerNoMac, encodeMacLineTail(mac)]) };
}

/**
 * Hybrid post-quantum stanzas come from age-encryption, which owns the ML-KEM-768 + X25519 HPKE code. Its
 * public API cannot wrap a key we choose, so a capturing recipient takes the file key it generates instead;
 * only the header is used, the payload stays on the native path.
 */
async function wrapWithLibrary(
  recipients: readonly AgeRecipient[],
): Promise<{ fileKey: Buffer; stanzas: AgeStanza[] }> {
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient.text);
  let fileKey: Buffer | undefined;
  const capture: LibraryRecipient = {
    wrapFileKey(key: Uint8Array) {
      fileKey = Buffer.from(key);
      return [];
    },
  };
  encrypter.addRecipient(capture);
  const sample = await encrypter.encrypt(new Uint8Array(0));
  const scan = locateHeaderEnd(sample);
  if (!('end' in scan) || fileKey === undefined) {
    throw new PouchError('ERR_INTERNAL', 'age-encryption produced no usable header');
  }
  return { fileKey, stanzas: [...parseAgeHeader(sample.subarray(0, scan.end)).stanzas] };
}

function wrapX25519(fileKey: Buffer, recipientKey: Uint8Array): AgeStanza {
  const ephemeral = generateKeyPairSync('x25519');
  const share = exportRawPublicKey(ephemeral.publicKey);
  const shared = computeSharedSecret(ephemeral.privateKey, recipientKey);
  const wrapKey = hkdf(shared, Buffer.concat([share, recipientKey]), X25519_LABEL);
  const cipher = createCipheriv('chacha20-poly1305', wrapKey, ZERO_NONCE, { authTagLength: TAG_SIZE });
  const body = Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
  return { args: ['X25519', encodeBase64NoPad(share)], body };
}

async function unwrapFileKey(header: AgeHeader & { raw: Buffer }, keys: readonly PreparedIdentity[]) {
  for (const key of keys) {
    if (key.identity.kind !== 'x25519' || key.privateKey === undefined || key.publicKey === undefined)
      continue;
    for (const stanza of header.stanzas) {
      if (stanza.args[0] !== 'X25519') continue;
      const fileKey = unwrapX25519(stanza, key.privateKey, key.publicKey);
      if (fileKey !== undefined) return fileKey;
    }
  }
  const hybrid = keys.filter((key) => key.identity.kind === 'mlkem768x25519');
  if (hybrid.length > 0 && header.stanzas.some((stanza) => stanza.args[0] === 'mlkem768x25519')) {
    const fileKey = await unwrapWithLibrary(header.raw, hybrid);
    if (fileKey !== undefined) return fileKey;
  }
  throw new PouchError('ERR_SEAL_NO_IDENTITY', 'No identity matches any recipient of the file');
}

function unwrapX25519(stanza: AgeStanza, privateKey: KeyObject, publicKey: Buffer): Buffer | undefined {
  if (stanza.args.length !== 2 || stanza.body.length !== FILE_KEY_SIZE + TAG_SIZE) {
    throw new PouchError('ERR_SEAL_FORMAT', 'Malformed X25519 stanza');
  }
  const share = decodeBase64NoPad(stanza.args[1]!);
  if (share.length !== 32) throw new PouchError('ERR_SEAL_FORMAT', 'Malformed X25519 stanza');
  const shared = computeSharedSecret(privateKey, share);
  const wrapKey = hkdf(shared, Buffer.concat([share, publicKey]), X25519_LABEL);
  const decipher = createDecipheriv('chacha20-poly1305', wrapKey, ZERO_NONCE, { authTagLength: TAG_SIZE });
  decipher.setAuthTag(stanza.body.subarray(FILE_KEY_SIZE));
  const fileKey = decipher.update(stanza.body.subarray(0, FILE_KEY_SIZE));
  try {
    decipher.final();
  } catch {
    return undefined; // sealed to someone else
  }
  return fileKey;
}

/** The library verifies the MAC itself; its errors carry no codes, so the pinned version's messages are mapped. */
async function unwrapWithLibrary(header: Buffer, keys: readonly PreparedIdentity[]) {
  const decrypter = new Decrypter();
  for (const key of keys) decrypter.addIdentity(key.identity.text);
  try {
    return Buffer.from(await decrypter.decryptHeader(header));
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : '';
    if (message.includes('no identity matched')) return undefined;
    if (message.includes('HMAC')) throw integrityError('header MAC does not match', cause);
    throw new PouchError('ERR_SEAL_FORMAT', 'Malformed post-quantum stanza', { cause });
  }
}

/** The file key of a parsed header, once the header MAC proves the header is the one it was sealed with. */
async function unlockHeader(header: AgeHeader & { raw: Buffer }, keys: readonly PreparedIdentity[]) {
  const fileKey = await unwrapFileKey(header, keys);
  verifyHeaderMac(header, fileKey);
  return fileKey;
}

function verifyHeaderMac(header: AgeHeader, fileKey: Buffer): void {
  const expected = computeHeaderMac(fileKey, header.headerNoMac);
  if (!timingSafeEqual(expected, header.mac)) throw integrityError('header MAC does not match');
}

async function readHeader(
  source: AsyncIterator<Buffer>,
): Promise<{ header: AgeHeader & { raw: Buffer }; rest: Buffer }> {
  let buffer = Buffer.allocUnsafe(4096);
  let length = 0;
  let resume = 0;
  for (;;) {
    const next = await source.next();
    if (next.done) throw new PouchError('ERR_SEAL_FORMAT', 'File ends inside the age header');
    const chunk = next.value;
    const take = Math.min(chunk.length, MAX_HEADER_BYTES - length);
    if (length + take > buffer.length) {
      const grown = Buffer.allocUnsafe(
        Math.min(MAX_HEADER_BYTES, Math.max(buffer.length * 2, length + take)),
      );
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    chunk.copy(buffer, length, 0, take);
    length += take;
    const scan = locateHeaderEnd(buffer.subarray(0, length), resume);
    if ('end' in scan) {
      const raw = Buffer.from(buffer.subarray(0, scan.end));
      const rest = Buffer.concat([buffer.subarray(scan.end, length), chunk.subarray(take)]);
      return { header: { ...parseAgeHeader(raw), raw }, rest };
    }
    resume = scan.resume;
  }
}

/** Pass bytes through an observer (the opener's sealed input, a file's progress). */
async function* measure(source: ByteSource, observe: (bytes: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const input of source) {
    const bytes = toBuffer(input);
    observe(bytes);
    yield bytes;
  }
}

function derivePayloadKey(fileKey: Buffer, nonce: Buffer): Buffer {
  return hkdf(fileKey, nonce, 'payload');
}

function computeHeaderMac(fileKey: Buffer, headerNoMac: Uint8Array): Buffer {
  const macKey = hkdf(fileKey, Buffer.alloc(0), 'header');
  return createHmac('sha256', macKey).update(headerNoMac).digest();
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

function computeSharedSecret(privateKey: KeyObject, peer: Uint8Array): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: importPublicKey(peer) });
  } catch (cause) {
    throw new PouchError('ERR_SEAL_FORMAT', 'Invalid X25519 share', { cause });
  }
  if (shared.every((byte) => byte === 0)) throw new PouchError('ERR_SEAL_FORMAT', 'Invalid X25519 share');
  return shared;
}

function importPublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

function importPrivateKey(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function exportRawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519_PREFIX.length);
}

function toBuffer(input: unknown): Buffer {
  if (Buffer.isBuffer(input)) return input;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new PouchError('ERR_VALIDATION', 'Streams passed to the sealer must carry bytes, not strings');
}

/** The chunk opener's refusals (plain Errors, so that they cross threads) as the PouchErrors callers narrow on. */
function asIntegrityError(error: unknown): unknown {
  if (error instanceof PouchError || !(error instanceof Error)) return error;
  const { code, reason } = error as Error & { code?: unknown; reason?: unknown };
  return code === 'ERR_SEAL_INTEGRITY' ? integrityError(String(reason), error) : error;
}

function integrityError(message: string, cause?: unknown): PouchError {
  return new PouchError('ERR_SEAL_INTEGRITY', `Sealed file failed verification: ${message}`, { cause });
}

function settleLater<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** SHA-256 of both sides of a stream, hashed inline. */
class StreamDigester {
  private readonly plainHash = createHash('sha256');
  private readonly sealedHash = createHash('sha256');
  private plainSize = 0;
  private sealedSize = 0;

  /** Count plaintext bytes and pass them on. */
  plain(bytes: Buffer): Buffer {
    this.plainHash.update(bytes);
    this.plainSize += bytes.length;
    return bytes;
  }

  /** Count sealed bytes and pass them on. */
  sealed(bytes: Buffer): Buffer {
    this.sealedHash.update(bytes);
    this.sealedSize += bytes.length;
    return bytes;
  }

  finish(): SealDigests {
    return {
      plaintextSha256: this.plainHash.digest('hex'),
      plaintextSize: this.plainSize,
      sealedSha256: this.sealedHash.digest('hex'),
      sealedSize: this.sealedSize,
    };
  }
}
