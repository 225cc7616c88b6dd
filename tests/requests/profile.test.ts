// Tests for requirement profiles: parsing, versioning and language matching.
import { describe, expect, it } from 'vitest';
import { DEMO_PROFILES, SOUTHMARK } from '../../server/local/demo-profiles.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import {
  acceptsLanguage,
  assertProfileSuccessor,
  listPreferredChannels,
  parseProfile,
  selectLatestProfile,
} from '../../shared/domain/requests/profile.ts';

describe('profiles', () => {
  it('parses every demo profile, with clearly fictional user-assigned country codes', () => {
    for (const p of DEMO_PROFILES) {
      expect(parseProfile(p)).toEqual(p);
      expect(p.authorityId).toMatch(/^x[a-z]-/);
    }
  });

  it('rejects malformed profiles with ERR_VALIDATION', () => {
    const bad = [
      {},
      { ...SOUTHMARK.profile, version: 0 },
      { ...SOUTHMARK.profile, acceptedBases: ['hague'] },
    ];
    for (const input of bad) {
      try {
        parseProfile(input);
        expect.unreachable();
      } catch (err) {
        expect(isPouchError(err, 'ERR_VALIDATION')).toBe(true);
      }
    }
    expect(() =>
      parseProfile({
        ...SOUTHMARK.profile,
        extraRequired: { mla: [{ path: 'a..b', rule: 'x', explanation: 'y' }] },
      }),
    ).toThrow();
  });

  it('only accepts a higher version of the same authority', () => {
    const next = { ...SOUTHMARK.profile, version: 4 };
    expect(() => assertProfileSuccessor(SOUTHMARK.profile, next)).not.toThrow();
    expect(() => assertProfileSuccessor(next, SOUTHMARK.profile)).toThrow(
      expect.objectContaining({ code: 'ERR_VALIDATION' }),
    );
    expect(() => assertProfileSuccessor(SOUTHMARK.profile, { ...next, authorityId: 'other' })).toThrow();
    expect(selectLatestProfile([SOUTHMARK.profile, next])?.version).toBe(4);
    expect(selectLatestProfile([])).toBeUndefined();
  });

  it('matches languages by primary subtag', () => {
    expect(acceptsLanguage(SOUTHMARK.profile, 'de-AT')).toBe(true);
    expect(acceptsLanguage(SOUTHMARK.profile, 'fr')).toBe(false);
  });

  it('lists preferred channels per kind', () => {
    expect(listPreferredChannels(SOUTHMARK.profile, 'preservation')).toEqual(['pouch', '24-7-network']);
    expect(listPreferredChannels(SOUTHMARK.profile, 'mla')).toEqual(['pouch']);
  });
});
