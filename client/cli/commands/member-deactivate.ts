// CLI command `pouch member deactivate MEMBER`: an authority's admin deactivates a member; none of its keys sign in
// from then on, tokens already issued included. `--reactivate` undoes it.
import { updateMember } from '../../sdk/directory-api.ts';
import { authorityOption, resolveAuthorityArgument, resolveMemberArgument } from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const memberDeactivateCommand = defineCommand({
  name: 'member deactivate',
  summary: 'Admin: deactivate a member (its keys stop signing in at once)',
  positionals: { names: ['MEMBER'] },
  options: {
    reactivate: { type: 'boolean', description: 'make a deactivated member active again' },
    ...authorityOption,
  },
  async run(ctx, { positionals, values }) {
    const given = positionals[0];
    if (!given) throw new CliUsageError('MEMBER is required', 'member deactivate');
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const memberId = resolveMemberArgument(authorityId, given);
    const status = values.reactivate === true ? 'active' : 'deactivated';
    const member = await updateMember(client, authorityId, memberId, { status });
    ctx.print(
      member,
      status === 'active'
        ? `${member.displayName} (${authorityId}:${member.id}) is active again.`
        : `${member.displayName} (${authorityId}:${member.id}) is deactivated: none of its keys sign in.`,
    );
    return 0;
  },
});
