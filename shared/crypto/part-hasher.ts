// Core (client and server, Node binding): the per-part SHA-256 loop of part-hasher-core.ts over node:crypto.
// The client hashes a sealed file into the part digests that presigned URLs are bound to
// (client/transfer/hash-file.ts); the server rebuilds the same digests when it confirms an object by reading it
// back (server/adapters/s3-document-store.ts); the portal runs the same loop (part-hasher-web.ts).
import { createHash, type Hash } from 'node:crypto';
import { createPartHasherWith, type IncrementalHash } from './part-hasher-core.ts';

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
 * constant memory; the loop is part-hasher-core.ts's. `partSize` may be `Infinity` for "one part, whatever the
 * size".
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
  return createPartHasherWith(() => nodeHash(createHash('sha256')), partSize, options);
}

function nodeHash(hash: Hash): IncrementalHash<Buffer> {
  return {
    update: (chunk) => hash.update(chunk),
    digest: () => hash.digest(),
    copy: () => nodeHash(hash.copy()),
  };
}
