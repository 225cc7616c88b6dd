// CLI command `pouch authority key rotate --new NAME` (an authority's admin, on the machine that holds the authority
// key): hand the authority key over to a new one. The current key signs the hand-over; the new key re-signs the
// recipients, every member's keys and the profile (client/sdk/authority-key-rotation.ts), and the command ends with
// the fingerprint ceremony counterparts must repeat before they re-pin.
import { authorityKeyFingerprint } from '../../../shared/directory/statements.ts';
import { isKeystoreError } from '../../keystore/keystore-error.ts';
import { rotateAuthorityKey } from '../../sdk/authority-key-rotation.ts';
import { type SigningAlgorithm, signingAlgorithms } from '../../sdk/client-assertion.ts';
import { checkHeldAuthorityKey, getAuthorityEntry } from '../../sdk/directory-api.ts';
import {
  authorityKeyOption,
  authorityOption,
  resolveAuthorityArgument,
  unlockAuthoritySigner,
} from '../admin-context.ts';
import { CliUsageError } from '../cli-errors.ts';
import { type CommandContext, defineCommand } from '../command.ts';

async function holdsKey(ctx: CommandContext, name: string): Promise<boolean> {
  try {
    await ctx.keystore.showKey(name);
    return true;
  } catch (error) {
    if (isKeystoreError(error) && error.reason === 'key-not-found') return false;
    throw error;
  }
}

/** The new authority key: taken from the keystore when it holds NAME, else created there. */
async function takeOrCreate(
  ctx: CommandContext,
  name: string,
  alg: string | undefined,
  protect: boolean,
): Promise<{ created: boolean }> {
  try {
    const key = await ctx.keystore.showKey(name);
    if (key.kind !== 'signing') {
      throw new CliUsageError(
        `key '${name}' is a sealing key: name a signing key for --new`,
        'authority key rotate',
      );
    }
    if (alg !== undefined && key.alg !== alg) {
      throw new CliUsageError(
        `key '${name}' exists and is ${key.alg}, not ${alg}: drop --alg or name a new key`,
        'authority key rotate',
      );
    }
    return { created: false };
  } catch (error) {
    if (!(isKeystoreError(error) && error.reason === 'key-not-found')) throw error;
  }
  const chosen = alg ?? 'ES256';
  if (!signingAlgorithms.includes(chosen as SigningAlgorithm)) {
    throw new CliUsageError(
      `--alg must be one of ${signingAlgorithms.join(', ')}, not '${chosen}'`,
      'authority key rotate',
    );
  }
  await ctx.keystore.createSigningKey({
    name,
    alg: chosen as SigningAlgorithm,
    ...(protect ? { passphrase: ctx.passphrase } : {}),
  });
  return { created: true };
}

export const authorityKeyRotateCommand = defineCommand({
  name: 'authority key rotate',
  summary:
    'Admin: hand the authority key over to a new key, re-sign what the old one signed, print the ceremony',
  options: {
    new: {
      type: 'string',
      valueName: 'NAME',
      description: 'the new authority key in this keystore (created when it does not exist)',
    },
    alg: {
      type: 'string',
      valueName: 'ES256|EdDSA',
      description: 'algorithm of a new key that is created (default ES256)',
    },
    passphrase: { type: 'boolean', description: 'protect a created key with a passphrase' },
    ...authorityKeyOption,
    ...authorityOption,
  },
  details: [
    'Example (on the machine that holds the current authority key):',
    '  pouch authority key rotate --new authority-2',
    'The current key (--authority-key, default "authority") signs the hand-over; the new key re-signs the',
    "recipients, every member's keys and the profile. Run it again after an interruption: it resumes.",
    'Afterwards sign statements with --authority-key authority-2, and read the new fingerprint to every',
    'counterpart out of band; each one compares it and runs "pouch directory pin AUTHORITY FINGERPRINT".',
  ].join('\n'),
  async run(ctx, { values }) {
    const newName = values.new?.trim();
    if (!newName) {
      throw new CliUsageError('--new NAME is required: the new authority key', 'authority key rotate');
    }
    const oldName = values['authority-key'] ?? 'authority';
    if (newName === oldName) {
      throw new CliUsageError(
        `--new must name another key than the current authority key '${oldName}'`,
        'authority key rotate',
      );
    }
    // The current key first: nothing is created when the admin cannot sign the hand-over.
    const current = await unlockAuthoritySigner(ctx, oldName);
    const client = await ctx.createClient();
    const authorityId = await resolveAuthorityArgument(ctx, values.authority);
    // A key about to be created cannot be a resumed rotation's: check the current key before creating anything.
    if (!(await holdsKey(ctx, newName))) {
      await checkHeldAuthorityKey(await getAuthorityEntry(client, authorityId), current);
    }
    const { created } = await takeOrCreate(ctx, newName, values.alg, values.passphrase === true);
    const next = await unlockAuthoritySigner(ctx, newName);
    const done = await rotateAuthorityKey(client, authorityId, current, next);
    const fingerprint = await authorityKeyFingerprint(next.publicJwk);
    const resigned = [
      ...(done.resigned.recipients ? ['recipients'] : []),
      ...(done.resigned.profile ? ['profile'] : []),
      ...(done.resigned.members.length > 0 ? [`keys of ${done.resigned.members.length} member(s)`] : []),
    ];
    ctx.print({ ...done, keyName: newName, created }, [
      done.rotated
        ? `Rotated the authority key of ${authorityId} (rotation ${done.rotation}).`
        : `The exchange already served the new key of ${authorityId}: the rotation is resumed.`,
      `  Previous key  ${done.previousFingerprint}`,
      `  New key       ${fingerprint}  ('${newName}' in this keystore${created ? ', created now' : ''})`,
      `  Re-signed     ${resigned.join(', ') || 'nothing left to re-sign'}`,
      `Sign statements from now on with --authority-key ${newName}; keep '${oldName}' offline, never reuse it.`,
      'Ceremony: read the new fingerprint to every counterpart by phone, letter or in person, never over the exchange.',
      `Each one compares it with 'pouch directory show ${authorityId}' and re-pins:`,
      `  pouch directory pin ${authorityId} ${fingerprint} --note "how you confirmed it"`,
      'Until they re-pin, their clients follow the signed hand-over from the old pin, and trust the old key as much as the new one.',
    ]);
    return 0;
  },
});
