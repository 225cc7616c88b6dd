// Client unit tests: the one authority resolver behind every AUTHORITY argument — an exact id always wins, a
// name, country code or country name resolves when it means one authority, an ambiguous one is refused with the
// candidates (ERR_AUTHORITY_AMBIGUOUS, exit 2) and an unknown one says how to search (ERR_AUTHORITY_NOT_FOUND, 4).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuthorityCandidate,
  countryName,
  resolveAuthority,
  searchAuthorities,
} from '../../client/cli/authority-resolver.ts';
import { exitCodeOf } from '../../client/cli/exit-codes.ts';
import { isPouchError, type PouchError } from '../../shared/domain/errors.ts';

const north: AuthorityCandidate = {
  id: 'auth_NorthNorthNorthNorth01',
  name: 'Northland Ministry of Justice',
  country: 'XA',
};
const south: AuthorityCandidate = {
  id: 'auth_SouthSouthSouthSouth01',
  name: 'Southmark Federal Office',
  country: 'XB',
};
const southPolice: AuthorityCandidate = {
  id: 'auth_SouthSouthSouthSouth02',
  name: 'Southmark Police',
  country: 'XB',
};
const france: AuthorityCandidate = {
  id: 'auth_FranceFranceFranceFr01',
  name: 'Ministère de la Justice',
  country: 'FR',
};
const directory = [north, south, southPolice, france];

function failure(run: () => unknown): PouchError {
  try {
    run();
  } catch (error) {
    if (isPouchError(error)) return error;
    throw error;
  }
  throw new Error('expected a PouchError');
}

describe('resolveAuthority', () => {
  it('takes an exact id, case-insensitively', () => {
    expect(resolveAuthority(south.id, directory)).toBe(south);
    expect(resolveAuthority(south.id.toUpperCase(), directory)).toBe(south);
  });

  it('resolves a unique name part, an exact name, an ISO code and an English country name', () => {
    expect(resolveAuthority('northland', directory)).toBe(north);
    expect(resolveAuthority('Southmark Police', directory)).toBe(southPolice);
    expect(resolveAuthority('xa', directory)).toBe(north);
    expect(resolveAuthority('fr', directory)).toBe(france);
    expect(resolveAuthority('France', directory)).toBe(france);
    expect(resolveAuthority('  france ', directory)).toBe(france);
  });

  it('refuses an ambiguous name or country with every candidate listed (ERR_AUTHORITY_AMBIGUOUS, exit 2)', () => {
    for (const query of ['southmark', 'XB']) {
      const error = failure(() => resolveAuthority(query, directory));
      expect(error.code).toBe('ERR_AUTHORITY_AMBIGUOUS');
      expect(exitCodeOf(error.code)).toBe(2);
      const ids = ((error.details?.candidates ?? []) as { id: string }[]).map((c) => c.id).sort();
      expect(ids).toEqual([south.id, southPolice.id].sort());
      expect(error.message).toContain(south.id);
      expect(error.message).toContain(southPolice.id);
    }
  });

  it('refuses an unknown authority with how to search (ERR_AUTHORITY_NOT_FOUND, exit 4)', () => {
    for (const query of ['Westland', '', 'DE']) {
      const error = failure(() => resolveAuthority(query, directory));
      expect(error.code).toBe('ERR_AUTHORITY_NOT_FOUND');
      expect(exitCodeOf(error.code)).toBe(4);
    }
  });

  it('does not name private-use country codes after ICU pseudo-locales', () => {
    expect(countryName('XA')).toBeUndefined();
    expect(countryName('FR')).toBe('France');
    expect(failure(() => resolveAuthority('Pseudo-Accents', directory)).code).toBe('ERR_AUTHORITY_NOT_FOUND');
  });

  const idArb = fc.stringMatching(/^auth_[A-Za-z0-9_-]{22}$/);
  const entryArb = fc.record({
    id: idArb,
    name: fc.constantFrom(
      'Southmark',
      'Southmark Police',
      'Northland',
      'X',
      'auth_',
      'France',
      'XB',
      'Justice',
    ),
    country: fc.constantFrom('XA', 'XB', 'FR', 'DE'),
  });
  const directoryArb = fc.uniqueArray(entryArb, {
    selector: (e) => e.id.toLowerCase(),
    minLength: 1,
    maxLength: 8,
  });
  const queryArb = fc.constantFrom(
    'southmark',
    'XB',
    'xa',
    'france',
    'Germany',
    'justice',
    'x',
    'auth_',
    'police',
  );

  it('property: an exact id always resolves to its authority, even when another is named after it', () => {
    fc.assert(
      fc.property(directoryArb, fc.nat(), fc.nat(), (entries, pick, other) => {
        const target = entries[pick % entries.length]!;
        const impostor = other % entries.length;
        const listed = entries.map((e, i) =>
          i === impostor && e !== target ? { ...e, name: target.id.toLowerCase() } : e,
        );
        expect(resolveAuthority(target.id, listed).id).toBe(target.id);
      }),
      { numRuns: 200 },
    );
  });

  it('property: a query resolves only when nothing as close competes, and an ambiguous one never picks', () => {
    fc.assert(
      fc.property(directoryArb, queryArb, (entries, query) => {
        const q = query.toLowerCase();
        const exact = entries.filter(
          (e) =>
            e.id.toLowerCase() === q ||
            e.name.toLowerCase() === q ||
            e.country.toLowerCase() === q ||
            countryName(e.country)?.toLowerCase() === q,
        );
        const partial =
          q.length < 3
            ? []
            : entries.filter((e) => e.name.toLowerCase().includes(q) || e.id.toLowerCase().includes(q));
        const closest = exact.length > 0 ? exact : partial;
        let resolved: AuthorityCandidate | undefined;
        let error: PouchError | undefined;
        try {
          resolved = resolveAuthority(query, entries);
        } catch (e) {
          if (!isPouchError(e)) throw e;
          error = e;
        }
        if (closest.length === 1) expect(resolved).toBe(closest[0]);
        else if (closest.length > 1) {
          expect(resolved).toBeUndefined();
          expect(error?.code).toBe('ERR_AUTHORITY_AMBIGUOUS');
          const ids = ((error?.details?.candidates ?? []) as { id: string }[]).map((c) => c.id);
          expect(ids.sort()).toEqual(closest.map((e) => e.id).sort());
        } else {
          expect(error?.code).toBe('ERR_AUTHORITY_NOT_FOUND');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('searchAuthorities', () => {
  it('finds by name part, id part, ISO code and part of a country name', () => {
    expect(searchAuthorities('south', directory)).toEqual([south, southPolice]);
    expect(searchAuthorities('NorthNorth', directory)).toEqual([north]);
    expect(searchAuthorities('xb', directory)).toEqual([south, southPolice]);
    expect(searchAuthorities('fran', directory)).toEqual([france]);
    expect(searchAuthorities('nowhere', directory)).toEqual([]);
  });
});
