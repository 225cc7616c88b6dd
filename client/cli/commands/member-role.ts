// CLI command `pouch member role MEMBER ROLE`: an authority's admin changes a member's role (the change is
// audited and applies to the member's next request; the last active admin cannot demote itself).
import { MEMBER_ROLES } from '../../../shared/domain/identity/types.ts';
import { updateMember } from '../../sdk/directory-api.ts';
import { authorityOption, resolveAuthorityArgument, resolveMemberArgument } from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { parseMemberRole } from './member-add.ts';

export const memberRoleCommand = defineCommand({
  name: 'member role',
  summary: `Admin: change a member's role (${MEMBER_ROLES.join(', ')})`,
  positionals: { names: ['MEMBER', 'ROLE'] },
  options: { ...authorityOption },
  async run(ctx, { positionals, values }) {
    const [given, roleText] = positionals;
    if (!given) throw new CliUsageError('MEMBER is required', 'member role');
    const role = parseMemberRole(roleText, 'member role');
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const memberId = resolveMemberArgument(authorityId, given);
    const member = await updateMember(client, authorityId, memberId, { role });
    ctx.print(member, `${member.displayName} (${authorityId}:${member.id}) is now ${member.role}.`);
    return 0;
  },
});
