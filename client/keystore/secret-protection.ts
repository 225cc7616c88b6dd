// Keystore (runtime-neutral): passphrase protection for stored secrets using age's scrypt mode, ASCII-armored,
// so a protected secret is a standard age file that `age -d` can also open.
import { armor, Decrypter, Encrypter } from 'age-encryption';
import { KeystoreError } from './keystore-error.ts';

/** age's default scrypt work factor (log2 N). Tests lower it for speed; the CLI keeps the default. */
export const defaultScryptWorkFactor = 18;

/** Whether a stored secret is an armored age file (i.e. passphrase-protected). */
export function isProtectedSecret(secret: string): boolean {
  return secret.startsWith('-----BEGIN AGE ENCRYPTED FILE-----');
}

/**
 * Encrypt a secret with a passphrase (age scrypt recipient) and armor it.
 *
 * @example
 * const stored = await protectSecret('AGE-SECRET-KEY-1...', passphrase);
 */
export async function protectSecret(
  secret: string,
  passphrase: string,
  scryptWorkFactor: number = defaultScryptWorkFactor,
): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.setPassphrase(passphrase);
  encrypter.setScryptWorkFactor(scryptWorkFactor);
  return armor.encode(await encrypter.encrypt(secret));
}

/**
 * Decrypt a secret protected by {@link protectSecret}. A wrong passphrase throws KeystoreError
 * `passphrase-wrong` (code ERR_SEAL_NO_IDENTITY); a damaged file throws `keystore-corrupt`.
 */
export async function unprotectSecret(armored: string, passphrase: string, keyName: string): Promise<string> {
  let sealed: Uint8Array;
  try {
    sealed = armor.decode(armored);
  } catch (cause) {
    throw new KeystoreError('keystore-corrupt', `The protected secret of key '${keyName}' is damaged`, {
      cause,
    });
  }
  const decrypter = new Decrypter();
  decrypter.addPassphrase(passphrase);
  try {
    return await decrypter.decrypt(sealed, 'text');
  } catch (cause) {
    // age reports a scrypt stanza whose key does not verify as "no identity matched".
    if (cause instanceof Error && /no identity matched/i.test(cause.message)) {
      throw new KeystoreError('passphrase-wrong', `Wrong passphrase for key '${keyName}'`, {
        cause,
        details: { name: keyName },
      });
    }
    throw new KeystoreError('keystore-corrupt', `The protected secret of key '${keyName}' is damaged`, {
      cause,
    });
  }
}
