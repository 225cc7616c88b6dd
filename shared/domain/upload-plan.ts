// Domain layer: the size policy for document uploads (single presigned PUT or multipart, and the part size).
// The API's upload use case calls planUpload before presigning; the client transfer engine follows the plan.
import { PouchError } from './errors.ts';

const MiB = 1024 * 1024;

/** Limits the planner works within. S3's own limits are fixed; ours sit inside them with headroom. */
export const uploadLimits = {
  /** Documents up to this size go up in one presigned PUT; larger ones use multipart. */
  singlePutMaxBytes: 16 * MiB,
  /** Our smallest part: fewer, larger parts mean fewer presigns and requests than S3's 5 MiB floor. */
  minPartBytes: 8 * MiB,
  /** S3: every part except the last must be at least this large (EntityTooSmall otherwise). */
  s3MinPartBytes: 5 * MiB,
  /** S3: a part is at most 5 GiB. */
  s3MaxPartBytes: 5 * 1024 * MiB,
  /** S3: a multipart upload has at most 10,000 parts. */
  s3MaxParts: 10_000,
} as const;

/** How one document goes up. Part numbers are 1-based, as S3 numbers them. */
export type UploadPlan =
  | { readonly kind: 'single'; readonly size: number }
  | {
      readonly kind: 'multipart';
      readonly size: number;
      readonly partSize: number;
      readonly partCount: number;
    };

/** One part's byte range in the file: `start` inclusive, `end` exclusive. */
export interface PartRange {
  readonly partNumber: number;
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

/** Options of {@link planUpload}. Only tests may set the override. */
export interface PlanUploadOptions {
  /**
   * TESTS ONLY: force a multipart plan with this part size, ignoring the single-PUT threshold and the
   * minimum part size. s3rver accepts tiny parts; real S3 rejects parts under 5 MiB (except the last),
   * so nothing outside tests may pass this.
   */
  readonly testOnlyForcePartSize?: number;
}

/**
 * Choose how to upload a document of `size` bytes. Refuses anything above `maxDocumentBytes` up front
 * (ERR_PAYLOAD_TOO_LARGE), before any storage call. Up to 16 MiB: one PUT. Above: multipart with the
 * smallest whole-MiB part size ≥ 8 MiB that keeps the part count ≤ 10,000.
 *
 * @example
 * planUpload(3 * 1024 ** 3, config.maxDocumentBytes); // { kind: 'multipart', partSize: 8 MiB, partCount: 384, ... }
 */
export function planUpload(
  size: number,
  maxDocumentBytes: number,
  options: PlanUploadOptions = {},
): UploadPlan {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new PouchError('ERR_VALIDATION', 'Document size must be a non-negative integer', {
      details: { field: 'size' },
    });
  }
  if (size > maxDocumentBytes) {
    throw new PouchError('ERR_PAYLOAD_TOO_LARGE', 'Document is larger than this exchange accepts', {
      details: { size, maxDocumentBytes },
    });
  }
  const forced = options.testOnlyForcePartSize;
  if (forced !== undefined) {
    if (!Number.isSafeInteger(forced) || forced <= 0) {
      throw new PouchError('ERR_VALIDATION', 'Forced part size must be a positive integer', {
        details: { field: 'partSize' },
      });
    }
    return multipart(size, forced);
  }
  if (size <= uploadLimits.singlePutMaxBytes) return { kind: 'single', size };
  const perPart = Math.ceil(size / uploadLimits.s3MaxParts);
  const partSize = Math.max(uploadLimits.minPartBytes, Math.ceil(perPart / MiB) * MiB);
  if (partSize > uploadLimits.s3MaxPartBytes) {
    throw new PouchError('ERR_PAYLOAD_TOO_LARGE', 'Document is larger than S3 can store in one object', {
      details: { size, maxDocumentBytes },
    });
  }
  return multipart(size, partSize);
}

function multipart(size: number, partSize: number): UploadPlan {
  const partCount = Math.max(1, Math.ceil(size / partSize));
  if (partCount > uploadLimits.s3MaxParts) {
    throw new PouchError('ERR_PAYLOAD_TOO_LARGE', 'Document needs more parts than S3 allows', {
      details: { size, partSize, partCount },
    });
  }
  return { kind: 'multipart', size, partSize, partCount };
}

/**
 * The byte ranges a plan uploads, in order. A single plan is one range; an empty document is one empty
 * range (S3 accepts an empty single PUT and an empty single part).
 */
export function listPartRanges(plan: UploadPlan): PartRange[] {
  const partSize = plan.kind === 'single' ? Math.max(plan.size, 1) : plan.partSize;
  const count = plan.kind === 'single' ? 1 : plan.partCount;
  const ranges: PartRange[] = [];
  for (let i = 0; i < count; i++) {
    const start = i * partSize;
    const end = Math.min(plan.size, start + partSize);
    ranges.push({ partNumber: i + 1, start, end, size: end - start });
  }
  return ranges;
}

/** Number of parts a multipart object of `size` bytes has with `partSize` parts (at least one). */
export function countParts(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}
