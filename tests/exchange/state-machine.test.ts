// Domain tests: the exchange state machine (examples and fast-check properties).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPouchError } from '../../shared/domain/errors.ts';
import {
  applyMove,
  EXCHANGE_STATES,
  type ExchangeState,
  isMoveAllowed,
  listAllowedMoves,
  MESSAGE_KINDS,
  type Move,
  projectState,
} from '../../shared/domain/exchange/state-machine.ts';

const move = (kind: Move['kind'], side: Move['side'], final?: boolean): Move => ({
  kind,
  side,
  ...(final === undefined ? {} : { final }),
});

const arbMove = fc.record({
  kind: fc.constantFrom(...MESSAGE_KINDS),
  side: fc.constantFrom('requester' as const, 'requested' as const),
  final: fc.boolean(),
});

describe('exchange state machine', () => {
  it('plays the whole story: request, acknowledgement, question, answer, partial and final evidence, closure', () => {
    const story = [
      move('request', 'requester'),
      move('acknowledgement', 'requested'),
      move('info-request', 'requested'),
      move('consultation', 'requester'),
      move('info-reply', 'requester'),
      move('evidence', 'requested', false),
      move('evidence', 'requested', true),
      move('closure', 'requester'),
    ];
    const states: ExchangeState[] = [];
    let state: ExchangeState = 'open';
    for (const m of story) {
      state = applyMove(state, m);
      states.push(state);
    }
    expect(states).toEqual([
      'submitted',
      'acknowledged',
      'information-requested',
      'information-requested',
      'acknowledged',
      'executing',
      'executed',
      'closed',
    ]);
    expect(projectState(story)).toBe('closed');
  });

  it('answers an invalid move with ERR_INVALID_STATE naming the current state and the allowed moves', () => {
    let caught: unknown;
    try {
      applyMove('submitted', move('info-reply', 'requester'));
    } catch (error) {
      caught = error;
    }
    expect(isPouchError(caught, 'ERR_INVALID_STATE')).toBe(true);
    const details = (caught as { details: { state: string; allowed: Array<{ kind: string }> } }).details;
    expect(details.state).toBe('submitted');
    expect(details.allowed.map((a) => a.kind)).toContain('acknowledgement');
  });

  it('lets only the requested side execute, and only the requester withdraw', () => {
    expect(isMoveAllowed('submitted', move('evidence', 'requester', true))).toBe(false);
    expect(isMoveAllowed('submitted', move('refusal', 'requester'))).toBe(false);
    expect(isMoveAllowed('submitted', move('withdrawal', 'requested'))).toBe(false);
    expect(isMoveAllowed('open', move('request', 'requested'))).toBe(false);
    expect(isMoveAllowed('submitted', move('withdrawal', 'requester'))).toBe(true);
  });

  it('never lets anything follow closure, not even a consultation note (property)', () => {
    fc.assert(fc.property(arbMove, (m) => !isMoveAllowed('closed', m)));
  });

  it('agrees with listAllowedMoves in every state (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EXCHANGE_STATES), arbMove, (state, m) => {
        const listed = listAllowedMoves(state).some(
          (a) => a.kind === m.kind && (a.side === 'either' || a.side === m.side),
        );
        expect(isMoveAllowed(state, m)).toBe(listed);
      }),
    );
  });

  it('projects any accepted sequence to the state reached step by step, and rejects the rest (property)', () => {
    fc.assert(
      fc.property(fc.array(arbMove, { maxLength: 30 }), (moves) => {
        const accepted: Move[] = [];
        let state: ExchangeState = 'open';
        for (const m of moves) {
          if (!isMoveAllowed(state, m)) continue;
          state = applyMove(state, m);
          accepted.push(m);
        }
        expect(projectState(accepted)).toBe(state);
        expect(EXCHANGE_STATES).toContain(state);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps consultation notes from changing the state (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EXCHANGE_STATES.filter((s) => s !== 'closed')), (state) => {
        expect(applyMove(state, move('consultation', 'requester'))).toBe(state);
        expect(applyMove(state, move('consultation', 'requested'))).toBe(state);
      }),
    );
  });
});
