// CLI support: how the clocks read for people — a lineage as an indented tree, a clock as one line, a duration in
// days and hours. `pouch show`, `pouch inbox --due` and `pouch stats` print through these.
import type { ClockView, LineageNode } from '../../shared/api/clocks.ts';

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

/** A lineage tree, one exchange per line, followers indented under what they follow; `self` is marked. */
export function formatLineage(roots: readonly LineageNode[], self: string): string[] {
  const lines: string[] = [];
  const walk = (node: LineageNode, depth: number, via?: string) => {
    const mark = node.exchangeId === self ? '  ← this exchange' : '';
    lines.push(
      `${'  '.repeat(depth + 1)}${via ? `${via}: ` : ''}${node.exchangeId}  ${node.kind}  ${node.urgency}  ${node.status}${mark}`,
    );
    for (const f of node.followers) walk(f.node, depth + 1, f.kind);
  };
  for (const root of roots) walk(root, 0);
  return lines;
}
