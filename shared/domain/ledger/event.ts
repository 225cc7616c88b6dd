// Domain layer, custody ledger: the event type, its canonical hash and its one-line wire form. Use cases build
// fields, the ledger store (server/ports/ledger-store.ts) appends them; verifiers re-hash what was stored.
import { sha256Hex } from '#sha256';
import { PouchError } from '../errors.ts';
import { canonicalJson } from './jcs.ts';

/**
 * Exactly the actions the exchange writes (the ledger recorder, server/use-cases/ledger-recorder.ts, refuses any
 * other). Status changes ride on `message.sent` (`details.status`), so there is no separate status action. The
 * union below stays open: a verifier must accept actions that a newer exchange writes.
 */
export const LEDGER_ACTIONS = [
  'exchange.created',
  'document.uploaded',
  'message.sent',
  'message.delivered',
  'document.retrieved',
  'auditor.viewed',
  'custody.exported',
  // Lineage and clocks (shared/domain/clocks/): a later exchange linked to this one; a clock's reminder, an
  // emergency's escalation, a preservation's lapse, each recorded by the clock sweep.
  'exchange.linked',
  'clock.reminded',
  'clock.escalated',
  'clock.lapsed',
] as const;

/** An action named in {@link LEDGER_ACTIONS}. */
export type KnownLedgerAction = (typeof LEDGER_ACTIONS)[number];

/** Any action: the known ones, autocompleted, plus any other dotted name. */
export type LedgerAction = KnownLedgerAction | (string & {});

/** Whether `action` is one the exchange writes. */
export function isKnownLedgerAction(action: string): action is KnownLedgerAction {
  return (LEDGER_ACTIONS as readonly string[]).includes(action);
}

/** `forced`: the operator acted under a documented override (e.g. a lapsed deadline closed by the system). */
export type LedgerOutcome = 'success' | 'failure' | 'forced';

/** Who acted: the authority, the officer (`sub` of the assertion) and the role they acted in. */
export interface LedgerActor {
  readonly authorityId: string;
  readonly memberId: string;
  readonly role: string;
}

/** What the event is about, beyond the exchange itself. */
export interface LedgerSubject {
  readonly messageId?: string;
  readonly documentId?: string;
  /** Status transitions: the status before and after. */
  readonly from?: string;
  readonly to?: string;
}

/**
 * The digests of one sealed document. The sealed digest is the one storage verified, in one of two forms: a
 * single-PUT upload carries `sealedSha256` (storage checked the whole object against it); a multipart upload
 * carries `sealedPartsSha256` and `partSize` (storage checked each part, and the object's composite checksum,
 * never the whole-file digest). Events written before the two forms were told apart carry `sealedSha256` for
 * every upload; verifiers accept them as they are.
 */
export interface DocumentDigest {
  readonly documentId: string;
  /**
   * Hex SHA-256 of the plaintext: the SENDER's claim, copied from its signed manifest (the exchange never sees
   * the plaintext). The recipient's client checks it after opening.
   */
  readonly plaintextSha256: string;
  /** Single-PUT upload: hex SHA-256 of the whole sealed (age) object, as storage verified it. */
  readonly sealedSha256?: string;
  /**
   * Multipart upload: storage's composite checksum, hex SHA-256 over the raw SHA-256 digests of the parts in
   * order, followed by `-` and the part count (S3 reports the same value as base64 `…-N`).
   */
  readonly sealedPartsSha256?: string;
  /** Multipart upload: the size every part but the last was cut to. */
  readonly partSize?: number;
  /** Size of the sealed bytes. */
  readonly size: number;
}

/** `sealedPartsSha256`: 64 lowercase hex digits, `-`, the part count (1 to 10,000). */
export const PARTS_DIGEST_PATTERN = /^[0-9a-f]{64}-[1-9][0-9]{0,4}$/;

/** Whether two document digests name the same document with the same digests, in the same form. */
export function sameDocumentDigest(a: DocumentDigest, b: DocumentDigest): boolean {
  return (
    a.documentId === b.documentId &&
    a.plaintextSha256 === b.plaintextSha256 &&
    a.sealedSha256 === b.sealedSha256 &&
    a.sealedPartsSha256 === b.sealedPartsSha256 &&
    a.partSize === b.partSize &&
    a.size === b.size
  );
}

/** A JSON value as RFC 8785 can canonicalize it (finite numbers only). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** An event without its hash: exactly what the hash covers. */
export interface LedgerEventBody {
  readonly v: 1;
  /**
   * The event's own id, chosen by its writer before the first attempt (`evt_…` from the recorder; earlier events
   * carry a UUID v4). Hashed like every member. A writer recognises its own event by it: after a lost answer, and
   * when a keyed action is retried (the recorder never appends a second event with an id already in the chain).
   */
  readonly id: string;
  /** The exchange id: one chain per exchange. */
  readonly chain: string;
  /** 0-based position in the chain; the DynamoDB sort key. */
  readonly seq: number;
  /** `hash` of the event at `seq - 1`; {@link GENESIS_PREV_HASH} for `seq` 0. */
  readonly prevHash: string;
  /** UTC, ISO 8601 with milliseconds and `Z` (`Date.prototype.toISOString`). */
  readonly time: string;
  readonly actor: LedgerActor;
  readonly action: LedgerAction;
  readonly outcome: LedgerOutcome;
  readonly subject?: LedgerSubject;
  readonly documents?: readonly DocumentDigest[];
  readonly details?: { readonly [key: string]: JsonValue };
}

/** A stored event: the body plus its hash. */
export interface LedgerEvent extends LedgerEventBody {
  /** {@link hashEvent} of the body: lowercase hex SHA-256. */
  readonly hash: string;
}

/**
 * What a use case decides; the ledger fills in `v`, `chain`, `seq`, `prevHash`, `time` and `hash`, and `id` when
 * the writer leaves it out.
 */
export interface LedgerEventFields {
  /** The event's own id (see {@link LedgerEventBody.id}); a random UUID when absent. */
  readonly id?: string;
  readonly actor: LedgerActor;
  readonly action: LedgerAction;
  readonly outcome: LedgerOutcome;
  readonly subject?: LedgerSubject;
  readonly documents?: readonly DocumentDigest[];
  readonly details?: { readonly [key: string]: JsonValue };
}

/** `prevHash` of the first event of every chain. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/**
 * Domain-separation prefix of the event hash. A newline can never occur raw inside canonical JSON (it is always
 * escaped), so prefix and JSON cannot run into each other, and no other Pouch hash starts with these bytes.
 */
export const EVENT_HASH_PREFIX = 'pouch-ledger-event-v1\n';

const HEX64 = /^[0-9a-f]{64}$/;
const BODY_MEMBERS = new Set([
  'v',
  'id',
  'chain',
  'seq',
  'prevHash',
  'time',
  'actor',
  'action',
  'outcome',
  'subject',
  'documents',
  'details',
  'hash',
]);
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The event hash, defined precisely:
 *
 *   hash = lowercase-hex( SHA-256( UTF-8( EVENT_HASH_PREFIX ) || UTF-8( JCS(body) ) ) )
 *
 * where `body` is the event with the `hash` member removed (every other member kept, absent optional members
 * omitted, never `null`), and JCS is the RFC 8785 JSON Canonicalization Scheme (members sorted by UTF-16 code
 * units, no whitespace, ECMAScript number and string serialisation). The same bytes, `JCS(body)`, are what the
 * ledger stores, so a verifier can hash the stored bytes as they are (see stream-verifier.ts).
 *
 * Accepts an event with or without `hash`; `hash` is ignored.
 */
export function hashEvent(event: LedgerEventBody | LedgerEvent): string {
  return hashCanonicalBody(canonicalEventBody(event));
}

/** SHA-256 over the prefix and an already-canonical body string. */
export function hashCanonicalBody(canonicalBody: string): string {
  return sha256Hex(EVENT_HASH_PREFIX + canonicalBody);
}

/** RFC 8785 canonical JSON of the event without `hash`. */
export function canonicalEventBody(event: LedgerEventBody | LedgerEvent): string {
  const { hash: _ignored, ...body } = event as LedgerEvent;
  return canonicalJson(body);
}

/**
 * Build the next event of a chain. `prev` is the current head (undefined for a new chain); `chain` is required
 * when there is no head. Validates the fields, so a malformed event is refused before it reaches storage.
 *
 * @example
 * const first = createEvent(undefined, { actor, action: 'exchange.created', outcome: 'success' }, { chain: 'ex1' });
 * const next = createEvent(first, { actor, action: 'message.sent', outcome: 'success', subject: { messageId } });
 */
export function createEvent(
  prev: LedgerEvent | undefined,
  fields: LedgerEventFields,
  options: { chain?: string; now?: Date; id?: string } = {},
): LedgerEvent {
  const chain = prev?.chain ?? options.chain;
  if (chain === undefined)
    throw new PouchError('ERR_VALIDATION', 'The first event of a chain needs a chain id');
  if (prev && options.chain !== undefined && options.chain !== prev.chain) {
    throw new PouchError('ERR_VALIDATION', 'The previous event belongs to another chain');
  }
  const body: LedgerEventBody = {
    v: 1,
    id: fields.id ?? options.id ?? crypto.randomUUID(),
    chain,
    seq: prev ? prev.seq + 1 : 0,
    prevHash: prev ? prev.hash : GENESIS_PREV_HASH,
    time: (options.now ?? new Date()).toISOString(),
    actor: {
      authorityId: fields.actor.authorityId,
      memberId: fields.actor.memberId,
      role: fields.actor.role,
    },
    action: fields.action,
    outcome: fields.outcome,
    ...(fields.subject ? { subject: fields.subject } : {}),
    ...(fields.documents ? { documents: fields.documents } : {}),
    ...(fields.details ? { details: fields.details } : {}),
  };
  const problem = describeBodyProblem(body);
  if (problem)
    throw new PouchError('ERR_VALIDATION', `Invalid ledger event: ${problem}`, { details: { problem } });
  return { ...body, hash: hashEvent(body) };
}

/**
 * The first reason `value` is not a well-formed event body, or undefined. Checks shape and formats only,
 * never the hash or the links (verify-chain.ts does that).
 */
export function describeBodyProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  const e = value;
  for (const key of Object.keys(e)) if (!BODY_MEMBERS.has(key)) return `${key} is not a member of a v1 event`;
  if (e.v !== 1) return 'v must be 1';
  if (!isNonEmptyString(e.id)) return 'id must be a non-empty string';
  if (!isNonEmptyString(e.chain)) return 'chain must be a non-empty string';
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 0) return 'seq must be a non-negative integer';
  if (typeof e.prevHash !== 'string' || !HEX64.test(e.prevHash))
    return 'prevHash must be 64 lowercase hex digits';
  if (typeof e.time !== 'string' || !ISO_UTC_MS.test(e.time) || Number.isNaN(Date.parse(e.time))) {
    return 'time must be UTC ISO 8601 with milliseconds';
  }
  if (!isRecord(e.actor)) return 'actor must be an object';
  for (const key of ['authorityId', 'memberId', 'role'] as const) {
    if (!isNonEmptyString(e.actor[key])) return `actor.${key} must be a non-empty string`;
  }
  if (!isNonEmptyString(e.action)) return 'action must be a non-empty string';
  if (e.outcome !== 'success' && e.outcome !== 'failure' && e.outcome !== 'forced')
    return 'outcome is unknown';
  if (e.subject !== undefined) {
    if (!isRecord(e.subject)) return 'subject must be an object';
    for (const [key, v] of Object.entries(e.subject)) {
      if (!['messageId', 'documentId', 'from', 'to'].includes(key)) return `subject.${key} is not allowed`;
      if (!isNonEmptyString(v)) return `subject.${key} must be a non-empty string`;
    }
  }
  if (e.documents !== undefined) {
    if (!Array.isArray(e.documents)) return 'documents must be an array';
    for (const [i, d] of e.documents.entries()) {
      if (!isRecord(d)) return `documents[${i}] must be an object`;
      if (!isNonEmptyString(d.documentId)) return `documents[${i}].documentId must be a non-empty string`;
      if (typeof d.plaintextSha256 !== 'string' || !HEX64.test(d.plaintextSha256)) {
        return `documents[${i}].plaintextSha256 must be 64 lowercase hex digits`;
      }
      if (d.sealedPartsSha256 === undefined) {
        if (typeof d.sealedSha256 !== 'string' || !HEX64.test(d.sealedSha256)) {
          return `documents[${i}].sealedSha256 must be 64 lowercase hex digits`;
        }
        if (d.partSize !== undefined) return `documents[${i}].partSize belongs to a multipart digest`;
      } else {
        // One sealed digest per document: the one storage verified, never a second, unverified one beside it.
        if (d.sealedSha256 !== undefined) {
          return `documents[${i}] carries both sealedSha256 and sealedPartsSha256`;
        }
        if (typeof d.sealedPartsSha256 !== 'string' || !PARTS_DIGEST_PATTERN.test(d.sealedPartsSha256)) {
          return `documents[${i}].sealedPartsSha256 must be 64 lowercase hex digits, '-' and the part count`;
        }
        if (!Number.isSafeInteger(d.partSize) || (d.partSize as number) <= 0) {
          return `documents[${i}].partSize must be a positive integer`;
        }
      }
      if (!Number.isSafeInteger(d.size) || (d.size as number) < 0)
        return `documents[${i}].size must be an integer`;
    }
  }
  if (e.details !== undefined && !isRecord(e.details)) return 'details must be an object';
  if (e.details !== undefined && !isJson(e.details)) return 'details must be plain JSON with finite numbers';
  return undefined;
}

/**
 * The one-line wire and storage form of an event: `{"body":<JCS(body)>,"hash":"<hash>"}`. Because `body` sorts
 * before `hash`, the line is itself the RFC 8785 form of `{ body, hash }`. Bundles are these lines joined by
 * `\n` (JSON Lines); the DynamoDB item stores the same `JCS(body)` string.
 */
export function encodeEventLine(event: LedgerEvent): string {
  return formatEventLine(canonicalEventBody(event), event.hash);
}

/** Assemble a line from a canonical body string and a hash (used by the store, which keeps the two apart). */
export function formatEventLine(canonicalBody: string, hash: string): string {
  return `{"body":${canonicalBody},"hash":"${hash}"}`;
}

/**
 * Parse a line back into an event. Throws ERR_LEDGER_BROKEN on anything that is not `{ body, hash }` with a
 * well-formed event body (details.problem names the first fault).
 */
export function decodeEventLine(line: string): LedgerEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new PouchError('ERR_LEDGER_BROKEN', 'A ledger line is not JSON', { cause: error });
  }
  if (!isRecord(parsed) || !isRecord(parsed.body) || typeof parsed.hash !== 'string') {
    throw new PouchError('ERR_LEDGER_BROKEN', 'A ledger line must be {"body":{...},"hash":"..."}');
  }
  if (!isEventBody(parsed.body)) {
    const problem = describeBodyProblem(parsed.body);
    throw new PouchError('ERR_LEDGER_BROKEN', `A ledger line's body is malformed: ${problem}`, {
      details: { problem },
    });
  }
  return { ...parsed.body, hash: parsed.hash };
}

/** True when `value` is a well-formed event body ({@link describeBodyProblem} finds nothing). */
export function isEventBody(value: unknown): value is LedgerEventBody {
  return describeBodyProblem(value) === undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (isRecord(value)) return Object.values(value).every(isJson);
  return false;
}
