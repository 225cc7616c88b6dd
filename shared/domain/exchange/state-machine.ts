// Domain: the exchange state machine. Decides which message may come next, and from which side; the
// exchange's status is never stored as truth — it is folded from the ledger's message events (projection).
import { PouchError } from '../errors.ts';

/** Messages within an exchange (one per step of a mutual legal assistance procedure). */
export const MESSAGE_KINDS = [
  'request',
  'acknowledgement',
  'info-request',
  'info-reply',
  'evidence',
  'postponement',
  'refusal',
  'withdrawal',
  'closure',
  'consultation',
  'extension',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Where an exchange stands. `closed` is terminal. */
export const EXCHANGE_STATES = [
  'open',
  'submitted',
  'acknowledged',
  'information-requested',
  'postponed',
  'executing',
  'executed',
  'refused',
  'withdrawn',
  'closed',
] as const;
export type ExchangeState = (typeof EXCHANGE_STATES)[number];

/** The requesting authority sends the request; the requested authority executes it. */
export type Side = 'requester' | 'requested';

/** One move: a message of a kind, sent by a side (evidence says whether it completes execution). */
export interface Move {
  readonly kind: MessageKind;
  readonly side: Side;
  /** For `evidence`: true when this package completes execution (final), false for partial execution. */
  readonly final?: boolean;
}

type Rule = { readonly side: Side | 'either'; readonly to: ExchangeState | ((move: Move) => ExchangeState) };

const evidenceTo = (move: Move): ExchangeState => (move.final ? 'executed' : 'executing');

const requestedWork: Partial<Record<MessageKind, Rule>> = {
  acknowledgement: { side: 'requested', to: 'acknowledged' },
  'info-request': { side: 'requested', to: 'information-requested' },
  evidence: { side: 'requested', to: evidenceTo },
  postponement: { side: 'requested', to: 'postponed' },
  refusal: { side: 'requested', to: 'refused' },
  withdrawal: { side: 'requester', to: 'withdrawn' },
};

/**
 * The transition table: for each state, the messages allowed and who may send them. Consultation notes are
 * allowed in every state but `closed` and change nothing; they are handled apart from this table.
 */
/**
 * The requester asks to extend a preservation while the request is live (the clocks read it; the status stays).
 * Only a preservation may be extended: the exchange use case checks the kind of request.
 */
const extension = (state: ExchangeState): Rule => ({ side: 'requester', to: state });

const transitions: Readonly<Record<ExchangeState, Partial<Record<MessageKind, Rule>>>> = {
  open: {
    request: { side: 'requester', to: 'submitted' },
    withdrawal: { side: 'requester', to: 'withdrawn' },
  },
  submitted: { ...requestedWork, extension: extension('submitted') },
  acknowledged: { ...requestedWork, extension: extension('acknowledged') },
  'information-requested': {
    'info-reply': { side: 'requester', to: 'acknowledged' },
    refusal: { side: 'requested', to: 'refused' },
    withdrawal: { side: 'requester', to: 'withdrawn' },
    extension: extension('information-requested'),
  },
  postponed: { ...requestedWork, extension: extension('postponed') },
  executing: {
    evidence: { side: 'requested', to: evidenceTo },
    'info-request': { side: 'requested', to: 'information-requested' },
    postponement: { side: 'requested', to: 'postponed' },
    withdrawal: { side: 'requester', to: 'withdrawn' },
    extension: extension('executing'),
  },
  executed: {
    evidence: { side: 'requested', to: 'executed' },
    closure: { side: 'either', to: 'closed' },
    extension: extension('executed'),
  },
  refused: { closure: { side: 'either', to: 'closed' } },
  withdrawn: { closure: { side: 'either', to: 'closed' } },
  closed: {},
};

/** The messages each side may send in a state (for clients, and for the 409 answer). */
export function listAllowedMoves(state: ExchangeState): Array<{ kind: MessageKind; side: Side | 'either' }> {
  const moves = Object.entries(transitions[state]).map(([kind, rule]) => ({
    kind: kind as MessageKind,
    side: (rule as Rule).side,
  }));
  if (state !== 'closed') moves.push({ kind: 'consultation', side: 'either' });
  return moves;
}

/**
 * Apply one move. Throws ERR_INVALID_STATE (HTTP 409) naming the current state and what is allowed.
 *
 * @example
 * applyMove('open', { kind: 'request', side: 'requester' }); // 'submitted'
 */
export function applyMove(state: ExchangeState, move: Move): ExchangeState {
  if (move.kind === 'consultation' && state !== 'closed') return state;
  const rule = transitions[state][move.kind];
  if (!rule || (rule.side !== 'either' && rule.side !== move.side)) {
    throw new PouchError(
      'ERR_INVALID_STATE',
      `${/^[aeiou]/.test(move.kind) ? 'An' : 'A'} ${move.kind} from the ${move.side} side is not allowed while the exchange is ${state}`,
      { details: { state, allowed: listAllowedMoves(state) } },
    );
  }
  return typeof rule.to === 'function' ? rule.to(move) : rule.to;
}

/** Whether a move is allowed, without throwing. */
export function isMoveAllowed(state: ExchangeState, move: Move): boolean {
  try {
    applyMove(state, move);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fold a sequence of moves, as recorded in the ledger, into the current state. Rebuilding from the ledger
 * at any time gives the same answer: this is the only way the status is computed.
 */
export function projectState(moves: Iterable<Move>): ExchangeState {
  let state: ExchangeState = 'open';
  for (const move of moves) state = applyMove(state, move);
  return state;
}
