// CLI command `pouch keys new`: creates a member signing key (JWK) or, with --seal, an authority age identity.
import { join } from 'node:path';
import type { SigningAlgorithm } from '../../sdk/client-assertion.ts';
import { signingAlgorithms } from '../../sdk/client-assertion.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const keysNewCommand = defineCommand({
  name: 'keys new',
  summary: 'Create a signing key (or with --seal an age sealing identity) and print its public part',
  options: {
    name: {
      type: 'string',
      valueName: 'NAME',
      description: 'key name (default "default", or "seal" with --seal)',
    },
    alg: { type: 'string', valueName: 'ES256|EdDSA', description: 'signature algorithm (default ES256)' },
    seal: { type: 'boolean', description: "create an authority's age identity for sealing instead" },
    passphrase: {
      type: 'boolean',
      description: 'protect the secret with a passphrase (POUCH_PASSPHRASE or prompt)',
    },
  },
  details: [
    'Examples:',
    '  pouch keys new --name alice            # then register the printed JWK for your member',
    '  pouch keys new --seal --passphrase     # then register the printed age1... recipient',
  ].join('\n'),
  async run(ctx, { values }) {
    const seal = values.seal === true;
    const name = values.name ?? (seal ? 'seal' : 'default');
    const protect = values.passphrase === true ? { passphrase: ctx.passphrase } : {};
    const path = join(ctx.keystore.home, 'keys', `${name}.json`);

    if (seal) {
      if (values.alg !== undefined)
        throw new CliUsageError('--alg applies to signing keys, not --seal', 'keys new');
      const key = await ctx.keystore.createSealingKey({ name, ...protect });
      ctx.note(
        `Created sealing identity '${name}' in ${path}${key.protection === 'none' ? '' : ' (passphrase-protected)'}.`,
      );
      ctx.note('Register this age recipient for your authority in the directory:');
      ctx.print({ ...key, path }, key.recipient);
      return 0;
    }

    const alg = values.alg ?? 'ES256';
    if (!signingAlgorithms.includes(alg as SigningAlgorithm)) {
      throw new CliUsageError(
        `--alg must be one of ${signingAlgorithms.join(', ')}, not '${alg}'`,
        'keys new',
      );
    }
    const key = await ctx.keystore.createSigningKey({ name, alg: alg as SigningAlgorithm, ...protect });
    ctx.note(
      `Created ${key.alg} signing key '${name}' (kid ${key.kid}) in ${path}${key.protection === 'none' ? '' : ' (passphrase-protected)'}.`,
    );
    ctx.note('Register this public key for your member in the directory:');
    ctx.print({ ...key, path }, JSON.stringify(key.publicJwk, null, 2));
    return 0;
  },
});
