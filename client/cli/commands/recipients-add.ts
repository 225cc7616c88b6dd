// CLI command `pouch recipients add [AGE_RECIPIENT...] [--seal NAME]`: an authority's admin adds age recipients and
// publishes the next recipients statement, signed with the authority key it holds. Starts from the recipients the
// authority signed before, never from the unsigned list registered at onboarding.
import { validateRecipients } from '../../../shared/crypto/age-keys.ts';
import { getAuthorityEntry, publishRecipients, readSignedRecipients } from '../../sdk/directory-api.ts';
import {
  authorityKeyOption,
  authorityOption,
  resolveAuthorityArgument,
  unlockAuthoritySigner,
} from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const recipientsAddCommand = defineCommand({
  name: 'recipients add',
  summary: 'Admin: add age recipients and publish them signed by the authority key',
  positionals: { names: ['RECIPIENT'], optional: 1, variadic: true },
  options: {
    seal: {
      type: 'string',
      valueName: 'NAME',
      description: "the recipient of this keystore's sealing key NAME ('pouch keys new --seal')",
    },
    ...authorityKeyOption,
    ...authorityOption,
  },
  details: 'Example:\n  pouch recipients add --seal seal\n  pouch recipients add age1...',
  async run(ctx, { positionals, values }) {
    const given = [...positionals];
    if (values.seal !== undefined) {
      const key = await ctx.keystore.showKey(values.seal);
      if (key.kind !== 'sealing') {
        throw new CliUsageError(
          `key '${values.seal}' is a signing key: name a sealing key`,
          'recipients add',
        );
      }
      given.push(key.recipient);
    }
    if (given.length === 0)
      throw new CliUsageError('give RECIPIENT (age1...) or --seal NAME', 'recipients add');
    // The directory's own check, so a typo is caught here rather than after signing.
    for (const recipient of given) {
      try {
        validateRecipients([recipient]);
      } catch {
        throw new CliUsageError(
          `'${recipient}' is not an age recipient (age1...): copy it from 'pouch keys show NAME' of the sealing key`,
          'recipients add',
        );
      }
    }
    const signer = await unlockAuthoritySigner(ctx, values['authority-key']);
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const entry = await getAuthorityEntry(client, authorityId);
    const before = await readSignedRecipients(entry);
    const added = [...new Set(given)].filter((r) => !before.includes(r));
    const { version } = await publishRecipients(client, entry, [...before, ...added], signer);
    ctx.print({ authorityId, version, added, recipients: [...before, ...added] }, [
      `Published recipients statement version ${version} for ${authorityId}: ${added.length} added, ${before.length + added.length} in all.`,
      ...added.map((r) => `  + ${r}`),
    ]);
    return 0;
  },
});
