// Unit tests of the publication rule for requirement profiles (shared/domain/requests/profile-publication.ts):
// a requirement is accepted only when the request template of its kind models the field, and then the request
// `pouch check` returns — the one `pouch send --draft` seals as request.json — carries the answer. Without the
// rule, a field the template does not model is required by check and dropped from the sealed request.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSampleFor, DEMO_PROFILES } from '../../server/local/demo-profiles.ts';
import { checkDraft, expandPath } from '../../shared/domain/requests/check.ts';
import { REQUEST_KINDS, type RequestKind } from '../../shared/domain/requests/instruments.ts';
import { type Profile, parseProfile } from '../../shared/domain/requests/profile.ts';
import {
  findUncarriedRequirements,
  isCarriedPath,
  validatePublishedProfile,
} from '../../shared/domain/requests/profile-publication.ts';
import { isBlank, listElements } from '../../shared/domain/requests/schemas.ts';

const context = { senderTreaties: ['untoc', 'budapest'], recipientTreaties: ['untoc', 'budapest'] };

/** The checked request a sample draft answering `profile` gives (what send seals), or undefined. */
function sealedRequest(kind: RequestKind, profile: Profile): Record<string, unknown> | undefined {
  const result = checkDraft(buildSampleFor(kind, profile), { ...context, recipientProfile: profile });
  return result.request as Record<string, unknown> | undefined;
}

const profileRequiring = (kind: RequestKind, path: string): Profile =>
  parseProfile({
    authorityId: 'auth_exampleexampleexample1',
    version: 2,
    languages: ['en'],
    acceptedBases: ['untoc', 'budapest', 'reciprocity'],
    extraRequired: { [kind]: [{ path, rule: 'needed', explanation: 'Needed.', example: 'An answer.' }] },
  });

describe('profile publication rule', () => {
  it('accepts every demo profile, and each requirement survives into the checked request that send seals', () => {
    for (const demo of DEMO_PROFILES) {
      expect(findUncarriedRequirements(demo)).toEqual([]);
      for (const kind of REQUEST_KINDS) {
        const requirements = demo.extraRequired[kind] ?? [];
        if (requirements.length === 0) continue;
        const request = sealedRequest(kind, demo);
        expect(request, `${demo.authorityId} ${kind}`).toBeDefined();
        for (const req of requirements) {
          const found = expandPath(request, req.path);
          expect(found.length).toBeGreaterThan(0);
          for (const inst of found) expect(isBlank(inst.value), `${kind} ${req.path}`).toBe(false);
        }
      }
    }
  });

  it('a field the template does not model is what check insists on and the sealed request drops: refused', () => {
    const profile = profileRequiring('mla', 'requestingAuthority.contact.fax');
    const draft = buildSampleFor('mla', profile);
    expect(expandPath(draft, 'requestingAuthority.contact.fax')[0]?.value).toBe('An answer.');
    const result = checkDraft(draft, { ...context, recipientProfile: profile });
    // The draft has it, so check is satisfied...
    expect(result.findings.filter((f) => f.rule === 'profile.needed')).toEqual([]);
    // ...but the request send would seal has lost it.
    expect(expandPath(result.request, 'requestingAuthority.contact.fax')[0]?.value).toBeUndefined();
    expect(findUncarriedRequirements(profile)).toEqual([
      { kind: 'mla', path: 'requestingAuthority.contact.fax', rule: 'needed' },
    ]);
    expect(() => validatePublishedProfile(profile.authorityId, profile)).toThrow(
      expect.objectContaining({ code: 'ERR_PROFILE_FIELD_UNKNOWN' }),
    );
  });

  it('property: every path the rule accepts (template string fields and additional.*) is carried into the sealed request', () => {
    const stringPaths = REQUEST_KINDS.flatMap((kind) =>
      listElements(kind)
        .filter((e) => e.type === 'string')
        .map((e) => ({ kind, path: e.path })),
    );
    const additional = fc
      .tuple(fc.constantFrom(...REQUEST_KINDS), fc.stringMatching(/^[a-z][A-Za-z0-9]{0,15}$/))
      .map(([kind, key]) => ({ kind, path: `additional.${key}` }));
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...stringPaths), additional), ({ kind, path }) => {
        expect(isCarriedPath(kind, path)).toBe(true);
        const profile = profileRequiring(kind, path);
        expect(findUncarriedRequirements(profile)).toEqual([]);
        const request = sealedRequest(kind, profile);
        // A sample that no longer validates (e.g. an answer that is not an e-mail) is not sealed as a request.
        if (!request) return;
        for (const inst of expandPath(request, path)) {
          if (inst.parent !== undefined) expect(isBlank(inst.value), `${kind} ${path}`).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('refuses paths into nothing: unknown keys, items of a non-array, array items without []', () => {
    for (const path of [
      'nowhere',
      'facts[]',
      'offences.penalty',
      'additional[]',
      'requestingAuthority.fax',
    ]) {
      expect(isCarriedPath('mla', path), path).toBe(false);
    }
    for (const path of ['offences[].penalty', 'personsConcerned', 'personsConcerned[]', 'additional.a.b']) {
      expect(isCarriedPath('mla', path), path).toBe(true);
    }
  });
});
