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
import { REQUEST_KINDS } from '../../shared/domain/requests/instruments.ts';
import { listElements } from '../../shared/domain/requests/schemas.ts';

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
