// CLI command `pouch audit export EXCHANGE [--out FILE]`: fetches the exchange's custody bundle (recorded in
// its ledger as a read) and writes it to a file or stdout, for `pouch verify` and for a court.
import { writeFile } from 'node:fs/promises';
import { ID_PATTERN } from '../../../shared/domain/ids.ts';
import { fetchCustodyBundle } from '../../sdk/custody-api.ts';
import { CliUsageError } from '../cli-errors.ts';
import { type CommandContext, defineCommand } from '../command.ts';

/** The exchange's custody bundle as text (JSON Lines), inline or from a stored export. */
export async function fetchBundleText(ctx: CommandContext, exchangeId: string): Promise<string> {
  if (!ID_PATTERN.test(exchangeId))
    throw new CliUsageError(`${exchangeId} is not an exchange id`, 'audit export');
  return fetchCustodyBundle(await ctx.createClient(), exchangeId);
}

export const auditExportCommand = defineCommand({
  name: 'audit export',
  summary: 'Export an exchange’s custody bundle (events, receipts, manifests, keys, checkpoint, proof)',
  positionals: { names: ['EXCHANGE'] },
  options: {
    out: {
      type: 'string',
      short: 'o',
      valueName: 'FILE',
      description: 'write the bundle here (default: stdout)',
    },
  },
  details: 'The export is recorded in the exchange’s ledger. Check the file with `pouch verify FILE`.',
  async run(ctx, { values, positionals }) {
    const text = await fetchBundleText(ctx, positionals[0] ?? '');
    if (!values.out) {
      ctx.stdout.write(text);
      return 0;
    }
    await writeFile(values.out, text, { mode: 0o600 });
    const lines = text.split('\n').filter(Boolean);
    const events = lines.filter((l) => l.startsWith('{"body":')).length;
    ctx.print(
      { out: values.out, events, lines: lines.length },
      `Wrote ${values.out}: ${events} events in ${lines.length} lines. Check it with: pouch verify ${values.out}`,
    );
    return 0;
  },
});
