// Tests (unit, domain): the upload size policy. Properties over all sizes up to the largest S3 object.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPouchError } from '../../shared/domain/errors.ts';
import { listPartRanges, planUpload, uploadLimits } from '../../shared/domain/upload-plan.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isPouchError(error) ? error.code : 'not a PouchError';
  }
  return undefined;
}

describe('planUpload', () => {
  it('uses one PUT up to 16 MiB and multipart above, with 8 MiB parts while they fit in 10,000', () => {
    expect(planUpload(0, GiB)).toEqual({ kind: 'single', size: 0 });
    expect(planUpload(16 * MiB, GiB)).toEqual({ kind: 'single', size: 16 * MiB });
    expect(planUpload(16 * MiB + 1, GiB)).toEqual({
      kind: 'multipart',
      size: 16 * MiB + 1,
      partSize: 8 * MiB,
      partCount: 3,
    });
    const large = planUpload(200 * GiB, TiB);
    expect(large).toMatchObject({ kind: 'multipart', partSize: 21 * MiB });
  });

  it('refuses a document above the configured maximum up front (ERR_PAYLOAD_TOO_LARGE)', () => {
    expect(codeOf(() => planUpload(GiB + 1, GiB))).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(codeOf(() => planUpload(-1, GiB))).toBe('ERR_VALIDATION');
    expect(codeOf(() => planUpload(1.5, GiB))).toBe('ERR_VALIDATION');
  });

  it('lets tests force a small part size, still within the 10,000-part limit', () => {
    expect(planUpload(300, GiB, { testOnlyForcePartSize: 100 })).toEqual({
      kind: 'multipart',
      size: 300,
      partSize: 100,
      partCount: 3,
    });
    expect(codeOf(() => planUpload(10_001, GiB, { testOnlyForcePartSize: 1 }))).toBe('ERR_PAYLOAD_TOO_LARGE');
  });

  it('covers exactly `size` with at most 10,000 parts, all but the last at least 5 MiB (property)', () => {
    const maxObject = uploadLimits.s3MaxParts * uploadLimits.s3MaxPartBytes;
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 64 * MiB }), fc.integer({ min: 0, max: maxObject })),
        (size) => {
          const plan = planUpload(size, maxObject);
          const ranges = listPartRanges(plan);
          // Plain checks in the loop (up to 10,000 parts per run); one assertion on the summary.
          let covered = 0;
          let contiguous = true;
          let smallInner = 0;
          ranges.forEach((r, i) => {
            contiguous &&=
              r.partNumber === i + 1 && r.start === covered && r.size <= uploadLimits.s3MaxPartBytes;
            covered += r.size;
            if (i < ranges.length - 1 && r.size < uploadLimits.s3MinPartBytes) smallInner++;
          });
          expect({ covered, contiguous, smallInner }).toEqual({
            covered: size,
            contiguous: true,
            smallInner: 0,
          });
          expect(ranges.length).toBeLessThanOrEqual(uploadLimits.s3MaxParts);
          if (plan.kind === 'multipart') {
            expect(plan.partCount).toBe(ranges.length);
            expect(plan.partSize).toBeGreaterThanOrEqual(uploadLimits.minPartBytes);
            expect(ranges.at(-1)!.size).toBeGreaterThan(0);
          } else {
            expect(size).toBeLessThanOrEqual(uploadLimits.singlePutMaxBytes);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
