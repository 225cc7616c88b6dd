// Use case, custody: the checkpoint log. At intervals (local timer, scheduled Lambda) and on demand it appends
// the chain heads that changed since the last checkpoint as new leaves of ONE growing RFC 9162 Merkle tree,
// signs `{ v, size, rootHash, time }` with the exchange Signer, stores it and publishes it. It also answers
// inclusion proofs (a chain's latest checkpointed head in the latest checkpoint) and consistency proofs.
//
// Why an append-only log rather than a snapshot per checkpoint (shared/domain/ledger/checkpoint.ts): with
// snapshots, heads move and new chains sort into the middle, so two checkpoints are unrelated trees and an RFC
// 9162 consistency proof means nothing. Here leaf i, once written, never changes, every checkpoint covers a
// prefix of the same leaf sequence, and a consistency proof between two sizes shows the later tree extends the
// earlier one: the operator cannot rewrite or withdraw a head it has once committed to (Certificate
// Transparency, Sigstore Rekor). A leaf is RFC 8785 JSON `{chain, hash, seq}` (encodeHeadLeaf); a chain appears
// once per checkpoint in which its head moved, and its latest leaf is the one inclusion proofs use.
//
// Forks: a chain's leaves must only move forward along the chain. Before a new head of a chain is appended, the
// service checks that it extends the chain's latest logged head: a higher seq, the event at the logged seq still
// carrying the logged hash, and every link from there to the new head intact (read from the logged seq on, so the
// cost is the events since). A head that does not is never logged; the service raises a security alarm
// (ERR_LEDGER_FORKED on the `security` log channel, with the chain, the logged and the found head) and goes on
// with the other chains. Someone who deleted, truncated or rewrote checkpointed events in the ledger table cannot
// get the new history logged, and the bundle, which carries every logged head of its chain (loggedHeads), fails.
//
// The directory log: when a DirectoryLog is given, `build` also logs the head of the directory chain under its
// reserved chain id (DIRECTORY_CHAIN), with the same extend-only rule (read from the directory log instead of the
// ledger), so showing different directory histories to different parties is detectable against checkpoints.
//
// Publication: a checkpoint is stored before it is published, so a failed publish would leave a gap in the
// public record. Every build therefore first publishes the latest stored checkpoint if it is missing, and
// signs no new one until that succeeds: each published checkpoint's predecessor is published too.
//
// Concurrency: leaves and checkpoints are conditional puts (CheckpointStore). A builder writes its new leaves at
// positions size, size+1, ... in order and stops at the first position another builder took; it then reloads
// the log and starts over. Leaves already written by a builder that lost (or crashed) stay in the log and are
// covered by the next checkpoint. Two checkpoints of the same size are over the same leaves, hence have the
// same root; the second put fails and the first stands. So concurrent builders can never fork the log.
// Within one process, builds run one at a time (they would only take positions from each other), while proof
// reads refresh the shared leaf cache at any moment: a leaf read twice (by a refresh and by the builder that
// wrote it) is the same leaf, and only a different leaf at a known position, or a gap, means the log is broken.

import type { Signer } from '../../../shared/crypto/signer.ts';
import { signCheckpoint } from '../../../shared/custody/checkpoints.ts';
import { DIRECTORY_CHAIN } from '../../../shared/directory/directory-log.ts';
import { PouchError, type PouchErrorCode } from '../../../shared/domain/errors.ts';
import {
  type ChainHead,
  describeHeadRegression,
  encodeHeadLeaf,
} from '../../../shared/domain/ledger/checkpoint.ts';
import {
  computeRoot,
  consistencyProof,
  hashLeaf,
  inclusionProof,
  inclusionProofs,
  toHex,
} from '../../../shared/domain/ledger/merkle.ts';
import { createStreamVerifier } from '../../../shared/domain/ledger/stream-verifier.ts';
import type {
  ChainLister,
  CheckpointLeaf,
  CheckpointPublisher,
  CheckpointStore,
  StoredCheckpoint,
} from '../../ports/checkpoint-store.ts';
import type { DirectoryLog } from '../../ports/directory-repository.ts';
import type { LedgerStore } from '../../ports/ledger-store.ts';
import type { Logger } from '../../ports/logger.ts';

export interface CheckpointServiceDeps {
  readonly store: CheckpointStore;
  readonly chains: ChainLister;
  readonly ledger: LedgerStore;
  readonly signer: Signer;
  readonly publisher: CheckpointPublisher;
  readonly now?: () => Date;
  /** Rounds before ERR_LEDGER_CONFLICT when other builders keep taking the next positions (default 20). */
  readonly maxAttempts?: number;
  /** Where a refused (forked) chain head raises its security alarm. */
  readonly logger?: Logger;
  /** The directory log, whose head `build` logs under DIRECTORY_CHAIN. */
  readonly directoryLog?: DirectoryLog;
}

/** A chain head refused because it does not extend the head logged before for its chain. */
export interface ForkedChain {
  readonly chain: string;
  readonly logged: ChainHead & { readonly leafIndex: number };
  readonly found: ChainHead;
  readonly reason: string;
}

/** The result of a build: the latest checkpoint, whether this call signed it, and the heads it refused. */
export interface BuildResult {
  readonly checkpoint: StoredCheckpoint | undefined;
  readonly created: boolean;
  readonly refused?: readonly ForkedChain[];
}

/** Every logged head of one chain with its inclusion proof in the latest checkpoint, oldest first. */
export interface ChainLoggedHeads {
  readonly checkpoint: StoredCheckpoint;
  readonly treeSize: number;
  readonly heads: ReadonlyArray<{
    readonly leafIndex: number;
    readonly head: ChainHead;
    /** Hex node hashes, RFC 9162 order. */
    readonly proof: string[];
  }>;
}

/** An inclusion proof of a chain's latest checkpointed head in a checkpoint. */
export interface ChainInclusionProof {
  readonly checkpoint: StoredCheckpoint;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly head: ChainHead;
  /** Hex node hashes, RFC 9162 order. */
  readonly proof: string[];
}

/** A consistency proof between two checkpoints of the log. */
export interface LogConsistencyProof {
  readonly first: StoredCheckpoint;
  readonly second: StoredCheckpoint;
  /** Hex node hashes, RFC 9162 §2.1.4 order. */
  readonly proof: string[];
}

/**
 * Build the checkpoint service. It keeps the leaves it has read in memory (they never change once written),
 * so a warm process reads only the new ones.
 *
 * @example
 * const checkpoints = createCheckpointService({ store, chains: store, ledger, signer, publisher });
 * const { checkpoint } = await checkpoints.build();
 */
export function createCheckpointService(deps: CheckpointServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const maxAttempts = deps.maxAttempts ?? 20;
  const leaves: CheckpointLeaf[] = [];
  const leafHashes: Uint8Array[] = [];
  /** Every leaf index per chain, ascending (the last is the chain's latest logged head). */
  const byChain = new Map<string, number[]>();
  const latestOf = (chain: string): CheckpointLeaf | undefined => {
    const at = byChain.get(chain)?.at(-1);
    return at === undefined ? undefined : leaves[at];
  };

  /** Add a leaf to the cache; one already there must be the very same leaf (positions are write-once). */
  function remember(leaf: CheckpointLeaf): void {
    if (leaf.index < leaves.length) {
      const known = leaves[leaf.index] as CheckpointLeaf;
      if (known.chain === leaf.chain && known.seq === leaf.seq && known.hash === leaf.hash) return;
      throw new PouchError('ERR_LEDGER_BROKEN', `Checkpoint leaf ${leaf.index} changed after it was written`);
    }
    if (leaf.index !== leaves.length) {
      throw new PouchError('ERR_LEDGER_BROKEN', `Checkpoint leaf ${leaf.index} is out of order`);
    }
    leaves.push(leaf);
    leafHashes.push(hashLeaf(encodeHeadLeaf(leaf)));
    const indexes = byChain.get(leaf.chain);
    if (indexes) indexes.push(leaf.index);
    else byChain.set(leaf.chain, [leaf.index]);
  }

  /** Why `head` does not extend `logged`, read from the ledger at the logged seq on; undefined when it does. */
  async function whyNotExtending(logged: CheckpointLeaf, head: ChainHead): Promise<string | undefined> {
    const regression = describeHeadRegression(logged, head);
    if (regression) return regression;
    const verifier = createStreamVerifier({
      chain: head.chain,
      from: { seq: logged.seq, hash: logged.hash },
    });
    let seq = logged.seq - 1;
    const lines =
      head.chain === DIRECTORY_CHAIN && deps.directoryLog
        ? deps.directoryLog.readLines(logged.seq)
        : deps.ledger.readLines(head.chain, logged.seq);
    for await (const line of lines) {
      seq++;
      if (!verifier.push(line) || seq >= head.seq) break;
    }
    const verdict = verifier.result();
    if (!verdict.ok) return `${verdict.broken.reason}: ${verdict.broken.message}`;
    if (verdict.head?.seq !== head.seq || verdict.head.hash !== head.hash) {
      return 'the chain read from the logged head does not reach the new head';
    }
    return undefined;
  }

  function raiseAlarm(fork: ForkedChain): void {
    const code: PouchErrorCode = 'ERR_LEDGER_FORKED';
    deps.logger?.error('security', {
      event: 'ledger.forked',
      outcome: 'refused',
      code,
      chain: fork.chain,
      logged: fork.logged,
      found: fork.found,
      reason: fork.reason,
      at: now().toISOString(),
    });
  }

  async function refresh(): Promise<void> {
    for (const leaf of await deps.store.readLeaves(leaves.length)) remember(leaf);
  }

  function rootOf(size: number): string {
    return toHex(computeRoot(leafHashes, size));
  }

  let building: Promise<unknown> = Promise.resolve();
  /** Run builds of this process one after the other (a failed one does not stop the next). */
  function oneAtATime<T>(run: () => Promise<T>): Promise<T> {
    const result = building.then(run, run);
    building = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Append `heads` (those that changed) and sign a checkpoint over the whole log. */
  async function appendAndSign(pick: () => Promise<ChainHead[]>): Promise<BuildResult> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      // The checkpoint first, then the leaves: leaves are written before any checkpoint over them, so the
      // cache then holds at least `latest.size` leaves and no checkpoint is signed behind the latest one.
      const latest = await deps.store.latestCheckpoint();
      await refresh();
      if (latest && !(await deps.publisher.isPublished(latest.size))) await deps.publisher.publish(latest);
      const moved = (await pick())
        .filter((head) => latestOf(head.chain)?.hash !== head.hash)
        .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
      const changed: ChainHead[] = [];
      const refused: ForkedChain[] = [];
      for (const head of moved) {
        const logged = latestOf(head.chain);
        const reason = logged ? await whyNotExtending(logged, head) : undefined;
        if (logged && reason) {
          refused.push({
            chain: head.chain,
            logged: { chain: logged.chain, seq: logged.seq, hash: logged.hash, leafIndex: logged.index },
            found: { chain: head.chain, seq: head.seq, hash: head.hash },
            reason,
          });
        } else {
          changed.push(head);
        }
      }
      // Alarms only for the attempt that counts (a lost round is read again from scratch).
      const done = (result: BuildResult): BuildResult => {
        for (const fork of refused) raiseAlarm(fork);
        return refused.length > 0 ? { ...result, refused } : result;
      };
      if (changed.length === 0 && (leaves.length === 0 || latest?.size === leaves.length)) {
        return done({ checkpoint: latest, created: false });
      }
      let lost = false;
      for (const head of changed) {
        const leaf: CheckpointLeaf = {
          index: leaves.length,
          chain: head.chain,
          seq: head.seq,
          hash: head.hash,
        };
        if (!(await deps.store.appendLeaf(leaf))) {
          lost = true;
          break;
        }
        remember(leaf);
      }
      if (lost) continue;
      const size = leaves.length;
      const rootHash = rootOf(size);
      const time = now().toISOString();
      const jws = await signCheckpoint(deps.signer, { v: 1, size, rootHash, time });
      const stored: StoredCheckpoint = { size, rootHash, time, jws };
      if (!(await deps.store.putCheckpoint(stored))) {
        const existing = await deps.store.getCheckpoint(size);
        if (!existing || existing.rootHash !== rootHash) {
          throw new PouchError('ERR_LEDGER_BROKEN', `Checkpoint ${size} disagrees with the log`);
        }
        return done({ checkpoint: existing, created: false });
      }
      await deps.publisher.publish(stored);
      return done({ checkpoint: stored, created: true });
    }
    throw new PouchError('ERR_LEDGER_CONFLICT', 'Other checkpoint builders kept taking the next positions');
  }

  async function latestOrNotFound(): Promise<StoredCheckpoint> {
    const latest = await deps.store.latestCheckpoint();
    if (!latest) throw new PouchError('ERR_NOT_FOUND', 'No checkpoint has been published yet');
    return latest;
  }

  return {
    /** Append every changed chain head (all exchanges) and sign a checkpoint, if anything changed. */
    async build(): Promise<BuildResult> {
      return oneAtATime(() =>
        appendAndSign(async () => {
          const heads = await deps.ledger.heads(await deps.chains.listChains());
          const directory = await deps.directoryLog?.head();
          return directory ? [...heads, directory] : heads;
        }),
      );
    },

    /**
     * Make sure `chain`'s current head is in a signed checkpoint (appending only that chain when it is not):
     * a custody bundle then carries a proof of its whole chain.
     */
    async ensureCheckpointed(chain: string): Promise<BuildResult> {
      return oneAtATime(() => appendAndSign(async () => deps.ledger.heads([chain])));
    },

    latest: latestOrNotFound,

    async get(size: number): Promise<StoredCheckpoint> {
      const found =
        Number.isSafeInteger(size) && size >= 0 ? await deps.store.getCheckpoint(size) : undefined;
      if (!found) throw new PouchError('ERR_NOT_FOUND', 'No checkpoint of that size');
      return found;
    },

    /** The proof that `chain`'s latest checkpointed head is in the latest checkpoint. ERR_NOT_FOUND if none. */
    async inclusionProof(chain: string): Promise<ChainInclusionProof> {
      const checkpoint = await latestOrNotFound();
      await refresh();
      let index: number | undefined;
      for (let i = Math.min(checkpoint.size, leaves.length) - 1; i >= 0; i--) {
        if ((leaves[i] as CheckpointLeaf).chain === chain) {
          index = i;
          break;
        }
      }
      if (index === undefined) throw new PouchError('ERR_NOT_FOUND', 'The exchange is not checkpointed yet');
      const leaf = leaves[index] as CheckpointLeaf;
      return {
        checkpoint,
        leafIndex: index,
        treeSize: checkpoint.size,
        head: { chain: leaf.chain, seq: leaf.seq, hash: leaf.hash },
        proof: inclusionProof(leafHashes, index, checkpoint.size).map(toHex),
      };
    },

    /**
     * Every head ever logged for `chain` that the latest checkpoint covers, oldest first, each with its
     * inclusion proof: a bundle carries them all, so a verifier finds each one in the chain. ERR_NOT_FOUND if none.
     */
    async loggedHeads(chain: string): Promise<ChainLoggedHeads> {
      const checkpoint = await latestOrNotFound();
      await refresh();
      const indexes = (byChain.get(chain) ?? []).filter((i) => i < checkpoint.size);
      if (indexes.length === 0) throw new PouchError('ERR_NOT_FOUND', 'The exchange is not checkpointed yet');
      const proofs = inclusionProofs(leafHashes, indexes, checkpoint.size);
      return {
        checkpoint,
        treeSize: checkpoint.size,
        heads: indexes.map((index, i) => {
          const leaf = leaves[index] as CheckpointLeaf;
          return {
            leafIndex: index,
            head: { chain: leaf.chain, seq: leaf.seq, hash: leaf.hash },
            proof: (proofs[i] as Uint8Array[]).map(toHex),
          };
        }),
      };
    },

    /** The RFC 9162 consistency proof between the checkpoints of sizes `first` <= `second`. */
    async consistencyProof(first: number, second: number): Promise<LogConsistencyProof> {
      if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) {
        throw new PouchError('ERR_VALIDATION', 'Ask for 0 <= first <= second', {
          details: { field: 'query.first' },
        });
      }
      const [a, b] = await Promise.all([deps.store.getCheckpoint(first), deps.store.getCheckpoint(second)]);
      if (!a || !b) throw new PouchError('ERR_NOT_FOUND', 'No checkpoint of that size');
      await refresh();
      if (leaves.length < second)
        throw new PouchError('ERR_LEDGER_BROKEN', 'The log is shorter than a checkpoint');
      return { first: a, second: b, proof: consistencyProof(leafHashes, first, second).map(toHex) };
    },

    /** Every leaf read so far (tests and auditors replaying the log). */
    async leaves(): Promise<readonly CheckpointLeaf[]> {
      await refresh();
      return [...leaves];
    },
  };
}

export type CheckpointService = ReturnType<typeof createCheckpointService>;

/**
 * Run `build` every `intervalMs` (local mode), one run at a time, logging failures. `stop()` waits for a run
 * in flight, so the stores can be closed after it.
 */
export function startCheckpointTimer(
  service: Pick<CheckpointService, 'build'>,
  intervalMs: number,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = service
      .build()
      .then(() => undefined, onError)
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
