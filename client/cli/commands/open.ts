// CLI command `pouch open SEALED --out FILE`: opens a sealed (age) file offline with a keystore identity; the
// plaintext appears at FILE only once the whole file has been authenticated.
import { randomBytes } from 'node:crypto';
import { open as openHandle, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { armor } from 'age-encryption';
import { openFile } from '../../../shared/crypto/age-native.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { withCryptoProgress } from '../../exchange/deliver-message.ts';
import { placeFile } from '../../exchange/fetch-documents.ts';
import { loadSealingIdentity } from '../../exchange/member-signer.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { formatBytes } from '../progress.ts';

const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

/** Armoured files are decoded in memory: above this, ask for the binary form (`age -d` then re-seal, or no -a). */
const ARMORED_MAX_BYTES = 256 * 1024 * 1024;

/** True when the file starts (after optional whitespace) with age's ASCII armour line (`age -a`). */
async function isArmored(path: string): Promise<boolean> {
  const handle = await openHandle(path, 'r');
  try {
    const head = Buffer.alloc(ARMOR_BEGIN.length + 64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).toString('latin1').trimStart().startsWith(ARMOR_BEGIN);
  } finally {
    await handle.close();
  }
}

/**
 * Write the binary age file an armoured one encodes (age-encryption's armor decoder, strict PEM subset) next to
 * `output`, and return its path; the caller removes it.
 */
async function dearmor(input: string, size: number, output: string): Promise<string> {
  if (size > ARMORED_MAX_BYTES) {
    throw new CliUsageError(
      `${basename(input)} is ASCII-armoured and larger than 256 MiB; seal it without -a (binary age) to open it here`,
      'open',
    );
  }
  let binary: Uint8Array;
  try {
    binary = armor.decode(await readFile(input, 'utf8'));
  } catch (error) {
    throw new PouchError(
      'ERR_SEAL_FORMAT',
      `${basename(input)} starts like ASCII-armoured age but its armour is damaged (${error instanceof Error ? error.message : 'unreadable'})`,
      { cause: error },
    );
  }
  const path = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.age`);
  await writeFile(path, binary, { mode: 0o600 });
  return path;
}

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
    // `age -a` output is accepted as well as binary age: the armour is only a transport encoding.
    const binary = (await isArmored(input)) ? await dearmor(input, sealed.size, output) : undefined;
    try {
      const source = binary ?? input;
      const digests = await withCryptoProgress(
        (label, total) => ctx.createProgress({ label, total }),
        `opening ${basename(input)}`,
        binary ? (await stat(binary)).size : sealed.size,
        (progress) => openFile(source, tmp, [identity], progress),
      );
      await placeFile(tmp, output);
      ctx.print(
        { input, output, ...digests },
        `Opened ${positionals[0]} to ${values.out} (${formatBytes(digests.plaintextSize)}, sha256 ${digests.plaintextSha256})`,
      );
    } finally {
      await rm(tmp, { force: true });
      if (binary) await rm(binary, { force: true });
    }
    return 0;
  },
});
