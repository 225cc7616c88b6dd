// Secondary adapter: the DocumentStore port on S3 (and on s3rver locally). Presigns checksum-bound PUTs and
// UploadParts, assembles multipart uploads, and confirms size and SHA-256 before the ledger commits a document.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createPartHasher } from '../../shared/crypto/part-hasher.ts';
import { partsDigestOf, storageChecksumOfPartsDigest } from '../../shared/crypto/sealed-digest.ts';
import { PouchError, StorageError } from '../../shared/domain/errors.ts';
import { countParts, uploadLimits } from '../../shared/domain/upload-plan.ts';
import { presignLimits } from '../config/storage-definitions.ts';
import type {
  ConfirmedObject,
  DocumentStore,
  ExpectedChecksum,
  PartToPresign,
  PresignedPart,
  PresignedRequest,
  UploadedPart,
} from '../ports/document-store.ts';

export interface S3DocumentStoreOptions {
  readonly bucket: string;
  /** Lifetime of presigned PUT/UploadPart URLs; capped at presignLimits.maxPresignSeconds. */
  readonly presignSeconds: number;
  /**
   * When HeadObject reports no checksum, confirm by reading the whole object and hashing it (constant
   * memory). Set this ONLY in local mode. The embedded S3 verifies and reports SHA-256 checksums like S3
   * (server/local/s3-checksums.ts), so local uploads through the presigned URLs are confirmed by HeadObject as
   * on AWS; the read remains for objects it holds no checksum for (stored before it kept them, or written
   * without one). On AWS every object in the evidence bucket is written with a SHA-256 checksum, so a missing
   * one means something wrote around our presigned URLs: that is refused (ERR_HASH_MISMATCH), never papered
   * over by an expensive read of many GB inside a Lambda.
   */
  readonly verifyByReadingWhenNoChecksum: boolean;
  /** Clock for `expiresAt` and the signing date (tests). */
  readonly now?: () => Date;
}

type SignArguments = NonNullable<Parameters<typeof getSignedUrl>[2]>;

/** Headers whose values the presigned signature covers; the client must send them verbatim. */
const signedHeaders = new Set(['content-length', 'content-type', 'x-amz-checksum-sha256']);
/**
 * Sealed bytes are opaque: S3 stores and serves every object as this type, and downloads as an attachment, so an
 * uploader can never make S3 serve a recipient `text/html` (or anything a browser would render) inline.
 */
const sealedContentType = 'application/octet-stream';
/**
 * By default the presigner moves x-amz-* headers into the query string, where S3 does not check the
 * checksum against the body. Keeping the header unhoisted makes S3 reject a body with another SHA-256.
 */
const unhoistedHeaders = new Set(['x-amz-checksum-sha256']);
const sha256Base64 = /^[A-Za-z0-9+/]{43}=$/;
const notFoundNames = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload', 'NoSuchBucket']);
/**
 * S3's answers to parts or bytes that are not what the caller named: a part whose checksum or ETag differs, parts
 * out of order, a body whose SHA-256 is not its checksum header. The caller's mistake (or lie), never a storage fault.
 */
const refusedContentNames = new Set(['InvalidPart', 'InvalidPartOrder', 'BadDigest']);
const throttlingNames = new Set([
  'SlowDown',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/**
 * Build the S3 DocumentStore. The S3 client must be the shared one (WHEN_REQUIRED checksum modes: the
 * adapter always passes precomputed SHA-256 values itself).
 *
 * @example
 * const store = createS3DocumentStore(clients.s3, {
 *   bucket: config.evidenceBucket,
 *   presignSeconds: config.presignSeconds,
 *   verifyByReadingWhenNoChecksum: config.mode === 'local',
 * });
 */
export function createS3DocumentStore(s3: S3Client, options: S3DocumentStoreOptions): DocumentStore {
  const now = options.now ?? (() => new Date());
  const putSeconds = Math.min(options.presignSeconds, presignLimits.maxPresignSeconds);
  const bucket = options.bucket;

  async function presign(
    sign: (args: SignArguments) => Promise<string>,
    expiresIn: number,
    headers: Record<string, string>,
    signHeaders: boolean,
  ): Promise<{ url: string; headers: Record<string, string>; expiresAt: string }> {
    const signingDate = now();
    const url = await sign({
      expiresIn,
      signingDate,
      ...(signHeaders ? { signableHeaders: signedHeaders, unhoistableHeaders: unhoistedHeaders } : {}),
    });
    return { url, headers, expiresAt: new Date(signingDate.getTime() + expiresIn * 1000).toISOString() };
  }

  return {
    async presignSinglePut({ key, size, sha256 }) {
      checkSize(size, uploadLimits.s3MaxPartBytes);
      checkSha256(sha256, 'sha256');
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentLength: size,
        ContentType: sealedContentType,
        ChecksumSHA256: sha256,
      });
      const signed = await presign(
        (args) => getSignedUrl(s3, command, args),
        putSeconds,
        { ...checksumHeaders(size, sha256), 'content-type': sealedContentType },
        true,
      );
      return { method: 'PUT', ...signed } satisfies PresignedRequest;
    },

    async createMultipart({ key, size, partSize, partSha256s }) {
      checkSize(size, Number.MAX_SAFE_INTEGER);
      checkSize(partSize, uploadLimits.s3MaxPartBytes);
      // No checksums at all: a streamed upload, whose parts are bound to theirs one by one as they are presigned.
      if (partSize === 0 || (partSha256s.length > 0 && partSha256s.length !== countParts(size, partSize))) {
        throw new PouchError('ERR_VALIDATION', 'Part checksums do not match the size and part size', {
          details: { field: 'partSha256s', expectedCount: countParts(size, Math.max(partSize, 1)) },
        });
      }
      partSha256s.forEach((digest, i) => {
        checkSha256(digest, `partSha256s[${i}]`);
      });
      try {
        const out = await s3.send(
          new CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            // The assembled object's type is fixed here; the part uploads cannot change it.
            ContentType: sealedContentType,
            ChecksumAlgorithm: 'SHA256',
            ChecksumType: 'COMPOSITE',
          }),
        );
        if (!out.UploadId) throw new StorageError('CreateMultipartUpload returned no upload id', undefined);
        return { uploadId: out.UploadId };
      } catch (error) {
        throw translateS3Error(error, 'Create multipart upload');
      }
    },

    async presignParts({ key, uploadId, parts }) {
      const out: PresignedPart[] = [];
      for (const part of parts) {
        checkPart(part);
        const command = new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: part.partNumber,
          ContentLength: part.size,
          ChecksumSHA256: part.sha256,
        });
        const signed = await presign(
          (args) => getSignedUrl(s3, command, args),
          putSeconds,
          checksumHeaders(part.size, part.sha256),
          true,
        );
        out.push({ method: 'PUT', partNumber: part.partNumber, ...signed });
      }
      return out;
    },

    async completeMultipart({ key, uploadId, parts }) {
      checkContiguous(parts);
      try {
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: {
              Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, ChecksumSHA256: p.sha256 })),
            },
          }),
        );
      } catch (error) {
        throw translateS3Error(error, 'Complete multipart upload');
      }
    },

    async abortMultipart({ key, uploadId }) {
      try {
        await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (error) {
        throw translateS3Error(error, 'Abort multipart upload');
      }
    },

    async confirmObject({ key, size, expected }) {
      const expectedChecksum = expectedChecksumOf(expected);
      let head: {
        ContentLength?: number | undefined;
        ChecksumSHA256?: string | undefined;
        ETag?: string | undefined;
      };
      try {
        head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
      } catch (error) {
        throw translateS3Error(error, 'Head object');
      }
      if (head.ContentLength !== size) throw mismatch('size', size, head.ContentLength ?? null);
      if (head.ChecksumSHA256) {
        if (head.ChecksumSHA256 !== expectedChecksum) {
          throw mismatch('sha256', expectedChecksum, head.ChecksumSHA256);
        }
        return {
          key,
          size,
          checksum: expectedChecksum,
          verifiedBy: 'head-checksum',
          etag: head.ETag,
        } satisfies ConfirmedObject;
      }
      if (!options.verifyByReadingWhenNoChecksum) throw mismatch('sha256', expectedChecksum, null);
      const actual = await readChecksum(s3, bucket, key, size, head.ETag, expected);
      if (actual !== expectedChecksum) throw mismatch('sha256', expectedChecksum, actual);
      return {
        key,
        size,
        checksum: expectedChecksum,
        verifiedBy: 'read',
        etag: head.ETag,
      } satisfies ConfirmedObject;
    },

    async presignGet({ key, expiresInSeconds }) {
      if (
        !Number.isInteger(expiresInSeconds) ||
        expiresInSeconds <= 0 ||
        expiresInSeconds > presignLimits.maxPresignSeconds
      ) {
        throw new PouchError(
          'ERR_VALIDATION',
          `Presigned GET lifetime must be 1..${presignLimits.maxPresignSeconds} seconds`,
          {
            details: { field: 'expiresInSeconds', max: presignLimits.maxPresignSeconds },
          },
        );
      }
      const signed = await presign(
        (args) =>
          getSignedUrl(
            s3,
            new GetObjectCommand({
              Bucket: bucket,
              Key: key,
              // Signed into the URL's query: whatever the object's stored metadata, S3 serves a download.
              ResponseContentDisposition: 'attachment',
              ResponseContentType: sealedContentType,
            }),
            args,
          ),
        expiresInSeconds,
        {},
        false,
      );
      return { method: 'GET', ...signed } satisfies PresignedRequest;
    },

    async putObject({ key, body, sha256, contentType }) {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            // Object Lock buckets require an integrity checksum; s3rver needs it precomputed (DESIGN.md).
            ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
          }),
        );
      } catch (error) {
        throw translateS3Error(error, 'put object');
      }
    },
  };
}

/**
 * The checksum S3 reports for a multipart object uploaded with per-part SHA-256 (COMPOSITE type):
 * base64(sha256(concat(raw part digests))) followed by `-N`.
 *
 * @example
 * computeCompositeSha256(['<base64 part 1>', '<base64 part 2>']); // 'q1…=-2'
 */
export function computeCompositeSha256(partSha256s: readonly string[]): string {
  // One definition of the composite, shared with the ledger and the sender's manifest (hex form there).
  return storageChecksumOfPartsDigest(partsDigestOf(partSha256s));
}

/** Map an S3 SDK error to ERR_NOT_FOUND or ERR_STORAGE(_THROTTLED); PouchErrors pass through unchanged. */
export function translateS3Error(error: unknown, what: string): PouchError {
  if (error instanceof PouchError) return error;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  const name = e?.name ?? '';
  if (notFoundNames.has(name) || e?.$metadata?.httpStatusCode === 404) {
    return new PouchError('ERR_NOT_FOUND', `${what}: not found`, { cause: error });
  }
  if (refusedContentNames.has(name)) {
    return new PouchError('ERR_HASH_MISMATCH', `${what}: storage refused the bytes as named (${name})`, {
      cause: error,
    });
  }
  return new StorageError(`${what} failed`, error, throttlingNames.has(name));
}

function expectedChecksumOf(expected: ExpectedChecksum): string {
  if (expected.kind === 'single') {
    checkSha256(expected.sha256, 'sha256');
    return expected.sha256;
  }
  expected.partSha256s.forEach((digest, i) => {
    checkSha256(digest, `partSha256s[${i}]`);
  });
  checkSize(expected.partSize, uploadLimits.s3MaxPartBytes);
  return computeCompositeSha256(expected.partSha256s);
}

/**
 * Read the object once and hash it with constant memory: the whole object for `single`, each `partSize`
 * slice for `multipart` (rebuilding the composite). Refuses a body that is not the object HeadObject saw.
 */
async function readChecksum(
  s3: S3Client,
  bucket: string,
  key: string,
  size: number,
  etag: string | undefined,
  expected: ExpectedChecksum,
): Promise<string> {
  let body: AsyncIterable<Uint8Array>;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (etag !== undefined && out.ETag !== undefined && out.ETag !== etag) {
      throw new PouchError('ERR_CONFLICT', 'Object changed while it was being confirmed');
    }
    if (!isByteStream(out.Body)) throw new StorageError('GetObject returned no readable body', undefined);
    body = out.Body;
  } catch (error) {
    throw translateS3Error(error, 'Get object');
  }
  const partSize = expected.kind === 'single' ? Number.POSITIVE_INFINITY : Math.max(expected.partSize, 1);
  const hasher = createPartHasher(partSize);
  try {
    for await (const chunk of body) hasher.update(chunk);
  } catch (error) {
    throw translateS3Error(error, 'Read object');
  }
  const { size: total, parts: partDigests } = hasher.digest();
  if (total !== size) throw mismatch('size', size, total);
  if (expected.kind === 'single') return partDigests[0]!.toString('base64');
  return computeCompositeSha256(partDigests.map((d) => d.toString('base64')));
}

/** On Node the SDK answers a GetObject body as a Readable, which yields Buffers (Uint8Arrays) when iterated. */
function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

function mismatch(field: 'size' | 'sha256', expected: unknown, actual: unknown): PouchError {
  return new PouchError('ERR_HASH_MISMATCH', `Stored object ${field} does not match`, {
    details: { field, expected, actual },
  });
}

function checksumHeaders(size: number, sha256: string): Record<string, string> {
  return { 'content-length': String(size), 'x-amz-checksum-sha256': sha256 };
}

function checkSize(size: number, max: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > max) {
    throw new PouchError('ERR_VALIDATION', 'Size is out of range', { details: { field: 'size', max } });
  }
}

function checkSha256(value: string, field: string): void {
  if (!sha256Base64.test(value)) {
    throw new PouchError('ERR_VALIDATION', 'SHA-256 must be base64 of 32 bytes', { details: { field } });
  }
}

function checkPart(part: PartToPresign): void {
  if (
    !Number.isInteger(part.partNumber) ||
    part.partNumber < 1 ||
    part.partNumber > uploadLimits.s3MaxParts
  ) {
    throw new PouchError('ERR_VALIDATION', 'Part number is out of range', {
      details: { field: 'partNumber' },
    });
  }
  checkSize(part.size, uploadLimits.s3MaxPartBytes);
  checkSha256(part.sha256, 'sha256');
}

function checkContiguous(parts: readonly UploadedPart[]): void {
  parts.forEach((part, i) => {
    if (part.partNumber !== i + 1) {
      throw new PouchError('ERR_VALIDATION', 'Parts must be numbered 1..N in order, without gaps', {
        details: { field: 'parts', index: i },
      });
    }
    checkSha256(part.sha256, `parts[${i}].sha256`);
    if (part.etag.length === 0) {
      throw new PouchError('ERR_VALIDATION', 'Part ETag is missing', {
        details: { field: `parts[${i}].etag` },
      });
    }
  });
  if (parts.length === 0) {
    throw new PouchError('ERR_VALIDATION', 'At least one part is needed', { details: { field: 'parts' } });
  }
}
