// Port: the custody ledger's storage. Use cases append through it (and fail closed when it fails); the checkpoint
// job and auditors read through it. DynamoDB implements it (server/adapters/dynamo-ledger-store.ts).
import type { ChainHead } from '../../shared/domain/ledger/checkpoint.ts';
import type { LedgerEvent, LedgerEventFields } from '../../shared/domain/ledger/event.ts';

/**
 * Decide the next event from the current head (undefined for a new chain). It may run more than once when
 * another writer wins the race, so it must be pure: read the head, return fields, no side effects. It may throw
 * (e.g. ERR_INVALID_STATE when the head shows the action is no longer allowed); the append then fails with it.
 */
export type BuildEventFields = (head: LedgerEvent | undefined) => LedgerEventFields;

/** Append-only, per-chain storage of hash-chained events. */
export interface LedgerStore {
  /**
   * Append the next event of `chain`, exactly once, at `head.seq + 1`. Resolves with the stored event. Appends to
   * one chain are serialised within a process, so writers of one exchange queue instead of racing. Rejects
   * with a PouchError when nothing could be appended: ERR_LEDGER_CONFLICT (lost the race too often),
   * ERR_STORAGE / ERR_STORAGE_THROTTLED (storage failed), or whatever `build` threw. Callers must treat a
   * rejection as failure of their whole action (fail closed).
   */
  append(chain: string, build: BuildEventFields): Promise<LedgerEvent>;
  /** The last event of `chain`, read consistently; undefined for an unknown chain. */
  head(chain: string): Promise<LedgerEvent | undefined>;
  /** The event at `seq` of `chain`, read consistently (one item, whatever the chain's length). */
  at(chain: string, seq: number): Promise<LedgerEvent | undefined>;
  /**
   * Every event of `chain` in seq order (from `fromSeq` on when given), read consistently. Not verified: pass
   * the result to verifyChain. Its cost grows with the chain: no per-action path reads the whole chain.
   */
  read(chain: string, fromSeq?: number): Promise<LedgerEvent[]>;
  /**
   * The stored lines of `chain` (`{"body":...,"hash":"..."}`) in seq order, for bundles and the stream verifier;
   * from `fromSeq` on when given (the checkpoint service reads only what follows the head it logged).
   */
  readLines(chain: string, fromSeq?: number): AsyncIterable<string>;
  /**
   * The heads of the given chains (unknown chains are left out), for checkpoints. The ledger cannot list its
   * chains itself (see the adapter), so the caller passes the exchange ids it knows from the main table.
   */
  heads(chains: Iterable<string>): Promise<ChainHead[]>;
}
