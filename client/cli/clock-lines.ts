// CLI support: how the clocks read for people — a lineage as an indented tree, a clock as one line, a duration in
// days and hours. `pouch show`, `pouch inbox --due` and `pouch stats` print through these.
import type { ClockView, LineageNode, LinkEntry } from '../../shared/api/clocks.ts';
import type { PartyNames } from './output-format.ts';

/** A duration in seconds as `3d 4h`, `5h 10m` or `42s`. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m` : `${seconds}s`;
}

/** One clock: name, state (and how it stands now), due time, basis. */
export function formatClock(clock: ClockView): string {
  const standing = clock.due && clock.due !== 'running' ? ` (${clock.due})` : '';
  return `${clock.name}  ${clock.state}${standing}  due ${clock.dueAt}  — ${clock.basis}`;
}

/**
 * A clock in a list's cell: its name, `(indicative)` when its treaty citation is unverified, and how it stands
 * when not merely running.
 */
export function formatClockTag(clock: ClockView): string {
  const indicative = clock.source?.verified === false ? ' (indicative)' : '';
  return `${clock.name}${indicative}${clock.due && clock.due !== 'running' ? ` ${clock.due}` : ''}`;
}

/** A lineage tree, one exchange per line, followers indented under what they follow; `self` is marked. */
export function formatLineage(roots: readonly LineageNode[], self: string, names?: PartyNames): string[] {
  const lines: string[] = [];
  const party = (id: string) => names?.authority(id) ?? id;
  const walk = (node: LineageNode, depth: number, via?: string) => {
    const mark = node.exchangeId === self ? '  ← this exchange' : '';
    const ref = ` ${node.requesterReference}`;
    lines.push(
      `${'  '.repeat(depth + 1)}${via ? `${via}: ` : ''}${node.kind}${ref}  ${party(node.requesterId)} → ${party(node.requestedId)}  ${node.urgency}  ${node.status}  [${node.exchangeId}]${mark}`,
    );
    for (const f of node.followers) walk(f.node, depth + 1, f.kind);
  };
  for (const root of roots) walk(root, 0);
  return lines;
}

/**
 * One link of an exchange, named: `follows preservation NL-24/7-1 with Southmark (auth_…) — preservation-to-mla,
 * submitted [exch_…]`. The id comes last, for `pouch show`.
 */
export function formatLink(link: LinkEntry, names?: PartyNames): string {
  const counterpart = link.counterpart.name
    ? `${link.counterpart.name} (${link.counterpart.authorityId})`
    : (names?.authority(link.counterpart.authorityId) ?? link.counterpart.authorityId);
  const refs = `${link.requesterReference}${link.requestedReference ? ` / ${link.requestedReference}` : ''}`;
  return `${link.direction === 'follows' ? 'follows' : 'followed by'} ${link.kind} ${refs} with ${counterpart} — ${link.linkKind}, ${link.status} [${link.exchangeId}]`;
}
