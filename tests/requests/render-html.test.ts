// Tests for the printable HTML letter: hostile text is escaped and the page is self-contained.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NORTHLAND, SAMPLE_REQUESTS, SOUTHMARK } from '../../server/local/demo-profiles.ts';
import { checkDraft } from '../../shared/domain/requests/check.ts';
import {
  formatLetterCitation,
  PROVISIONS,
  REQUEST_KINDS,
  TREATIES,
} from '../../shared/domain/requests/instruments.ts';
import { escapeHtml, renderRequestHtml, spellOutCode } from '../../shared/domain/requests/render-html.ts';
import type { PouchRequest } from '../../shared/domain/requests/schemas.ts';
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
