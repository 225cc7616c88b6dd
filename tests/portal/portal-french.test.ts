// Tests (browser): the portal in French in Debian's chromium — an officer switches to French before signing in,
// then walks every page (sign-in, inbox, outbox, an exchange, the request form with a failing completeness check,
// the directory, the delays, the custody and verification report). On none of them does a visible text, an
// aria-label, a title or a placeholder show an English catalogue message whose French differs, and the check's
// findings and their sources are in French.
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoKeystorePassphrase, writeDemoMemberKeystores } from '../../client/keystore/demo-keystores.ts';
import { catalogues } from '../../portal/src/i18n/catalogue.ts';
import { sendNote, useCliHarness } from '../support/cli-harness.ts';
import { launchChromium, openActor } from '../support/portal-browser.ts';

const TEST_WORK_FACTOR = 15;
const en: Readonly<Record<string, string>> = catalogues.en;
const fr: Readonly<Record<string, string>> = catalogues.fr;
/** The French the test finds controls by. */
const FR = catalogues.fr;

/**
 * The English messages an officer reading French must never see: those whose French differs and that no French
 * message also uses, as anchored patterns (`{name}` matches any text). Messages with under four letters of their
 * own are left out: they match too much to tell a leak.
 */
function englishOnlyPatterns(): { key: string; pattern: RegExp }[] {
  const frenchValues = new Set(Object.values(fr).map((v) => v.trim()));
  return Object.entries(en)
    .filter(([key, text]) => fr[key] !== text && !frenchValues.has(text.trim()))
    .filter(([, text]) => text.replace(/\{\w+\}/g, '').replace(/[^A-Za-z]/g, '').length >= 4)
    .map(([key, text]) => {
      const source = text
        .trim()
        .split(/\{\w+\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'))
        .join('.+?');
      return { key, pattern: new RegExp(`^${source}$`) };
    });
}

/** The English words of the check's findings and sources (finding-words.ts), by how each begins. */
const ENGLISH_FINDING =
  /^(Missing |Recommended: |Required by the recipient|Must be one of|Unknown field for|The recipient does not accept|The draft (names|is addressed)|The requesting State|The requested State|A draft must|The kind of request must)/;
const ENGLISH_SOURCE =
  /^\[?(profile |Pouch request template|directory of authorities|UNTOC |Budapest Convention)/;

/** Every visible text node of the page, and every aria-label, title, placeholder and alt, whitespace collapsed. */
async function shownTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [document.title];
    const tidy = (text: string) => text.replace(/\s+/g, ' ').trim();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('script, style, template')) continue;
      // The header's language picker names each language in itself (English, Français) so a reader finds theirs.
      if (parent.closest('label.language option')) continue;
      // Options of a closed select are not rendered boxes, but the officer reads them on opening it.
      if (!parent.closest('option') && !parent.checkVisibility()) continue;
      const text = tidy(node.textContent ?? '');
      if (text) out.push(text);
    }
    for (const element of document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
      for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
        const value = element.getAttribute(name);
        if (value?.trim()) out.push(tidy(value));
      }
    }
    return out;
  });
}

describe('the portal in French, every page', () => {
  const cli = useCliHarness({ prefix: 'pouch-portal-french-', portalDir: resolve('portal/dist') });
  let browser: Browser;
  let page: Page;
  let exchangeId = '';
  let southmarkId = '';
  const patterns = englishOnlyPatterns();
  /** What each page showed in English: `page: text (catalogue key)`. */
  const leaks: string[] = [];

  const expectFrench = async (where: string): Promise<string[]> => {
    // Nothing still loading: what the page shows once its data is in is what is checked.
    await expect.poll(() => page.locator('[aria-busy="true"]').count(), { timeout: 30_000 }).toBe(0);
    const texts = await shownTexts(page);
    for (const text of texts) {
      const hit = patterns.find((p) => p.pattern.test(text));
      if (hit) leaks.push(`${where}: ${text} (${hit.key})`);
      if (ENGLISH_FINDING.test(text)) leaks.push(`${where}: ${text} (finding)`);
      if (ENGLISH_SOURCE.test(text)) leaks.push(`${where}: ${text} (finding source)`);
    }
    return texts;
  };

  beforeAll(async () => {
    const { northland, southmark } = cli;
    southmarkId = southmark.authorityId;
    await writeDemoMemberKeystores(northland.home, northland.slug, { workFactor: TEST_WORK_FACTOR });
    exchangeId = await sendNote(northland, {
      to: southmark.authorityId,
      urgency: 'urgent',
      reference: 'NL-FR-1',
      dir: cli.work,
      fileName: 'note.txt',
      text: 'Veuillez conserver la boîte aux lettres du suspect.\n',
    });
    browser = await launchChromium();
    page = (await openActor(browser)).page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('has English-only catalogue messages to look for (the check below cannot pass by finding none)', () => {
    expect(patterns.length).toBeGreaterThan(100);
    expect(patterns.some((p) => p.pattern.test('Export and verify the bundle'))).toBe(true);
  });

  it('shows no English on any page, and the findings and their sources in French', async () => {
    await page.goto(`${cli.exchange.url}/`);
    await page.locator('header.top select').selectOption('fr');
    await page.getByRole('heading', { name: FR['signIn.title'] }).waitFor();
    await expectFrench('sign-in');

    await page
      .getByLabel(FR['signIn.file'])
      .setInputFiles(join(cli.exchange.dataDir, 'demo', 'northland', 'portal', 'officer.pouch-keystore'));
    await page.getByLabel(FR['signIn.passphrase']).fill(demoKeystorePassphrase('northland'));
    await page.getByRole('button', { name: FR['signIn.submit'] }).click();
    await page.getByTestId('who').waitFor({ timeout: 60_000 });

    await page.goto(`${cli.exchange.url}/#/outbox`);
    await page.getByText('NL-FR-1').first().waitFor({ timeout: 30_000 });
    await expectFrench('outbox');
    await page.goto(`${cli.exchange.url}/#/inbox`);
    await page.waitForLoadState('networkidle');
    await expectFrench('inbox');

    await page.goto(`${cli.exchange.url}/#/exchange/${exchangeId}`);
    await page.getByRole('heading', { name: FR['exchange.custody'] }).waitFor({ timeout: 30_000 });
    await page.getByTestId('timeline').waitFor({ timeout: 30_000 });
    await page.getByTestId('message').first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    await expectFrench('exchange');

    // The request form, addressed but left empty: the completeness check fails with findings.
    await page.goto(`${cli.exchange.url}/#/new`);
    await page.getByLabel(FR['request.to']).selectOption(southmarkId);
    const findings = page.locator('li.finding');
    await expect.poll(() => findings.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.waitForLoadState('networkidle');
    const formTexts = await expectFrench('request form');
    const findingTexts = await findings.allInnerTexts();
    expect(findingTexts.some((t) => t.includes('Mention obligatoire manquante : «'))).toBe(true);
    expect(findingTexts.filter((t) => /\bMissing\b/.test(t))).toEqual([]);
    // Sources name the instruments in French (and a recipient's profile as `profil …`).
    const sources = await page.locator('li.finding .source').allInnerTexts();
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((s) => ENGLISH_SOURCE.test(s))).toEqual([]);
    expect(formTexts.length).toBeGreaterThan(20);
    // The legal bases join title and reason with the French colon (a no-break space before it), not `title: reason`.
    const bases = await page.locator('section.bases li').allTextContents();
    expect(bases.length).toBeGreaterThan(0);
    for (const basis of bases) expect(basis).toMatch(/\S\u00a0: \S/);

    await page.goto(`${cli.exchange.url}/#/directory`);
    await page.waitForLoadState('networkidle');
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await expectFrench('directory');

    await page.goto(`${cli.exchange.url}/#/figures`);
    await page.waitForLoadState('networkidle');
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await expectFrench('delays');

    await page.goto(`${cli.exchange.url}/#/audit/${exchangeId}`);
    await page.getByRole('button', { name: FR['audit.export'] }).click();
    await expect
      .poll(() => page.getByTestId('verdict').textContent(), { timeout: 60_000 })
      .toBe(FR['audit.allPassed']);
    await expectFrench('audit');

    expect(leaks).toEqual([]);
  }, 300_000);
});
