// Domain, clocks: what one exchange's ledger says about time, folded event by event (a reducer). The clocks, the
// due lists and the delay figures are all read off this fold, so an incremental update (one event at a time, as
// events land) and a fold from scratch over the chain give the same answer by construction.
import { PouchError } from '../errors.ts';
import { EXCHANGE_STATES, type ExchangeState } from '../exchange/state-machine.ts';
import { URGENCIES, type Urgency } from '../exchange/urgency.ts';
import type { KnownLedgerAction, LedgerEvent } from '../ledger/event.ts';
import { type ExchangeLink, isLinkKind } from './lineage.ts';

/** Budapest Convention art. 29(7): a preservation is held for a period of not less than sixty days. */
export const PRESERVATION_DAYS = 60;
const DAY_MS = 86_400_000;

/** The categories of data a production order (CETS 224 art. 8) asks for: each has its own time limit. */
export const PRODUCTION_DATA_CATEGORIES = ['subscriber', 'traffic'] as const;
export type ProductionDataCategory = (typeof PRODUCTION_DATA_CATEGORIES)[number];

/** The ledger actions the clocks write (the sweep, through the one recorder). */
export const CLOCK_ACTIONS = [
  'clock.reminded',
  'clock.escalated',
  'clock.lapsed',
] as const satisfies readonly KnownLedgerAction[];
export type ClockAction = (typeof CLOCK_ACTIONS)[number];
/** The ledger action written on an earlier exchange's chain when a later one links to it. */
export const LINKED_ACTION = 'exchange.linked' satisfies KnownLedgerAction;

/** One exchange as its ledger tells it, up to `lastSeq`. Plain JSON: the tracker stores it as it is. */
export interface Track {
  readonly exchangeId: string;
  readonly kind: string;
  readonly urgency: Urgency;
  readonly requesterId: string;
  readonly requestedId: string;
  readonly createdAt: string;
  /** The requester's deadline (ISO date-time), from the create request. */
  readonly deadline?: string;
  /** Hours to acknowledge that the recipient's published profile promised for this urgency at creation. */
  readonly acknowledgeWithinHours?: number;
  /**
   * A production order: the categories of data it asks for, as the requester declared them at creation
   * (undefined: not declared, and every category's clock runs).
   */
  readonly dataCategories?: readonly ProductionDataCategory[];
  /** Earlier exchanges this one follows. */
  readonly links: readonly ExchangeLink[];
  /** Later exchanges that follow this one (`exchange.linked`). */
  readonly followers: readonly ExchangeLink[];
  readonly status: ExchangeState;
  /** When the request was sent: every clock starts here. */
  readonly submittedAt?: string;
  /** The requested side's first answer of any kind after the request. */
  readonly acknowledgedAt?: string;
  readonly firstEvidenceAt?: string;
  readonly executedAt?: string;
  /** Refused, withdrawn or closed: no clock runs after it. */
  readonly endedAt?: string;
  /** Rounds of additional information asked for (`info-request` messages). */
  readonly infoRounds: number;
  /** The request was sent with errors forced past the completeness check. */
  readonly forced: boolean;
  /** A preservation: when it lapses unless extended or continued by a formal request. */
  readonly preservationExpiresAt?: string;
  /** The formal request that keeps this preservation in force (art. 29(7)). */
  readonly continuedBy?: string;
  readonly lapsed: boolean;
  /** Clock stages already acted on (`clock/stage/dueAt`). */
  readonly fired: readonly string[];
  readonly lastSeq: number;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();
const ENDED: ReadonlySet<ExchangeState> = new Set(['refused', 'withdrawn', 'closed']);

function statusOf(event: LedgerEvent, fallback: ExchangeState): ExchangeState {
  const s = event.details?.status;
  return typeof s === 'string' && (EXCHANGE_STATES as readonly string[]).includes(s)
    ? (s as ExchangeState)
    : fallback;
}

/** Links as `exchange.created` records them: `{exchangeId, kind}`, or a bare id (older events: a follow-up). */
function linksOf(value: unknown): ExchangeLink[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): ExchangeLink[] => {
    if (typeof item === 'string') return [{ exchangeId: item, kind: 'follow-up' }];
    if (typeof item === 'object' && item !== null) {
      const id = text((item as Record<string, unknown>).exchangeId);
      const kind = text((item as Record<string, unknown>).kind);
      if (id && kind && isLinkKind(kind)) return [{ exchangeId: id, kind }];
    }
    return [];
  });
}

function categoriesOf(value: unknown): ProductionDataCategory[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const known = PRODUCTION_DATA_CATEGORIES.filter((c) => value.includes(c));
  return known.length > 0 ? known : undefined;
}

/**
 * The categories a production-order draft asks for (`dataSought[].category`), for the create request: which
 * CETS 224 time limit runs. Undefined for other kinds or a draft that names none.
 */
export function dataCategoriesOfRequest(request: unknown): ProductionDataCategory[] | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const r = request as Record<string, unknown>;
  if (r.kind !== 'production-order' || !Array.isArray(r.dataSought)) return undefined;
  return categoriesOf(
    r.dataSought.map((d: unknown) =>
      typeof d === 'object' && d !== null ? (d as Record<string, unknown>).category : undefined,
    ),
  );
}

/** The genesis: what the exchange is, and the promise it was created under. */
function openTrack(event: LedgerEvent): Track {
  const d = event.details ?? {};
  const urgency = text(d.urgency);
  const hours = d.acknowledgeWithinHours;
  const deadline = text(d.deadline);
  const kind = text(d.kind) ?? 'unknown';
  const categories = kind === 'production-order' ? categoriesOf(d.dataCategories) : undefined;
  return {
    exchangeId: event.chain,
    kind,
    urgency: urgency && (URGENCIES as readonly string[]).includes(urgency) ? (urgency as Urgency) : 'normal',
    requesterId: text(d.requesterId) ?? event.actor.authorityId,
    requestedId: text(d.requestedId) ?? '',
    createdAt: event.time,
    ...(deadline ? { deadline } : {}),
    ...(typeof hours === 'number' && hours > 0 ? { acknowledgeWithinHours: hours } : {}),
    ...(categories ? { dataCategories: categories } : {}),
    links: linksOf(d.links),
    followers: [],
    status: statusOf(event, 'open'),
    infoRounds: 0,
    forced: false,
    lapsed: false,
    fired: [],
    lastSeq: event.seq,
  };
}

function foldMessage(t: Track, event: LedgerEvent, status: ExchangeState): Track {
  const kind = text(event.details?.messageKind);
  const side = text(event.details?.side);
  let next: Track = { ...t, status };
  if (kind === 'request' && !t.submittedAt) {
    next = { ...next, submittedAt: event.time, forced: event.outcome === 'forced' };
    if (t.kind === 'preservation') {
      next = { ...next, preservationExpiresAt: addMs(event.time, PRESERVATION_DAYS * DAY_MS) };
    }
  }
  if (side === 'requested' && t.submittedAt && !t.acknowledgedAt && kind !== 'consultation') {
    next = { ...next, acknowledgedAt: event.time };
  }
  if (kind === 'info-request') next = { ...next, infoRounds: t.infoRounds + 1 };
  if (kind === 'evidence' && !t.firstEvidenceAt) next = { ...next, firstEvidenceAt: event.time };
  if (kind === 'extension' && t.preservationExpiresAt && !t.continuedBy) {
    // A further period of at least 60 days from the later of the current expiry and the extension.
    const from = Math.max(Date.parse(t.preservationExpiresAt), Date.parse(event.time));
    next = { ...next, preservationExpiresAt: new Date(from + PRESERVATION_DAYS * DAY_MS).toISOString() };
  }
  if (status === 'executed' && !t.executedAt) next = { ...next, executedAt: event.time };
  if (ENDED.has(status) && !t.endedAt) next = { ...next, endedAt: event.time };
  return next;
}

/**
 * Fold one event into the track (`undefined` before the genesis). Events at or below `lastSeq` are ignored, so
 * applying an event twice changes nothing.
 */
export function foldTrack(track: Track | undefined, event: LedgerEvent): Track | undefined {
  if (!track) return event.action === 'exchange.created' ? openTrack(event) : undefined;
  if (event.seq <= track.lastSeq) return track;
  const status = statusOf(event, track.status);
  let next: Track = { ...track, lastSeq: event.seq, status };
  const d = event.details ?? {};
  switch (event.action) {
    case 'message.sent':
      next = { ...foldMessage(track, event, status), lastSeq: event.seq };
      break;
    case LINKED_ACTION: {
      const follower = text(d.followedBy);
      const kind = text(d.linkKind);
      if (follower && kind && isLinkKind(kind)) {
        next = { ...next, followers: [...track.followers, { exchangeId: follower, kind }] };
        if (kind === 'preservation-to-mla' && track.kind === 'preservation' && !track.continuedBy) {
          next = { ...next, continuedBy: follower };
        }
      }
      break;
    }
    case 'clock.reminded':
    case 'clock.escalated':
    case 'clock.lapsed': {
      const key = `${text(d.clock)}/${text(d.stage)}/${text(d.dueAt)}`;
      next = { ...next, fired: track.fired.includes(key) ? track.fired : [...track.fired, key] };
      if (event.action === 'clock.lapsed') next = { ...next, lapsed: true };
      break;
    }
    default:
      break;
  }
  return next;
}

/** Fold a whole chain (from scratch). */
export function foldChain(events: Iterable<LedgerEvent>): Track | undefined {
  let track: Track | undefined;
  for (const event of events) track = foldTrack(track, event);
  return track;
}

/**
 * Only a preservation can be extended (the `extension` message moves its expiry): any other kind of request
 * refuses it with ERR_INVALID_STATE, as the state machine refuses a move out of turn.
 */
export function checkMessageFitsRequest(requestKind: string, messageKind: string): void {
  if (messageKind === 'extension' && requestKind !== 'preservation') {
    throw new PouchError('ERR_INVALID_STATE', 'Only a preservation request can be extended', {
      details: { kind: requestKind },
    });
  }
}

/**
 * Data categories (which CETS 224 time limit runs) belong to a production order only: any other kind refuses
 * them with ERR_VALIDATION rather than keep a field nothing reads.
 */
export function checkDataCategoriesFitKind(kind: string, categories: readonly string[] | undefined): void {
  if (categories !== undefined && kind !== 'production-order') {
    throw new PouchError('ERR_VALIDATION', 'Data categories are declared for a production order only', {
      details: { field: 'json.dataCategories', kind },
    });
  }
}
