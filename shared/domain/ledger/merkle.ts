// Domain layer, custody ledger: the RFC 9162 (Certificate Transparency v2, §2.1) Merkle tree: tree head, inclusion
// and consistency proofs and their verification. Checkpoints (checkpoint.ts) build their tree with it.

import { hex as hexCodec } from '@scure/base';
import { sha256Bytes } from '#sha256';

/** Length of every node hash (SHA-256). */
export const HASH_BYTES = 32;

/** MTH({}) = SHA-256 of the empty string (RFC 9162 §2.1.1). */
export const EMPTY_TREE_HASH: Uint8Array = sha256(new Uint8Array(0));

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** Leaf hash: SHA-256(0x00 || data). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  return sha256Bytes(LEAF_PREFIX, data);
}

/** Interior node hash: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256Bytes(NODE_PREFIX, left, right);
}

/**
 * MTH(D[n]) over leaf hashes (already passed through {@link hashLeaf}). Computed bottom-up, level by level,
 * promoting a lone last node unchanged: the same tree as RFC 9162's split at the largest power of two below n.
 * `size` defaults to all leaves; a smaller size gives the root of that prefix.
 */
export function computeRoot(leafHashes: readonly Uint8Array[], size = leafHashes.length): Uint8Array {
  checkSize(size, leafHashes.length);
  if (size === 0) return EMPTY_TREE_HASH;
  let level: Uint8Array[] = leafHashes.slice(0, size) as Uint8Array[];
  while (level.length > 1) {
    const next: Uint8Array[] = new Array(Math.ceil(level.length / 2));
    for (let i = 0; i + 1 < level.length; i += 2) {
      next[i >> 1] = hashChildren(level[i] as Uint8Array, level[i + 1] as Uint8Array);
    }
    if (level.length % 2 === 1) next[next.length - 1] = level[level.length - 1] as Uint8Array;
    level = next;
  }
  return level[0] as Uint8Array;
}

/**
 * The inclusion proof PATH(m, D[n]) of RFC 9162 §2.1.3.1 for leaf `index` in the tree of the first `size` leaves.
 */
export function inclusionProof(
  leafHashes: readonly Uint8Array[],
  index: number,
  size = leafHashes.length,
): Uint8Array[] {
  return pathOf(leafHashes, index, size, undefined);
}

/**
 * Inclusion proofs of several leaves in the same tree (a chain's every logged head). The sibling subtree roots
 * are shared between the proofs, so the large subtrees near the root are hashed once rather than once per leaf.
 */
export function inclusionProofs(
  leafHashes: readonly Uint8Array[],
  indexes: readonly number[],
  size = leafHashes.length,
): Uint8Array[][] {
  const cache = new Map<string, Uint8Array>();
  return indexes.map((index) => pathOf(leafHashes, index, size, cache));
}

function pathOf(
  leafHashes: readonly Uint8Array[],
  index: number,
  size: number,
  cache: Map<string, Uint8Array> | undefined,
): Uint8Array[] {
  checkSize(size, leafHashes.length);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new RangeError('leaf index out of range');
  const root = (lo: number, hi: number): Uint8Array => {
    if (!cache) return subtreeRoot(leafHashes, lo, hi);
    const key = `${lo}:${hi}`;
    let found = cache.get(key);
    if (!found) {
      found = subtreeRoot(leafHashes, lo, hi);
      cache.set(key, found);
    }
    return found;
  };
  const path: Uint8Array[] = [];
  let lo = 0;
  let hi = size;
  let m = index;
  // Walk down from the root; the sibling subtree roots are collected top-down, so reverse at the end.
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m < k) {
      path.push(root(lo + k, hi));
      hi = lo + k;
    } else {
      path.push(root(lo, lo + k));
      lo += k;
      m -= k;
    }
  }
  return path.reverse();
}

/**
 * The consistency proof PROOF(m, D[n]) of RFC 9162 §2.1.4.1 between the tree of the first `first` leaves and
 * the tree of the first `second` leaves. Empty when `first` is 0 or equals `second`.
 */
export function consistencyProof(
  leafHashes: readonly Uint8Array[],
  first: number,
  second: number,
): Uint8Array[] {
  checkSize(second, leafHashes.length);
  if (!Number.isSafeInteger(first) || first < 0 || first > second)
    throw new RangeError('first must be in 0..second');
  if (first === 0 || first === second) return [];
  const proof: Uint8Array[] = [];
  subproof(leafHashes, first, 0, second, true, proof);
  return proof;
}

/** SUBPROOF(m, D[lo:hi], b), appending to `out` in RFC order. */
function subproof(
  leaves: readonly Uint8Array[],
  m: number,
  lo: number,
  hi: number,
  whole: boolean,
  out: Uint8Array[],
): void {
  const n = hi - lo;
  if (m === n) {
    if (!whole) out.push(subtreeRoot(leaves, lo, hi));
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    subproof(leaves, m, lo, lo + k, whole, out);
    out.push(subtreeRoot(leaves, lo + k, hi));
  } else {
    subproof(leaves, m - k, lo + k, hi, false, out);
    out.push(subtreeRoot(leaves, lo, lo + k));
  }
}

/**
 * Verify an inclusion proof with the algorithm of RFC 9162 §2.1.3.2. Returns false (never throws) for any
 * malformed input: index out of range, wrong hash lengths, extra or missing proof nodes.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leafHash.length !== HASH_BYTES || root.length !== HASH_BYTES) return false;
  const computed = rootFromInclusionProof(leafHash, index, size, proof);
  return computed !== undefined && equalBytes(computed, root);
}

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1-5), or undefined if the proof is malformed. */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  if (index >= size || index < 0) return undefined;
  // Sizes fit in 2^53; BigInt keeps the shifts exact above 2^31.
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== HASH_BYTES) return undefined;
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      r = hashChildren(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : undefined;
}

/**
 * Verify a consistency proof with the algorithm of RFC 9162 §2.1.4.2. The RFC covers 0 < first < second; the
 * edges follow the usual convention: `first === second` holds iff the proof is empty and the roots are equal;
 * `first === 0` holds iff the proof is empty and `firstRoot` is the empty-tree hash.
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    return false;
  if (firstRoot.length !== HASH_BYTES || secondRoot.length !== HASH_BYTES) return false;
  if (proof.some((p) => p.length !== HASH_BYTES)) return false;
  if (first === second) return proof.length === 0 && equalBytes(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0 && equalBytes(firstRoot, EMPTY_TREE_HASH);
  // 1. An empty path fails.
  if (proof.length === 0) return false;
  // 2. If first is an exact power of 2, prepend first_hash.
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  // 3. fn = first - 1, sn = second - 1.
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  // 4. If LSB(fn) is set, shift both right until it is not.
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5. fr = sr = path[0].
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // 6. Fold in the remaining nodes.
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // 7. Both roots must come out, and sn must reach 0.
  return sn === 0n && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return hexCodec.encode(bytes);
}

/** Bytes of a hex string; throws RangeError on odd length or non-hex digits. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError('not a hex string');
  return hexCodec.decode(hex.toLowerCase());
}

/** Constant-length byte comparison (the values compared are public; this is about correctness, not timing). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function subtreeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  return computeRoot(leaves.slice(lo, hi));
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  const b = BigInt(n);
  return b > 0n && (b & (b - 1n)) === 0n;
}

function checkSize(size: number, available: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > available)
    throw new RangeError('tree size out of range');
}

function sha256(data: Uint8Array): Uint8Array {
  return sha256Bytes(data);
}
