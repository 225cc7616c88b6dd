// Core crypto (runtime-neutral): the one per-part SHA-256 loop, over any incremental hash. The Node binding
// (part-hasher.ts, node:crypto) serves the CLI and the server; the browser binding (part-hasher-web.ts,
// @noble/hashes) serves the portal. One loop, so no side can ever cut parts at different offsets.
import { PouchError } from '../domain/errors.ts';

/** An incremental SHA-256: what node:crypto's Hash and @noble/hashes' sha256.create() both offer. */
export interface IncrementalHash<B extends Uint8Array> {
  update(chunk: Uint8Array): unknown;
  digest(): B;
  /** An independent copy of the state so far (the first part's digest rides on the whole hash). */
  copy(): IncrementalHash<B>;
}

/** What a finished hasher reports. Digests are the raw 32 bytes. */
export interface PartDigestsOf<B extends Uint8Array> {
  /** Bytes seen. */
  readonly size: number;
  /** One digest per `partSize` slice, in order; an input of at most one part (even empty) has exactly one. */
  readonly parts: readonly B[];
  /** The digest of the whole input, when asked for with `whole: true`. */
  readonly whole?: B;
}

export interface PartHasherOf<B extends Uint8Array, D extends PartDigestsOf<B> = PartDigestsOf<B>> {
  update(chunk: Uint8Array): void;
  /** Finish; the hasher must not be used afterwards. */
  digest(): D;
}

/**
 * Hash a stream chunk by chunk into per-part digests (and optionally the whole-input digest) with constant
 * memory, over the hashes `newHash` makes. `partSize` may be `Infinity` for "one part, whatever the size".
 * With `whole`, the first part is not hashed twice: its digest is taken from a copy of the whole hash.
 */
export function createPartHasherWith<B extends Uint8Array>(
  newHash: () => IncrementalHash<B>,
  partSize: number,
  options: { whole?: boolean } = {},
): PartHasherOf<B> {
  if (!(partSize === Number.POSITIVE_INFINITY || (Number.isSafeInteger(partSize) && partSize > 0))) {
    throw new PouchError('ERR_VALIDATION', 'Part size must be a positive integer', {
      details: { field: 'partSize' },
    });
  }
  const whole = options.whole ? newHash() : undefined;
  const parts: B[] = [];
  // Undefined while the first part rides on the whole hash.
  let part: IncrementalHash<B> | undefined = whole ? undefined : newHash();
  let inPart = 0;
  let size = 0;
  const partDigest = (): B => (part ? part.digest() : (whole as IncrementalHash<B>).copy().digest());

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
          part = newHash();
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
