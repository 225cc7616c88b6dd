// Core crypto (browser binding): the per-part SHA-256 loop of part-hasher-core.ts over @noble/hashes, for the
// portal, where Web Crypto has no incremental digest. Same cuts, same digests as the Node binding.
import { sha256 } from '@noble/hashes/sha2.js';
import { createPartHasherWith, type IncrementalHash, type PartHasherOf } from './part-hasher-core.ts';

function newNobleHash(state = sha256.create()): IncrementalHash<Uint8Array> {
  return {
    update: (chunk) => state.update(chunk),
    digest: () => state.digest(),
    copy: () => newNobleHash(state.clone()),
  };
}

/**
 * The browser's part hasher: same contract as part-hasher.ts's `createPartHasher`.
 *
 * @example
 * const hasher = createWebPartHasher(8 * 1024 * 1024, { whole: true });
 */
export function createWebPartHasher(
  partSize: number,
  options: { whole?: boolean } = {},
): PartHasherOf<Uint8Array> {
  return createPartHasherWith(() => newNobleHash(), partSize, options);
}
