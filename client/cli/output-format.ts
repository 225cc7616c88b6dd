// CLI (primary adapter): how commands show parties and times to people — an authority's name beside its id, and
// an instant in the reader's local time to the second. Shared by inbox, show and the other listings.
import type { PouchClient } from '../sdk/pouch-client.ts';

const pad = (value: number): string => String(value).padStart(2, '0');

/**
 * An ISO instant as local wall-clock time with its UTC offset, to the second (milliseconds say nothing to an
 * officer). An unreadable value is shown as given.
 *
 * @example
 * localTime('2026-03-01T09:15:02.123Z'); // '2026-03-01 10:15:02 +01:00' with TZ=Europe/Paris
 */
export function localTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const offset = -at.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(
    at.getMinutes(),
  )}:${pad(at.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Names parties for people: `Southmark (auth_…)` for an authority, `officer, Southmark` for a client id. */
export interface PartyNames {
  /** The authority's name with its id, or the id alone when the directory does not know it. */
  authority(authorityId: string): string;
  /** A member's client id (`AUTHORITY:MEMBER`) as `member of Name`; anything else as given. */
  member(clientId: string): string;
}

/** Names from the public directory (one read); a directory that cannot be read leaves the ids as they are. */
export async function loadPartyNames(client: PouchClient): Promise<PartyNames> {
  return partyNames(await loadAuthorityNames(client));
}

/** Authority id → name, from the public directory (one read); empty when the directory cannot be read. */
export async function loadAuthorityNames(client: PouchClient): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  try {
    const answer = await client.request<{ authorities: readonly { id: string; name: string }[] }>(
      'GET',
      '/v1/directory/authorities',
    );
    for (const authority of answer.authorities) names.set(authority.id, authority.name);
  } catch {
    // Names are a courtesy: the ids stay, and the listing is still right without them.
  }
  return names;
}

/** Party naming over a known id → name map. */
export function partyNames(names: ReadonlyMap<string, string>): PartyNames {
  const authority = (authorityId: string): string => {
    const name = names.get(authorityId);
    return name ? `${name} (${authorityId})` : authorityId;
  };
  return {
    authority,
    member(clientId) {
      const split = clientId.indexOf(':');
      if (split < 0) return clientId;
      const name = names.get(clientId.slice(0, split));
      return name ? `${clientId.slice(split + 1)}, ${name}` : clientId;
    },
  };
}
