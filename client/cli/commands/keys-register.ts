// CLI command `pouch keys register [FILE] [--member MEMBER]`: an authority's admin registers a member's new public
// key (what `pouch keys new` printed). Once the authority has an authority key the new key is pending: it signs in
// and counts for counterparts only after `pouch keys approve`, so an admin cannot plant a key and act as a member.
import { authorityKeyFingerprint } from '../../../shared/directory/statements.ts';
import { addMemberKey } from '../../sdk/directory-api.ts';
import {
  authorityOption,
  keystorePublicJwk,
  ownIds,
  readPublicJwkFile,
  resolveAuthorityArgument,
  resolveMemberArgument,
} from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const keysRegisterCommand = defineCommand({
  name: 'keys register',
  summary: "Admin: register a member's new public key (pending until 'pouch keys approve' signs it)",
  positionals: { names: ['FILE'], optional: 1 },
  options: {
    member: { type: 'string', valueName: 'MEMBER', description: 'the member (default: yourself)' },
    key: {
      type: 'string',
      valueName: 'NAME',
      description: 'register a signing key of this keystore instead of a FILE',
    },
    ...authorityOption,
  },
  details: [
    'FILE is the public JWK the member sent you (pouch keys show NAME > FILE on its machine).',
    'Examples:',
    '  pouch keys register officer-2.pub.json --member mem_...   # then: pouch keys approve --member mem_...',
    '  pouch keys register --key admin-2                          # a second key of your own',
  ].join('\n'),
  async run(ctx, { positionals, values }) {
    const file = positionals[0];
    if ((file === undefined) === (values.key === undefined)) {
      throw new CliUsageError('give either FILE (a public JWK) or --key NAME', 'keys register');
    }
    const jwk =
      file !== undefined
        ? await readPublicJwkFile(file, 'public key')
        : await keystorePublicJwk(ctx, values.key ?? '');
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const memberId =
      values.member === undefined
        ? (await ownIds(ctx)).memberId
        : resolveMemberArgument(authorityId, values.member);
    const fingerprint = await authorityKeyFingerprint(jwk);
    const member = await addMemberKey(client, authorityId, memberId, { jwk });
    const added = member.keys.at(-1);
    ctx.print({ authorityId, memberId, kid: added?.kid, fingerprint, member }, [
      `Registered key ${added?.kid ?? ''} (fingerprint ${fingerprint}) for ${authorityId}:${memberId}.`,
      `It is pending until the authority key signs it: pouch keys approve --member ${memberId}`,
    ]);
    return 0;
  },
});
