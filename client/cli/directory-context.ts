// CLI support: what the CLI takes from the public directory — a recipient's published requirement profile (for
// the request checks: pouch draft, check, send --draft) and, before anything is sealed, the age recipients each
// authority signed, verified against the fingerprint the user pinned (`pouch directory pin`).
import { verifyPinnedRecipients } from '../../shared/directory/statements.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import { type Profile, parseProfile } from '../../shared/domain/requests/profile.ts';
import { readPins } from '../keystore/pins.ts';
import type { DirectoryEntry } from '../sdk/exchange-api.ts';

/** The authority's published profile, or undefined when it has not published a valid one yet. */
export function readPublishedProfile(authority: DirectoryEntry): Profile | undefined {
  const raw = authority.profile;
  if (!raw || Object.keys(raw).filter((k) => k !== 'version').length === 0) return undefined;
  try {
    return parseProfile({ authorityId: authority.id, ...raw });
  } catch (error) {
    throw new PouchError(
      'ERR_VALIDATION',
      `The requirement profile published by ${authority.id} is not valid`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The entry with its `recipients` replaced by those its authority signed, verified against this keystore's pin
 * for it. The list the exchange serves unsigned is never used for sealing. Throws ERR_AUTHORITY_NOT_PINNED (with
 * how to pin), ERR_AUTHORITY_PIN_MISMATCH or ERR_STATEMENT_INVALID.
 *
 * @example
 * const recipient = await withVerifiedRecipients(ctx.keystore.home, await fetchDirectoryEntry(client, to));
 */
export async function withVerifiedRecipients(home: string, entry: DirectoryEntry): Promise<DirectoryEntry> {
  const pin = (await readPins(home)).get(entry.id);
  if (!pin) {
    const served = entry.authorityKey?.fingerprint;
    throw new PouchError(
      'ERR_AUTHORITY_NOT_PINNED',
      `authority ${entry.id} is not pinned: confirm its authority key fingerprint with it out of band${served ? ` (the exchange serves ${served})` : ''}, then run 'pouch directory pin ${entry.id} FINGERPRINT'`,
      { details: { authorityId: entry.id, ...(served ? { served } : {}) } },
    );
  }
  const recipients = await verifyPinnedRecipients(entry, pin.fingerprint);
  return { ...entry, recipients };
}
