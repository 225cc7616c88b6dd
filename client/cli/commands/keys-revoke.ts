// CLI command `pouch keys revoke KID [--member MEMBER] [--sign]`: an authority's admin revokes a member's key at the
// exchange (it stops signing in at once, issued tokens included); with --sign it also publishes a keys statement
// that records the revocation, so counterparts who pinned the authority stop trusting the key too.
import { approveMemberKeys, getAuthorityEntry, revokeMemberKey } from '../../sdk/directory-api.ts';
import {
  authorityKeyOption,
  authorityOption,
  ownIds,
  resolveAuthorityArgument,
  resolveMemberArgument,
  unlockAuthoritySigner,
} from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const keysRevokeCommand = defineCommand({
  name: 'keys revoke',
  summary: "Admin: revoke a member's key at once (--sign also records it in the signed statement)",
  positionals: { names: ['KID'] },
  options: {
    member: { type: 'string', valueName: 'MEMBER', description: 'the member (default: yourself)' },
    sign: {
      type: 'boolean',
      description: 'also sign and publish the member keys statement with the revocation',
    },
    ...authorityKeyOption,
    ...authorityOption,
  },
  async run(ctx, { positionals, values }) {
    const kid = positionals[0];
    if (!kid) throw new CliUsageError("KID is required ('pouch keys audit' lists them)", 'keys revoke');
    const signer =
      values.sign === true ? await unlockAuthoritySigner(ctx, values['authority-key']) : undefined;
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const memberId =
      values.member === undefined
        ? (await ownIds(ctx)).memberId
        : resolveMemberArgument(authorityId, values.member);
    const member = await revokeMemberKey(client, authorityId, memberId, kid);
    const signed = signer
      ? await approveMemberKeys(client, await getAuthorityEntry(client, authorityId), memberId, signer)
      : undefined;
    ctx.print(
      { authorityId, memberId, kid, member, ...(signed ? { statementVersion: signed.version } : {}) },
      [
        `Revoked key ${kid} of ${authorityId}:${memberId}: it no longer signs in.`,
        signed
          ? `Published keys statement version ${signed.version} recording the revocation.`
          : `Record it in the signed statement too: pouch keys approve --member ${memberId}`,
      ],
    );
    return 0;
  },
});
