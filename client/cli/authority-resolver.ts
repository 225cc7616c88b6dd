// CLI support: the one place that turns what a person types for an authority (an id, a name, a country code or
// name) into a directory id. Every command that takes an authority (--to, --counterpart, directory show/pin, the
// admin commands) resolves through here, so the same words mean the same authority everywhere, and an ambiguous
// one is refused with the candidates instead of silently picking one.
import { PouchError } from '../../shared/domain/errors.ts';
import { authorityIdPattern } from '../../shared/domain/identity/ids.ts';
import type { PouchClient } from '../sdk/pouch-client.ts';

/** What the resolver needs to know about an authority (a directory entry has all of it). */
export interface AuthorityCandidate {
  readonly id: string;
  readonly name: string;
  readonly country: string;
  readonly status?: string;
}

// ISO 3166 reserves these for private use (the demo and tests use XA, XB...): ICU names some of them after
// pseudo-locales ("Pseudo-Accents"), which no one means when they type a country.
const USER_ASSIGNED = /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/;

let regionNames: Intl.DisplayNames | undefined;

/** The English name of an ISO 3166-1 alpha-2 country code, or undefined when there is none worth matching. */
export function countryName(code: string): string | undefined {
  const upper = code.toUpperCase();
  if (!/^[A-Z]{2}$/.test(upper) || USER_ASSIGNED.test(upper)) return undefined;
  try {
    regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    const name = regionNames.of(upper);
    return name && name !== upper ? name : undefined;
  } catch {
    return undefined;
  }
}

const fold = (text: string): string => text.normalize('NFKC').trim().toLowerCase();

/** True when `query` names the country of `a`: its ISO code, or its English country name (whole). */
function matchesCountry(a: AuthorityCandidate, query: string): boolean {
  const q = fold(query);
  if (q === '') return false;
  if (fold(a.country) === q) return true;
  const name = countryName(a.country);
  return name !== undefined && fold(name) === q;
}

/**
 * Every authority `query` could mean, for `pouch directory search`: the id or name containing it, or the country
 * it names (ISO code, or the country's English name or a part of it). Fragments count from three characters.
 * Case-insensitive; in directory order.
 */
export function searchAuthorities<T extends AuthorityCandidate>(
  query: string,
  authorities: readonly T[],
): T[] {
  const q = fold(query);
  if (q === '') return [...authorities];
  return authorities.filter((a) => {
    if (fold(a.country) === q || fold(a.name) === q) return true;
    // Two letters are a country code: as a fragment they would match half the ids.
    if (q.length < 3) return false;
    if (fold(a.id).includes(q) || fold(a.name).includes(q)) return true;
    const name = countryName(a.country);
    return name !== undefined && fold(name).includes(q);
  });
}

/** How one authority reads in a list of candidates: `Southmark Central Authority (XB, auth_…)`. */
export function describeCandidate(a: AuthorityCandidate): string {
  return `${a.name} (${a.country}, ${a.id})`;
}

/**
 * The one authority `query` means, in this order: an exact id (always wins); else an exact name or the country
 * (ISO code or English name); else a unique id or name containing it (three characters or more).
 * Case-insensitive. More than one candidate
 * at the first step that finds any is refused, never picked.
 *
 * @throws PouchError ERR_AUTHORITY_AMBIGUOUS (details.candidates) or ERR_AUTHORITY_NOT_FOUND.
 * @example
 * resolveAuthority('southmark', entries).id; // 'auth_…' when one authority is named or contains "Southmark"
 */
export function resolveAuthority<T extends AuthorityCandidate>(query: string, authorities: readonly T[]): T {
  const q = fold(query);
  if (q === '') {
    throw new PouchError(
      'ERR_AUTHORITY_NOT_FOUND',
      "no authority given: name one by id, name or country ('pouch directory list' shows them)",
    );
  }
  const byId = authorities.filter((a) => fold(a.id) === q);
  if (byId.length === 1 && byId[0]) return byId[0];
  const tiers = [
    byId,
    authorities.filter((a) => fold(a.name) === q || matchesCountry(a, query)),
    // Two letters are a country code, not a fragment: "DE" must not pick the one name containing "de".
    q.length < 3 ? [] : authorities.filter((a) => fold(a.name).includes(q) || fold(a.id).includes(q)),
  ];
  for (const tier of tiers) {
    if (tier.length === 1 && tier[0]) return tier[0];
    if (tier.length > 1) {
      throw new PouchError(
        'ERR_AUTHORITY_AMBIGUOUS',
        `'${query}' matches ${tier.length} authorities: ${tier.map(describeCandidate).join('; ')} — give the id of the one you mean`,
        {
          details: {
            query,
            candidates: tier.map((a) => ({ id: a.id, name: a.name, country: a.country })),
          },
        },
      );
    }
  }
  throw new PouchError(
    'ERR_AUTHORITY_NOT_FOUND',
    `no authority matches '${query}' — 'pouch directory search WORDS' looks by name, country or id; 'pouch directory list' shows them all`,
    { details: { query } },
  );
}

/** The public directory, as the exchange serves it to any signed-in member. */
export async function listDirectory<T extends AuthorityCandidate = AuthorityCandidate>(
  client: PouchClient,
): Promise<readonly T[]> {
  const answer = await client.request<{ authorities: readonly T[] }>('GET', '/v1/directory/authorities');
  return answer.authorities;
}

/**
 * The directory id of the authority `query` means. A well-formed authority id is taken as given (the exchange
 * answers for it, as before, and no directory read is spent); anything else is resolved against one read of the
 * directory. Throws like resolveAuthority.
 *
 * @example
 * const to = await resolveAuthorityId(client, values.to); // 'Southmark', 'XB', 'France' or 'auth_…'
 */
export async function resolveAuthorityId(client: PouchClient, query: string): Promise<string> {
  if (authorityIdPattern.test(query.trim())) return query.trim();
  return resolveAuthority(query, await listDirectory(client)).id;
}
