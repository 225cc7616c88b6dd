// Client transfer engine: hashes a sealed file before upload (whole-file and per-part SHA-256 in one read),
// so the API can presign checksum-bound URLs and the server can confirm the stored object.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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
  if (!Number.isSafeInteger(partSize) || partSize <= 0) {
    throw new PouchError('ERR_VALIDATION', 'Part size must be a positive integer', {
      details: { field: 'partSize' },
    });
  }
  const { size: statSize } = await stat(path);
  // A file of one part: the part digest is the whole digest, so hash once rather than twice.
  const onePart = statSize <= partSize;
  const whole = createHash('sha256');
  const partDigests: string[] = [];
  let part = createHash('sha256');
  let inPart = 0;
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: transferChunkBytes })) {
    const bytes = chunk as Buffer;
    whole.update(bytes);
    size += bytes.length;
    if (onePart) continue;
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(bytes.length - offset, partSize - inPart);
      part.update(bytes.subarray(offset, offset + take));
      offset += take;
      inPart += take;
      if (inPart === partSize) {
        partDigests.push(part.digest('base64'));
        part = createHash('sha256');
        inPart = 0;
      }
    }
  }
  if (size !== statSize) {
    throw new PouchError('ERR_CONFLICT', 'The file changed while it was being hashed', {
      details: { expectedSize: statSize, actualSize: size },
    });
  }
  const wholeDigest = whole.digest();
  if (onePart) partDigests.push(wholeDigest.toString('base64'));
  else if (inPart > 0) partDigests.push(part.digest('base64'));
  return {
    size,
    sha256: wholeDigest.toString('base64'),
    sha256Hex: wholeDigest.toString('hex'),
    partSha256s: partDigests,
    partSize,
  };
}
