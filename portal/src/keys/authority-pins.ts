// Portal keys: pinning an authority in the browser, as `pouch directory pin` does for the CLI. The fingerprint shown
// is computed here from the authority-key chain the directory serves (each rotation verified), never the string the
// server sends beside it; a pin is taken only when the fingerprint the officer typed, as read to them out of band,
// is in that chain. The pins are kept with the member's keys (key-store.ts), so sign-out and forget wipe them.
import type { AuthorityWire } from '../../../shared/api/directory.ts';
import { resolveAuthorityKeyChain, resolvePinnedAuthorityKey } from '../../../shared/directory/statements.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { fingerprintPattern, PinsFileSchema } from '../../../shared/keystore/pins-file.ts';
import { type StoredMember, updatePins } from './key-store.ts';

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
  if (!fingerprintPattern.test(fingerprint)) {
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

/**
 * Import the pins file the CLI keeps (`pins.json` in its home, written by `pouch directory pin`): the officer's own
 * out-of-band comparisons, taken as they are, like the pins a member keystore carries. A pin in the file replaces
 * this browser's pin of the same authority; the others stay. ERR_VALIDATION when the file is not a pins file.
 * Answers the member as now stored and how many pins the file held.
 */
export async function importPinsFile(
  member: StoredMember,
  text: string,
): Promise<{ member: StoredMember; imported: number }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const file = PinsFileSchema.safeParse(parsed);
  if (!file.success) {
    throw new PouchError('ERR_VALIDATION', 'Not a Pouch pins file (pins.json, version 1)', {
      details: { field: 'pins' },
    });
  }
  const incoming = new Map(file.data.pins.map((pin) => [pin.authorityId, pin.fingerprint]));
  const updated = await updatePins(member.clientId, (pins) => [
    ...pins.filter((pin) => !incoming.has(pin.authorityId)),
    ...[...incoming].map(([authorityId, fingerprint]) => ({ authorityId, fingerprint })),
  ]);
  return { member: updated, imported: incoming.size };
}
