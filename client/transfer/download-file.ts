// Client transfer engine: downloads a sealed document from a presigned URL into a temp file beside the
// output, hashing as it streams; only a file whose size and SHA-256 match is moved to the output path.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PouchError } from '../../shared/domain/errors.ts';

export interface DownloadFileOptions {
  /** Presigned GET URL. */
  readonly url: string;
  readonly outputPath: string;
  readonly expectedSize: number;
  /** Expected SHA-256 of the bytes, base64 (S3 form) or hex (manifest form). */
  readonly expectedSha256: string;
  readonly onProgress?: (progress: { bytesDone: number; totalBytes: number }) => void;
  /** Replace an existing file at `outputPath` (default false: ERR_CONFLICT before anything is fetched). */
  readonly overwrite?: boolean;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

export interface DownloadResult {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly sha256Hex: string;
}

/**
 * Download and verify. The bytes stream to a private temp file in the output's folder (so the final rename
 * stays on one file system) while being counted and hashed; on any mismatch or failure the temp file is
 * deleted and nothing is left at `outputPath` (ERR_HASH_MISMATCH for a wrong size or hash).
 *
 * @example
 * await downloadFile({ url, outputPath: 'evidence.age', expectedSize: doc.size, expectedSha256: doc.sealedSha256 });
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadResult> {
  const { outputPath, expectedSize } = options;
  const expectedHex = toHex(options.expectedSha256);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (!options.overwrite && (await exists(outputPath))) {
    throw new PouchError('ERR_CONFLICT', 'The output file already exists', { details: { path: outputPath } });
  }
  const tmp = join(dirname(outputPath), `.${basename(outputPath)}.${randomBytes(6).toString('hex')}.part`);
  try {
    const response = await fetchImpl(options.url, options.signal ? { signal: options.signal } : {});
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new PouchError(response.status === 404 ? 'ERR_NOT_FOUND' : 'ERR_STORAGE', 'Download refused', {
        details: { status: response.status },
      });
    }
    const announced = response.headers.get('content-length');
    if (announced !== null && Number(announced) !== expectedSize) {
      await response.body.cancel();
      throw mismatch('size', expectedSize, Number(announced));
    }
    const hash = createHash('sha256');
    let received = 0;
    const verify = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        received += chunk.length;
        if (received > expectedSize) return callback(mismatch('size', expectedSize, `> ${expectedSize}`));
        hash.update(chunk);
        options.onProgress?.({ bytesDone: received, totalBytes: expectedSize });
        callback(null, chunk);
      },
    });
    await pipeline(
      readChunks(response.body),
      verify,
      createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
      ...(options.signal ? [{ signal: options.signal }] : []),
    );
    if (received !== expectedSize) throw mismatch('size', expectedSize, received);
    const digest = hash.digest();
    if (digest.toString('hex') !== expectedHex) {
      throw mismatch('sha256', options.expectedSha256, fromHexLike(options.expectedSha256, digest));
    }
    await syncFile(tmp);
    await moveIntoPlace(tmp, outputPath, options.overwrite === true);
    return {
      path: outputPath,
      size: received,
      sha256: digest.toString('base64'),
      sha256Hex: digest.toString('hex'),
    };
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

function mismatch(field: 'size' | 'sha256', expected: unknown, actual: unknown): PouchError {
  return new PouchError('ERR_HASH_MISMATCH', `Downloaded ${field} does not match`, {
    details: { field, expected, actual },
  });
}

/** Accept hex (64 digits) or base64 (44 characters) and return lowercase hex. */
function toHex(sha256: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(sha256)) return sha256.toLowerCase();
  if (/^[A-Za-z0-9+/]{43}=$/.test(sha256)) return Buffer.from(sha256, 'base64').toString('hex');
  throw new PouchError('ERR_VALIDATION', 'Expected SHA-256 must be hex or base64 of 32 bytes', {
    details: { field: 'expectedSha256' },
  });
}

/** Report the actual digest in the same form the caller gave the expected one. */
function fromHexLike(expected: string, digest: Buffer): string {
  return /^[0-9a-fA-F]{64}$/.test(expected) ? digest.toString('hex') : digest.toString('base64');
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await open(path, 'r')).close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Make the verified bytes durable before they take the output name. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Without `overwrite`, link() then unlink: link fails with EEXIST if the output appeared meanwhile, so an
 * existing file is never clobbered. With `overwrite`, an atomic rename.
 */
async function moveIntoPlace(tmp: string, outputPath: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(tmp, outputPath);
  try {
    await link(tmp, outputPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PouchError('ERR_CONFLICT', 'The output file already exists', {
        details: { path: outputPath },
      });
    }
    throw error;
  }
  await rm(tmp, { force: true });
}

/**
 * The chunks of a fetch body. Reading it through its reader, rather than `Readable.fromWeb`, needs no bridge
 * between the DOM and node:stream/web stream types (two declarations of one runtime class). A body left
 * unfinished (an abort, a size or write failure) is cancelled, so the connection is released.
 */
async function* readChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}
