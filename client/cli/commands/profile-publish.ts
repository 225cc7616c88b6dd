// CLI command `pouch profile publish FILE`: an authority's admin signs its requirement profile (JSON or YAML) as
// the next version with the authority key it holds, publishes it, and prints what changed. Senders check their
// drafts against the profile their pin verifies, so the operator cannot publish one for the authority.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { getAuthorityEntry, publishProfile } from '../../sdk/directory-api.ts';
import {
  authorityKeyOption,
  authorityOption,
  resolveAuthorityArgument,
  unlockAuthoritySigner,
} from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

async function readProfileFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliUsageError(`cannot read ${path}: give the profile file (JSON or YAML)`, 'profile publish');
  }
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch {
    throw new CliUsageError(
      `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}`,
      'profile publish',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliUsageError(`${path} must hold one profile object`, 'profile publish');
  }
  return parsed as Record<string, unknown>;
}

export const profilePublishCommand = defineCommand({
  name: 'profile publish',
  summary: "Admin: sign your authority's requirement profile with the authority key and publish it",
  positionals: { names: ['FILE'] },
  options: { ...authorityKeyOption, ...authorityOption },
  details: 'The version is set for you (one more than the published one); a `version` in FILE is ignored.',
  async run(ctx, { positionals, values }) {
    const profile = await readProfileFile(positionals[0] ?? '');
    const signer = await unlockAuthoritySigner(ctx, values['authority-key']);
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const entry = await getAuthorityEntry(client, authorityId);
    const { change } = await publishProfile(client, entry, profile, signer);
    const list = (label: string, fields: readonly string[]) =>
      fields.length > 0 ? [`  ${label}: ${fields.join(', ')}`] : [];
    const nothing = change.added.length + change.removed.length + change.changed.length === 0;
    ctx.print({ authorityId, ...change }, [
      `Published profile version ${change.version} for ${authorityId} (was ${change.previousVersion}).`,
      ...(nothing ? ['  No field changed.'] : []),
      ...list('added', change.added),
      ...list('changed', change.changed),
      ...list('removed', change.removed),
    ]);
    return 0;
  },
});
