// Domain layer, custody ledger: the constant-memory verifier for exported custody bundles (JSON Lines of
// `{"body":...,"hash":"..."}`), fed one line at a time. `pouch verify` and the auditors' export check use it.
//
// Design. The ledger writes every event as `JCS(body)` and defines the hash over exactly those bytes
// (event.ts). So this verifier does not parse and re-canonicalize each event (JSON.parse + canonicalize +
// SHA-256 is ~100k events/s); it hashes the body bytes of the line as they are and reads only the four
// top-level members it needs for the links (`v`, `chain`, `seq`, `prevHash`) with a small scanner. Per event
// that is one SHA-256 over ~600 bytes plus one pass of `indexOf` over the body: several hundred thousand events
// per second on one core, with no per-event allocation beyond two short strings.
//
// Why this still detects every edit: any change to the body bytes changes their SHA-256, so the line no longer
// matches its `hash` (reason `hash`); rewriting `hash` as well breaks the next event's `prevHash` (reason `link`);
// rewriting the rest of the chain breaks the first trusted anchor (a signed receipt or checkpoint head), exactly
// as with a full re-canonicalizing verifier. The scanner is exact for top-level members (it skips nested values
// structurally, honours string escapes and requires strictly ascending member names, i.e. no duplicates), so a
// nested `"prevHash"` inside `details` cannot be mistaken for the link. The stream form is stricter than
// verifyChain: a line whose body is equivalent JSON but not byte-for-byte canonical fails with `hash`.
//
// Worker threads were considered (hash on the second core, link in order afterwards): at ~1.5 µs per event the
// structured clone of each batch to a worker costs about as much as the hashing it would offload, so the single
// thread path is both simpler and as fast on two cores.
import { sha256Hex } from '#sha256';
import { EVENT_HASH_PREFIX, GENESIS_PREV_HASH } from './event.ts';
import {
  type BrokenLink,
  type BrokenReason,
  type ChainAnchor,
  type ChainVerification,
  checkAnchors,
  type VerifyChainOptions,
} from './verify-chain.ts';

const LINE_HEAD = '{"body":{';
const HASH_MARK = ',"hash":"';
/** `,"hash":"` + 64 hex + `"}` */
const LINE_TAIL = HASH_MARK.length + 64 + 2;

/** An incremental chain verifier: push lines in order, then ask for the result. Memory does not grow. */
export interface StreamVerifier {
  /** Verify the next line; returns false once the chain is broken (later lines are ignored). */
  push(line: string): boolean;
  /** The verdict for everything pushed so far (anchors beyond the end count as truncation). */
  result(): ChainVerification;
}

/** Options of a stream verifier: those of verifyChain, and optionally where a segment of the chain starts. */
export interface StreamVerifierOptions extends VerifyChainOptions {
  /**
   * Verify a segment that starts at a trusted head instead of at genesis: the first line must be event
   * `from.seq` and hash to exactly `from.hash` (its own link is outside the segment; the trusted hash covers it).
   * The checkpoint service uses this to check that a new head extends the head it logged before.
   */
  readonly from?: ChainAnchor;
}

/**
 * Create a stream verifier. Options are those of verifyChain; anchors are kept in a map of their own size,
 * so memory stays constant in the length of the chain.
 *
 * @example
 * const verifier = createStreamVerifier({ anchors });
 * for await (const line of splitLines(file)) if (!verifier.push(line)) break;
 * const verdict = verifier.result();
 */
export function createStreamVerifier(options: StreamVerifierOptions = {}): StreamVerifier {
  let chain = options.chain;
  const from = options.from;
  let prevHash = GENESIS_PREV_HASH;
  let index = from?.seq ?? 0;
  let broken: BrokenLink | undefined;
  let anchorBroken: BrokenLink | undefined;
  const anchors = new Map<number, string>();
  for (const a of options.anchors ?? []) anchors.set(a.seq, a.hash);
  const scan: ScannedLinks = { v: -1, seq: -1, chain: '', prevHash: '' };

  const fail = (reason: BrokenReason, seq: number | undefined, message: string): false => {
    broken = { index, seq, reason, message };
    return false;
  };

  return {
    push(line) {
      if (broken) return false;
      const length = line.length;
      if (
        length < LINE_HEAD.length + LINE_TAIL + 1 ||
        !line.startsWith(LINE_HEAD) ||
        !line.startsWith(HASH_MARK, length - LINE_TAIL) ||
        line.charCodeAt(length - 2) !== 0x22 ||
        line.charCodeAt(length - 1) !== 0x7d
      ) {
        return fail('format', undefined, `line ${index} is not {"body":{...},"hash":"..."}`);
      }
      const claimed = line.slice(length - 66, length - 2);
      const body = line.slice(8, length - LINE_TAIL);
      const problem = scanLinks(body, scan);
      if (problem || !isLowerHex64(claimed)) {
        return fail(
          'format',
          scan.seq >= 0 ? scan.seq : undefined,
          `line ${index}: ${problem ?? 'bad hash'}`,
        );
      }
      const seq = scan.seq;
      chain ??= scan.chain;
      if (scan.chain !== chain)
        return fail('chain', seq, `event ${index} belongs to chain ${scan.chain}, not ${chain}`);
      if (seq !== index) return fail('seq', seq, `event ${index} claims seq ${seq}`);
      const first = from !== undefined && seq === from.seq;
      if (!first && scan.prevHash !== prevHash)
        return fail('link', seq, `event ${index} does not link to the event before it`);
      if (sha256Hex(EVENT_HASH_PREFIX + body) !== claimed) {
        return fail('hash', seq, `event ${index} does not match its hash`);
      }
      if (first && claimed !== from.hash) {
        return fail('anchor', seq, `event ${seq} is no longer the event with the trusted hash`);
      }
      if (!anchorBroken && anchors.size > 0) {
        const anchored = anchors.get(seq);
        if (anchored !== undefined && anchored !== claimed) {
          anchorBroken = {
            index,
            seq,
            reason: 'anchor',
            message: `event ${seq} does not match its anchored hash`,
          };
        }
      }
      prevHash = claimed;
      index++;
      return true;
    },
    result() {
      if (broken) return { ok: false, broken };
      if (anchorBroken) return { ok: false, broken: anchorBroken };
      const beyond: ChainAnchor[] = [];
      for (const [seq, h] of anchors) if (seq >= index) beyond.push({ seq, hash: h });
      const truncated = checkAnchors(beyond, index, () => undefined);
      if (truncated) return { ok: false, broken: truncated };
      if (from && index === from.seq) {
        return {
          ok: false,
          broken: { index, seq: from.seq, reason: 'truncated', message: `event ${from.seq} is missing` },
        };
      }
      return {
        ok: true,
        length: index,
        head: index === 0 || chain === undefined ? undefined : { chain, seq: index - 1, hash: prevHash },
      };
    },
  };
}

/**
 * Verify a chain from lines (an array or any async iterable of lines). Stops reading at the first broken element.
 */
export async function verifyChainStream(
  lines: AsyncIterable<string> | Iterable<string>,
  options: VerifyChainOptions = {},
): Promise<ChainVerification> {
  const verifier = createStreamVerifier(options);
  if (Symbol.iterator in lines) {
    for (const line of lines) if (line.length > 0 && !verifier.push(line)) break;
    return verifier.result();
  }
  for await (const line of lines) if (line.length > 0 && !verifier.push(line)) break;
  return verifier.result();
}

/**
 * Verify a chain from a byte or text stream of JSON Lines (a file, an S3 object, an HTTP body). Lines are split
 * per chunk, without a promise per line; memory is bounded by the chunk size.
 *
 * @example
 * const verdict = await verifyBundleStream(createReadStream('custody.jsonl'));
 */
export async function verifyBundleStream(
  chunks: AsyncIterable<Uint8Array | string>,
  options: VerifyChainOptions = {},
): Promise<ChainVerification> {
  const verifier = createStreamVerifier(options);
  for await (const batch of splitLineBatches(chunks)) {
    for (const line of batch) if (!verifier.push(line)) return verifier.result();
  }
  return verifier.result();
}

/**
 * Split a byte or text stream into lines (`\n`, optional `\r`), decoding UTF-8 across chunk boundaries.
 * Empty lines are skipped.
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  for await (const batch of splitLineBatches(chunks)) yield* batch;
}

/** The lines completed by each chunk, as one array per chunk. */
export async function* splitLineBatches(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    const batch: string[] = [];
    let start = 0;
    let nl = text.indexOf('\n', start);
    while (nl !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      if (end > start) batch.push(text.slice(start, end));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    rest = text.slice(start);
    if (batch.length > 0) yield batch;
  }
  rest += decoder.decode();
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest.length > 0) yield [rest];
}

interface ScannedLinks {
  v: number;
  seq: number;
  chain: string;
  prevHash: string;
}

/** Every top-level member of a v1 event, quoted and with its colon, in canonical (JCS) order. */
const MEMBERS = [
  '"action":',
  '"actor":',
  '"chain":',
  '"details":',
  '"documents":',
  '"id":',
  '"outcome":',
  '"prevHash":',
  '"seq":',
  '"subject":',
  '"time":',
  '"v":',
] as const;
const CHAIN = 2;
const PREV_HASH = 7;
const SEQ = 8;
const V = 11;
/** Members an event must have (all but details, documents and subject). */
const REQUIRED_MASK = 0b1101_1110_0111;

/**
 * Read the top-level link members of a canonical body, allocation-light. The top level must be canonical in the
 * ways that matter for reading it: no whitespace, only the v1 members, each at most once and in JCS order (so
 * no duplicates). Nested values are skipped structurally; their bytes are covered by the hash. Returns a
 * problem, or undefined.
 */
function scanLinks(body: string, out: ScannedLinks): string | undefined {
  out.v = -1;
  out.seq = -1;
  out.chain = '';
  out.prevHash = '';
  const n = body.length;
  if (body.charCodeAt(0) !== 0x7b || body.charCodeAt(n - 1) !== 0x7d) return 'the body is not an object';
  let pos = 1;
  let last = -1;
  let present = 0;
  while (pos < n - 1) {
    let member = last + 1;
    while (member < MEMBERS.length && !body.startsWith(MEMBERS[member] as string, pos)) member++;
    if (member === MEMBERS.length) return 'an unknown, repeated or out-of-order top-level member';
    last = member;
    present |= 1 << member;
    const valueStart = pos + (MEMBERS[member] as string).length;
    const valueEnd = skipValue(body, valueStart);
    if (valueEnd < 0) return 'malformed value';
    if (member === SEQ || member === V) {
      const value = readCanonicalInteger(body, valueStart, valueEnd);
      if (value < 0) return 'seq and v must be canonical non-negative integers';
      if (member === SEQ) out.seq = value;
      else out.v = value;
    } else if (member === CHAIN || member === PREV_HASH) {
      const backslash = body.indexOf('\\', valueStart);
      if (body.charCodeAt(valueStart) !== 0x22 || (backslash !== -1 && backslash < valueEnd)) {
        return 'chain and prevHash must be plain strings';
      }
      const value = body.slice(valueStart + 1, valueEnd - 1);
      if (member === CHAIN) out.chain = value;
      else out.prevHash = value;
    }
    const next = body.charCodeAt(valueEnd);
    if (next === 0x2c) pos = valueEnd + 1;
    else if (next === 0x7d && valueEnd === n - 1) pos = n - 1;
    else return 'members must be separated by commas';
  }
  if ((present & REQUIRED_MASK) !== REQUIRED_MASK) return 'a required member is missing';
  if (out.v !== 1) return 'v must be 1';
  if (out.chain.length === 0) return 'chain must be a non-empty string';
  if (!isLowerHex64(out.prevHash)) return 'prevHash must be 64 lowercase hex digits';
  return undefined;
}

/** The integer in s[start, end) if it is canonical JSON (`0` or no leading zero, no sign) and safe, else -1. */
function readCanonicalInteger(s: string, start: number, end: number): number {
  if (end <= start || end - start > 16) return -1;
  if (s.charCodeAt(start) === 0x30 && end - start > 1) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return Number.isSafeInteger(value) ? value : -1;
}

/** Index just past the JSON value starting at `pos`, or -1. Strings honour escapes; containers nest. */
function skipValue(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  if (c === 0x22) return skipString(s, pos);
  const n = s.length;
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    let i = pos;
    while (i < n) {
      const ch = s.charCodeAt(i);
      if (ch === 0x22) {
        i = skipString(s, i);
        if (i < 0) return -1;
        continue;
      }
      if (ch === 0x7b || ch === 0x5b) depth++;
      else if ((ch === 0x7d || ch === 0x5d) && --depth === 0) return i + 1;
      i++;
    }
    return -1;
  }
  // A literal or number: runs to the next comma or closing brace of this level.
  let i = pos;
  while (i < n) {
    const ch = s.charCodeAt(i);
    if (ch === 0x2c || ch === 0x7d || ch === 0x5d) break;
    i++;
  }
  return i > pos ? i : -1;
}

function skipString(s: string, pos: number): number {
  let i = s.indexOf('"', pos + 1);
  while (i !== -1) {
    let backslashes = 0;
    for (let j = i - 1; s.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return i + 1;
    i = s.indexOf('"', i + 1);
  }
  return -1;
}

function isLowerHex64(value: string): boolean {
  if (value.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
