// Port: the checkpoint log's storage (leaves and signed tree heads), the list of chains to checkpoint, and the
// publication of signed checkpoints. server/use-cases/custody/checkpoint-service.ts uses them; adapters implement them
// (server/adapters/dynamo-checkpoint-store.ts, server/adapters/s3-checkpoint-publisher.ts).

/** One leaf of the checkpoint log: a chain head, at a fixed position of the one growing tree. */
export interface CheckpointLeaf {
  /** 0-based position in the log; leaves are written once, in order, without gaps. */
  readonly index: number;
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
}

/** A signed tree head over the first `size` leaves. */
export interface StoredCheckpoint {
  readonly size: number;
  /** Hex RFC 9162 root of the first `size` leaves. */
  readonly rootHash: string;
  readonly time: string;
  /** The compact JWS (typ pouch-checkpoint+jwt) over `{ v, size, rootHash, time }`. */
  readonly jws: string;
}

/** Write-once storage of the log. Both writes are conditional: a taken position is reported, never overwritten. */
export interface CheckpointStore {
  /** The leaves from position `from` on, in order, stopping at the first gap. */
  readLeaves(from: number): Promise<CheckpointLeaf[]>;
  /** Write the leaf at `leaf.index`; false when another builder already wrote that position. */
  appendLeaf(leaf: CheckpointLeaf): Promise<boolean>;
  /** Keep a signed checkpoint; false when one of that size already exists. */
  putCheckpoint(checkpoint: StoredCheckpoint): Promise<boolean>;
  getCheckpoint(size: number): Promise<StoredCheckpoint | undefined>;
  /** The checkpoint with the largest size; undefined before the first one. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
}

/** Lists the chains (exchange ids) the checkpoint job must look at. */
export interface ChainLister {
  listChains(): Promise<string[]>;
}

/** Publishes a signed checkpoint where third parties can fetch it (the Object Lock bucket on AWS). */
export interface CheckpointPublisher {
  publish(checkpoint: StoredCheckpoint): Promise<void>;
  /** Whether the checkpoint of this size is already published (a failed publish is retried by the next build). */
  isPublished(size: number): Promise<boolean>;
}
