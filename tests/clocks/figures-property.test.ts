// Property: the delay figures the tracker maintains incrementally, as events land (some observations lost, some
// repeated, chains interleaved), equal the figures computed from scratch over the whole ledger. The tracker runs
// for real over in-memory stores; the events come from the real state machine and event builder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClockStore, DueView, FigureStore, LineageStore } from '../../server/ports/clock-store.ts';
import { createTracker } from '../../server/use-cases/clocks/tracker.ts';
import { type Contribution, figuresFromTracks, figuresOf } from '../../shared/domain/clocks/figures.ts';
import { foldChain, type Track } from '../../shared/domain/clocks/track.ts';
import {
  applyMove,
  type ExchangeState,
  listAllowedMoves,
  type MessageKind,
  type Side,
} from '../../shared/domain/exchange/state-machine.ts';
import { createEvent, encodeEventLine, type LedgerEvent } from '../../shared/domain/ledger/event.ts';

const AUTHORITIES = ['A', 'B', 'C'] as const;

/** In-memory stores with the adapters' semantics (track only forward, contributions overwritten). */
function memoryStores() {
  const tracks = new Map<string, Track>();
  const contributions = new Map<string, Contribution>();
  const clocks: ClockStore = {
    async getTrack(id) {
      return tracks.get(id);
    },
    async putTrack(track) {
      const stored = tracks.get(track.exchangeId);
      if (stored && stored.lastSeq >= track.lastSeq) return false;
      tracks.set(track.exchangeId, track);
      return true;
    },
    async putDueView(_a: string, _e: string, _v: DueView | undefined) {},
    async listDueViews() {
      return [];
    },
    async listDue() {
      return [];
    },
    async setLabelExpiry() {},
  };
  const lineage: LineageStore = {
    async putLink() {},
    async listLinks() {
      return { parents: [], children: [] };
    },
  };
  const figures: FigureStore = {
    async putContribution(owner, c) {
      contributions.set(`${owner}|${c.period}|${c.exchangeId}`, c);
    },
    async listContributions(owner) {
      return [...contributions.entries()].filter(([k]) => k.startsWith(`${owner}|`)).map(([, c]) => c);
    },
  };
  return { clocks, lineage, figures };
}

interface Step {
  readonly chain: number;
  readonly pick: number;
  readonly side: Side;
  readonly minutes: number;
  /** 0: observed once, 1: observation lost, 2: observed twice. */
  readonly observe: 0 | 1 | 2;
  readonly forced: boolean;
}

const arbStep: fc.Arbitrary<Step> = fc.record({
  chain: fc.nat(3),
  pick: fc.nat(20),
  side: fc.constantFrom<Side>('requester', 'requested'),
  minutes: fc.integer({ min: 1, max: 60 * 24 * 20 }),
  observe: fc.constantFrom<0 | 1 | 2>(0, 0, 0, 1, 2),
  forced: fc.boolean(),
});

const arbChain = fc.record({
  kind: fc.constantFrom('mla', 'preservation', 'stored-data'),
  requester: fc.constantFrom(...AUTHORITIES),
  requested: fc.constantFrom(...AUTHORITIES),
  lapses: fc.boolean(),
});

describe('delay figures', () => {
  it('incremental figures equal a from-scratch computation after any sequence of events (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbChain, { minLength: 1, maxLength: 4 }),
        fc.array(arbStep, { maxLength: 60 }),
        async (chains, steps) => {
          const stores = memoryStores();
          const ledger = new Map<string, LedgerEvent[]>();
          const tracker = createTracker({
            ...stores,
            ledger: {
              async *readLines(chain: string, fromSeq = 0) {
                for (const e of ledger.get(chain) ?? []) if (e.seq >= fromSeq) yield encodeEventLine(e);
              },
              async head(chain: string) {
                return ledger.get(chain)?.at(-1);
              },
            },
          });
          let clock = Date.parse('2026-01-01T00:00:00.000Z');
          const states: ExchangeState[] = [];
          const append = async (
            chain: string,
            fields: Parameters<typeof createEvent>[1],
            observe: number,
          ) => {
            const events = ledger.get(chain) ?? [];
            const event = createEvent(events.at(-1), fields, { chain, now: new Date(clock) });
            ledger.set(chain, [...events, event]);
            for (let i = 0; i < (observe === 1 ? 0 : observe === 2 ? 2 : 1); i++)
              await tracker.observe(event);
          };
          const actor = (authorityId: string) => ({ authorityId, memberId: 'm', role: 'officer' });
          for (const [i, c] of chains.entries()) {
            const requested = c.requested === c.requester ? (c.requester === 'A' ? 'B' : 'A') : c.requested;
            await append(
              `ex${i}`,
              {
                actor: actor(c.requester),
                action: 'exchange.created',
                outcome: 'success',
                details: {
                  kind: c.kind,
                  urgency: 'normal',
                  requesterId: c.requester,
                  requestedId: requested,
                  status: 'open',
                },
              },
              0,
            );
            states.push('open');
          }
          for (const step of steps) {
            const i = step.chain % chains.length;
            const chain = `ex${i}`;
            const state = states[i] as ExchangeState;
            const moves = listAllowedMoves(state).filter((m) => m.side === 'either' || m.side === step.side);
            clock += step.minutes * 60_000;
            const genesis = ledger.get(chain)?.[0];
            const authority = String(
              step.side === 'requester' ? genesis?.details?.requesterId : genesis?.details?.requestedId,
            );
            if (moves.length === 0 || (chains[i]?.lapses && step.pick === 20)) {
              if (chains[i]?.kind === 'preservation' && chains[i]?.lapses) {
                await append(
                  chain,
                  {
                    actor: { authorityId: 'pouch', memberId: 'clock-sweep', role: 'system' },
                    action: 'clock.lapsed',
                    outcome: 'success',
                    details: { clock: 'preservation', stage: 'lapsed', dueAt: 'x', status: state },
                  },
                  step.observe,
                );
              }
              continue;
            }
            const move = moves[step.pick % moves.length] as { kind: MessageKind };
            const final = step.pick % 2 === 0;
            const to = applyMove(state, { kind: move.kind, side: step.side, final });
            states[i] = to;
            await append(
              chain,
              {
                actor: actor(authority),
                action: 'message.sent',
                outcome: move.kind === 'request' && step.forced ? 'forced' : 'success',
                details: { messageKind: move.kind, side: step.side, status: to },
              },
              step.observe,
            );
          }
          // The last event of each chain lands observed (a lost one is caught up by the next).
          for (const events of ledger.values()) await tracker.observe(events.at(-1) as LedgerEvent);

          const scratch = [...ledger.values()].map((events) => foldChain(events) as Track);
          for (const authority of AUTHORITIES) {
            const incremental = figuresOf(await stores.figures.listContributions(authority));
            expect(incremental).toEqual(figuresFromTracks(scratch, authority));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('computes nearest-rank median and p90, shares and counts', () => {
    const base = { counterpart: 'B', side: 'sent' as const, kind: 'mla', period: '2026-01', infoRounds: 1 };
    const cs: Contribution[] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((s, i) => ({
      ...base,
      exchangeId: `e${i}`,
      acknowledgeSeconds: s,
      forced: i < 3,
      lapsed: i === 0,
    }));
    const [figure] = figuresOf(cs);
    expect(figure).toMatchObject({
      requests: 10,
      acknowledge: { count: 10, median: 50, p90: 90 },
      firstEvidence: { count: 0 },
      infoRounds: 10,
      forced: 3,
      forcedShare: 0.3,
      lapsedPreservations: 1,
    });
  });
});
