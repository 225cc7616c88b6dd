// Tests (template texts): every element of every request template has its title and explanation in English
// (the templates) and in French (shared/domain/requests/element-texts.ts), every format hint has its French,
// and the French catalogue holds no entry for an element that no longer exists.
import { describe, expect, it } from 'vitest';
import {
  elementText,
  frenchElementIds,
  frenchHints,
  frenchOf,
} from '../../shared/domain/requests/element-texts.ts';
import { findingOriginText } from '../../shared/domain/requests/finding-words.ts';
import {
  formatCitation,
  isVerifiedProvision,
  KINDS,
  PROVISIONS,
  REQUEST_KINDS,
} from '../../shared/domain/requests/instruments.ts';
import { findLegalBases } from '../../shared/domain/requests/legal-basis.ts';
import { listElements } from '../../shared/domain/requests/schemas.ts';
import {
  citationText,
  frenchInstrumentNames,
  kindTitleText,
  legalBasisText,
  VALUE_WORD_SETS,
  valueText,
  valueWordsOf,
} from '../../shared/domain/requests/value-words.ts';

describe('template texts in English and French', () => {
  it('gives every element of every kind a title in both languages, and an explanation wherever English has one', () => {
    const missing: string[] = [];
    for (const kind of REQUEST_KINDS) {
      for (const element of listElements(kind)) {
        const french = frenchOf(kind, element.path);
        if (!element.title.trim()) missing.push(`${kind}:${element.path} (English title)`);
        if (!french?.[0].trim()) missing.push(`${kind}:${element.path} (French title)`);
        if (element.explanation.trim() && !french?.[1].trim()) {
          missing.push(`${kind}:${element.path} (French explanation)`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps no French entry for an element no template has', () => {
    const paths = new Set(REQUEST_KINDS.flatMap((kind) => listElements(kind).map((e) => e.path)));
    expect(frenchElementIds().filter((id) => !paths.has(id))).toEqual([]);
  });

  it('translates every format hint', () => {
    const hints = new Set(
      REQUEST_KINDS.flatMap((kind) => listElements(kind).flatMap((e) => (e.hint ? [e.hint] : []))),
    );
    expect([...hints].filter((hint) => !frenchHints().includes(hint))).toEqual([]);
  });

  it('shows French in French and the template English in English', () => {
    const facts = listElements('mla').find((e) => e.path === 'facts');
    if (!facts) throw new Error('the MLA template has no facts element');
    expect(elementText('mla', facts, 'en')).toEqual({ title: facts.title, explanation: facts.explanation });
    expect(elementText('mla', facts, 'fr').title).toBe('Résumé des faits');
    const preservationFacts = listElements('preservation').find((e) => e.path === 'facts');
    if (!preservationFacts) throw new Error('the preservation template has no facts element');
    // Worded per kind: the preservation's facts are a brief summary.
    expect(elementText('preservation', preservationFacts, 'fr').explanation).toMatch(/bref/);
  });
});

describe('closed-set values and citations in English and French', () => {
  it('words every value every enum element offers, in both languages, the French never the raw code', () => {
    const missing: string[] = [];
    for (const kind of REQUEST_KINDS) {
      for (const element of listElements(kind)) {
        if (element.type === 'boolean' || element.path === 'kind' || element.path === 'urgency.level')
          continue;
        const isEnum = element.type === 'enum' || element.itemType === 'enum' || element.type === 'literal';
        if (!isEnum || !element.values) continue;
        for (const value of element.values) {
          if (value === true) continue;
          const words = valueWordsOf(element.path, String(value));
          if (!words?.en.trim()) missing.push(`${kind}:${element.path}=${value} (English)`);
          if (!words?.fr.trim()) missing.push(`${kind}:${element.path}=${value} (French)`);
          else if (words.fr === String(value))
            missing.push(`${kind}:${element.path}=${value} (French is the code)`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives every code of every set words in both languages, the French never the raw code', () => {
    const bad = Object.entries(VALUE_WORD_SETS).flatMap(([set, words]) =>
      Object.entries(words)
        .filter(([code, w]) => !w.en.trim() || !w.fr.trim() || w.fr === code)
        .map(([code]) => `${set}:${code}`),
    );
    expect(bad).toEqual([]);
  });

  it('shows an option in the language and keeps the code as its value', () => {
    expect(valueText('subject.nature', 'prosecution', 'fr')).toBe('Poursuites');
    expect(valueText('subject.nature', 'prosecution', 'en')).toBe('Prosecution');
    // The same code words differently in another set: an email address is not a way to reply.
    expect(valueText('dataSought[].identifiers[].type', 'email', 'fr')).toBe('Adresse électronique');
    expect(valueText('requestingAuthority.contact.preferredReply', 'email', 'fr')).toBe('Courriel');
  });

  it('names every instrument in French in citations, article numbers unchanged, English as the CLI prints it', () => {
    const names = frenchInstrumentNames();
    expect(Object.values(names).every((name) => name.trim().length > 0)).toBe(true);
    expect(citationText(['budapest-29-2-e'], 'fr')).toBe('Convention de Budapest art. 29(2)(e)');
    expect(citationText(['budapest-29-2-e'], 'en')).toBe(formatCitation(['budapest-29-2-e']));
    expect(formatCitation(['budapest-29-2-e'])).toBe('Budapest Convention art. 29(2)(e)');
    const cited = new Set(REQUEST_KINDS.flatMap((kind) => listElements(kind).flatMap((e) => e.cite)));
    for (const id of cited) {
      const french = citationText([id], 'fr');
      expect(french).toContain(PROVISIONS[id].article);
      expect(french).not.toMatch(/Budapest Convention|UNTOC|UNCAC|Bilateral MLAT|\(verify\)/);
    }
  });
});

describe('kind titles, legal bases and finding sources in French', () => {
  it('names where a finding comes from in French: instruments renamed, articles and the (verify) mark kept', () => {
    expect(findingOriginText({ of: 'provisions', cite: ['budapest-29-2-e', 'untoc-18-15-a'] }, 'fr')).toBe(
      'Convention de Budapest art. 29(2)(e) ; Convention des Nations Unies contre la criminalité transnationale organisée art. 18(15)(a)',
    );
    expect(findingOriginText({ of: 'profile', authorityId: 'xb-foj-ca', version: 3 }, 'fr')).toBe(
      'profil xb-foj-ca v3',
    );
    expect(findingOriginText({ of: 'profile', authorityId: 'xb-foj-ca', version: 3 }, 'en')).toBe(
      'profile xb-foj-ca v3',
    );
    expect(findingOriginText({ of: 'directory' }, 'fr')).toBe('annuaire des autorités');
    expect(findingOriginText({ of: 'provisions', cite: ['budapest-29-2-e'] }, 'en')).toBe(
      formatCitation(['budapest-29-2-e']),
    );
    const unverified = (Object.keys(PROVISIONS) as (keyof typeof PROVISIONS)[]).find(
      (id) => !isVerifiedProvision(id),
    );
    if (unverified)
      expect(findingOriginText({ of: 'provisions', cite: [unverified] }, 'fr')).toMatch(/\(à vérifier\)$/);
  });

  it('gives every kind a French title different from the English', () => {
    for (const kind of REQUEST_KINDS) {
      expect(kindTitleText(kind, 'en')).toBe(KINDS[kind].title);
      if (kind !== 'spontaneous-information') expect(kindTitleText(kind, 'fr')).not.toBe(KINDS[kind].title);
      expect(kindTitleText(kind, 'fr').trim()).not.toBe('');
    }
  });

  it('lists the suggested legal bases in French, titles, reasons and caveats', () => {
    const options = findLegalBases(
      ['untoc', 'budapest', 'bilateral:XB-XA'],
      ['budapest', 'untoc', 'bilateral:XA-XB'],
      'mla',
    );
    expect(options.length).toBeGreaterThan(2);
    for (const option of options) {
      const french = legalBasisText(option, 'fr');
      const english = legalBasisText(option, 'en');
      expect(english).toEqual({
        title: option.title,
        reason: option.reason,
        ...(option.caveat ? { caveat: option.caveat } : {}),
      });
      expect(french.title).not.toBe(option.title);
      expect(french.reason).not.toBe(option.reason);
      expect(french.caveat === undefined).toBe(option.caveat === undefined);
    }
    const budapest = options.find((o) => o.basis === 'budapest');
    expect(budapest && legalBasisText(budapest, 'fr').title).toMatch(
      /^Convention du Conseil de l’Europe sur la cybercriminalité/,
    );
  });
});
