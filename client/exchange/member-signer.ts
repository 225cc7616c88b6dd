// Client exchange workflows: the member's manifest signer (the profile's signing key from the keystore) and the
// authority's sealing identities, unlocked only when a workflow needs them.
import type { CryptoKey } from 'jose';
import type { Keystore, PassphraseSource } from '../keystore/keystore.ts';
import { KeystoreError } from '../keystore/keystore-error.ts';
import type { SigningAlgorithm } from '../sdk/client-assertion.ts';

/** Who signs manifests: the profile's client id (`<authorityId>:<memberId>`) and its private key. */
export interface ManifestSigner {
  readonly clientId: string;
  readonly authorityId: string;
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
}

/** The sealing key every demo and default authority keystore uses. */
export const defaultSealingKeyName = 'seal';

/**
 * Unlock the signing key of a profile, for signing manifests.
 *
 * @example
 * const signer = await loadManifestSigner(ctx.keystore, 'officer', ctx.passphrase);
 */
export async function loadManifestSigner(
  keystore: Keystore,
  profileName: string,
  passphrase: PassphraseSource,
): Promise<ManifestSigner> {
  const profile = await keystore.readProfile(profileName);
  const { info, privateKey } = await keystore.unlockSigningKey(profile.key, passphrase);
  if (info.kid !== profile.kid) {
    throw new KeystoreError(
      'keystore-corrupt',
      `Profile '${profile.name}' expects key ${profile.kid} but '${profile.key}' is ${info.kid}`,
    );
  }
  const authorityId = profile.clientId.split(':')[0] ?? '';
  return { clientId: profile.clientId, authorityId, kid: info.kid, alg: info.alg, privateKey };
}

/** The age identity of the authority's sealing key (default name `seal`). */
export function loadSealingIdentity(
  keystore: Keystore,
  name: string | undefined,
  passphrase: PassphraseSource,
): Promise<string> {
  return keystore.unlockSealingIdentity(name ?? defaultSealingKeyName, passphrase);
}
