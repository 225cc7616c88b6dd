// Domain, clocks: delay figures per counterpart. Each exchange contributes one record (read off its track), kept
// per party; a figure is computed from the contributions of its group. The tracker overwrites an exchange's
// contribution as events land (never rescanning chains), and `figuresFromTracks` computes the same figures from
// scratch: a property test holds the two equal.
import type { Track } from './track.ts';

/** `sent`: the authority requested and the counterpart executes; `received`: the other way round. */
export type FigureSide = 'sent' | 'received';

/** What one exchange adds to its party's figures. Plain JSON, stored per exchange and party. */
export interface Contribution {
  readonly exchangeId: string;
  readonly counterpart: string;
  readonly side: FigureSide;
  readonly kind: string;
  /** Month the request was sent (`YYYY-MM`, UTC). */
  readonly period: string;
  readonly acknowledgeSeconds?: number;
  readonly firstEvidenceSeconds?: number;
  readonly executionSeconds?: number;
  readonly infoRounds: number;
  readonly forced: boolean;
  /** A preservation that lapsed with no formal request linked. */
  readonly lapsed: boolean;
}

const seconds = (from: string, to: string | undefined): number | undefined =>
  to === undefined ? undefined : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/** The contributions of one exchange, one per party; none before its request is sent. */
export function contributionsOf(t: Track): Contribution[] {
  if (!t.submittedAt) return [];
  const ack = seconds(t.submittedAt, t.acknowledgedAt);
  const evidence = seconds(t.submittedAt, t.firstEvidenceAt);
  const execution = seconds(t.submittedAt, t.executedAt);
  const base = {
    exchangeId: t.exchangeId,
    kind: t.kind,
    period: t.submittedAt.slice(0, 7),
    ...(ack === undefined ? {} : { acknowledgeSeconds: ack }),
    ...(evidence === undefined ? {} : { firstEvidenceSeconds: evidence }),
    ...(execution === undefined ? {} : { executionSeconds: execution }),
    infoRounds: t.infoRounds,
    forced: t.forced,
    lapsed: t.lapsed,
  };
  return [
    { ...base, counterpart: t.requestedId, side: 'sent' },
    { ...base, counterpart: t.requesterId, side: 'received' },
  ];
}

/** The party a contribution belongs to. */
export function ownerOf(t: Pick<Track, 'requesterId' | 'requestedId'>, c: Contribution): string {
  return c.side === 'sent' ? t.requesterId : t.requestedId;
}

export interface Spread {
  readonly count: number;
  /** Nearest-rank percentiles, in seconds (absent when there is no sample). */
  readonly median?: number;
  readonly p90?: number;
}

export interface Figure {
  readonly counterpart: string;
  readonly side: FigureSide;
  readonly kind: string;
  readonly period: string;
  readonly requests: number;
  readonly acknowledge: Spread;
  readonly firstEvidence: Spread;
  readonly execution: Spread;
  /** Rounds of additional information, in total. */
  readonly infoRounds: number;
  /** Requests sent with errors forced past the check. */
  readonly forced: number;
  readonly forcedShare: number;
  readonly lapsedPreservations: number;
}

/** Nearest-rank percentile: the smallest sample with at least `q` of the samples at or below it. */
function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function spread(samples: readonly (number | undefined)[]): Spread {
  const sorted = samples.filter((s): s is number => s !== undefined).sort((a, b) => a - b);
  const median = percentile(sorted, 0.5);
  const p90 = percentile(sorted, 0.9);
  return {
    count: sorted.length,
    ...(median === undefined ? {} : { median }),
    ...(p90 === undefined ? {} : { p90 }),
  };
}

const groupKey = (c: Contribution): string => [c.period, c.counterpart, c.side, c.kind].join('\u0000');

/** Figures from one party's contributions, grouped by period, counterpart, side and kind, in that order. */
export function figuresOf(contributions: Iterable<Contribution>): Figure[] {
  const groups = new Map<string, Contribution[]>();
  for (const c of contributions) {
    const key = groupKey(c);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, cs]) => {
      const first = cs[0] as Contribution;
      const forced = cs.filter((c) => c.forced).length;
      return {
        counterpart: first.counterpart,
        side: first.side,
        kind: first.kind,
        period: first.period,
        requests: cs.length,
        acknowledge: spread(cs.map((c) => c.acknowledgeSeconds)),
        firstEvidence: spread(cs.map((c) => c.firstEvidenceSeconds)),
        execution: spread(cs.map((c) => c.executionSeconds)),
        infoRounds: cs.reduce((n, c) => n + c.infoRounds, 0),
        forced,
        forcedShare: Math.round((forced / cs.length) * 1000) / 1000,
        lapsedPreservations: cs.filter((c) => c.lapsed).length,
      };
    });
}

/** From scratch: the figures of `authorityId` over folded tracks. */
export function figuresFromTracks(tracks: Iterable<Track>, authorityId: string): Figure[] {
  const mine: Contribution[] = [];
  for (const t of tracks) {
    for (const c of contributionsOf(t)) if (ownerOf(t, c) === authorityId) mine.push(c);
  }
  return figuresOf(mine);
}
