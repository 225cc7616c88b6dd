// CLI support: reads what the request checks need from the exchange's public directory — the recipient's
// requirement profile and both parties' treaties and countries.
import { PouchError } from '../../shared/domain/errors.ts';
import { type Profile, parseProfile } from '../../shared/domain/requests/profile.ts';
import type { PouchClient } from '../sdk/pouch-client.ts';

export interface DirectoryAuthority {
  readonly id: string;
  readonly country: string;
  readonly name: string;
  readonly treaties: readonly string[];
  readonly languages: readonly string[];
  readonly recipients: readonly string[];
  readonly profile?: Record<string, unknown>;
}

/** One authority's public entry. */
export async function fetchAuthority(client: PouchClient, authorityId: string): Promise<DirectoryAuthority> {
  return client.request<DirectoryAuthority>(
    'GET',
    `/v1/directory/authorities/${encodeURIComponent(authorityId)}`,
  );
}

/** The authority's published profile, or undefined when it has not published a valid one yet. */
export function readPublishedProfile(authority: DirectoryAuthority): Profile | undefined {
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

/** The caller's own authority id, from the access token's principal. */
export async function fetchOwnAuthorityId(client: PouchClient): Promise<string> {
  const me = await client.request<{ authorityId: string }>('GET', '/v1/me');
  return me.authorityId;
}
