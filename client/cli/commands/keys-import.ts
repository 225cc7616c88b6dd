// CLI command `pouch keys import FILE --name NAME`: put an existing private signing key into the keystore — the
// local operator's key file that `npm start` writes (.pouch/operator-key.json), or a private JWK — so the CLI can
// sign in with it. The file stays where it is; the keystore copy can be passphrase-protected.
import { readFile } from 'node:fs/promises';
import type { JWK } from 'jose';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const keysImportCommand = defineCommand({
  name: 'keys import',
  summary: 'Import a private signing key (e.g. the local operator key file) into the keystore',
  positionals: { names: ['FILE'] },
  options: {
    name: { type: 'string', valueName: 'NAME', description: 'key name in the keystore' },
    passphrase: {
      type: 'boolean',
      description: 'protect the secret with a passphrase (POUCH_PASSPHRASE or prompt)',
    },
  },
  details: 'Example (local exchange):\n  pouch keys import .pouch/operator-key.json --name operator',
  async run(ctx, { positionals, values }) {
    const path = positionals[0] ?? '';
    const name = values.name;
    if (!name) throw new CliUsageError('--name NAME is required', 'keys import');
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new CliUsageError(`cannot read a JSON key from ${path}`, 'keys import');
    }
    // The operator key file wraps the JWK as `privateJwk`; a bare private JWK is taken as is.
    const jwk = (
      typeof parsed.privateJwk === 'object' && parsed.privateJwk !== null ? parsed.privateJwk : parsed
    ) as JWK;
    if (typeof jwk.d !== 'string') {
      throw new CliUsageError(`${path} holds no private key (a JWK with "d")`, 'keys import');
    }
    const key = await ctx.keystore.importSigningKey({
      name,
      privateJwk: jwk,
      ...(values.passphrase === true ? { passphrase: ctx.passphrase } : {}),
    });
    ctx.note(`Imported ${key.alg} signing key '${name}' (kid ${key.kid}).`);
    ctx.print(key, JSON.stringify(key.publicJwk, null, 2));
    return 0;
  },
});
