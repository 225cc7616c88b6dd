// CLI command `pouch directory show AUTHORITY`: the authority key fingerprint the exchange serves, the one this
// keystore pinned, and whether the authority's signed recipients verify against the pin.
import { isPouchError } from '../../../shared/domain/errors.ts';
import { readPins } from '../../keystore/pins.ts';
import { fetchDirectoryEntry } from '../../sdk/exchange-api.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { withVerifiedRecipients } from '../directory-context.ts';

export const directoryShowCommand = defineCommand({
  name: 'directory show',
  summary: "Show an authority's key fingerprint (to compare out of band), its pin and its signed recipients",
  positionals: { names: ['AUTHORITY'] },
  options: {},
  async run(ctx, { positionals }) {
    const authorityId = positionals[0];
    if (!authorityId) throw new CliUsageError('AUTHORITY is required', 'directory show');
    const client = await ctx.createClient();
    const entry = await fetchDirectoryEntry(client, authorityId);
    const pin = (await readPins(ctx.keystore.home)).get(authorityId);
    let verified: string[] | undefined;
    let problem: string | undefined;
    try {
      verified = [...(await withVerifiedRecipients(ctx.keystore.home, entry)).recipients];
    } catch (error) {
      if (!isPouchError(error)) throw error;
      problem = `${error.code}: ${error.message}`;
    }
    const served = entry.authorityKey?.fingerprint;
    ctx.print(
      {
        authorityId: entry.id,
        name: entry.name,
        fingerprint: served ?? null,
        rotations: entry.authorityKey?.chain.rotations.length ?? 0,
        pinned: pin?.fingerprint ?? null,
        recipients: verified ?? null,
        ...(problem ? { problem } : {}),
      },
      [
        `${entry.name} (${entry.id})`,
        `  authority key (served): ${served ?? 'none'}`,
        `  pinned here:            ${pin?.fingerprint ?? 'not pinned'}`,
        verified
          ? `  signed recipients:      ${verified.join(', ')} (verified against the pin)`
          : `  signed recipients:      not verified (${problem})`,
      ],
    );
    return 0;
  },
});
