// CLI command `pouch directory show AUTHORITY [--verify]`: one authority (by id, name or country) — its country,
// status, roles, 24/7 contacts, languages and treaties, the authority key fingerprint the exchange serves, the one
// this keystore pinned, and whether its signed recipients verify against the pin; with --verify, also that the
// served entry is the authority's latest state in the checkpointed directory log.
import { isPouchError } from '../../../shared/domain/errors.ts';
import { readPins } from '../../keystore/pins.ts';
import { fetchDirectoryEntry } from '../../sdk/exchange-api.ts';
import { resolveAuthorityId } from '../authority-resolver.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { checkEntryAgainstLog, type LogCheck, withVerifiedRecipients } from '../directory-context.ts';
import { summarizeAuthority } from './directory-list.ts';

export const directoryShowCommand = defineCommand({
  name: 'directory show',
  summary:
    'Show an authority (by id, name or country): its details, key fingerprint (to compare out of band), pin and signed recipients',
  positionals: { names: ['AUTHORITY'] },
  options: {
    verify: {
      type: 'boolean',
      description:
        'also check the entry against the directory log and its signed checkpoint (fails on a rolled-back or different statement)',
    },
  },
  async run(ctx, { positionals, values }) {
    const query = positionals[0];
    if (!query) throw new CliUsageError('AUTHORITY is required', 'directory show');
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityId(client, query);
    const entry = await fetchDirectoryEntry(client, authorityId);
    const summary = summarizeAuthority(entry);
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
        country: summary.country,
        countryName: summary.countryName,
        status: summary.status,
        roles: summary.roles,
        contacts247: summary.contacts247,
        languages: [...entry.languages],
        treaties: [...entry.treaties],
        profileVersion: entry.profile.version,
        fingerprint: served ?? null,
        rotations: entry.authorityKey?.chain.rotations.length ?? 0,
        pinned: pin?.fingerprint ?? null,
        recipients: verified ?? null,
        ...(problem ? { problem } : {}),
        ...(logCheck ? { log: logCheck } : {}),
      },
      [
        `${entry.name} (${entry.id})`,
        `  country:                ${summary.countryName ? `${summary.country} ${summary.countryName}` : summary.country}`,
        `  status:                 ${summary.status}`,
        `  roles:                  ${summary.roles.join(', ')}`,
        `  24/7 contacts:          ${summary.contacts247.length === 0 ? 'none listed' : summary.contacts247.map((c) => `${c.displayName} (${c.memberId})`).join(', ')}`,
        `  languages:              ${entry.languages.join(', ') || 'none listed'}`,
        `  treaties:               ${entry.treaties.join(', ') || 'none listed'}`,
        `  requirement profile:    ${entry.profile.version > 1 || Object.keys(entry.profile).length > 1 ? `v${entry.profile.version}` : 'none published'}`,
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
