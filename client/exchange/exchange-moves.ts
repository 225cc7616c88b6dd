// Client exchange workflows: the words people type for a reply (`pouch reply EXCHANGE ack`) and the message
// kinds of the state machine behind them, plus which moves the caller's side may make next.
import {
  EXCHANGE_STATES,
  type ExchangeState,
  listAllowedMoves,
  type MessageKind,
  type Side,
} from '../../shared/domain/exchange/state-machine.ts';

/** Reply verbs, in the order a procedure usually meets them, with the message kind each one sends. */
export const REPLY_VERBS = {
  ack: 'acknowledgement',
  ask: 'info-request',
  answer: 'info-reply',
  evidence: 'evidence',
  postpone: 'postponement',
  refuse: 'refusal',
  withdraw: 'withdrawal',
  close: 'closure',
  note: 'consultation',
  extend: 'extension',
} as const satisfies Record<string, MessageKind>;

export type ReplyVerb = keyof typeof REPLY_VERBS;

/** Whether `word` is a reply verb. */
export function isReplyVerb(word: string): word is ReplyVerb {
  return Object.hasOwn(REPLY_VERBS, word);
}

/** The verb for a message kind (for hints such as "next: pouch reply X ack"). */
export function findReplyVerb(kind: MessageKind): ReplyVerb | undefined {
  return (Object.keys(REPLY_VERBS) as ReplyVerb[]).find((verb) => REPLY_VERBS[verb] === kind);
}

/** The caller's side in an exchange, from its authority id; undefined for a reader who is neither party. */
export function findSide(
  label: { requesterId: string; requestedId: string },
  authorityId: string,
): Side | undefined {
  if (label.requesterId === authorityId) return 'requester';
  if (label.requestedId === authorityId) return 'requested';
  return undefined;
}

/** The moves allowed now, with who may make them and whether the caller's side may. */
export function listNextMoves(
  status: string,
  side: Side | undefined,
): Array<{ kind: MessageKind; side: Side | 'either'; verb: ReplyVerb | undefined; yours: boolean }> {
  if (!(EXCHANGE_STATES as readonly string[]).includes(status)) return [];
  return listAllowedMoves(status as ExchangeState).map((move) => ({
    ...move,
    verb: findReplyVerb(move.kind),
    yours: side !== undefined && (move.side === 'either' || move.side === side),
  }));
}
