// Crypto layer (Node fast path): streaming age v1 seal/open on node:crypto, with digests for the manifest.
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
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
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
import { type AgeIdentity, type AgeRecipient, parseIdentity, parseRecipient } from './age-keys.ts';

/** Plaintext bytes per STREAM chunk. */
export const CHUNK_SIZE = 64 * 1024;
const TAG_SIZE = 16;
const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
const NONCE_SIZE = 16;
const FILE_KEY_SIZE = 16;
const X25519_LABEL = 'age-encryption.org/v1/X25519';
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const ZERO_NONCE = Buffer.alloc(12);
/** Read size for file helpers: large reads keep the per-call overhead of hashing and ciphers negligible. */
const FILE_READ_SIZE = 4 * 1024 * 1024;
/** Files at least this large hash their plaintext in a worker thread (see createParallelDigester). */
const PARALLEL_HASH_MIN_BYTES = 32 * 1024 * 1024;

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
export function sealStream(
  plaintext: ByteSource,
  recipients: readonly string[],
  options: { parallelHash?: boolean } = {},
): DigestedStream {
  const parsed = parseRecipients(recipients);
  const result = settleLater<SealDigests>();
  async function* generate(): AsyncGenerator<Buffer> {
    const digester = options.parallelHash ? createParallelDigester() : createInlineDigester();
    let plaintextSize = 0;
    let sealedSize = 0;
    const emit = (bytes: Buffer): Buffer => {
      digester.sealed(bytes);
      sealedSize += bytes.length;
      return bytes;
    };
    try {
      const { fileKey, header } = await buildHeader(parsed);
      const nonce = randomBytes(NONCE_SIZE);
      const sealer = new ChunkSealer(derivePayloadKey(fileKey, nonce), digester.allocate);
      yield emit(Buffer.concat([header, nonce]));
      for await (const input of plaintext) {
        const bytes = toBuffer(input);
        digester.plain(bytes);
        plaintextSize += bytes.length;
        const out = sealer.push(bytes);
        if (out !== undefined) yield emit(out);
        await digester.ready?.();
      }
      yield emit(sealer.finish());
      const digests = await digester.finish();
      result.resolve({
        plaintextSha256: digests.plain,
        plaintextSize,
        sealedSha256: digests.sealed,
        sealedSize,
      });
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
export function openStream(
  sealed: ByteSource,
  identities: readonly string[],
  options: { parallelHash?: boolean } = {},
): DigestedStream {
  const keys = prepareIdentities(identities);
  const result = settleLater<SealDigests>();
  async function* generate(): AsyncGenerator<Buffer> {
    const digester = options.parallelHash ? createParallelDigester() : createInlineDigester();
    let plaintextSize = 0;
    let sealedSize = 0;
    const release = (bytes: Buffer): Buffer => {
      digester.plain(bytes);
      plaintextSize += bytes.length;
      return bytes;
    };
    const source = measure(sealed, (bytes) => {
      digester.sealed(bytes);
      sealedSize += bytes.length;
    });
    try {
      const { header, rest } = await readHeader(source);
      const fileKey = await unwrapFileKey(header, keys);
      verifyHeaderMac(header, fileKey);
      let pending = rest;
      while (pending.length < NONCE_SIZE) {
        const next = await source.next();
        if (next.done) throw integrityError('file ends before the payload nonce');
        pending = Buffer.concat([pending, next.value]);
      }
      const payloadKey = derivePayloadKey(fileKey, pending.subarray(0, NONCE_SIZE));
      const opener = new ChunkOpener(payloadKey, digester.allocate);
      let out = opener.push(pending.subarray(NONCE_SIZE));
      if (out !== undefined) yield release(out);
      for (;;) {
        const next = await source.next();
        if (next.done) break;
        out = opener.push(next.value);
        if (out !== undefined) yield release(out);
        await digester.ready?.();
      }
      yield release(opener.finish());
      const digests = await digester.finish();
      result.resolve({
        plaintextSha256: digests.plain,
        plaintextSize,
        sealedSha256: digests.sealed,
        sealedSize,
      });
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
 * Seal a file to another file and return the digests. A partial output is removed on failure.
 *
 * @example
 * const digests = await sealFile('evidence.img', 'evidence.img.age', [recipient]);
 */
export async function sealFile(
  inputPath: string,
  outputPath: string,
  recipients: readonly string[],
): Promise<SealDigests> {
  const source = createReadStream(inputPath, { highWaterMark: FILE_READ_SIZE });
  // Large files hash their plaintext on a second core while this one encrypts; small ones are not worth a worker.
  const { size } = await stat(inputPath);
  return writeDigested(
    sealStream(source, recipients, { parallelHash: size >= PARALLEL_HASH_MIN_BYTES }),
    outputPath,
  );
}

/**
 * Open a sealed file into a plaintext file and return the digests. On any failure the partial plaintext is
 * removed, so unauthenticated or truncated content never stays on disk.
 */
export async function openFile(
  inputPath: string,
  outputPath: string,
  identities: readonly string[],
): Promise<SealDigests> {
  const source = createReadStream(inputPath, { highWaterMark: FILE_READ_SIZE });
  const { size } = await stat(inputPath);
  return writeDigested(
    openStream(source, identities, { parallelHash: size >= PARALLEL_HASH_MIN_BYTES }),
    outputPath,
  );
}

async function writeDigested(stream: DigestedStream, outputPath: string): Promise<SealDigests> {
  try {
    await pipeline(stream, createWriteStream(outputPath));
    return await stream.digests;
  } catch (error) {
    await rm(outputPath, { force: true });
    throw error;
  }
}

/** Encrypts the STREAM payload; holds back one chunk, because only the end of input says which is last. */
class ChunkSealer {
  private readonly stage = Buffer.allocUnsafe(CHUNK_SIZE);
  private used = 0;
  private readonly counter = new StreamNonce();

  constructor(
    private readonly key: Buffer,
    private readonly allocate: (size: number) => Buffer,
  ) {}

  push(input: Buffer): Buffer | undefined {
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < input.length) {
      if (this.used === CHUNK_SIZE) {
        this.seal(this.stage, false, out);
        this.used = 0;
      }
      if (this.used === 0 && input.length - offset > CHUNK_SIZE) {
        this.seal(input.subarray(offset, offset + CHUNK_SIZE), false, out);
        offset += CHUNK_SIZE;
        continue;
      }
      const n = Math.min(CHUNK_SIZE - this.used, input.length - offset);
      input.copy(this.stage, this.used, offset, offset + n);
      this.used += n;
      offset += n;
    }
    return out.length === 0 ? undefined : concatInto(out, this.allocate);
  }

  finish(): Buffer {
    const out: Buffer[] = [];
    this.seal(this.stage.subarray(0, this.used), true, out);
    return concatInto(out, this.allocate);
  }

  private seal(chunk: Buffer, last: boolean, out: Buffer[]): void {
    const cipher = createCipheriv('chacha20-poly1305', this.key, this.counter.next(last), {
      authTagLength: TAG_SIZE,
    });
    out.push(cipher.update(chunk));
    cipher.final();
    out.push(cipher.getAuthTag());
  }
}

/** Decrypts the STREAM payload; a full chunk is treated as non-final only once more bytes follow it. */
class ChunkOpener {
  private readonly stage = Buffer.allocUnsafe(SEALED_CHUNK_SIZE);
  private used = 0;
  private chunks = 0;
  private readonly counter = new StreamNonce();

  constructor(
    private readonly key: Buffer,
    private readonly allocate: (size: number) => Buffer,
  ) {}

  push(input: Buffer): Buffer | undefined {
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < input.length) {
      if (this.used === SEALED_CHUNK_SIZE) {
        out.push(this.open(this.stage, false));
        this.used = 0;
      }
      if (this.used === 0 && input.length - offset > SEALED_CHUNK_SIZE) {
        out.push(this.open(input.subarray(offset, offset + SEALED_CHUNK_SIZE), false));
        offset += SEALED_CHUNK_SIZE;
        continue;
      }
      const n = Math.min(SEALED_CHUNK_SIZE - this.used, input.length - offset);
      input.copy(this.stage, this.used, offset, offset + n);
      this.used += n;
      offset += n;
    }
    return out.length === 0 ? undefined : concatInto(out, this.allocate);
  }

  finish(): Buffer {
    if (this.used === 0) throw integrityError('the final chunk is missing');
    if (this.used < TAG_SIZE) throw integrityError('the final chunk is truncated');
    const plaintext = this.open(this.stage.subarray(0, this.used), true);
    if (plaintext.length === 0 && this.chunks > 1) throw integrityError('empty final chunk after data');
    return plaintext;
  }

  private open(chunk: Buffer, last: boolean): Buffer {
    const decipher = createDecipheriv('chacha20-poly1305', this.key, this.counter.next(last), {
      authTagLength: TAG_SIZE,
    });
    decipher.setAuthTag(chunk.subarray(chunk.length - TAG_SIZE));
    const plaintext = decipher.update(chunk.subarray(0, chunk.length - TAG_SIZE));
    try {
      decipher.final();
    } catch (cause) {
      throw integrityError(last ? 'final chunk failed authentication' : 'chunk failed authentication', cause);
    }
    this.chunks++;
    return plaintext;
  }
}

/** The 12-byte STREAM nonce: 11-byte big-endian chunk counter, then the last-chunk flag. */
class StreamNonce {
  private count = 0;

  next(last: boolean): Buffer {
    const nonce = Buffer.alloc(12);
    let n = this.count++;
    for (let i = 10; i >= 0 && n > 0; i--) {
      nonce[i] = n % 256;
      n = Math.floor(n / 256);
    }
    nonce[11] = last ? 1 : 0;
    return nonce;
  }
}

interface PreparedIdentity {
  readonly identity: AgeIdentity;
  readonly privateKey?: KeyObject;
  readonly publicKey?: Buffer;
}

function parseRecipients(recipients: readonly string[]): AgeRecipient[] {
  if (recipients.length === 0) throw new PouchError('ERR_SEAL_FORMAT', 'At least one recipient is required');
  return [...new Set(recipients)].map(parseRecipient);
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

/** Pass the sealed bytes through an observer; the opener reads its input only via this. */
async function* measure(source: ByteSource, observe: (bytes: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const input of source) {
    const bytes = toBuffer(input);
    observe(bytes);
    yield bytes;
  }
}

function concatInto(parts: readonly Buffer[], allocate: (size: number) => Buffer): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = allocate(length);
  let offset = 0;
  for (const part of parts) offset += part.copy(out, offset);
  return out;
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

/** Hashes both sides of a stream. */
interface Digester {
  plain(bytes: Buffer): void;
  sealed(bytes: Buffer): void;
  readonly allocate: (size: number) => Buffer;
  /** Resolves when the digester can take more input (backpressure for the parallel variant). */
  ready?(): Promise<void>;
  finish(): Promise<{ plain: string; sealed: string }>;
}

/** The hasher run in a worker: plain CommonJS, so it needs no loader in any runtime. Side 0 = plain, 1 = sealed. */
const HASH_WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = [createHash('sha256'), createHash('sha256')];
parentPort.on('message', (message) => {
  if (message === 'end') {
    parentPort.postMessage({ plain: hashes[0].digest('hex'), sealed: hashes[1].digest('hex') });
    return;
  }
  hashes[message.side].update(new Uint8Array(message.buffer, 0, message.length));
  parentPort.postMessage(message.buffer, [message.buffer]);
});`;

/** Chunks in flight to the worker at most: bounds memory (a few 4 MiB chunks) whatever the file size. */
const MAX_HASH_IN_FLIGHT = 4;
/** Size of a pooled transfer buffer: one file read plus the tags of its sealed chunks. */
const POOLED_BYTES = FILE_READ_SIZE + 128 * 1024;

/**
 * Hashes both sides on a second core (Node's SHA-256 in a worker thread) while this thread encrypts, so the two
 * SHA-256 passes are not serialised with ChaCha20-Poly1305 on one core. Each chunk is copied into a fresh
 * ArrayBuffer and transferred (callers and the output stream keep their buffers); in-flight chunks are bounded.
 */
function createParallelDigester(): Digester {
  const worker = new Worker(HASH_WORKER, { eval: true });
  // Buffers travel to the worker and back (transferred both ways), so memory is a fixed pool, never garbage
  // waiting for the worker's collector.
  const pool: ArrayBuffer[] = [];
  let inFlight = 0;
  let waiting: (() => void) | undefined;
  let failure: unknown;
  const digests = new Promise<{ plain: string; sealed: string }>((resolve, reject) => {
    worker.on('message', (message: unknown) => {
      if (message instanceof ArrayBuffer) {
        pool.push(message);
        inFlight -= 1;
        waiting?.();
        waiting = undefined;
        return;
      }
      resolve(message as { plain: string; sealed: string });
    });
    worker.once('error', (error) => {
      failure = error;
      reject(error);
      waiting?.();
    });
  });
  digests.catch(() => undefined);
  const post = (side: 0 | 1, bytes: Buffer) => {
    let buffer = pool.pop();
    if (!buffer || buffer.byteLength < bytes.length)
      buffer = new ArrayBuffer(Math.max(bytes.length, POOLED_BYTES));
    new Uint8Array(buffer).set(bytes);
    inFlight += 1;
    worker.postMessage({ side, buffer, length: bytes.length }, [buffer]);
  };
  return {
    plain: (bytes) => post(0, bytes),
    sealed: (bytes) => post(1, bytes),
    allocate: (size) => Buffer.allocUnsafe(size),
    async ready() {
      if (failure) throw failure;
      while (inFlight >= MAX_HASH_IN_FLIGHT && !failure) {
        await new Promise<void>((resolve) => {
          waiting = resolve;
        });
      }
    },
    async finish() {
      worker.postMessage('end');
      try {
        return await digests;
      } finally {
        await worker.terminate();
      }
    },
  };
}

function createInlineDigester(): Digester {
  const plain = createHash('sha256');
  const sealed = createHash('sha256');
  return {
    plain: (bytes) => plain.update(bytes),
    sealed: (bytes) => sealed.update(bytes),
    allocate: (size) => Buffer.allocUnsafe(size),
    finish: async () => ({ plain: plain.digest('hex'), sealed: sealed.digest('hex') }),
  };
}
