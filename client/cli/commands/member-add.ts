// CLI command `pouch member add NAME --role ROLE --key FILE`: an authority's admin adds a member with the public key
// the member created on its own machine (`pouch keys new`, then `pouch keys show NAME`). Thin over the SDK's
// addMember; the server decides who may (another authority's admin gets 404, an officer 403 ERR_FORBIDDEN).
import { MEMBER_ROLES, type MemberRole } from '../../../shared/domain/identity/types.ts';
import { addMember } from '../../sdk/directory-api.ts';
import { authorityOption, readPublicJwkFile, resolveAuthorityArgument } from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

/** A role argument, checked against the roles the directory knows. */
export function parseMemberRole(value: string | undefined, command: string): MemberRole {
  if (value === undefined) {
    throw new CliUsageError(`--role is required: one of ${MEMBER_ROLES.join(', ')}`, command);
  }
  if (!(MEMBER_ROLES as readonly string[]).includes(value)) {
    throw new CliUsageError(`--role must be one of ${MEMBER_ROLES.join(', ')}, not '${value}'`, command);
  }
  return value as MemberRole;
}

export const memberAddCommand = defineCommand({
  name: 'member add',
  summary: 'Admin: add a member to your authority with its role and the public key it sent you',
  positionals: { names: ['NAME'] },
  options: {
    role: { type: 'string', valueName: MEMBER_ROLES.join('|'), description: "the member's role" },
    key: {
      type: 'string',
      valueName: 'FILE',
      description: "the member's public key: what 'pouch keys show NAME' printed on its machine",
    },
    ...authorityOption,
  },
  details: [
    'The member creates its key on its own machine and sends you only the public part:',
    '  pouch keys new --name officer && pouch keys show officer > officer.pub.json',
    'Then you add it, and sign its key so counterparts trust what it signs:',
    '  pouch member add "Olaf Officer" --role officer --key officer.pub.json',
    '  pouch keys approve --member MEMBER_ID',
  ].join('\n'),
  async run(ctx, { positionals, values }) {
    const displayName = (positionals[0] ?? '').trim();
    if (displayName === '') throw new CliUsageError('NAME is required', 'member add');
    const role = parseMemberRole(values.role, 'member add');
    if (values.key === undefined) {
      throw new CliUsageError(
        "--key FILE is required: the member runs 'pouch keys new --name NAME' and sends you what 'pouch keys show NAME' prints",
        'member add',
      );
    }
    const jwk = await readPublicJwkFile(values.key, 'public key');
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const member = await addMember(client, authorityId, { displayName, role, jwk });
    const kid = member.keys[0]?.kid;
    ctx.print(member, [
      `Added ${member.displayName} (${member.role}) as ${member.clientId}.`,
      `The member signs in with: pouch login --client-id ${member.clientId} --key NAME`,
      `Sign its key so counterparts trust what it signs: pouch keys approve --member ${member.id}${kid ? `  (key ${kid})` : ''}`,
    ]);
    return 0;
  },
});
