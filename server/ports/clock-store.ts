// Port: what the clocks keep beside the ledger (server/use-cases/clocks/): each exchange's folded track, indexed
// by when its next clock stage opens; each party's due view; the lineage links; the delay figures' per-exchange
// contributions. All of it is a projection of the ledger that the tracker can rebuild. DynamoDB implements it
// (server/adapters/dynamo-clock-store.ts).
import type { Clock } from '../../shared/domain/clocks/clocks.ts';
import type { Contribution } from '../../shared/domain/clocks/figures.ts';
import type { ExchangeLink } from '../../shared/domain/clocks/lineage.ts';
import type { Track } from '../../shared/domain/clocks/track.ts';
import type { Urgency } from '../../shared/domain/exchange/urgency.ts';

/** One exchange in a party's due list. */
export interface DueView {
  readonly exchangeId: string;
  readonly kind: string;
  readonly urgency: Urgency;
  readonly counterpart: string;
  /** The earliest due time of a running clock. */
  readonly earliestDue: string;
  readonly clocks: readonly Clock[];
}

export interface ClockStore {
  getTrack(exchangeId: string): Promise<Track | undefined>;
  /**
   * Store `track` unless a track at the same or a later seq is stored (then false). `nextStageAt` indexes it for
   * the sweep; undefined takes it out of the sweep index.
   */
  putTrack(track: Track, nextStageAt: string | undefined): Promise<boolean>;
  /** Put (or, with `view` undefined, remove) a party's due view of an exchange. */
  putDueView(authorityId: string, exchangeId: string, view: DueView | undefined): Promise<void>;
  /** A party's due views, emergencies first, then by earliest due time. */
  listDueViews(authorityId: string, limit: number): Promise<DueView[]>;
  /** Exchanges whose next clock stage opens at or before `now`, earliest first, at most `limit`. */
  listDue(now: string, limit: number): Promise<string[]>;
  /** Copy the preservation's expiry onto the exchange's label items (what the label shows). */
  setLabelExpiry(
    exchangeId: string,
    parties: readonly string[],
    expiresAt: string | undefined,
  ): Promise<void>;
}

export interface LineageLinks {
  /** Earlier exchanges this one follows. */
  readonly parents: readonly ExchangeLink[];
  /** Later exchanges that follow this one. */
  readonly children: readonly ExchangeLink[];
}

export interface LineageStore {
  /** Record that `later` follows `earlier` (both directions; idempotent). */
  putLink(later: string, earlier: string, kind: ExchangeLink['kind']): Promise<void>;
  listLinks(exchangeId: string): Promise<LineageLinks>;
}

export interface FigureStore {
  /** Put an exchange's contribution to its owner's figures (overwrites the earlier one: idempotent). */
  putContribution(owner: string, contribution: Contribution): Promise<void>;
  /** The owner's contributions, for one period (`YYYY-MM`) or every period. */
  listContributions(owner: string, period?: string): Promise<Contribution[]>;
}
