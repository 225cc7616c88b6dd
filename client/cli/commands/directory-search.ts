// CLI command `pouch directory search WORDS`: the authorities whose name or id contains the words, or whose
// country they name (ISO code or English name), case-insensitive; the same rows as `directory list`.
import type { AuthorityWire } from '../../../shared/api/directory.ts';
import { listDirectory, searchAuthorities } from '../authority-resolver.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { printSummaries, sortSummaries, summarizeAuthority } from './directory-list.ts';

export const directorySearchCommand = defineCommand({
  name: 'directory search',
  summary: 'Find authorities by name, country (code or name) or id',
  positionals: { names: ['WORDS'], variadic: true },
  options: {},
  details:
    'Examples:\n  pouch directory search southmark\n  pouch directory search XB\n  pouch directory search france',
  async run(ctx, { positionals }) {
    const query = positionals.join(' ').trim();
    if (!query) throw new CliUsageError('give a name, country or id to search for', 'directory search');
    const client = await ctx.createClient();
    const found = searchAuthorities(query, await listDirectory<AuthorityWire>(client));
    printSummaries(
      ctx,
      sortSummaries(found.map(summarizeAuthority)),
      `No authority matches '${query}'. 'pouch directory list' shows them all.`,
      { query },
    );
    return 0;
  },
});
