// Tests (browser): the printable letter in Debian's chromium, printed to A4 PDF the way an officer prints it:
// the demo MLA request fits on at most three pages, and the page numbers and annexes reach the paper.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleFor, NORTHLAND, SOUTHMARK } from '../../server/local/demo-profiles.ts';
import { checkDraft } from '../../shared/domain/requests/check.ts';
import { renderRequestHtml } from '../../shared/domain/requests/render-html.ts';
import { launchChromium } from '../support/portal-browser.ts';
import { buildContext } from './helpers.ts';

/** Pages of a PDF: its page objects (`/Type /Page`, not the `/Pages` tree). */
function countPdfPages(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
}

describe('the printed letter (chromium, A4)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function print(html: string): Promise<Buffer> {
    const page = await browser.newPage();
    await page.setContent(html);
    const pdf = await page.pdf({ preferCSSPageSize: true });
    await page.close();
    return pdf;
  }

  it('prints the demo MLA request, with its annexes, on at most three A4 pages', async () => {
    const result = checkDraft(
      buildSampleFor('mla', SOUTHMARK.profile),
      buildContext(NORTHLAND, SOUTHMARK, false),
    );
    expect(result.request).toBeDefined();
    const annexes = ['statements.pdf', 'bank-records.xlsx', 'headers.eml'].map((name, i) => ({
      name,
      size: 1000 * (i + 1) ** 5,
      sha256: String(i).repeat(64),
    }));
    const html = renderRequestHtml(result.request!, { sender: NORTHLAND, recipient: SOUTHMARK }, annexes);
    const pages = countPdfPages(await print(html));
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(3);
  });

  it('counts pages the way the check above relies on (a long letter prints on more pages)', async () => {
    const result = checkDraft(
      { ...buildSampleFor('mla', SOUTHMARK.profile), facts: 'A long summary of the facts. '.repeat(900) },
      buildContext(NORTHLAND, SOUTHMARK, false),
    );
    const html = renderRequestHtml(result.request!, { sender: NORTHLAND, recipient: SOUTHMARK });
    expect(countPdfPages(await print(html))).toBeGreaterThan(3);
  });
});
