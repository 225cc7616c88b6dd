// CLI command `pouch directory list`: every authority in the public directory — name, country, id, status, roles
// and its 24/7 contacts — as a table for people or stable JSON for scripts. `directory search` shares the rows.
import type { AuthorityWire } from '../../../shared/api/directory.ts';
import { countryName, listDirectory } from '../authority-resolver.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { formatTable } from './inbox.ts';

/** One authority as `directory list`, `search` and `show --json` print it (the stable JSON shape). */
export interface AuthoritySummary {
  readonly id: string;
  readonly name: string;
  readonly country: string;
  /** The country's English name; null for private-use codes (XA...) and codes without one. */
  readonly countryName: string | null;
  readonly status: string;
  readonly roles: readonly string[];
  /** Members with the contact-247 role, as the directory publishes them. */
  readonly contacts247: readonly { readonly memberId: string; readonly displayName: string }[];
}

/** The summary of a directory entry. */
export function summarizeAuthority(a: AuthorityWire): AuthoritySummary {
  return {
    id: a.id,
    name: a.name,
    country: a.country,
    countryName: countryName(a.country) ?? null,
    status: a.status,
    roles: [...a.roles],
    contacts247: a.members
      .filter((m) => m.role === 'contact-247' && m.status === 'active')
      .map((m) => ({ memberId: m.id, displayName: m.displayName })),
  };
}

/** Sorted by country, then name, so the listing reads the same on every run. */
export function sortSummaries(list: readonly AuthoritySummary[]): AuthoritySummary[] {
  return [...list].sort(
    (x, y) => x.country.localeCompare(y.country) || x.name.localeCompare(y.name) || x.id.localeCompare(y.id),
  );
}

/** Print summaries as `{ authorities: [...] }` (JSON) or a table with names beside ids. */
export function printSummaries(
  ctx: CommandContext,
  list: readonly AuthoritySummary[],
  empty: string,
  extra: Record<string, unknown> = {},
): void {
  const rows = list.map((a) => [
    a.name,
    a.countryName ? `${a.country} ${a.countryName}` : a.country,
    a.id,
    a.status,
    a.roles.join(', '),
    a.contacts247.length === 0 ? '-' : a.contacts247.map((c) => c.displayName).join(', '),
  ]);
  ctx.print(
    { ...extra, authorities: list },
    rows.length === 0
      ? [empty]
      : formatTable(['NAME', 'COUNTRY', 'ID', 'STATUS', 'ROLES', '24/7 CONTACTS'], rows),
  );
}

export const directoryListCommand = defineCommand({
  name: 'directory list',
  summary: 'List every authority in the directory (name, country, id, status, roles, 24/7 contacts)',
  options: {},
  details:
    "Any of these names, countries or ids can be given where a command takes an AUTHORITY (--to, --counterpart,\n'pouch directory show'); 'pouch directory search WORDS' narrows the list.",
  async run(ctx) {
    const client = await ctx.createClient();
    const list = sortSummaries((await listDirectory<AuthorityWire>(client)).map(summarizeAuthority));
    printSummaries(ctx, list, 'The directory lists no authorities yet.');
    return 0;
  },
});
