// CLI command `pouch draft KIND`: writes a commented YAML skeleton of a request, with the instrument's mandatory
// elements and the recipient's published requirements, each explained and cited.
import { writeFile } from 'node:fs/promises';
import {
  type DraftParty,
  partiesPrefill,
  renderDraftSkeleton,
} from '../../../shared/domain/requests/draft.ts';
import { REQUEST_KINDS, type RequestKind } from '../../../shared/domain/requests/instruments.ts';
import { fetchDirectoryEntry, fetchMe } from '../../sdk/exchange-api.ts';
import { resolveAuthorityId } from '../authority-resolver.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { readPublishedProfile } from '../directory-context.ts';

export const draftCommand = defineCommand({
  name: 'draft',
  summary: 'Write a commented YAML skeleton of a request for a recipient',
  positionals: { names: ['KIND'] },
  options: {
    to: {
      type: 'string',
      valueName: 'AUTHORITY',
      description: 'recipient authority: id, name or country (adds its requirements)',
    },
    out: { type: 'string', valueName: 'FILE', description: 'write to FILE instead of standard output' },
  },
  details: `Kinds: ${REQUEST_KINDS.join(', ')}.\nExample: pouch draft mla --to Southmark --out request.yaml`,
  async run(ctx, { values, positionals }) {
    const kind = positionals[0] ?? '';
    if (!(REQUEST_KINDS as readonly string[]).includes(kind)) {
      throw new CliUsageError(`unknown kind '${kind}'; choose one of ${REQUEST_KINDS.join(', ')}`, 'draft');
    }
    let profile: Awaited<ReturnType<typeof readPublishedProfile>>;
    let requesting: DraftParty | undefined;
    let requested: DraftParty | undefined;
    if (values.to) {
      const client = await ctx.createClient();
      const recipient = await fetchDirectoryEntry(client, await resolveAuthorityId(client, values.to));
      requested = recipient;
      profile = await readPublishedProfile(ctx.keystore.home, recipient);
      if (!profile)
        ctx.note(
          `${recipient.name} (${recipient.id}) has published no requirement profile: the skeleton covers the instrument only.`,
        );
      // Both parties come from the directory: the recipient named by --to, the sender by the signed-in profile.
      requesting = await fetchDirectoryEntry(client, (await fetchMe(client)).authorityId);
    }
    const yaml = renderDraftSkeleton(
      kind as RequestKind,
      profile,
      partiesPrefill({
        ...(requesting ? { requesting } : {}),
        ...(requested ? { requested } : {}),
      }),
    );
    if (values.out) {
      await writeFile(values.out, yaml, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST')
          throw new CliUsageError(`${values.out} exists; choose another --out`, 'draft');
        throw error;
      });
      ctx.print(
        { kind, out: values.out, profileVersion: profile?.version ?? null },
        `Wrote a ${kind} skeleton to ${values.out}${profile ? ` (profile v${profile.version})` : ''}. Fill it in, then run: pouch check ${values.out} --to ${requested?.id ?? 'AUTHORITY'}`,
      );
    } else {
      ctx.stdout.write(yaml);
    }
    return 0;
  },
});
