// Tests (browser): the auditor's "Printable report" in Debian's chromium, under the portal's real CSP — a verified
// bundle opens the shared custody report in a new tab, styled (through the CSSOM, the CSP unchanged) with every
// event; a tampered bundle gets no report and no tab, only the first broken element named.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoKeystorePassphrase, writeDemoMemberKeystores } from '../../client/keystore/demo-keystores.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { launchChromium, openActor } from '../support/portal-browser.ts';

/** Lower than the demo's 18 so the sign-in stays quick on a loaded machine; the format is the same. */
const TEST_WORK_FACTOR = 15;

describe('the printable custody report in the portal', () => {
  let exchange: Awaited<ReturnType<typeof startTestExchange>>;
  let browser: Browser;
  let work: string;
  let exchangeId: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pouch-portal-report-'));
    exchange = await startTestExchange({ seedDemo: true, portalDir: resolve('portal/dist') });
    const northland = exchange.demo.find((d) => d.slug === 'northland')!;
    const southmark = exchange.demo.find((d) => d.slug === 'southmark')!;
    await writeDemoMemberKeystores(northland.home, northland.slug, { workFactor: TEST_WORK_FACTOR });
    const note = join(work, 'note.txt');
    await writeFile(note, 'Please preserve the mailbox of account delta@example.test.\n');
    const sent = await runPouch(
      [
        '--profile',
        'officer',
        '--json',
        'send',
        '--to',
        southmark.authorityId,
        '--kind',
        'preservation',
        '--reference',
        'NL-PRINT-1',
        note,
      ],
      { POUCH_HOME: northland.home },
    );
    expect(sent.code).toBe(0);
    exchangeId = (JSON.parse(sent.stdout) as { exchangeId: string }).exchangeId;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await exchange?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function signInAsAuditor(page: Page): Promise<void> {
    await page.goto(`${exchange.url}/`);
    await page
      .getByLabel('Member keystore file')
      .setInputFiles(join(exchange.dataDir, 'demo', 'northland', 'portal', 'auditor.pouch-keystore'));
    await page.getByLabel('Passphrase').fill(demoKeystorePassphrase('northland'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor({ timeout: 60_000 });
  }

  it('opens the verified report in a new tab, styled, with every event; refuses a tampered bundle', async () => {
    const { context, page } = await openActor(browser);
    await signInAsAuditor(page);
    await page.goto(`${exchange.url}/#/audit/${exchangeId}`);
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
    const events = (await exchange.runtime.ledger.read(exchangeId)).length;
    // The bundle the page exported is recorded in the ledger, so the chain it printed has at most that many.
    const rows = await tab.locator('tr[data-seq]').count();
    expect(rows).toBeGreaterThanOrEqual(3);
    expect(rows).toBeLessThanOrEqual(events);
    // Styled although the portal's CSP forbids inline style: the report's sheet came through the CSSOM.
    expect(await tab.evaluate(() => getComputedStyle(document.body).fontFamily)).toContain('Georgia');
    expect(await tab.evaluate(() => document.adoptedStyleSheets.length)).toBe(1);
    await tab.close();

    // A tampered copy: no report, no tab, the broken element named.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('bundle-link').click(),
    ]);
    const text = await readFile(await download.path(), 'utf8');
    const tamperedPath = join(work, 'tampered.custody.jsonl');
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
