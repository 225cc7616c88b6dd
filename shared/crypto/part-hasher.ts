// Core (client and server): the one per-part SHA-256 loop. The client hashes a sealed file into the part digests
// that presigned URLs are bound to (client/transfer/hash-file.ts); the server rebuilds the same digests when it
// confirms an object by reading it back (server/adapters/s3-document-store.ts). One loop, so the two can never
// cut parts at different offsets.
import { createHash, type Hash } from 'node:crypto';
import { PouchError } from '../domain/errors.ts';

/** What a finished hasher reports. Digests are the raw 32 bytes. */
export interface PartDigests {
  /** Bytes seen. */
  readonly size: number;
  /** One digest per `partSize` slice, in order; an input of at most one part (even empty) has exactly one. */
  readonly parts: readonly Buffer[];
  /** The digest of the whole input, when asked for with `whole: true`. */
  readonly whole?: Buffer;
}

export interface PartHasher<D extends PartDigests = PartDigests> {
  update(chunk: Uint8Array): void;
  /** Finish; the hasher must not be used afterwards. */
  digest(): D;
}

/**
 * Hash a stream chunk by chunk into per-part SHA-256 digests (and optionally the whole-input digest) with
 * constant memory. `partSize` may be `Infinity` for "one part, whatever the size". With `whole`, the first part
 * is not hashed twice: its digest is taken from a copy of the whole hash at the part boundary.
 *
 * @example
 * const hasher = createPartHasher(8 * 1024 * 1024, { whole: true });
 * for await (const chunk of stream) hasher.update(chunk);
 * const { parts, whole } = hasher.digest();
 */
export function createPartHasher(
  partSize: number,
  options: { whole: true },
): PartHasher<PartDigests & { readonly whole: Buffer }>;
export function createPartHasher(partSize: number, options?: { whole?: boolean }): PartHasher;
export function createPartHasher(partSize: number, options: { whole?: boolean } = {}): PartHasher {
  if (!(partSize === Number.POSITIVE_INFINITY || (Number.isSafeInteger(partSize) && partSize > 0))) {
    throw new PouchError('ERR_VALIDATION', 'Part size must be a positive integer', {
      details: { field: 'partSize' },
    });
  }
  const whole = options.whole ? createHash('sha256') : undefined;
  const parts: Buffer[] = [];
  // Undefined while the first part rides on the whole hash.
  let part: Hash | undefined = whole ? undefined : createHash('sha256');
  let inPart = 0;
  let size = 0;
  const partDigest = (): Buffer => (part ? part.digest() : (whole as Hash).copy().digest());

  return {
    update(chunk) {
      size += chunk.length;
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(chunk.length - offset, partSize - inPart);
        const slice = take === chunk.length ? chunk : chunk.subarray(offset, offset + take);
        whole?.update(slice);
        part?.update(slice);
        offset += take;
        inPart += take;
        if (inPart === partSize) {
          parts.push(partDigest());
          part = createHash('sha256');
          inPart = 0;
        }
      }
    },
    digest() {
      if (inPart > 0 || parts.length === 0) parts.push(partDigest());
      return { size, parts, ...(whole ? { whole: whole.digest() } : {}) };
    },
  };
}
