// Domain layer, custody ledger: verifies a whole chain held in memory (events as objects) and reports the first
// broken element. Auditors, `pouch verify` and tests use it; stream-verifier.ts is its constant-memory twin.
import { describeBodyProblem, GENESIS_PREV_HASH, hashEvent, type LedgerEvent } from './event.ts';

/**
 * Why a chain is broken, checked per event in this order:
 * - `format`: the element is not a well-formed event (or, in a stream, not a canonical ledger line);
 * - `chain`: the event belongs to another chain;
 * - `seq`: its sequence number is not its position (deletion, insertion, reordering);
 * - `link`: its `prevHash` is not the hash of the event before it;
 * - `hash`: its `hash` is not the hash of its own body (an edit);
 * - `anchor`: it contradicts a trusted anchor (a signed receipt or checkpoint names another hash for its seq);
 * - `truncated`: the chain ends before an anchored sequence number (events were cut off the end).
 */
export type BrokenReason = 'format' | 'chain' | 'seq' | 'link' | 'hash' | 'anchor' | 'truncated';

/** The first broken element. `index` is its position in the input; `seq` what it claims (when readable). */
export interface BrokenLink {
  readonly index: number;
  readonly seq: number | undefined;
  readonly reason: BrokenReason;
  readonly message: string;
}

/** A trusted (seq, hash) pair, e.g. from a verified receipt or checkpoint. */
export interface ChainAnchor {
  readonly seq: number;
  readonly hash: string;
}

/** The head of a verified chain. */
export interface VerifiedHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
}

export type ChainVerification =
  | { readonly ok: true; readonly length: number; readonly head: VerifiedHead | undefined }
  | { readonly ok: false; readonly broken: BrokenLink };

export interface VerifyChainOptions {
  /** The chain id the events must carry; by default the first event's. */
  readonly chain?: string;
  /** Trusted hashes the chain must contain (receipts, checkpoint heads). */
  readonly anchors?: readonly ChainAnchor[];
}

/**
 * Verify a complete chain (seq 0..n-1) and name the first broken element. An empty input is a valid, empty
 * chain unless an anchor says otherwise.
 *
 * @example
 * const result = verifyChain(events, { anchors: [{ seq: receipt.seq, hash: receipt.eventHash }] });
 * if (!result.ok) throw new PouchError('ERR_LEDGER_BROKEN', result.broken.message);
 */
export function verifyChain(
  events: readonly LedgerEvent[],
  options: VerifyChainOptions = {},
): ChainVerification {
  let chain = options.chain;
  let prevHash = GENESIS_PREV_HASH;
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as LedgerEvent;
    const seq = typeof event?.seq === 'number' ? event.seq : undefined;
    const broken = (reason: BrokenReason, message: string): ChainVerification => ({
      ok: false,
      broken: { index, seq, reason, message },
    });
    const problem =
      describeBodyProblem(event) ?? (isHex64(event.hash) ? undefined : 'hash must be 64 hex digits');
    if (problem) return broken('format', `event ${index}: ${problem}`);
    chain ??= event.chain;
    if (event.chain !== chain)
      return broken('chain', `event ${index} belongs to chain ${event.chain}, not ${chain}`);
    if (event.seq !== index) return broken('seq', `event ${index} claims seq ${event.seq}`);
    if (event.prevHash !== prevHash)
      return broken('link', `event ${index} does not link to the event before it`);
    if (hashEvent(event) !== event.hash) return broken('hash', `event ${index} does not match its hash`);
    prevHash = event.hash;
  }
  const last = events[events.length - 1];
  const anchorBreak = checkAnchors(options.anchors, events.length, (seq) => events[seq]?.hash);
  if (anchorBreak) return { ok: false, broken: anchorBreak };
  return {
    ok: true,
    length: events.length,
    head: last ? { chain: last.chain, seq: last.seq, hash: last.hash } : undefined,
  };
}

/**
 * Check anchors against a verified chain of `length` events; `hashAt(seq)` gives the verified hash at `seq`.
 * Shared by both verifiers so they report anchors identically.
 */
export function checkAnchors(
  anchors: readonly ChainAnchor[] | undefined,
  length: number,
  hashAt: (seq: number) => string | undefined,
): BrokenLink | undefined {
  if (!anchors || anchors.length === 0) return undefined;
  const sorted = [...anchors].sort((a, b) => a.seq - b.seq);
  for (const anchor of sorted) {
    if (anchor.seq >= length) {
      return {
        index: length,
        seq: anchor.seq,
        reason: 'truncated',
        message: `the chain ends at ${length} events, but seq ${anchor.seq} is anchored`,
      };
    }
    if (hashAt(anchor.seq) !== anchor.hash) {
      return {
        index: anchor.seq,
        seq: anchor.seq,
        reason: 'anchor',
        message: `event ${anchor.seq} does not match its anchored hash`,
      };
    }
  }
  return undefined;
}

function isHex64(value: unknown): boolean {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}
