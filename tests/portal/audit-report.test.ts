// Tests (browser): the auditor's "Printable report" in Debian's chromium, under the portal's real CSP — a verified
// bundle opens the shared custody report in a new tab, styled (through the CSSOM, the CSP unchanged) with every
// event, in the portal's UI language (English, then French after the officer switches); a tampered bundle gets no
// report and no tab, only the first broken element named.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoKeystorePassphrase, writeDemoMemberKeystores } from '../../client/keystore/demo-keystores.ts';
import { catalogues } from '../../portal/src/i18n/catalogue.ts';
import { sendNote, useCliHarness } from '../support/cli-harness.ts';
import { launchChromium, openActor } from '../support/portal-browser.ts';

/** Lower than the demo's 18 so the sign-in stays quick on a loaded machine; the format is the same. */
const TEST_WORK_FACTOR = 15;

describe('the printable custody report in the portal', () => {
  const cli = useCliHarness({ prefix: 'pouch-portal-report-', portalDir: resolve('portal/dist') });
  let browser: Browser;
  let exchangeId: string;

  beforeAll(async () => {
    const { northland, southmark } = cli;
    await writeDemoMemberKeystores(northland.home, northland.slug, { workFactor: TEST_WORK_FACTOR });
    exchangeId = await sendNote(northland, {
      to: southmark.authorityId,
      reference: 'NL-PRINT-1',
      dir: cli.work,
      fileName: 'note.txt',
      text: 'Please preserve the mailbox of account delta@example.test.\n',
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function signInAsAuditor(page: Page): Promise<void> {
    await page.goto(`${cli.exchange.url}/`);
    await page
      .getByLabel('Member keystore file')
      .setInputFiles(join(cli.exchange.dataDir, 'demo', 'northland', 'portal', 'auditor.pouch-keystore'));
    await page.getByLabel('Passphrase').fill(demoKeystorePassphrase('northland'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor({ timeout: 60_000 });
  }

  it('opens the verified report in a new tab, styled, with every event, in the UI language; refuses a tampered bundle', async () => {
    const { context, page } = await openActor(browser);
    await signInAsAuditor(page);
    await page.goto(`${cli.exchange.url}/#/audit/${exchangeId}`);
    await page.getByRole('button', { name: 'Export and verify the bundle' }).click();
    await expect
      .poll(() => page.getByTestId('verdict').textContent(), { timeout: 60_000 })
      .toBe('Every check passed.');

    const [tab] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Printable report' }).click(),
    ]);
    await tab.locator('[data-verdict="verified"]').waitFor();
    expect(await tab.title()).toBe(`Custody report — ${exchangeId}`);
    const events = (await cli.exchange.runtime.ledger.read(exchangeId)).length;
    // The bundle the page exported is recorded in the ledger, so the chain it printed has at most that many.
    const rows = await tab.locator('tr[data-seq]').count();
    expect(rows).toBeGreaterThanOrEqual(3);
    expect(rows).toBeLessThanOrEqual(events);
    // Styled although the portal's CSP forbids inline style: the report's sheet came through the CSSOM.
    expect(await tab.evaluate(() => getComputedStyle(document.body).fontFamily)).toContain('Georgia');
    expect(await tab.evaluate(() => document.adoptedStyleSheets.length)).toBe(1);
    expect(await tab.evaluate(() => document.documentElement.lang)).toBe('en');
    await tab.close();

    // In French, the report is French: headings, checks and dates.
    await page.locator('header.top select').selectOption('fr');
    const [frTab] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: catalogues.fr['audit.printReport'] }).click(),
    ]);
    await frTab.locator('[data-verdict="verified"]').waitFor();
    expect(await frTab.title()).toBe(`Rapport sur la chaîne de possession — ${exchangeId}`);
    expect(await frTab.evaluate(() => document.documentElement.lang)).toBe('fr');
    expect(await frTab.locator('h2').allTextContents()).toEqual([
      '1. Parties',
      '2. Événements, dans l’ordre',
      '3. Accusés de réception signés par l’échange',
      '4. Point de contrôle',
      '5. Vérification',
    ]);
    expect(await frTab.locator('ul.checks strong').allTextContents()).toHaveLength(7);
    for (const check of await frTab.locator('ul.checks strong').allTextContents()) {
      expect(check).toMatch(/\u00a0: vérifié$/);
    }
    expect(await frTab.locator('tr[data-seq] td:nth-child(2)').first().textContent()).toMatch(
      /^(1er|\d{1,2}) [a-zéû]+ \d{4} à \d{2}:\d{2}:\d{2} UTC$/,
    );
    const body = (await frTab.locator('body').textContent()) ?? '';
    for (const english of ['Custody report', 'Events, in order', 'VERIFIED', ': passed', 'sent a message']) {
      expect(body, english).not.toContain(english);
    }
    await frTab.close();
    await page.locator('header.top select').selectOption('en');

    // A tampered copy: no report, no tab, the broken element named.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('bundle-link').click(),
    ]);
    const text = await readFile(await download.path(), 'utf8');
    const tamperedPath = join(cli.work, 'tampered.custody.jsonl');
    await writeFile(tamperedPath, text.replace('"action":"message.sent"', '"action":"message.sEnt"'));
    await page.getByLabel('Or verify a saved bundle file').setInputFiles(tamperedPath);
    await expect
      .poll(() => page.getByTestId('verdict').textContent(), { timeout: 60_000 })
      .toMatch(/^Verification failed/);
    let opened = false;
    context.on('page', () => {
      opened = true;
    });
    await page.getByRole('button', { name: 'Printable report' }).click();
    await expect
      .poll(() => page.getByTestId('report-notice').textContent(), { timeout: 60_000 })
      .toMatch(/^No report: the bundle does not verify \(the first broken element is event seq \d+: hash\)/);
    expect(opened).toBe(false);
    await context.close();
  });
});
