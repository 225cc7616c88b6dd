// CLI command `pouch stats`: the delay figures of your authority per counterpart, side, kind and month — time to
// acknowledge, to the first evidence and to execution (median and p90), rounds of additional information, the
// share sent with forced errors, lapsed preservations — as a table for people or JSON for scripts.
import { getFigures } from '../../sdk/clock-api.ts';
import { CliUsageError } from '../cli-errors.ts';
import { formatDuration } from '../clock-lines.ts';
import { defineCommand } from '../command.ts';
import { formatTable } from './inbox.ts';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export const statsCommand = defineCommand({
  name: 'stats',
  summary: 'Delay figures of your authority per counterpart (median and p90 times, rounds, lapses)',
  options: {
    period: { type: 'string', valueName: 'YYYY-MM', description: 'only this month (default: every month)' },
  },
  async run(ctx, { values }) {
    if (values.period !== undefined && !MONTH.test(values.period)) {
      throw new CliUsageError(`--period must be a month such as 2026-03, not '${values.period}'`, 'stats');
    }
    const client = await ctx.createClient();
    const answer = await getFigures(client, values.period);
    const rows = answer.figures.map((f) => [
      f.period,
      f.counterpart,
      f.side,
      f.kind,
      String(f.requests),
      `${formatDuration(f.acknowledge.median)} / ${formatDuration(f.acknowledge.p90)}`,
      `${formatDuration(f.firstEvidence.median)} / ${formatDuration(f.firstEvidence.p90)}`,
      `${formatDuration(f.execution.median)} / ${formatDuration(f.execution.p90)}`,
      String(f.infoRounds),
      `${Math.round(f.forcedShare * 100)}%`,
      String(f.lapsedPreservations),
    ]);
    const human =
      rows.length === 0
        ? [`No figures yet for your authority${values.period ? ` in ${values.period}` : ''}.`]
        : [
            ...formatTable(
              [
                'PERIOD',
                'COUNTERPART',
                'SIDE',
                'KIND',
                'REQUESTS',
                'ACK MEDIAN/P90',
                '1ST EVIDENCE MEDIAN/P90',
                'EXECUTED MEDIAN/P90',
                'INFO ROUNDS',
                'FORCED',
                'LAPSED',
              ],
              rows,
            ),
            'Times run from when the request was sent; sent = you asked, received = you were asked.',
          ];
    ctx.print(answer, human);
    return 0;
  },
});
