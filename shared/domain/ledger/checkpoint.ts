// Domain layer, custody ledger: checkpoint leaves and tree heads (RFC 9162) over chain heads.
//
// Leaves. A leaf is the UTF-8 bytes of the RFC 8785 form of `{ chain, hash, seq }` of one chain head. JSON (not a
// binary layout) keeps leaves readable and self-describing to an auditor with any JCS library. A chain head
// commits to its whole chain through the hash links, so proving the head proves every earlier event.
//
// The exchange's published checkpoints are an append-only log of such leaves (server/use-cases/custody/checkpoint-service.ts
// appends the heads that changed since the last checkpoint), so RFC 9162 consistency proofs relate any two
// checkpoints. A chain's leaves only ever move forward along the chain (describeHeadRegression): each logged
// head is an ancestor of the next, so a bundle that proves every logged head of its chain proves that no
// checkpointed event was since deleted or rewritten. `buildCheckpointTree` below is the snapshot form over one set of heads, sorted by chain id: the
// bundle verifier checks inclusion proofs with `verifyChainHeadProof`, and the benches time tree building with it.
import { PouchError } from '../errors.ts';
import { canonicalJson } from './jcs.ts';
import { computeRoot, fromHex, hashLeaf, inclusionProof, toHex, verifyInclusion } from './merkle.ts';

/** The head of one chain: its last event's seq and hash. */
export interface ChainHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
}

/** A signed tree head over chain heads (the payload of the checkpoint JWS). */
export interface Checkpoint {
  readonly v: 1;
  /** Number of leaves, i.e. of chains. */
  readonly size: number;
  /** Hex MTH of the leaves. */
  readonly rootHash: string;
  /** UTC ISO 8601 with milliseconds. */
  readonly time: string;
  /** The heads themselves, when the publisher chooses to include them (small deployments, tests). */
  readonly chains?: readonly ChainHead[];
}

/** A checkpoint with the sorted heads and leaf hashes it was built from (kept by the publisher for proofs). */
export interface CheckpointTree {
  readonly checkpoint: Checkpoint;
  readonly heads: readonly ChainHead[];
  readonly leafHashes: readonly Uint8Array[];
}

/** An inclusion proof that `head` is leaf `leafIndex` of a checkpoint of `treeSize` leaves. */
export interface ChainHeadProof {
  readonly head: ChainHead;
  readonly leafIndex: number;
  readonly treeSize: number;
  /** Hex node hashes, RFC 9162 order. */
  readonly proof: readonly string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Why `found` cannot extend `logged` (a head logged before for the same chain), judged from the heads alone:
 * a chain only grows, so a head at the logged seq with another hash is a rewritten history and a head below it
 * a lost tail. Undefined when `found` is further along; the caller must then still check that the logged head
 * is its ancestor (the event at the logged seq unchanged and every link from there to `found`).
 */
export function describeHeadRegression(logged: ChainHead, found: ChainHead): string | undefined {
  if (found.chain !== logged.chain) return 'another chain';
  if (found.seq === logged.seq && found.hash !== logged.hash)
    return 'rewritten: another event at the logged seq';
  if (found.seq < logged.seq) return 'truncated: the chain ends before the logged head';
  return undefined;
}

/** The leaf data of a chain head: UTF-8 of JCS `{chain, hash, seq}`. */
export function encodeHeadLeaf(head: ChainHead): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ chain: head.chain, hash: head.hash, seq: head.seq }));
}

/**
 * Build a checkpoint over `heads` (any order; they are sorted here). Throws ERR_VALIDATION on a duplicate chain
 * or a malformed head.
 *
 * @example
 * const tree = buildCheckpointTree(await store.heads(exchangeIds), new Date());
 * const jws = await signCheckpoint(signer, tree.checkpoint);
 */
export function buildCheckpointTree(
  heads: Iterable<ChainHead>,
  time: Date,
  options: { includeHeads?: boolean } = {},
): CheckpointTree {
  const sorted = [...heads].sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    const h = sorted[i] as ChainHead;
    if (!h.chain || !Number.isSafeInteger(h.seq) || h.seq < 0 || !HEX64.test(h.hash)) {
      throw new PouchError('ERR_VALIDATION', `Malformed chain head for ${h.chain}`);
    }
    if (i > 0 && (sorted[i - 1] as ChainHead).chain === h.chain) {
      throw new PouchError('ERR_VALIDATION', `Chain ${h.chain} appears twice in a checkpoint`);
    }
  }
  const leafHashes = sorted.map((h) => hashLeaf(encodeHeadLeaf(h)));
  const checkpoint: Checkpoint = {
    v: 1,
    size: sorted.length,
    rootHash: toHex(computeRoot(leafHashes)),
    time: time.toISOString(),
    ...(options.includeHeads
      ? { chains: sorted.map((h) => ({ chain: h.chain, seq: h.seq, hash: h.hash })) }
      : {}),
  };
  return { checkpoint, heads: sorted, leafHashes };
}

/** Prove one chain's head in a checkpoint tree. Throws ERR_NOT_FOUND when the chain is not in it. */
export function proveChainHead(tree: CheckpointTree, chain: string): ChainHeadProof {
  let lo = 0;
  let hi = tree.heads.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const head = tree.heads[mid] as ChainHead;
    if (head.chain === chain) {
      return {
        head,
        leafIndex: mid,
        treeSize: tree.heads.length,
        proof: inclusionProof(tree.leafHashes, mid).map(toHex),
      };
    }
    if (head.chain < chain) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new PouchError('ERR_NOT_FOUND', 'The chain is not in this checkpoint');
}

/** True when `proof` shows `proof.head` is in `checkpoint` (size and root must match). Never throws. */
export function verifyChainHeadProof(checkpoint: Checkpoint, proof: ChainHeadProof): boolean {
  try {
    if (proof.treeSize !== checkpoint.size) return false;
    return verifyInclusion(
      hashLeaf(encodeHeadLeaf(proof.head)),
      proof.leafIndex,
      proof.treeSize,
      proof.proof.map(fromHex),
      fromHex(checkpoint.rootHash),
    );
  } catch {
    return false;
  }
}
