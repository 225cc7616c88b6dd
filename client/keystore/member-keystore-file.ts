// Keystore (Node): writes the member keystore file (shared/keystore/member-keystore.ts) that carries one CLI
// profile's signing key, the authority's sealing identity and the pins to the portal, passphrase-protected.

import {
  EcPrivateJwkSchema,
  encodeMemberKeystore,
  MEMBER_KEYSTORE_FORMAT,
  type MemberKeystore,
} from '../../shared/keystore/member-keystore.ts';
import type { Keystore, PassphraseSource } from './keystore.ts';
import { KeystoreError } from './keystore-error.ts';
import { readPins } from './pins.ts';

/**
 * The member keystore of profile `profileName`, sealed with `passphrase`. The portal signs ES256 only (Web
 * Crypto), so an EdDSA profile is refused with `key-wrong-kind`.
 *
 * @example
 * const file = await exportMemberKeystore(keystore, 'officer', { sealingKey: 'seal', passphrase: 'correct horse' });
 */
export async function exportMemberKeystore(
  keystore: Keystore,
  profileName: string,
  options: { sealingKey?: string; passphrase: string; unlock?: PassphraseSource; workFactor?: number },
): Promise<string> {
  const profile = await keystore.readProfile(profileName);
  const { info, privateJwk } = await keystore.unlockSigningKey(profile.key, options.unlock);
  const jwk = EcPrivateJwkSchema.safeParse(privateJwk);
  if (info.alg !== 'ES256' || !jwk.success) {
    throw new KeystoreError(
      'key-wrong-kind',
      `The portal signs with ES256 keys; '${profile.key}' is ${info.alg}`,
    );
  }
  let sealing: MemberKeystore['sealing'];
  if (options.sealingKey) {
    const identity = await keystore.unlockSealingIdentity(options.sealingKey, options.unlock);
    const shown = await keystore.showKey(options.sealingKey);
    if (shown.kind === 'sealing') sealing = { identity, recipient: shown.recipient };
  }
  const pins = [...(await readPins(keystore.home)).values()].map((pin) => ({
    authorityId: pin.authorityId,
    fingerprint: pin.fingerprint,
  }));
  const content: MemberKeystore = {
    format: MEMBER_KEYSTORE_FORMAT,
    version: 1,
    clientId: profile.clientId,
    signing: { alg: 'ES256', kid: info.kid, privateJwk: jwk.data },
    ...(sealing ? { sealing } : {}),
    pins,
    createdAt: new Date().toISOString(),
  };
  return encodeMemberKeystore(content, options.passphrase, options.workFactor);
}
