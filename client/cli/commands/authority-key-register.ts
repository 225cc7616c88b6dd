// CLI command `pouch authority key register --authority ID --key FILE` (the operator, once): give an authority that
// was registered without one its first authority key, the public part its admin handed over. Every later change
// of that key is a rotation the authority signs itself (`pouch authority key rotate`); the exchange refuses a
// second registration.
import { authorityKeyFingerprint } from '../../../shared/directory/statements.ts';
import { registerAuthorityKey } from '../../sdk/directory-api.ts';
import { readPublicJwkFile, resolveAuthorityArgument } from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const authorityKeyRegisterCommand = defineCommand({
  name: 'authority key register',
  summary: 'Operator: register the first authority key of an authority that has none',
  options: {
    authority: { type: 'string', valueName: 'ID', description: 'the authority: id, name or country' },
    key: {
      type: 'string',
      valueName: 'FILE',
      description: "its authority key's public JWK ('pouch keys show authority' on its side)",
    },
  },
  details: [
    'Example:',
    '  pouch authority key register --authority XD --key westfold-authority.pub.json',
    "Then read the fingerprint back to the authority out of band: it must match 'pouch authority fingerprint'",
    'on its side. Once registered, only the authority changes it, by a rotation its current key signs.',
  ].join('\n'),
  async run(ctx, { values }) {
    if (values.authority === undefined || values.key === undefined) {
      throw new CliUsageError('--authority ID and --key FILE are required', 'authority key register');
    }
    const jwk = await readPublicJwkFile(values.key, 'authority key');
    const fingerprint = await authorityKeyFingerprint(jwk);
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    const entry = await registerAuthorityKey(await ctx.createClient(), authorityId, jwk);
    ctx.print({ authorityId: entry.id, fingerprint }, [
      `Registered the authority key of ${entry.id}: ${fingerprint}`,
      "Read this fingerprint to the authority out of band: it must match 'pouch authority fingerprint' on its side.",
    ]);
    return 0;
  },
});
