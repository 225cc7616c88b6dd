// CLI command `pouch keys export NAME --out FILE`: writes a sealing identity as an age identity file (0600),
// so the standard `age -d -i FILE` can open sealed files without Pouch.
import { resolve } from 'node:path';
import { writePrivateFile } from '../../keystore/secure-files.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';

export const keysExportCommand = defineCommand({
  name: 'keys export',
  summary: 'Write a sealing identity to an age identity file (for `age -d -i FILE`)',
  positionals: { names: ['NAME'] },
  options: {
    out: { type: 'string', valueName: 'FILE', description: 'file to create (mode 0600; never overwritten)' },
  },
  details: 'The file holds the secret identity unencrypted: keep it safe and delete it after use.',
  async run(ctx, { values, positionals }) {
    const name = positionals[0] ?? '';
    if (!values.out)
      throw new CliUsageError('--out FILE is required (the identity is a secret)', 'keys export');
    const path = resolve(values.out);
    const text = await ctx.keystore.exportAgeIdentityFile(name, ctx.passphrase);
    if (!(await writePrivateFile(path, text, { exclusive: true }))) {
      throw new CliUsageError(`${path} already exists; choose another --out`, 'keys export');
    }
    ctx.print({ name, path }, `Wrote the age identity of '${name}' to ${path}`);
    return 0;
  },
});
