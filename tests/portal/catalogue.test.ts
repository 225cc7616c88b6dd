// Tests (portal catalogue): every ledger action, exchange status, message kind, request kind, urgency, link kind
// and clock the shared core can name has a message in English and in French, and the French catalogue has
// every English key (a key the catalogue lacks shows as itself, so a merge that adds one must add its words).
// Every problem code has plain words in both languages in the one typed record (i18n/error-words.ts), and the
// catalogue keeps no `error.ERR_*` keys of its own beside it. Every kind of completeness-check finding has words in
// both languages (shared/domain/requests/finding-words.ts), and the French says it in French.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { catalogues } from '../../portal/src/i18n/catalogue.ts';
import { errorWords } from '../../portal/src/i18n/error-words.ts';
import { statusByCode } from '../../server/http/problem.ts';
import { CLOCK_NAMES } from '../../shared/domain/clocks/clocks.ts';
import { LINK_KINDS } from '../../shared/domain/clocks/lineage.ts';
import { EXCHANGE_STATES, MESSAGE_KINDS } from '../../shared/domain/exchange/state-machine.ts';
import { URGENCIES } from '../../shared/domain/exchange/urgency.ts';
import { LEDGER_ACTIONS } from '../../shared/domain/ledger/event.ts';
import { checkDraft, type Finding, toFindingRecord } from '../../shared/domain/requests/check.ts';
import {
  FINDING_WORDS,
  findingOriginText,
  findingText,
  frenchFindingPhrases,
  ORIGIN_WORDS,
} from '../../shared/domain/requests/finding-words.ts';
import { KINDS, REQUEST_KINDS } from '../../shared/domain/requests/instruments.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { listElements } from '../../shared/domain/requests/schemas.ts';

const required: Record<string, readonly string[]> = {
  'ledger actions': LEDGER_ACTIONS.map((a) => `action.${a}`),
  'exchange statuses': EXCHANGE_STATES.map((s) => `status.${s}`),
  'message kinds': MESSAGE_KINDS.map((k) => `messageKind.${k}`),
  // Every kind can be a move on the exchange page (`extension` was the key a merge left out).
  moves: MESSAGE_KINDS.map((k) => `move.${k}`),
  'request kinds': REQUEST_KINDS.map((k) => `kind.${k}`),
  urgencies: URGENCIES.map((u) => `urgency.${u}`),
  'link kinds': LINK_KINDS.map((k) => `link.${k}`),
  clocks: CLOCK_NAMES.map((c) => `clock.${c}`),
};

describe('the portal catalogue', () => {
  for (const language of ['en', 'fr'] as const) {
    for (const [what, keys] of Object.entries(required)) {
      it(`names every one of the ${what} in ${language}`, () => {
        const catalogue: Readonly<Record<string, string>> = catalogues[language];
        const missing = keys.filter((key) => !catalogue[key]?.trim());
        expect(missing).toEqual([]);
      });
    }
  }

  it('has every English key in French, and nothing more', () => {
    const en = Object.keys(catalogues.en).sort();
    const fr = Object.keys(catalogues.fr).sort();
    expect(en.filter((key) => !fr.includes(key))).toEqual([]);
    expect(fr.filter((key) => !en.includes(key))).toEqual([]);
    const fr_: Readonly<Record<string, string>> = catalogues.fr;
    expect(en.filter((key) => !fr_[key]?.trim())).toEqual([]);
  });

  it('keeps the placeholders of each English message in its French', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const fr: Readonly<Record<string, string>> = catalogues.fr;
    const differing = Object.entries(catalogues.en)
      .filter(
        ([key, text]) => JSON.stringify(placeholders(text)) !== JSON.stringify(placeholders(fr[key] ?? '')),
      )
      .map(([key]) => key);
    expect(differing).toEqual([]);
  });

  it('has plain words for every problem code the exchange answers, in English and French, and nothing more', () => {
    const codes = Object.keys(statusByCode).sort();
    for (const language of ['en', 'fr'] as const) {
      const words: Readonly<Record<string, string>> = errorWords[language];
      expect(Object.keys(words).sort()).toEqual(codes);
      expect(codes.filter((code) => !words[code]?.trim())).toEqual([]);
    }
  });

  it('keeps problem words in one place: no `error.ERR_*` key in the catalogue', () => {
    for (const language of ['en', 'fr'] as const) {
      expect(Object.keys(catalogues[language]).filter((key) => key.startsWith('error.ERR_'))).toEqual([]);
    }
  });
});

describe('the completeness check’s findings in English and French', () => {
  /** Drafts that between them raise every kind of finding, checked against a demanding profile. */
  const findingsOfEveryKind = (): Finding[] => {
    const recipientProfile = parseProfile({
      authorityId: 'xb-foj-ca',
      version: 3,
      languages: ['fr'],
      acceptedBases: ['budapest'],
      extraRequired: {
        mla: [
          {
            path: 'additional.dualCriminalityStatement',
            rule: 'dual-criminality',
            explanation: 'Déclaration.',
          },
          { path: 'offences[].name', rule: 'offence-list', explanation: 'Liste.', allowedValues: ['fraud'] },
        ],
      },
    });
    const ctx = {
      recipientProfile,
      senderTreaties: ['untoc'],
      recipientTreaties: ['budapest'],
      senderCountry: 'XA',
      recipientCountry: 'XB',
    };
    const drafts: unknown[] = [
      'not a mapping',
      { kind: 'nope' },
      ...REQUEST_KINDS.map((kind) => ({
        kind,
        language: 'de',
        legalBasis: 'uncac',
        date: '2020-13-45',
        bogus: true,
        urgency: { level: 'urgent' },
        offences: [{ name: 'theft' }],
        requestedAuthority: { authorityId: 'someone-else', country: 'ZZ' },
        requestingAuthority: { country: 'QQ' },
      })),
    ];
    return drafts.flatMap((draft) => checkDraft(draft, ctx).findings);
  };

  it('has words for every kind of finding and every origin in both languages, and nothing more', () => {
    expect(Object.keys(FINDING_WORDS.fr).sort()).toEqual(Object.keys(FINDING_WORDS.en).sort());
    expect(Object.keys(ORIGIN_WORDS.fr).sort()).toEqual(Object.keys(ORIGIN_WORDS.en).sort());
  });

  it('says every kind of finding the check raises in French, not in its English words', () => {
    const findings = findingsOfEveryKind();
    const raised = new Set(findings.map((f) => f.detail.says));
    // The sample drafts reach every message id; one added to the check without a draft here fails this.
    expect([...raised].sort()).toEqual(Object.keys(FINDING_WORDS.en).sort());
    for (const f of findings) {
      expect(findingText(f.detail, 'en')).toBe(f.message);
      expect(findingOriginText(f.origin, 'en')).toBe(f.source);
      const french = findingText(f.detail, 'fr');
      expect(french.trim(), f.rule).not.toBe('');
      expect(french, f.rule).not.toBe(f.message);
      expect(findingOriginText(f.origin, 'fr'), f.rule).not.toMatch(
        /^(profile |Pouch request template|directory of)|UNTOC|Budapest Convention|\(verify\)/,
      );
    }
    const legalBasis = findings.find((f) => f.rule === 'legal-basis.not-applicable');
    expect(legalBasis && findingText(legalBasis.detail, 'fr')).toMatch(/n’est pas lié par/);
  });

  it('keeps the CLI’s `--json` finding shape: the language-free parts stay out of it', () => {
    for (const f of findingsOfEveryKind()) {
      expect(Object.keys(toFindingRecord(f)).sort()).toEqual([
        'message',
        'path',
        'rule',
        'severity',
        'source',
      ]);
    }
  });

  it('has French for every condition, instrument note and validation message the templates can report', async () => {
    const phrases = frenchFindingPhrases();
    const conditions = new Set(
      REQUEST_KINDS.flatMap((kind) => listElements(kind).flatMap((e) => e.requiredWhen?.description ?? [])),
    );
    expect([...conditions].filter((c) => !phrases.requiredWhen.includes(c))).toEqual([]);
    const notes = new Set(REQUEST_KINDS.flatMap((kind) => KINDS[kind].notes.map((n) => n.text)));
    expect([...notes].filter((n) => !phrases.notes.includes(n))).toEqual([]);
    // The templates' own messages are string literals in schemas.ts ('must ...', and the period's order rule).
    const source = await readFile('shared/domain/requests/schemas.ts', 'utf8');
    const messages = new Set([...source.matchAll(/'((?:must|from must) [^']+)'/g)].map((m) => m[1] ?? ''));
    expect(messages.size).toBeGreaterThan(5);
    expect([...messages].filter((m) => !phrases.issues.includes(m))).toEqual([]);
  });
});
