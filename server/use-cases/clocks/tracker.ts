// Use cases, clocks: the tracker, a ledger observer. Each event the recorder lands is folded into its exchange's
// track (shared/domain/clocks/track.ts), and what the track says is projected: the lineage links, the parties'
// due views, the sweep index, the label's preservation expiry, the delay figures' contributions, and the
// notifications. Every projection is idempotent and the track moves only forward, so a failed observation is
// healed by the next event (it folds everything after the stored track's seq) or by the sweep (catchUp).
import { clocksOf, earliestDue, nextStageAt } from '../../../shared/domain/clocks/clocks.ts';
import { contributionsOf, ownerOf } from '../../../shared/domain/clocks/figures.ts';
import { foldTrack, LINKED_ACTION, type Track } from '../../../shared/domain/clocks/track.ts';
import { decodeEventLine, type LedgerEvent } from '../../../shared/domain/ledger/event.ts';
import type { ClockStore, DueView, FigureStore, LineageStore } from '../../ports/clock-store.ts';
import type { LedgerStore } from '../../ports/ledger-store.ts';

/** Something that wants to hear of each folded event with the track after it (notifications). */
export type TrackListener = (track: Track, event: LedgerEvent) => Promise<void>;

export interface TrackerDeps {
  readonly clocks: ClockStore;
  readonly lineage: LineageStore;
  readonly figures: FigureStore;
  /** Read only: the tracker never writes the ledger. */
  readonly ledger: Pick<LedgerStore, 'readLines' | 'head'>;
  readonly listeners?: readonly TrackListener[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Wait for every write; then fail with the first failure, if any (none is left running unobserved). */
async function settleAll(writes: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** How many exchanges' last stored tracks the tracker remembers (per process), most recently observed first. */
const TRACKS_REMEMBERED = 1024;

/** A party's due view of a track; undefined when no clock runs. */
export function dueViewOf(t: Track, authorityId: string): DueView | undefined {
  const due = earliestDue(t);
  if (due === undefined) return undefined;
  return {
    exchangeId: t.exchangeId,
    kind: t.kind,
    urgency: t.urgency,
    counterpart: authorityId === t.requesterId ? t.requestedId : t.requesterId,
    earliestDue: due,
    clocks: clocksOf(t).filter((c) => c.state === 'running'),
  };
}

/** Build the tracker over its stores. */
export function createTracker(deps: TrackerDeps) {
  /**
   * The track this process last stored (or read at the chain head) for a chain, as storage holds it. A track is a pure fold of the chain's
   * events, which never change, so the track stored at seq n is the one to fold the event at n + 1 from. It stands
   * in for the read only for an event this process has just appended (the recorder says so): then no one else can
   * have observed that event before, unless they raced this very call, as with a read. Forgotten whenever the
   * stored track may differ (a refused write, a failed projection).
   */
  const remembered = new Map<string, Track>();
  const remember = (chain: string, track: Track | undefined) => {
    remembered.delete(chain);
    if (!track) return;
    if (remembered.size >= TRACKS_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
    // As the store gives it back (JSON), so a remembered track folds exactly as a read one would.
    remembered.set(chain, JSON.parse(JSON.stringify(track)) as Track);
  };

  /** Project the change from `before` to `after`, given the events folded in between; whether the track was stored. */
  async function project(
    before: Track | undefined,
    after: Track,
    folded: readonly LedgerEvent[],
  ): Promise<boolean> {
    for (const event of folded) {
      if (event.action === 'exchange.created') {
        for (const link of after.links)
          await deps.lineage.putLink(after.exchangeId, link.exchangeId, link.kind);
      }
      if (event.action === LINKED_ACTION) {
        const added = after.followers.filter((f) => !before?.followers.some((b) => same(b, f)));
        for (const f of added) await deps.lineage.putLink(f.exchangeId, after.exchangeId, f.kind);
      }
    }
    // The figure contributions and the parties' due views are independent items: written together (the track,
    // which says they are done, is still written last).
    const contributions = contributionsOf(after);
    const earlier = before ? contributionsOf(before) : [];
    const writes: Promise<void>[] = [];
    for (const c of contributions) {
      if (!earlier.some((e) => same(e, c))) writes.push(deps.figures.putContribution(ownerOf(after, c), c));
    }
    for (const party of [after.requesterId, after.requestedId]) {
      const view = dueViewOf(after, party);
      const was = before ? dueViewOf(before, party) : undefined;
      if (!same(view, was)) writes.push(deps.clocks.putDueView(party, after.exchangeId, view));
    }
    await settleAll(writes);
    if (before?.preservationExpiresAt !== after.preservationExpiresAt) {
      await deps.clocks.setLabelExpiry(
        after.exchangeId,
        [after.requesterId, after.requestedId],
        after.preservationExpiresAt,
      );
    }
    for (const listener of deps.listeners ?? []) {
      for (const event of folded) await listener(after, event);
    }
    return deps.clocks.putTrack(after, nextStageAt(after));
  }

  /** Fold the chain from after the stored track up to its head (or from the genesis). */
  async function foldFrom(chain: string, stored: Track | undefined, known?: LedgerEvent) {
    const fromSeq = stored ? stored.lastSeq + 1 : 0;
    const folded: LedgerEvent[] = [];
    if (known && known.seq === fromSeq) folded.push(known);
    else for await (const line of deps.ledger.readLines(chain, fromSeq)) folded.push(decodeEventLine(line));
    let track = stored;
    for (const event of folded) track = foldTrack(track, event);
    return { track, folded };
  }

  return {
    /** The recorder's observer: fold `event` (and anything the stored track missed before it) and project. */
    async observe(
      event: LedgerEvent,
      how: { readonly appended: boolean } = { appended: false },
    ): Promise<void> {
      const known = how.appended ? remembered.get(event.chain) : undefined;
      remembered.delete(event.chain);
      // A genesis this call just appended has no track yet: its chain's id is not out until the create answers
      // (a keyed retry of the create replays the event, and reads).
      const genesis = how.appended && event.seq === 0;
      const stored = genesis
        ? undefined
        : known && known.lastSeq === event.seq - 1
          ? known
          : await deps.clocks.getTrack(event.chain);
      if (stored && stored.lastSeq >= event.seq) return;
      const { track, folded } = await foldFrom(event.chain, stored, event);
      if (track && track !== stored)
        remember(event.chain, (await project(stored, track, folded)) ? track : undefined);
    },

    /** Bring an exchange's track up to its chain head (the sweep does this before acting on it). */
    async catchUp(chain: string): Promise<Track | undefined> {
      const stored = await deps.clocks.getTrack(chain);
      const head = await deps.ledger.head(chain);
      remembered.delete(chain);
      if (!head || (stored && stored.lastSeq >= head.seq)) {
        remember(chain, stored);
        return stored;
      }
      const { track, folded } = await foldFrom(chain, stored);
      if (track && track !== stored)
        remember(chain, (await project(stored, track, folded)) ? track : undefined);
      return track;
    },
  };
}

export type Tracker = ReturnType<typeof createTracker>;
