// CLI command `pouch open SEALED --out FILE`: opens a sealed (age) file offline with a keystore identity; the
// plaintext appears at FILE only once the whole file has been authenticated.
import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { openFile } from '../../../shared/crypto/age-native.ts';
import { withCryptoProgress } from '../../exchange/deliver-message.ts';
import { placeFile } from '../../exchange/fetch-documents.ts';
import { loadSealingIdentity } from '../../exchange/member-signer.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { formatBytes } from '../progress.ts';

export const openCommand = defineCommand({
  name: 'open',
  summary: 'Open a sealed file offline with your authority’s sealing identity',
  positionals: { names: ['SEALED'] },
  options: {
    out: {
      type: 'string',
      valueName: 'FILE',
      description: 'plaintext file to create (required; never overwritten)',
    },
    identity: {
      type: 'string',
      valueName: 'NAME',
      description: 'sealing key in the keystore (default: seal)',
    },
  },
  async run(ctx, { values, positionals }) {
    const input = resolve(positionals[0] ?? '');
    if (!values.out) throw new CliUsageError('--out FILE is required', 'open');
    const output = resolve(values.out);
    const sealed = await stat(input).catch(() => undefined);
    if (!sealed?.isFile()) {
      throw new CliUsageError(`cannot read ${positionals[0]}; check the path`, 'open');
    }
    if (await stat(output).catch(() => undefined)) {
      throw new CliUsageError(`${values.out} exists; choose another --out`, 'open');
    }
    const identity = await loadSealingIdentity(ctx.keystore, values.identity, ctx.passphrase);
    const tmp = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.part`);
    try {
      const digests = await withCryptoProgress(
        (label, total) => ctx.createProgress({ label, total }),
        `opening ${basename(input)}`,
        sealed.size,
        (progress) => openFile(input, tmp, [identity], progress),
      );
      await placeFile(tmp, output);
      ctx.print(
        { input, output, ...digests },
        `Opened ${positionals[0]} to ${values.out} (${formatBytes(digests.plaintextSize)}, sha256 ${digests.plaintextSha256})`,
      );
    } finally {
      await rm(tmp, { force: true });
    }
    return 0;
  },
});
