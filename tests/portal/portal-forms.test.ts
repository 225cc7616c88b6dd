// Tests (browser): the portal's request form, letter preview, lineage and delay pages in Debian's chromium —
// lists beyond their first item added and removed from the keyboard, template texts in French, the letter
// previewed under the strict CSP with nothing refused, an MLA request linked to an earlier preservation shown as
// a tree with names and links, and the due list and delay figures as an SVG chart with its table. axe-core finds
// no serious or critical violation on these pages.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { demoKeystorePassphrase, writeDemoMemberKeystores } from '../../client/keystore/demo-keystores.ts';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { sendNote, useCliHarness } from '../support/cli-harness.ts';
import { launchChromium, openActor, seriousViolations } from '../support/portal-browser.ts';

const TEST_WORK_FACTOR = 15;

describe('the portal’s request form, letter, lineage and delays in chromium', () => {
  const cli = useCliHarness({ prefix: 'pouch-portal-forms-', portalDir: resolve('portal/dist') });
  let browser: Browser;
  let page: Page;
  /** What the page logged: a CSP refusal shows up here. */
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];
  let preservationId = '';
  let northlandId = '';
  let southmarkId = '';

  beforeAll(async () => {
    const [northland, southmark] = cli.exchange.demo;
    if (!northland || !southmark) throw new Error('demo authorities missing');
    northlandId = northland.authorityId;
    southmarkId = southmark.authorityId;
    await writeDemoMemberKeystores(northland.home, northland.slug, { workFactor: TEST_WORK_FACTOR });
    // The earlier exchange the MLA request will follow: a preservation, sent with the CLI.
    preservationId = await sendNote(northland, {
      to: southmarkId,
      urgency: 'urgent',
      reference: 'NL-PRES-1',
      dir: cli.work,
      fileName: 'preservation-note.txt',
      text: 'Preserve the mailbox of the suspect.\n',
    });

    browser = await launchChromium();
    const actor = await openActor(browser);
    page = actor.page;
    page.on('console', (message) => consoleLines.push(message.text()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${cli.exchange.url}/`);
    await page
      .getByLabel('Member keystore file')
      .setInputFiles(join(cli.exchange.dataDir, 'demo', northland.slug, 'portal', 'officer.pouch-keystore'));
    await page.getByLabel('Passphrase').fill(demoKeystorePassphrase(northland.slug));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor({ timeout: 60_000 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  const exportedDraft = async (): Promise<Record<string, unknown>> => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-yaml').click(),
    ]);
    return parse(await readFile(await download.path(), 'utf8')) as Record<string, unknown>;
  };

  it('adds and removes items of every kind of list from the keyboard', async () => {
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Requested authority').selectOption(southmarkId);
    const offences = page.getByTestId('list-offences');
    await offences.waitFor();
    // One item to fill in from the start, with nothing to remove yet.
    await expect.poll(() => offences.locator(':scope > div > .item').count()).toBe(1);
    await expect.poll(() => offences.getByRole('button', { name: /^Remove/ }).count()).toBe(0);

    await page.locator('#el-offences-0-name').fill('Fraud');
    const add = offences.getByRole('button', { name: 'Add to “Offences”' });
    await add.focus();
    await page.keyboard.press('Enter');
    // The new item's first field takes the focus: the officer types straight on.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('el-offences-1-name');
    await page.keyboard.type('Money laundering');

    // A list of values inside the second item: its provisions, two of them.
    const provisions = offences.getByTestId('list-offences[].legalProvisions').nth(1);
    await provisions.locator('input').first().fill('Criminal Code s. 1');
    await provisions.getByRole('button', { name: /^Add to/ }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('Criminal Code s. 2');
    let draft = await exportedDraft();
    expect(draft.offences).toEqual([
      { name: 'Fraud' },
      { name: 'Money laundering', legalProvisions: ['Criminal Code s. 1', 'Criminal Code s. 2'] },
    ]);

    // Removing the first offence keeps the second, and hands the focus to the list's add button.
    await offences.getByRole('button', { name: 'Remove Offences 1' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#el-offences-0-name').inputValue()).toBe('Money laundering');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent))
      .toBe('Add to “Offences”');
    draft = await exportedDraft();
    expect(draft.offences).toEqual([
      { name: 'Money laundering', legalProvisions: ['Criminal Code s. 1', 'Criminal Code s. 2'] },
    ]);
    // The parties come from the directory, as `pouch draft --to` fills them.
    expect(draft.requestedAuthority).toMatchObject({ authorityId: southmarkId });
    expect(draft.requestingAuthority).toMatchObject({ authorityId: northlandId });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('shows the template texts in French', async () => {
    await page.locator('header.top select').selectOption('fr');
    await expect.poll(() => page.getByText('Résumé des faits', { exact: false }).count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('button', { name: 'Ajouter à « Infractions »' }).count()).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    // Closed-set options show French words and keep the code as their value; citations name the instrument in
    // French, articles unchanged.
    await expect
      .poll(() => page.locator('option[value="prosecution"]').first().textContent())
      .toBe('Poursuites');
    // The template's own urgency element words its levels as the routing's select does.
    await expect
      .poll(() => page.locator('select:not(#request-urgency) option[value="urgent"]').first().textContent())
      .toBe('Urgente');
    const sources = await page.locator('form.request .help .source').allTextContents();
    expect(sources.some((s) => s.includes('Convention des Nations Unies contre la criminalité'))).toBe(true);
    expect(sources.filter((s) => /UNTOC|Budapest Convention|\(verify\)/.test(s))).toEqual([]);
    await page.locator('header.top select').selectOption('en');
    await expect
      .poll(() => page.locator('option[value="prosecution"]').first().textContent())
      .toBe('Prosecution');
    await page.getByText('Summary of the facts').first().waitFor();
  });

  it('previews the printable letter under the strict CSP, styled, with nothing refused', async () => {
    const entry = await cli.exchange.runtime.directory.getAuthority(southmarkId);
    const draft = buildSampleFor('mla', parseProfile({ ...entry?.profile, authorityId: southmarkId }));
    (draft.requestingAuthority as Record<string, unknown>).authorityId = northlandId;
    draft.caseReference = { ...(draft.caseReference as Record<string, unknown>), reference: 'NL-MLA-2' };
    draft.urgency = { ...(draft.urgency as Record<string, unknown>), level: 'urgent' };
    const path = join(cli.work, 'mla.yaml');
    await writeFile(path, stringify(draft));
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Requested authority').selectOption(southmarkId);
    await page.getByLabel('Urgency').selectOption('urgent');
    await page.getByLabel('Your reference').fill('NL-MLA-2');
    consoleLines.length = 0;
    await page.getByLabel('Start from a YAML draft (pouch draft)').setInputFiles(path);
    await expect.poll(() => page.getByTestId('check-summary').textContent()).toMatch(/passes/);
    const frame = page.getByTestId('letter-frame');
    await frame.waitFor();
    // No script can run in the letter; this page may only style it.
    expect(await frame.getAttribute('sandbox')).toBe('allow-same-origin');
    await expect.poll(() => frame.getAttribute('data-styled')).toBe('true');
    const letter = page.frameLocator('[data-testid="letter-frame"]');
    await expect.poll(() => letter.locator('body').textContent()).toContain('NL-MLA-2');
    // The letter's own stylesheet is in force (adopted through the CSSOM), whatever the renderer's styles are.
    const rules = await letter
      .locator('body')
      .evaluate((body) =>
        body.ownerDocument.adoptedStyleSheets.reduce((n, sheet) => n + sheet.cssRules.length, 0),
      );
    expect(rules).toBeGreaterThan(0);
    expect(consoleLines.filter((line) => /Content Security Policy|Refused/i.test(line))).toEqual([]);
    // The policy the preview works under is the strict one: no inline style, no frame source, no script source.
    const response = await fetch(`${cli.exchange.url}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toMatch(/unsafe-inline|frame-src|child-src/);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('links the new MLA request to the earlier preservation and shows the lineage as a tree', async () => {
    await page.getByLabel('Earlier exchange').selectOption(preservationId);
    await page.getByLabel('Kind of link').selectOption('preservation-to-mla');
    await page.getByRole('button', { name: 'Seal and send the request' }).click();
    await page.waitForURL(/#\/exchange\/exch_/, { timeout: 180_000 });
    const mlaId = /#\/exchange\/(exch_[A-Za-z0-9_-]+)/.exec(page.url())?.[1] ?? '';

    const tree = page.getByTestId('lineage');
    await tree.waitFor({ timeout: 60_000 });
    const earlier = tree.locator(`[data-exchange="${preservationId}"]`);
    const later = earlier.locator(`[data-exchange="${mlaId}"]`);
    await later.waitFor();
    // The earlier exchange is a link; this one is marked as the current one; the parties have their names.
    expect(await earlier.locator(':scope > a').getAttribute('href')).toBe(`#/exchange/${preservationId}`);
    expect(await later.locator('[aria-current="true"]').count()).toBe(1);
    expect(await later.textContent()).toContain('MLA request after a preservation');
    const names = await Promise.all(
      [northlandId, southmarkId].map(
        async (id) => (await cli.exchange.runtime.directory.getAuthority(id))?.name,
      ),
    );
    for (const name of names) expect(await earlier.locator(':scope > a').textContent()).toContain(name);
    expect(await tree.textContent()).not.toContain(northlandId);
    expect(await seriousViolations(page)).toEqual([]);

    // From the earlier exchange, the tree shows the later one as a link.
    await earlier.locator(':scope > a').click();
    await page.getByTestId('lineage').locator(`a[href="#/exchange/${mlaId}"]`).waitFor({ timeout: 60_000 });
  });

  it('shows what is due and the delay figures as a chart with its table', async () => {
    await page.getByRole('link', { name: 'Delays' }).click();
    await page.getByRole('heading', { name: 'Delays and what is due' }).waitFor();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('due-list').count()) + (await page.getByTestId('due-empty').count()),
      )
      .toBe(1);
    const chart = page.getByRole('img', { name: /Time to acknowledge/ });
    await chart.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('chart-row').count()).toBeGreaterThan(0);
    const table = page.getByTestId('figures-table');
    const southmark = (await cli.exchange.runtime.directory.getAuthority(southmarkId))?.name ?? '';
    await expect.poll(() => table.textContent()).toContain(southmark);
    expect(await table.textContent()).toContain('Sent');
    await page.getByLabel('Measure').selectOption('execution');
    await page.getByRole('img', { name: /Time to execution/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
