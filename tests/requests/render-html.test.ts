// Tests for the printable HTML letter: hostile text is escaped and the page is self-contained.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSampleFor,
  DEMO_PROFILES,
  NORTHLAND,
  SAMPLE_REQUESTS,
  SOUTHMARK,
} from '../../server/local/demo-profiles.ts';
import { checkDraft } from '../../shared/domain/requests/check.ts';
import {
  formatLetterCitation,
  MULTILATERAL_TREATIES,
  PROVISIONS,
  REQUEST_KINDS,
  type RequestKind,
  TREATIES,
} from '../../shared/domain/requests/instruments.ts';
import {
  LETTER_LANGUAGES,
  LETTER_SECTIONS,
  letterTextFor,
} from '../../shared/domain/requests/letter-text.ts';
import { escapeHtml, renderRequestHtml, spellOutCode } from '../../shared/domain/requests/render-html.ts';
import { listElements, type PouchRequest } from '../../shared/domain/requests/schemas.ts';
import { buildContext } from './helpers.ts';

const parties = { sender: NORTHLAND, recipient: SOUTHMARK };
const ctx = buildContext(NORTHLAND, SOUTHMARK, false);

function validated(draft: unknown): PouchRequest {
  const result = checkDraft(draft, ctx);
  if (!result.request) throw new Error(JSON.stringify(result.findings));
  return result.request;
}

describe('renderRequestHtml', () => {
  it.each(REQUEST_KINDS)('renders %s as a letter with sections and citations', (kind) => {
    const html = renderRequestHtml(validated(SAMPLE_REQUESTS[kind]), parties);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('@media print');
    expect(html).toContain('NL-MJ-2025-0042');
    expect(html).toContain('class="cite"');
    expect(html).not.toMatch(/<script|src=|href=|@import|url\(/i);
  });

  it('escapes hostile text everywhere', () => {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
    const draft = structuredClone(SAMPLE_REQUESTS.mla) as Record<string, unknown>;
    draft.facts = hostile;
    draft.purpose = `</p></section><iframe src="https://evil.example"></iframe>`;
    draft.caseReference = { reference: `</title>${hostile}` };
    (draft.additional as Record<string, unknown>)['<b>key</b>'] = hostile;
    const html = renderRequestHtml(validated(draft), {
      sender: { ...NORTHLAND, name: hostile },
      recipient: { ...SOUTHMARK, address: hostile },
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<iframe');
    expect(html).not.toContain('<b>key');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('sets a restrictive content security policy', () => {
    const html = renderRequestHtml(validated(SAMPLE_REQUESTS.preservation), parties);
    expect(html).toContain("default-src 'none'");
  });

  it('escapeHtml leaves no markup characters for any string', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(escapeHtml(s)).not.toMatch(/[<>"']/);
      }),
    );
  });

  it('never lets user text open a tag', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const draft = { ...SAMPLE_REQUESTS.mla, facts: `x${s}<script>` };
        const html = renderRequestHtml(validated(draft), parties);
        expect(html.match(/<script/gi)).toBeNull();
      }),
      { numRuns: 50 },
    );
  });
});

describe('the letter reads as a letter (issue 15)', () => {
  it.each(REQUEST_KINDS)('%s: no "(verify)" mark and no unverified provision cited as law', (kind) => {
    const html = renderRequestHtml(validated(SAMPLE_REQUESTS[kind]), parties);
    expect(html).not.toContain('verify');
    const unverified = Object.values(PROVISIONS)
      .filter((p) => 'verify' in p && p.verify)
      .map((p) => p.article);
    const cites = [...html.matchAll(/<span class="cite">([^<]*)<\/span>/g)].map((m) => m[1] ?? '');
    for (const cite of cites) {
      for (const article of unverified)
        expect(cite.split(/[,;]| and /).map((s) => s.trim())).not.toContain(article);
    }
  });

  it('names the treaty in full with its articles, spells codes out, lists annexes with sizes and SHA-256, numbers pages', () => {
    const request = validated(SAMPLE_REQUESTS.mla);
    const sha256 = 'a'.repeat(64);
    const html = renderRequestHtml(request, parties, [{ name: 'statements.pdf', size: 1536, sha256 }]);
    const title = TREATIES[request.legalBasis as 'untoc' | 'budapest' | 'uncac']?.title;
    if (title) expect(html).toContain(escapeHtml(title));
    expect(html).toMatch(/This request is made under art\. /);
    expect(html).not.toContain('Legal basis: UNTOC');
    for (const code of ['providing-records', 'earlier-preservation']) expect(html).not.toContain(`>${code}<`);
    expect(html).toContain('statements.pdf');
    expect(html).toContain('1.5 KiB');
    expect(html).toContain(sha256);
    expect(html).toContain('counter(page)');
    expect(html).toContain('counter(pages)');
  });

  it('spells a code out', () => {
    expect(spellOutCode('providing-records')).toBe('Providing records');
    expect(spellOutCode('earlier-preservation')).toBe('Earlier preservation');
  });

  it('cites with full instrument names and leaves unverified provisions out', () => {
    expect(formatLetterCitation(['untoc-18-15-a', 'untoc-18-15-b'])).toBe(
      `art. 18(15)(a) and art. 18(15)(b) of the ${TREATIES.untoc.title}`,
    );
    expect(formatLetterCitation(['untoc-18-24'])).toBe('');
  });
});

/** The letter as a reader sees it: tags and the style sheet gone, entities decoded. */
function visibleText(html: string): string {
  return (html.split('<body>')[1] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Every code a template or a demo profile can put in a request: enum values with a hyphen, treaty and kind ids. */
function templateCodes(kind: RequestKind): string[] {
  const codes = new Set<string>([...MULTILATERAL_TREATIES, ...REQUEST_KINDS.filter((k) => k.includes('-'))]);
  for (const element of listElements(kind)) {
    for (const value of element.values ?? [])
      if (typeof value === 'string' && value.includes('-')) codes.add(value);
  }
  for (const profile of DEMO_PROFILES) {
    for (const requirement of Object.values(profile.extraRequired ?? {}).flat()) {
      for (const value of requirement?.allowedValues ?? []) codes.add(value);
    }
  }
  return [...codes];
}

describe('the letter in prose (issue 15 item 4)', () => {
  const full = (kind: RequestKind) => validated(buildSampleFor(kind, SOUTHMARK.profile));

  it.each(REQUEST_KINDS)('%s: no template code appears as a word, and no "verify"', (kind) => {
    const request = full(kind);
    const text = visibleText(renderRequestHtml(request, parties));
    const used = JSON.stringify(request);
    const codes = templateCodes(kind);
    // The guard must see codes the request really carries, or it proves nothing.
    if (kind === 'mla') expect(codes.filter((c) => used.includes(`"${c}"`)).length).toBeGreaterThanOrEqual(4);
    for (const code of codes) {
      expect(text).not.toMatch(new RegExp(`(^|[^A-Za-z0-9-])${code}($|[^A-Za-z0-9-])`));
    }
    expect(text.toLowerCase()).not.toContain('verify');
    expect(text).not.toMatch(/\bUNTOC\b|Legal basis: /);
  });

  it('spells the demo MLA request out in words', () => {
    const text = visibleText(renderRequestHtml(full('mla'), parties));
    expect(text).toContain(
      'providing originals or certified copies of documents and records'.replace(/^p/, 'P'),
    );
    expect(text).toContain('an earlier request for preservation');
    expect(text).toContain('a business records certificate'.replace(/^a/, 'A'));
    expect(text).toContain('4 March 2025');
    expect(text).toContain(TREATIES.untoc.title);
    expect(text).toMatch(/Dear Sir or Madam,/);
    expect(text).toMatch(/Yours faithfully,/);
  });

  it('prints its sections in the order of a letter, numbered', () => {
    const html = renderRequestHtml(full('mla'), parties);
    const { text } = letterTextFor('en');
    const positions = LETTER_SECTIONS.map((s) => html.indexOf(`. ${text.sections[s]}`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html).toContain(`1. ${text.sections.basis}`);
  });

  it('lists every annex with its size and SHA-256 in one row', () => {
    const annexes = [
      { name: 'statements.pdf', size: 1536, sha256: 'a'.repeat(64) },
      { name: 'records.xlsx', size: 3 * 1024 * 1024, sha256: 'b'.repeat(64) },
      { name: 'notes.txt', size: 512, sha256: 'c'.repeat(64) },
    ];
    const html = renderRequestHtml(full('mla'), parties, annexes);
    const rows = [
      ...html.matchAll(
        /<tr><td>(\d+)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td><code>([0-9a-f]{64})<\/code>/g,
      ),
    ];
    expect(rows.map((r) => [r[1], r[2], r[3], r[4]])).toEqual([
      ['1', 'statements.pdf', '1.5 KiB', 'a'.repeat(64)],
      ['2', 'records.xlsx', '3.0 MiB', 'b'.repeat(64)],
      ['3', 'notes.txt', '512 bytes', 'c'.repeat(64)],
    ]);
  });

  it('numbers the printed pages and keeps request text out of the page style', () => {
    const draft = { ...buildSampleFor('mla', SOUTHMARK.profile) } as Record<string, unknown>;
    draft.caseReference = { reference: 'X"; } body { display: none } </style><script>alert(1)</script>' };
    const html = renderRequestHtml(validated(draft), parties);
    expect(html).toMatch(/@page \{ size: A4;/);
    expect(html).toMatch(/@bottom-right \{ content: "Page " counter\(page\) " of " counter\(pages\)/);
    const style = html.slice(html.indexOf('<style>') + '<style>'.length, html.indexOf('</style>'));
    expect(style).not.toContain('<');
    expect(style).not.toContain('body { display: none }"');
    expect(html.match(/<\/style>/g)).toHaveLength(1);
    expect(html).not.toContain('<script>');
  });
});

describe('the letter in French (issue 13)', () => {
  const full = (kind: RequestKind) => validated(buildSampleFor(kind, SOUTHMARK.profile));
  const EN = letterTextFor('en').text;
  const FR = letterTextFor('fr').text;
  const french = (request: PouchRequest, annexes: Parameters<typeof renderRequestHtml>[2] = []) =>
    renderRequestHtml(request, parties, annexes, { language: 'fr' });

  it('is a language the letter is written in, for any French tag', () => {
    expect(LETTER_LANGUAGES).toContain('fr');
    expect(letterTextFor('fr-CA').lang).toBe('fr');
    expect(letterTextFor('de').lang).toBe('en');
  });

  it('prints every section, numbered and in order, under its French heading, and no English heading', () => {
    const html = french(full('mla'), [{ name: 'a.pdf', size: 1, sha256: 'a'.repeat(64) }]);
    expect(html).toContain('<html lang="fr">');
    const positions = LETTER_SECTIONS.map((s) => html.indexOf(`. ${FR.sections[s]}`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html).toContain(`1. ${FR.sections.basis}`);
    const text = visibleText(html);
    for (const english of [
      ...Object.values(EN.sections),
      EN.annexes,
      EN.salutation,
      EN.closing,
      EN.ourReference,
      EN.subject,
      EN.footer,
      // A column both languages name alike ('Document', 'SHA-256') is no English left over.
      ...EN.annexColumns.filter((c, i) => !FR.annexColumns[i]?.includes(c)),
    ]) {
      expect(text, english).not.toContain(english);
    }
    for (const words of [FR.annexes, FR.salutation, FR.closing, FR.ourReference, FR.footer]) {
      expect(text).toContain(words);
    }
    expect(text).not.toMatch(/\bThis request\b|\bWe (request|intend|ask)\b|\bPage \d+ of\b|\bPlease reply\b/);
    expect(html).toMatch(/@bottom-right \{ content: "Page " counter\(page\) " sur " counter\(pages\)/);
  });

  it('writes dates, sizes and citations in French, and leaves what the officer typed as typed', () => {
    const request = full('mla');
    const text = visibleText(french(request, [{ name: 'relevés.pdf', size: 1536, sha256: 'b'.repeat(64) }]));
    expect(text).toContain('4 mars 2025');
    expect(text).toContain('1er avril 2025');
    expect(text).toContain('1,5 Kio');
    expect(text).toContain('b'.repeat(64));
    expect(text).toContain(
      'de l’article 18(1) de la Convention des Nations Unies contre la criminalité transnationale organisée (Palerme, 2000)',
    );
    expect(text).not.toContain(TREATIES.untoc.title);
    // Codes in the form's French words (value-words.ts), or the letter's own phrase with its article.
    expect(text).toContain('Fourniture de documents et de dossiers');
    expect(text).toContain('une demande de conservation antérieure');
    expect(text).toContain('une enquête pénale');
    expect(text).toContain(String((request as { facts?: unknown }).facts));
  });

  it.each(REQUEST_KINDS)('%s: no template code as a word, nothing unverified, in French', (kind) => {
    const text = visibleText(french(full(kind)));
    for (const code of templateCodes(kind)) {
      expect(text).not.toMatch(new RegExp(`(^|[^A-Za-z0-9-])${code}($|[^A-Za-z0-9-])`));
    }
    expect(text.toLowerCase()).not.toMatch(/verify|vérifier/);
  });

  it('escapes hostile text exactly as the English letter does', () => {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
    const draft = structuredClone(SAMPLE_REQUESTS.mla) as Record<string, unknown>;
    draft.facts = hostile;
    draft.caseReference = { reference: `</title>${hostile}` };
    const request = validated(draft);
    const hostileParties = { sender: { ...NORTHLAND, name: hostile }, recipient: SOUTHMARK };
    const fr = renderRequestHtml(
      request,
      hostileParties,
      [{ name: hostile, size: 1, sha256: 'c'.repeat(64) }],
      {
        language: 'fr',
      },
    );
    expect(fr).not.toContain('<script>');
    expect(fr).not.toContain('<img');
    expect(fr).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Every `<` of the letter opens one of the renderer's own tags, never one from the request.
    const en = renderRequestHtml(request, hostileParties, [
      { name: hostile, size: 1, sha256: 'c'.repeat(64) },
    ]);
    const tags = (html: string) => [...html.matchAll(/<\/?([a-z0-9!]+)/gi)].map((m) => m[1]?.toLowerCase());
    expect(new Set(tags(fr))).toEqual(new Set(tags(en)));
  });

  it('is chosen by the request’s language unless the caller names one', () => {
    const request = { ...full('mla'), language: 'fr' };
    expect(renderRequestHtml(request, parties)).toContain(`1. ${FR.sections.basis}`);
    expect(renderRequestHtml(request, parties, [], { language: 'en' })).toContain(`1. ${EN.sections.basis}`);
    // A French request in a French letter says it is written in French; an English one says its particulars are.
    expect(visibleText(renderRequestHtml(request, parties))).toContain('Elle est rédigée en français.');
    expect(visibleText(french(full('mla')))).toContain(
      'Les éléments propres à l’affaire sont rédigés en anglais.',
    );
  });

  it('has a French sentence for every English one', () => {
    for (const key of Object.keys(EN.prose) as (keyof typeof EN.prose)[]) {
      const en = EN.prose[key];
      const fr = FR.prose[key];
      const say = (f: unknown) =>
        typeof f === 'function'
          ? String((f as (...a: unknown[]) => unknown)('X', 'Y', 'Z', 'W', 'V'))
          : String(f);
      expect(say(fr), key).not.toBe(say(en));
    }
  });
});
