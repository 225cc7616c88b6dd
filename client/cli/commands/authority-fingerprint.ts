// CLI command `pouch authority fingerprint [--key NAME] [--authority ID]`: the fingerprint ceremony. Prints the
// RFC 7638 fingerprint of the authority key this keystore holds (alone on stdout, for scripts), the one the
// authority reads out to each counterpart out of band; with --authority it also checks that the exchange serves
// that same key for the authority, and fails (exit 1) when it does not.
import { authorityKeyFingerprint } from '../../../shared/directory/statements.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { checkHeldAuthorityKey, getAuthorityEntry } from '../../sdk/directory-api.ts';
import { keystorePublicJwk } from '../admin-context.ts';
import { defineCommand } from '../command.ts';

export const authorityFingerprintCommand = defineCommand({
  name: 'authority fingerprint',
  summary:
    "Print your authority key's fingerprint for counterparts to pin (--authority: check the exchange serves it)",
  options: {
    key: { type: 'string', valueName: 'NAME', description: "the authority key (default 'authority')" },
    authority: {
      type: 'string',
      valueName: 'ID',
      description: 'also check that the exchange serves this key for authority ID',
    },
  },
  details: [
    'Read the fingerprint to each counterpart by phone, letter or in person, never over the exchange.',
    'The counterpart compares it with what "pouch directory show ID" prints, then runs',
    '  pouch directory pin ID FINGERPRINT --note "how you confirmed it"',
  ].join('\n'),
  async run(ctx, { values }) {
    const jwk = await keystorePublicJwk(ctx, values.key ?? 'authority');
    const fingerprint = await authorityKeyFingerprint(jwk);
    if (values.authority !== undefined) {
      const client = await ctx.createClient();
      const entry = await getAuthorityEntry(client, values.authority);
      try {
        await checkHeldAuthorityKey(entry, { privateKey: new Uint8Array(0), publicJwk: jwk });
      } catch (error) {
        if (error instanceof PouchError && error.code === 'ERR_AUTHORITY_PIN_MISMATCH') {
          throw new PouchError(
            'ERR_AUTHORITY_PIN_MISMATCH',
            `the exchange serves another authority key for ${entry.id} (${entry.authorityKey?.fingerprint}) than the one you hold (${fingerprint}): do not let counterparts pin it; tell the operator`,
          );
        }
        throw error;
      }
      ctx.note(`The exchange serves this key for ${entry.id}.`);
    }
    ctx.print(
      { fingerprint, ...(values.authority ? { authorityId: values.authority, served: true } : {}) },
      fingerprint,
    );
    return 0;
  },
});
