// CLI command `pouch recipients list`: the age recipients an authority signed (what senders seal to), verified
// against the authority key the directory serves, and any recipient the exchange lists that no statement signs.
import { getAuthorityEntry, readSignedRecipients } from '../../sdk/directory-api.ts';
import { authorityOption, resolveAuthorityArgument } from '../admin-context.ts';
import { defineCommand } from '../command.ts';

export const recipientsListCommand = defineCommand({
  name: 'recipients list',
  summary: 'List the age recipients your authority signed (what every sender seals to)',
  options: { ...authorityOption },
  async run(ctx, { values }) {
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const entry = await getAuthorityEntry(client, authorityId);
    const signed = await readSignedRecipients(entry);
    const unsigned = entry.recipients.filter((r) => !signed.includes(r));
    ctx.print({ authorityId, signed, unsigned }, [
      ...(signed.length > 0
        ? [`Signed recipients of ${authorityId}:`, ...signed.map((r) => `  ${r}`)]
        : [
            `${authorityId} has signed no recipients yet: pinned senders cannot seal to it. Publish them with 'pouch recipients add'.`,
          ]),
      ...(unsigned.length > 0
        ? ['Listed by the exchange but not signed (senders ignore them):', ...unsigned.map((r) => `  ${r}`)]
        : []),
    ]);
    return 0;
  },
});
