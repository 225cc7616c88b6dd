// CLI command `pouch inbox`: lists the exchanges of the caller's authority (inbox or outbox), filtered and
// paginated, as a table for people or JSON for scripts.
import { EXCHANGE_STATES, type ExchangeState } from '../../../shared/domain/exchange/state-machine.ts';
import { listDue } from '../../sdk/clock-api.ts';
import { fetchMe, listExchanges } from '../../sdk/exchange-api.ts';
import { resolveAuthorityId } from '../authority-resolver.ts';
import { CliUsageError } from '../cli-errors.ts';
import { formatClockTag } from '../clock-lines.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { loadPartyNames, localTime } from '../output-format.ts';

/** Render rows as left-aligned columns separated by two spaces. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export const inboxCommand = defineCommand({
  name: 'inbox',
  summary: 'List your authority’s exchanges (inbox by default, or --box outbox)',
  options: {
    box: { type: 'string', valueName: 'BOX', description: 'inbox (received, default) or outbox (sent)' },
    status: {
      type: 'string',
      valueName: 'STATUS',
      description: `only this status (${EXCHANGE_STATES.join(', ')})`,
    },
    kind: { type: 'string', valueName: 'KIND', description: 'only this kind of request' },
    counterpart: {
      type: 'string',
      valueName: 'AUTHORITY',
      description: 'only exchanges with this authority (id, name or country)',
    },
    limit: { type: 'string', valueName: 'N', description: 'at most N exchanges (1-100, default 25)' },
    cursor: { type: 'string', valueName: 'CURSOR', description: 'the next page, from an earlier answer' },
    due: {
      type: 'boolean',
      description:
        'what is due instead: overdue, due soon, about to lapse (emergencies first, then by due time)',
    },
  },
  async run(ctx, { values }) {
    if (values.due) return printDue(ctx, values.limit);
    const box = values.box ?? 'inbox';
    if (box !== 'inbox' && box !== 'outbox') {
      throw new CliUsageError(`unknown box '${box}'; choose inbox or outbox`, 'inbox');
    }
    if (values.status && !(EXCHANGE_STATES as readonly string[]).includes(values.status)) {
      throw new CliUsageError(
        `unknown status '${values.status}'; choose one of ${EXCHANGE_STATES.join(', ')}`,
        'inbox',
      );
    }
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 100)) {
      throw new CliUsageError('--limit must be a whole number from 1 to 100', 'inbox');
    }
    const client = await ctx.createClient();
    const me = await fetchMe(client);
    const counterpart =
      values.counterpart === undefined ? undefined : await resolveAuthorityId(client, values.counterpart);
    const page = await listExchanges(client, {
      box,
      ...(values.status ? { status: values.status as ExchangeState } : {}),
      ...(values.kind ? { kind: values.kind } : {}),
      ...(counterpart ? { counterpart } : {}),
      ...(limit ? { limit } : {}),
      ...(values.cursor ? { cursor: values.cursor } : {}),
    });
    const names = ctx.json ? undefined : await loadPartyNames(client);
    const party = (id: string) => names?.authority(id) ?? id;
    const rows = page.items.map((label) => [
      label.id,
      label.kind,
      label.urgency,
      label.status,
      label.requesterId === me.authorityId
        ? `to ${party(label.requestedId)}`
        : `from ${party(label.requesterId)}`,
      // Both parties' references: the requester's, then the requested authority's once it gave one.
      label.requestedReference
        ? `${label.requesterReference} / ${label.requestedReference}`
        : label.requesterReference,
      localTime(label.updatedAt),
    ]);
    const filtered = Boolean(values.status || values.kind || values.counterpart);
    const human =
      rows.length === 0
        ? [
            `No exchanges in your ${box}${filtered ? ' match' : ''}.`,
            // The requests an authority sent are in its outbox: the first thing a sender looks for after sending.
            ...(box === 'inbox'
              ? ["Exchanges your authority opened are in 'pouch inbox --box outbox'."]
              : []),
          ]
        : formatTable(['EXCHANGE', 'KIND', 'URGENCY', 'STATUS', 'COUNTERPART', 'REFERENCE', 'UPDATED'], rows);
    if (page.nextCursor) human.push(`More: pouch inbox --box ${box} --cursor ${page.nextCursor}`);
    ctx.print({ box, items: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, human);
    return 0;
  },
});

/** `pouch inbox --due`: exchanges with a running clock, emergencies first, then by the earliest due time. */
async function printDue(ctx: CommandContext, limitText: string | undefined): Promise<number> {
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 200)) {
    throw new CliUsageError('--limit must be a whole number from 1 to 200 with --due', 'inbox');
  }
  const client = await ctx.createClient();
  const due = await listDue(client, limit);
  const rows = due.items.map((item) => [
    item.exchangeId,
    item.kind,
    item.urgency,
    item.due,
    item.counterpart,
    item.earliestDue.replace(/\.\d+Z$/, 'Z'),
    item.clocks.map(formatClockTag).join(', '),
  ]);
  const human =
    rows.length === 0
      ? ['Nothing is due.']
      : formatTable(['EXCHANGE', 'KIND', 'URGENCY', 'DUE', 'COUNTERPART', 'DUE AT', 'CLOCKS'], rows);
  ctx.print(due, human);
  return 0;
}
