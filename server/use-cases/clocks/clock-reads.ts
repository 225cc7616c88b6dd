// Use cases, clocks: what callers read — an exchange's lineage tree and clocks, the caller's due list (emergencies
// first, then by due time) and its authority's delay figures. Every exchange shown passes the policy: a lineage
// never shows a linked exchange the caller cannot see, and a 24/7 contact's list holds only its matters.
import type {
  DueList,
  ExchangeClocks,
  Figures,
  Lineage,
  LineageNode,
  LinkEntry,
} from '../../../shared/api/clocks.ts';
import { type Clock, clocksOf, type DueState, dueStateOf } from '../../../shared/domain/clocks/clocks.ts';
import { figuresOf } from '../../../shared/domain/clocks/figures.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import {
  authorize,
  canListExchanges,
  canReadExchangeLabel,
  canReadFigures,
  canSeeLinkedExchange,
} from '../../policy/policy.ts';
import type { ClockStore, FigureStore, LineageStore } from '../../ports/clock-store.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import type { ExchangeLabel, ExchangeRepository } from '../../ports/exchange-repository.ts';
import type { ExchangeAccess } from '../exchange/exchange-access.ts';

export interface ClockReadsDeps {
  readonly clocks: ClockStore;
  readonly lineage: LineageStore;
  readonly figures: FigureStore;
  readonly exchanges: Pick<ExchangeRepository, 'getExchange'>;
  /** Names the counterparts of linked exchanges. */
  readonly directory: Pick<DirectoryRepository, 'getAuthority'>;
  readonly access: ExchangeAccess;
  readonly now: () => Date;
}

/** At most this many exchanges in one lineage answer (a lineage is a handful in practice). */
const LINEAGE_MAX_NODES = 50;
const DUE_ORDER: Readonly<Record<DueState, number>> = { overdue: 0, 'due-soon': 1, running: 2 };

function withDue(clock: Clock, now: Date): Clock & { due?: DueState } {
  return clock.state === 'running' ? { ...clock, due: dueStateOf(clock, now) } : { ...clock };
}

/** Build the read use cases. */
export function createClockReads(deps: ClockReadsDeps) {
  /** A linked exchange's label if the caller may see it; nothing (not even its existence) otherwise. */
  async function visible(principal: Principal, exchangeId: string): Promise<ExchangeLabel | undefined> {
    const label = await deps.exchanges.getExchange(exchangeId);
    return label && canSeeLinkedExchange(principal, label) ? label : undefined;
  }

  /** A visible linked exchange as a link entry, named from the directory. */
  async function entryOf(
    principal: Principal,
    label: ExchangeLabel,
    direction: LinkEntry['direction'],
    linkKind: LinkEntry['linkKind'],
  ): Promise<LinkEntry> {
    const counterpartId = principal.authorityId === label.requestedId ? label.requesterId : label.requestedId;
    const name = (await deps.directory.getAuthority(counterpartId))?.name;
    return {
      exchangeId: label.id,
      direction,
      linkKind,
      kind: label.kind,
      status: label.status,
      requesterReference: label.requesterReference,
      ...(label.requestedReference ? { requestedReference: label.requestedReference } : {}),
      counterpart: { authorityId: counterpartId, ...(name ? { name } : {}) },
    };
  }

  return {
    /**
     * The lineage of an exchange as a tree: its earliest visible ancestors, each with the followers the caller
     * may see. A link to an exchange the caller may not see is left out with everything beyond it.
     */
    async lineage(principal: Principal, exchangeId: string): Promise<Lineage> {
      const start = await deps.access.load(principal, exchangeId, 'read-exchange-label');
      const labels = new Map<string, ExchangeLabel>([[start.id, start]]);
      const links = new Map<string, Awaited<ReturnType<LineageStore['listLinks']>>>();
      const linksOf = async (id: string) => {
        const known = links.get(id);
        if (known) return known;
        const found = await deps.lineage.listLinks(id);
        links.set(id, found);
        return found;
      };
      // Up: the earliest ancestors the caller may see.
      const roots = new Set<string>();
      const upQueue = [start.id];
      while (upQueue.length > 0 && labels.size < LINEAGE_MAX_NODES) {
        const id = upQueue.shift() as string;
        let hasVisibleParent = false;
        for (const parent of (await linksOf(id)).parents) {
          const label = labels.get(parent.exchangeId) ?? (await visible(principal, parent.exchangeId));
          if (!label) continue;
          hasVisibleParent = true;
          if (!labels.has(label.id)) {
            labels.set(label.id, label);
            upQueue.push(label.id);
          }
        }
        if (!hasVisibleParent) roots.add(id);
      }
      // Down: each root with its visible followers.
      const seen = new Set<string>();
      const build = async (label: ExchangeLabel): Promise<LineageNode> => {
        seen.add(label.id);
        const followers: LineageNode['followers'] = [];
        for (const child of (await linksOf(label.id)).children) {
          if (seen.has(child.exchangeId) || seen.size >= LINEAGE_MAX_NODES) continue;
          const childLabel = labels.get(child.exchangeId) ?? (await visible(principal, child.exchangeId));
          if (!childLabel) continue;
          labels.set(childLabel.id, childLabel);
          followers.push({ kind: child.kind, node: await build(childLabel) });
        }
        return {
          exchangeId: label.id,
          kind: label.kind,
          requesterReference: label.requesterReference,
          urgency: label.urgency,
          status: label.status,
          requesterId: label.requesterId,
          requestedId: label.requestedId,
          createdAt: label.createdAt,
          followers,
        };
      };
      const trees: LineageNode[] = [];
      for (const id of roots) {
        const label = labels.get(id);
        if (label && !seen.has(id)) trees.push(await build(label));
      }
      // The exchange's own links, named; only those the walks above found visible (labels holds no other).
      const own = await linksOf(start.id);
      const entries: LinkEntry[] = [];
      for (const [direction, list] of [
        ['follows', own.parents],
        ['followed-by', own.children],
      ] as const) {
        for (const link of list) {
          const label = labels.get(link.exchangeId) ?? (await visible(principal, link.exchangeId));
          if (label) entries.push(await entryOf(principal, label, direction, link.kind));
        }
      }
      return { exchangeId: start.id, links: entries, roots: trees };
    },

    /** The clocks of one exchange, as they stand now. */
    async clocks(principal: Principal, exchangeId: string): Promise<ExchangeClocks> {
      await deps.access.load(principal, exchangeId, 'read-exchange-label');
      const now = deps.now();
      const track = await deps.clocks.getTrack(exchangeId);
      return {
        exchangeId,
        now: now.toISOString(),
        clocks: track ? clocksOf(track).map((c) => withDue(c, now)) : [],
      };
    },

    /**
     * What is due for the caller's authority: exchanges with a running clock, emergencies first, then by the
     * earliest due time (the index's order), each with how its clocks stand now.
     */
    async listDue(principal: Principal, limit: number): Promise<DueList> {
      authorize(canListExchanges(principal), {
        rule: 'list-exchanges',
        attempt: 'list due clocks',
        message: 'No such resource',
        // No hidden object is at stake (the caller's own authority): the caller is told its role falls short.
        kind: 'role',
      });
      const now = deps.now();
      const views = await deps.clocks.listDueViews(principal.authorityId, limit);
      const items = views
        .filter((v) =>
          canReadExchangeLabel(principal, {
            requesterId: principal.authorityId,
            requestedId: v.counterpart,
            kind: v.kind,
            urgency: v.urgency,
          }),
        )
        .map((v) => {
          const clocks = v.clocks.map((c) => withDue(c, now));
          const due = clocks
            .map((c) => c.due ?? 'running')
            .sort((a, b) => DUE_ORDER[a] - DUE_ORDER[b])[0] as DueState;
          return { ...v, clocks, due };
        });
      return { now: now.toISOString(), items };
    },

    /** The delay figures of the caller's own authority, per counterpart, side, kind and month. */
    async figures(principal: Principal, period: string | undefined): Promise<Figures> {
      authorize(canReadFigures(principal), {
        rule: 'read-figures',
        attempt: 'read figures',
        message: 'No such resource',
        // No hidden object is at stake (the caller's own authority): the caller is told its role falls short.
        kind: 'role',
      });
      const contributions = await deps.figures.listContributions(principal.authorityId, period);
      return { authorityId: principal.authorityId, figures: figuresOf(contributions) };
    },
  };
}

export type ClockReads = ReturnType<typeof createClockReads>;
