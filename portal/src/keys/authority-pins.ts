// Portal keys: pinning an authority in the browser, as `pouch directory pin` does for the CLI. The fingerprint shown
// is computed here from the authority-key chain the directory serves (each rotation verified), never the string the
// server sends beside it; a pin is taken only when the fingerprint the officer typed, as read to them out of band,
// is in that chain. The pins are kept with the member's keys (key-store.ts), so sign-out and forget wipe them.
import type { AuthorityWire } from '../../../shared/api/directory.ts';
import { resolveAuthorityKeyChain, resolvePinnedAuthorityKey } from '../../../shared/directory/statements.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { type StoredMember, updatePins } from './key-store.ts';

/** An RFC 7638 SHA-256 thumbprint: 43 base64url characters (the CLI's pins file checks the same). */
const FINGERPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * The fingerprint of the authority's current key, computed in this browser from the chain (ERR_STATEMENT_INVALID
 * when a rotation does not verify); undefined when the authority has no authority key, so cannot be pinned.
 */
export async function currentFingerprint(entry: AuthorityWire): Promise<string | undefined> {
  if (!entry.authorityKey) return undefined;
  const { fingerprints } = await resolveAuthorityKeyChain(entry.id, entry.authorityKey.chain);
  return fingerprints.at(-1);
}

/** What the officer typed or pasted, with the spaces and line breaks a read-out or a letter adds taken out. */
export function normalizeFingerprint(typed: string): string {
  return typed.replace(/\s+/g, '');
}

/**
 * Pin an authority for the signed-in member after checking the typed fingerprint against the chain the directory
 * serves: ERR_VALIDATION when it is not a fingerprint, ERR_AUTHORITY_PIN_MISMATCH when it is not in the chain
 * (the directory, or the read-out, is not what the officer thinks), ERR_STATEMENT_INVALID when the chain does not
 * verify. Answers the member as now stored, with the pin.
 */
export async function pinAuthority(
  member: StoredMember,
  entry: AuthorityWire,
  typed: string,
): Promise<StoredMember> {
  const fingerprint = normalizeFingerprint(typed);
  if (!FINGERPRINT.test(fingerprint)) {
    throw new PouchError(
      'ERR_VALIDATION',
      'A fingerprint is 43 base64url characters (the RFC 7638 SHA-256 thumbprint of the authority key)',
      { details: { field: 'fingerprint' } },
    );
  }
  await resolvePinnedAuthorityKey(entry, fingerprint);
  return updatePins(member.clientId, (pins) => [
    ...pins.filter((pin) => pin.authorityId !== entry.id),
    { authorityId: entry.id, fingerprint },
  ]);
}
