// Keystore (Node): authority pins — the authority-key fingerprints this user compared out of band and trusts
// (`pouch directory pin`). Sending verifies each authority's signed recipients against its pin, so a directory
// the operator altered cannot make the client seal to someone else (issue 12, finding 3). One private file,
// <home>/pins.json, written atomically.
import { join } from 'node:path';
import { PouchError } from '../../shared/domain/errors.ts';
import {
  type AuthorityPin,
  fingerprintPattern,
  type PinsFile,
  PinsFileSchema,
  pinAuthorityIdPattern,
} from '../../shared/keystore/pins-file.ts';
import { KeystoreError } from './keystore-error.ts';
import { readPrivateFile, writePrivateFile } from './secure-files.ts';

export type { AuthorityPin };

const pinsPath = (home: string) => join(home, 'pins.json');

/** The pins of a keystore, by authority id (empty when none were saved). */
export async function readPins(home: string): Promise<Map<string, AuthorityPin>> {
  const text = await readPrivateFile(pinsPath(home));
  if (text === undefined) return new Map();
  let parsed: PinsFile;
  try {
    parsed = PinsFileSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new KeystoreError('keystore-corrupt', `${pinsPath(home)} is not a valid pins file`, {
      cause: error,
    });
  }
  return new Map(parsed.pins.map((pin) => [pin.authorityId, pin]));
}

/**
 * Pin (or re-pin) an authority's key fingerprint. Returns the previous pin, if any.
 *
 * @example
 * await savePin(keystore.home, { authorityId: 'auth_…', fingerprint: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
 */
export async function savePin(
  home: string,
  input: { readonly authorityId: string; readonly fingerprint: string; readonly note?: string },
): Promise<AuthorityPin | undefined> {
  if (!pinAuthorityIdPattern.test(input.authorityId)) {
    throw new PouchError('ERR_VALIDATION', `'${input.authorityId}' is not an authority id`);
  }
  if (!fingerprintPattern.test(input.fingerprint)) {
    throw new PouchError(
      'ERR_VALIDATION',
      'A fingerprint is 43 base64url characters (the RFC 7638 SHA-256 thumbprint of the authority key)',
    );
  }
  const pins = await readPins(home);
  const previous = pins.get(input.authorityId);
  pins.set(input.authorityId, {
    authorityId: input.authorityId,
    fingerprint: input.fingerprint,
    pinnedAt: new Date().toISOString(),
    ...(input.note === undefined ? {} : { note: input.note }),
  });
  const file = { version: 1 as const, pins: [...pins.values()] };
  await writePrivateFile(pinsPath(home), `${JSON.stringify(file, null, 2)}\n`);
  return previous;
}
