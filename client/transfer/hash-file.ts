// Client transfer engine: hashes a sealed file before upload (whole-file and per-part SHA-256 in one read),
// so the API can presign checksum-bound URLs and the server can confirm the stored object.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createPartHasher } from '../../shared/crypto/part-hasher.ts';
import { PouchError } from '../../shared/domain/errors.ts';

/** Read size for hashing and uploading: large enough to keep syscalls cheap, small enough to stay flat. */
export const transferChunkBytes = 1024 * 1024;

/** Digests of one file. Every SHA-256 is base64 of the raw 32-byte digest (S3's checksum form). */
export interface FileHashes {
  readonly size: number;
  readonly sha256: string;
  /** The same whole-file digest in lowercase hex (the form manifests and `sha256sum` use). */
  readonly sha256Hex: string;
  /** One digest per `partSize` slice, in order; a file of at most one part has one (equal to `sha256`). */
  readonly partSha256s: readonly string[];
  readonly partSize: number;
}

/**
 * Hash a file in one streaming pass with constant memory: the whole-file SHA-256 and the SHA-256 of each
 * `partSize` slice. Pass the plan's part size (or the file size for a single PUT).
 *
 * @example
 * const hashes = await hashFileParts('evidence.age', 8 * 1024 * 1024);
 */
export async function hashFileParts(path: string, partSize: number): Promise<FileHashes> {
  const hasher = createPartHasher(partSize, { whole: true });
  const { size: statSize } = await stat(path);
  for await (const chunk of createReadStream(path, { highWaterMark: transferChunkBytes })) {
    hasher.update(chunk as Buffer);
  }
  const { size, parts, whole } = hasher.digest();
  if (size !== statSize) {
    throw new PouchError('ERR_CONFLICT', 'The file changed while it was being hashed', {
      details: { expectedSize: statSize, actualSize: size },
    });
  }
  return {
    size,
    sha256: whole.toString('base64'),
    sha256Hex: whole.toString('hex'),
    partSha256s: parts.map((d) => d.toString('base64')),
    partSize,
  };
}
