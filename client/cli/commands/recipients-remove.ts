// CLI command `pouch recipients remove AGE_RECIPIENT...`: an authority's admin removes age recipients (a lost or
// retired identity) and publishes the next recipients statement, signed with the authority key. At least one
// recipient must remain, or no one could seal to the authority.
import { getAuthorityEntry, publishRecipients, readSignedRecipients } from '../../sdk/directory-api.ts';
import {
  authorityKeyOption,
  authorityOption,
  resolveAuthorityArgument,
  unlockAuthoritySigner,
} from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const recipientsRemoveCommand = defineCommand({
  name: 'recipients remove',
  summary: 'Admin: remove age recipients and publish the rest signed by the authority key',
  positionals: { names: ['RECIPIENT'], variadic: true },
  options: { ...authorityKeyOption, ...authorityOption },
  async run(ctx, { positionals, values }) {
    if (positionals.length === 0) throw new CliUsageError('RECIPIENT is required', 'recipients remove');
    const signer = await unlockAuthoritySigner(ctx, values['authority-key']);
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const entry = await getAuthorityEntry(client, authorityId);
    const before = await readSignedRecipients(entry);
    const missing = positionals.filter((r) => !before.includes(r));
    if (missing.length > 0) {
      throw new CliUsageError(
        `not a signed recipient of ${authorityId}: ${missing.join(', ')} ('pouch recipients list' shows them)`,
        'recipients remove',
      );
    }
    const rest = before.filter((r) => !positionals.includes(r));
    if (rest.length === 0) {
      throw new CliUsageError(
        "that would leave no recipient and no one could seal to the authority: add the new one first ('pouch recipients add')",
        'recipients remove',
      );
    }
    const { version } = await publishRecipients(client, entry, rest, signer);
    ctx.print({ authorityId, version, removed: positionals, recipients: rest }, [
      `Published recipients statement version ${version} for ${authorityId}: ${positionals.length} removed, ${rest.length} left.`,
      ...positionals.map((r) => `  - ${r}`),
    ]);
    return 0;
  },
});
