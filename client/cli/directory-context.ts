// CLI support: reads a recipient's published requirement profile from its public directory entry, for the
// request checks (pouch draft, pouch check, pouch send --draft).
import { PouchError } from '../../shared/domain/errors.ts';
import { type Profile, parseProfile } from '../../shared/domain/requests/profile.ts';
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
