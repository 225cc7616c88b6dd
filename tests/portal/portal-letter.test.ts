// Tests (browser, issue 13): the portal's printable letter in English and French, listing the annexes attached on
// the form with their size and SHA-256, fingerprinted in the browser's hash worker — exactly as `pouch send
// --draft` lists them. The letter follows the portal's language until the officer picks another; "Save the
// letter" saves the language shown; the sealed request.html is in that language and lists the digest the signed
// manifest carries (the recipient's `pouch fetch` verifies the annex against it). axe stays clean.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { demoKeystorePassphrase, writeDemoMemberKeystores } from '../../client/keystore/demo-keystores.ts';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { letterTextFor } from '../../shared/domain/requests/letter-text.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { expectJson, pouchAs, useCliHarness } from '../support/cli-harness.ts';
import { launchChromium, openActor, seriousViolations } from '../support/portal-browser.ts';

const TEST_WORK_FACTOR = 15;
const EN = letterTextFor('en').text;
const FR = letterTextFor('fr').text;

describe('the portal’s letter in English and French, with its annexes and their SHA-256', () => {
  const cli = useCliHarness({ prefix: 'pouch-portal-letter-', portalDir: resolve('portal/dist') });
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const annexBytes = randomBytes(3 * 1024 * 1024 + 17);
  const annexSha = createHash('sha256').update(annexBytes).digest('hex');
  const annexName = 'account-statements.pdf';
  let southmarkId = '';

  beforeAll(async () => {
    const [northland, southmark] = cli.exchange.demo;
    if (!northland || !southmark) throw new Error('demo authorities missing');
    southmarkId = southmark.authorityId;
    await writeDemoMemberKeystores(northland.home, northland.slug, { workFactor: TEST_WORK_FACTOR });
    browser = await launchChromium();
    page = (await openActor(browser)).page;
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${cli.exchange.url}/`);
    await page
      .getByLabel('Member keystore file')
      .setInputFiles(join(cli.exchange.dataDir, 'demo', northland.slug, 'portal', 'officer.pouch-keystore'));
    await page.getByLabel('Passphrase').fill(demoKeystorePassphrase(northland.slug));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor({ timeout: 60_000 });

    const entry = await cli.exchange.runtime.directory.getAuthority(southmarkId);
    const draft = buildSampleFor('mla', parseProfile({ ...entry?.profile, authorityId: southmarkId }));
    (draft.requestingAuthority as Record<string, unknown>).authorityId = northland.authorityId;
    draft.caseReference = { ...(draft.caseReference as Record<string, unknown>), reference: 'NL-LETTER-1' };
    draft.urgency = { ...(draft.urgency as Record<string, unknown>), level: 'urgent' };
    const path = join(cli.work, 'mla.yaml');
    await writeFile(path, stringify(draft));
    await writeFile(join(cli.work, annexName), annexBytes);
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Requested authority').selectOption(southmarkId);
    await page.getByLabel('Urgency').selectOption('urgent');
    await page.getByLabel('Your reference').fill('NL-LETTER-1');
    await page.getByLabel('Start from a YAML draft (pouch draft)').setInputFiles(path);
    await page
      .getByTestId('check-summary')
      .filter({ hasText: /passes/ })
      .waitFor({ timeout: 60_000 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  const letter = (): FrameLocator => page.frameLocator('[data-testid="letter-frame"]');
  const letterText = async () => (await letter().locator('body').textContent()) ?? '';
  /** The annex rows of the previewed letter: number, name, size, digest. */
  const annexRows = () =>
    letter()
      .locator('table.annexes tr:has(td)')
      .evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );

  it('fingerprints the annex in the browser and lists it with its SHA-256 in the English letter', async () => {
    await page.getByTestId('letter-frame').waitFor();
    expect(await letterText()).not.toContain(annexSha);
    // Every text the status line shows, however briefly: the officer is told the fingerprint is on its way.
    await page.getByTestId('annex-fingerprints').evaluate((status) => {
      const seen: string[] = [];
      (window as unknown as { fingerprintStatus: string[] }).fingerprintStatus = seen;
      new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.getByLabel('Annexes (sealed in this browser)').setInputFiles(join(cli.work, annexName));
    await expect.poll(annexRows, { timeout: 60_000 }).toEqual([['1', annexName, '3.0 MiB', annexSha]]);
    expect(await page.getByTestId('annex-fingerprints').textContent()).toBe('');
    const seen = await page.evaluate(
      () => (window as unknown as { fingerprintStatus: string[] }).fingerprintStatus,
    );
    expect(seen).toContain(`Computing fingerprint (SHA-256) of ${annexName}…`);
    expect(await page.getByTestId('letter-language').inputValue()).toBe('en');
    const text = await letterText();
    expect(text).toContain(EN.annexes);
    expect(text).toContain(EN.salutation);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('follows the portal’s language, and lists the annex the same way in French', async () => {
    await page.locator('header.top select').selectOption('fr');
    await expect.poll(() => page.getByTestId('letter-language').inputValue()).toBe('fr');
    await expect.poll(letterText).toContain(FR.salutation);
    expect(await annexRows()).toEqual([['1', annexName, '3,0 Mio', annexSha]]);
    const text = await letterText();
    expect(text).toContain(FR.annexes);
    for (const heading of Object.values(EN.sections)) expect(text).not.toContain(heading);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('lets the officer pick the other language, and saves the letter in the language shown', async () => {
    // The portal stays in French; the recipient reads English.
    await page.getByTestId('letter-language').selectOption('en');
    await expect.poll(letterText).toContain(EN.salutation);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await page.getByTestId('letter-language').selectOption('fr');
    await expect.poll(letterText).toContain(FR.salutation);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('letter-download').click(),
    ]);
    const saved = await readFile(await download.path(), 'utf8');
    expect(saved).toContain('<html lang="fr">');
    expect(saved).toContain(`<td>${annexName}</td><td>3,0 Mio</td><td><code>${annexSha}</code></td>`);
    await page.locator('header.top select').selectOption('en');
  });

  it('seals the letter in the language shown, with the digest the signed manifest carries', async () => {
    await page.getByRole('button', { name: 'Seal and send the request' }).click();
    await page.waitForURL(/#\/exchange\/exch_/, { timeout: 180_000 });
    const exchangeId = /#\/exchange\/(exch_[A-Za-z0-9_-]+)/.exec(page.url())?.[1] ?? '';
    // The recipient's CLI verifies every document against the signed manifest before saving it.
    const out = join(cli.work, 'south-out');
    const fetched = expectJson<{ documents: Array<{ name: string; path: string }> }>(
      await pouchAs(cli.southmark)(['--json', 'fetch', exchangeId, '--out', out]),
    );
    const annex = await readFile(fetched.documents.find((d) => d.name === annexName)!.path);
    expect(createHash('sha256').update(annex).digest('hex')).toBe(annexSha);
    const html = await readFile(fetched.documents.find((d) => d.name === 'request.html')!.path, 'utf8');
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain(`<td>${annexName}</td><td>3,0 Mio</td><td><code>${annexSha}</code></td>`);
    expect(pageErrors).toEqual([]);
  });
});
