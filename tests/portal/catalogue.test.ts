// Tests (portal catalogue): every ledger action, exchange status, message kind, request kind, urgency, link kind
// and clock the shared core can name has a message in English and in French, and the French catalogue has
// every English key (a key the catalogue lacks shows as itself, so a merge that adds one must add its words).
// Every problem code has plain words in both languages in the one typed record (i18n/error-words.ts), and the
// catalogue keeps no `error.ERR_*` keys of its own beside it.
import { describe, expect, it } from 'vitest';
import { catalogues } from '../../portal/src/i18n/catalogue.ts';
import { errorWords } from '../../portal/src/i18n/error-words.ts';
import { statusByCode } from '../../server/http/problem.ts';
import { CLOCK_NAMES } from '../../shared/domain/clocks/clocks.ts';
import { LINK_KINDS } from '../../shared/domain/clocks/lineage.ts';
import { EXCHANGE_STATES, MESSAGE_KINDS } from '../../shared/domain/exchange/state-machine.ts';
import { URGENCIES } from '../../shared/domain/exchange/urgency.ts';
import { LEDGER_ACTIONS } from '../../shared/domain/ledger/event.ts';
import { REQUEST_KINDS } from '../../shared/domain/requests/instruments.ts';

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
