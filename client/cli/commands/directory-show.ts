// CLI command `pouch directory show AUTHORITY [--verify]`: the authority key fingerprint the exchange serves, the
// one this keystore pinned, and whether the authority's signed recipients verify against the pin; with --verify,
// also that the served entry is the authority's latest state in the checkpointed directory log.
import { isPouchError } from '../../../shared/domain/errors.ts';
import { readPins } from '../../keystore/pins.ts';
import { fetchDirectoryEntry } from '../../sdk/exchange-api.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { checkEntryAgainstLog, type LogCheck, withVerifiedRecipients } from '../directory-context.ts';

export const directoryShowCommand = defineCommand({
  name: 'directory show',
  summary: "Show an authority's key fingerprint (to compare out of band), its pin and its signed recipients",
  positionals: { names: ['AUTHORITY'] },
  options: {
    verify: {
      type: 'boolean',
      description:
        'also check the entry against the directory log and its signed checkpoint (fails on a rolled-back or different statement)',
    },
  },
  async run(ctx, { positionals, values }) {
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
    // Fails (non-zero) when the log or its proofs do not verify, or the entry differs from the logged one.
    const logCheck: LogCheck | undefined = values.verify
      ? await checkEntryAgainstLog(client, entry)
      : undefined;
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
        ...(logCheck ? { log: logCheck } : {}),
      },
      [
        `${entry.name} (${entry.id})`,
        `  authority key (served): ${served ?? 'none'}`,
        `  pinned here:            ${pin?.fingerprint ?? 'not pinned'}`,
        verified
          ? `  signed recipients:      ${verified.join(', ')} (verified against the pin)`
          : `  signed recipients:      not verified (${problem})`,
        ...(logCheck
          ? [
              `  directory log:          matches the logged entry (seq ${logCheck.loggedAt}); ${
                logCheck.checkpointed
                  ? `covered by a signed checkpoint (directory head seq ${logCheck.checkpointedSeq})`
                  : 'not yet covered by a signed checkpoint: check again after the next one'
              }`,
            ]
          : []),
      ],
    );
    return 0;
  },
});
