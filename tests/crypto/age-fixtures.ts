// Test support for the crypto suites: the age CLI, temp files, byte helpers and a hand-built age file crafter.
import { execFile } from 'node:child_process';
import {
  createCipheriv,
  createHmac,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isPouchError, type PouchErrorCode } from '../../shared/domain/errors.ts';

const run = promisify(execFile);

/** Run a command and return its stdout as a Buffer. */
export async function runTool(command: string, args: readonly string[]): Promise<Buffer> {
  const { stdout } = await run(command, [...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A scratch directory removed by the returned `cleanup`. */
export async function createScratch(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pouch-crypto-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Generate an identity with the real `age-keygen`; returns the identity file path, identity and recipient. */
export async function generateCliIdentity(
  dir: string,
  name: string,
): Promise<{ file: string; identity: string; recipient: string }> {
  const file = join(dir, `${name}.key`);
  await runTool('age-keygen', ['-o', file]);
  const recipient = (await runTool('age-keygen', ['-y', file])).toString().trim();
  const identity = (await readFile(file, 'utf8'))
    .split('\n')
    .find((line) => line.startsWith('AGE-SECRET-KEY-1'));
  if (identity === undefined) throw new Error('age-keygen wrote no identity');
  return { file, identity, recipient };
}

/** Write an identity string to a file the age CLI can read. */
export async function writeIdentityFile(dir: string, name: string, identity: string): Promise<string> {
  const file = join(dir, `${name}.key`);
  await writeFile(file, `${identity}\n`, { mode: 0o600 });
  return file;
}

/** Collect an async iterable of bytes. */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** Yield `bytes` in pieces of the given sizes (cycled), to exercise chunk boundaries in the consumers. */
export async function* splitInto(bytes: Uint8Array, sizes: readonly number[] = [bytes.length || 1]) {
  let offset = 0;
  let i = 0;
  if (bytes.length === 0) return;
  while (offset < bytes.length) {
    const size = Math.max(1, sizes[i++ % sizes.length]!);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

/** The error code a promise rejects with; fails the test if it resolves or rejects with a non-PouchError. */
export async function codeOf(promise: Promise<unknown>): Promise<PouchErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isPouchError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Length of the age header (through the MAC line) of a sealed file. */
export function headerLength(sealed: Uint8Array): number {
  const text = Buffer.from(sealed).toString('latin1');
  const mac = text.indexOf('\n---');
  return text.indexOf('\n', mac + 1) + 1;
}

/** Copy with one byte xor-ed. */
export function flipByte(bytes: Uint8Array, index: number, mask = 0x01): Buffer {
  const copy = Buffer.from(bytes);
  copy[index]! ^= mask;
  return copy;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Copy with the base64 character at `index` replaced by the next one of the alphabet: the header stays
 * well-formed (for a character that is not the last of its line), only the encoded bytes change.
 */
export function shiftBase64Char(bytes: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(bytes);
  const position = BASE64.indexOf(String.fromCharCode(copy[index]!));
  if (position < 0) throw new Error(`byte ${index} is not a base64 character`);
  copy[index] = BASE64.charCodeAt((position + 1) % 64);
  return copy;
}

/** A chunk to put into a crafted file: its plaintext and the last-chunk flag to encrypt it under. */
export interface CraftedChunk {
  readonly data: Uint8Array;
  readonly last: boolean;
}

/**
 * Build an age file by hand, independently of the code under test, so tests can produce files that no correct
 * sealer would (wrong last-chunk flags, empty trailing chunks). Returns the file and the identity opening it.
 */
export function craftAgeFile(chunks: readonly CraftedChunk[]): {
  file: Buffer;
  identityScalar: Buffer;
  /** The header and payload nonce (everything before the first chunk), and the payload key, to seal more with. */
  prefix: Buffer;
  payloadKey: Buffer;
} {
  const recipient = generateKeyPairSync('x25519');
  const recipientRaw = rawPublic(recipient.publicKey);
  const identityScalar = recipient.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16);
  const ephemeral = generateKeyPairSync('x25519');
  const share = rawPublic(ephemeral.publicKey);
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.publicKey });
  const wrapKey = derive(shared, Buffer.concat([share, recipientRaw]), 'age-encryption.org/v1/X25519');
  const fileKey = randomBytes(16);
  const body = seal(wrapKey, Buffer.alloc(12), fileKey);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');
  const headerNoMac = `age-encryption.org/v1\n-> X25519 ${b64(share)}\n${b64(body)}\n---`;
  const mac = createHmac('sha256', derive(fileKey, Buffer.alloc(0), 'header'))
    .update(headerNoMac)
    .digest();
  const nonce = randomBytes(16);
  const payloadKey = derive(fileKey, nonce, 'payload');
  const parts = chunks.map((chunk, i) => {
    const streamNonce = Buffer.alloc(12);
    streamNonce.writeUIntBE(i, 5, 6);
    streamNonce[11] = chunk.last ? 1 : 0;
    return seal(payloadKey, streamNonce, chunk.data);
  });
  const prefix = Buffer.concat([Buffer.from(`${headerNoMac} ${b64(mac)}\n`), nonce]);
  return { file: Buffer.concat([prefix, ...parts]), identityScalar, prefix, payloadKey };
}

function rawPublic(key: ReturnType<typeof generateKeyPairSync>['publicKey']): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(12);
}

function derive(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

function seal(key: Buffer, nonce: Buffer, data: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  return Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}
