// Tests for check: every kind's sample passes, and removing any one mandatory element fails with its article.
import { describe, expect, it } from 'vitest';
import {
  buildSampleFor,
  EASTMERE,
  NORTHLAND,
  SAMPLE_REQUESTS,
  SOUTHMARK,
} from '../../server/local/demo-profiles.ts';
import { checkDraft, formatFindings } from '../../shared/domain/requests/check.ts';
import { PROVISIONS, REQUEST_KINDS } from '../../shared/domain/requests/instruments.ts';
import { listElements } from '../../shared/domain/requests/schemas.ts';
import { buildContext, deleteFirst, firstInstance, readFirst } from './helpers.ts';

const toSouthmark = buildContext(NORTHLAND, SOUTHMARK);
const noProfile = buildContext(NORTHLAND, SOUTHMARK, false);

describe.each(REQUEST_KINDS)('kind %s', (kind) => {
  it('complete sample passes against the instrument alone, with no warnings', () => {
    const result = checkDraft(SAMPLE_REQUESTS[kind], noProfile);
    expect(result.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.request?.kind).toBe(kind);
  });

  it("complete sample with the recipient's profile answers passes and records the profile version", () => {
    const result = checkDraft(buildSampleFor(kind, SOUTHMARK.profile), toSouthmark);
    expect(result.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(result.profileVersion).toBe(SOUTHMARK.profile.version);
  });

  const sample = SAMPLE_REQUESTS[kind];
  const mandatory = listElements(kind).filter(
    (e) => (e.level === 'mandatory' || e.level === 'conditional') && readFirst(sample, e.path) !== undefined,
  );

  it('has citations on every element', () => {
    for (const e of listElements(kind)) {
      expect(e.cite.length, e.path).toBeGreaterThan(0);
      for (const id of e.cite) expect(PROVISIONS[id]).toBeDefined();
    }
  });

  it.each(mandatory.map((e) => [e.path, e] as const))(
    'missing %s fails with its path and article',
    (_path, e) => {
      const draft = structuredClone(sample) as Record<string, unknown>;
      deleteFirst(draft, e.path);
      if (e.level === 'conditional') {
        const parentPath = e.path.includes('.') ? e.path.slice(0, e.path.lastIndexOf('.')) : '';
        const parent = (parentPath ? readFirst(draft, parentPath) : draft) as Record<string, unknown>;
        expect(e.requiredWhen?.test(parent, draft)).toBe(true);
      }
      const result = checkDraft(draft, noProfile);
      expect(result.ok).toBe(false);
      // When the deleted element was the only one in its block, the pruned block is reported as missing instead.
      const target = firstInstance(e.path);
      const finding =
        result.findings.find((f) => f.path === target && f.severity === 'error') ??
        result.findings.find(
          (f) =>
            f.severity === 'error' && (target.startsWith(`${f.path}.`) || target.startsWith(`${f.path}[`)),
        );
      expect(finding, formatFindings(result.findings)).toBeDefined();
      expect(finding?.rule).toBe('instrument.required');
      if (e.path !== 'kind') {
        for (const id of e.cite) expect(finding?.source).toContain(PROVISIONS[id].article);
      }
    },
  );

  const recommended = listElements(kind).filter(
    (e) => e.level === 'recommended' && readFirst(sample, e.path) !== undefined,
  );
  it.each(recommended.map((e) => [e.path, e] as const))('missing recommended %s only warns', (_path, e) => {
    const draft = structuredClone(sample) as Record<string, unknown>;
    deleteFirst(draft, e.path);
    const result = checkDraft(draft, noProfile);
    expect(result.ok).toBe(true);
    const finding = result.findings.find((f) => f.path === firstInstance(e.path));
    expect(finding?.severity).toBe('warning');
    expect(finding?.rule).toBe('instrument.recommended');
  });
});

describe.each([NORTHLAND, SOUTHMARK, EASTMERE])('profile of $id', (recipient) => {
  const ctx = buildContext(NORTHLAND, recipient);
  const rules = REQUEST_KINDS.flatMap((kind) =>
    (recipient.profile.extraRequired[kind] ?? []).map((r) => [kind, r] as const),
  );
  it.each(rules)('%s: missing extra requirement fails citing the profile', (kind, req) => {
    const draft = buildSampleFor(kind, recipient.profile);
    const before = checkDraft(draft, ctx).findings.filter((f) => f.rule === `profile.${req.rule}`);
    expect(before).toEqual([]);
    deleteFirst(draft, req.path);
    const result = checkDraft(draft, ctx);
    const finding = result.findings.find((f) => f.rule === `profile.${req.rule}`);
    expect(result.ok).toBe(false);
    expect(finding?.path).toBe(firstInstance(req.path));
    expect(finding?.severity).toBe('error');
    expect(finding?.source).toBe(`profile ${recipient.profile.authorityId} v${recipient.profile.version}`);
  });
});

describe('profile rules', () => {
  it('rejects a value outside allowedValues', () => {
    const draft = buildSampleFor('mla', SOUTHMARK.profile);
    (draft.additional as Record<string, unknown>).certificationFormat = 'notarised-photocopy';
    const result = checkDraft(draft, toSouthmark);
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        path: 'additional.certificationFormat',
        rule: 'profile.certification-format',
      }),
    );
    expect(result.ok).toBe(false);
  });

  it('refuses a language the recipient does not accept, unless a translation into an accepted one is attached', () => {
    const draft = { ...buildSampleFor('mla', SOUTHMARK.profile), language: 'fr' };
    const result = checkDraft(draft, toSouthmark);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ path: 'language', severity: 'error', rule: 'profile.language' }),
    );
    expect(result.ok).toBe(false);
    const wrongTranslation = { ...draft, translations: [{ language: 'es', file: 'request-es.pdf' }] };
    expect(checkDraft(wrongTranslation, toSouthmark).ok).toBe(false);
    const translated = { ...draft, translations: [{ language: 'en', file: 'request-en.pdf' }] };
    const accepted = checkDraft(translated, toSouthmark);
    expect(accepted.findings.some((f) => f.rule === 'profile.language')).toBe(false);
    expect(accepted.ok).toBe(true);
  });

  it('accepts a regional variant of an accepted language', () => {
    const draft = { ...buildSampleFor('mla', SOUTHMARK.profile), language: 'en-GB' };
    expect(checkDraft(draft, toSouthmark).findings.some((f) => f.rule === 'profile.language')).toBe(false);
  });

  it('errors when the recipient does not accept the legal basis', () => {
    const draft = { ...buildSampleFor('mla', SOUTHMARK.profile), legalBasis: 'reciprocity' };
    const result = checkDraft(draft, toSouthmark);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ path: 'legalBasis', rule: 'profile.legal-basis' }),
    );
    expect(result.ok).toBe(false);
  });
});

describe('legal basis warning', () => {
  it('warns when the chosen basis is not shared by the two States', () => {
    const draft = {
      ...SAMPLE_REQUESTS.preservation,
      requestedAuthority: { name: EASTMERE.name, country: 'XC' },
    };
    const result = checkDraft(draft, buildContext(NORTHLAND, EASTMERE, false));
    const finding = result.findings.find((f) => f.rule === 'legal-basis.not-applicable');
    expect(finding?.path).toBe('legalBasis');
    expect(finding?.severity).toBe('warning');
    expect(finding?.source).toContain('art. 29(1)');
  });

  it('warns when the basis does not provide for the kind', () => {
    const draft = { ...SAMPLE_REQUESTS.preservation, legalBasis: 'untoc' };
    const result = checkDraft(draft, noProfile);
    expect(result.findings.some((f) => f.rule === 'legal-basis.not-applicable')).toBe(true);
  });

  it('does not warn for a shared bilateral MLAT written in either order', () => {
    const draft = { ...SAMPLE_REQUESTS.mla, legalBasis: 'bilateral:XA-XB' };
    const result = checkDraft(draft, noProfile);
    expect(result.findings.some((f) => f.rule.startsWith('legal-basis'))).toBe(false);
  });
});

describe('shape problems', () => {
  it('reports invalid values as instrument.invalid with the article', () => {
    const draft = structuredClone(SAMPLE_REQUESTS.preservation) as Record<string, unknown>;
    (draft.requestingAuthority as { contact: { timeZone: string } }).contact.timeZone = 'Mars/Olympus';
    const result = checkDraft(draft, noProfile);
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        path: 'requestingAuthority.contact.timeZone',
        rule: 'instrument.invalid',
        source: expect.stringContaining('art. 29(2)(a)'),
      }),
    );
  });

  it('rejects a non-object and an unknown kind', () => {
    expect(checkDraft('text', noProfile).findings[0]).toMatchObject({
      path: '$',
      rule: 'template.not-an-object',
    });
    expect(checkDraft({ kind: 'wiretap' }, noProfile).findings[0]).toMatchObject({
      path: 'kind',
      rule: 'instrument.unknown-kind',
    });
  });

  it('warns on unknown fields', () => {
    const result = checkDraft({ ...SAMPLE_REQUESTS.mla, colour: 'blue' }, noProfile);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ path: 'colour', rule: 'template.unknown-field' }),
    );
  });

  it('formats findings for humans', () => {
    const text = formatFindings(checkDraft({ kind: 'mla' }, noProfile).findings);
    expect(text).toMatch(/^error +date/m);
    expect(text).toMatch(/UNTOC art\. 18\(15\)\(a\)/);
  });
});
