// CLI command `pouch keys approve --member MEMBER`: the authority's admin signs a member's keys with the authority
// key it holds (a member-keys statement, the next version) and publishes it. Only keys a statement lists sign in
// once the member has one, and only those verify a manifest for counterparts who pinned the authority.
import { approveMemberKeys, getAuthorityEntry } from '../../sdk/directory-api.ts';
import {
  authorityKeyOption,
  authorityOption,
  ownIds,
  resolveAuthorityArgument,
  resolveMemberArgument,
  unlockAuthoritySigner,
} from '../admin-context.ts';
import { defineCommand } from '../command.ts';
import { formatTable } from '../output-table.ts';

export const keysApproveCommand = defineCommand({
  name: 'keys approve',
  summary: "Admin: sign a member's keys with the authority key and publish the statement",
  options: {
    member: { type: 'string', valueName: 'MEMBER', description: 'the member (default: yourself)' },
    exclude: {
      type: 'string',
      multiple: true,
      valueName: 'KID',
      description: 'leave this active key out (it stays pending); repeatable',
    },
    ...authorityKeyOption,
    ...authorityOption,
  },
  details: [
    'Every key the member holds is listed: active keys as signed, revoked ones with their revocation time.',
    "Check each fingerprint with the member ('pouch keys audit' on its side) before you approve a new key.",
  ].join('\n'),
  async run(ctx, { values }) {
    const signer = await unlockAuthoritySigner(ctx, values['authority-key']);
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const memberId =
      values.member === undefined
        ? (await ownIds(ctx)).memberId
        : resolveMemberArgument(authorityId, values.member);
    const entry = await getAuthorityEntry(client, authorityId);
    const result = await approveMemberKeys(client, entry, memberId, signer, {
      exclude: values.exclude ?? [],
    });
    ctx.print({ authorityId, memberId, version: result.version, keys: result.keys }, [
      `Signed the keys of ${authorityId}:${memberId} (statement version ${result.version}):`,
      ...formatTable(
        ['KID', 'FINGERPRINT', 'STATUS', 'NEWLY SIGNED'],
        result.keys.map((k) => [k.kid, k.fingerprint, k.status, k.newlySigned ? 'yes' : 'no']),
      ),
    ]);
    return 0;
  },
});
