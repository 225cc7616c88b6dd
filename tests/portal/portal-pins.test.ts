// Tests (browser): pins for a member whose keys were created in the browser, in Debian's chromium — such a member
// has no pins, so sending refuses with ERR_AUTHORITY_NOT_PINNED and links to the directory page; that page shows
// each authority key's RFC 7638 fingerprint computed in the browser (the one `pouch directory show` prints), refuses
// a typed fingerprint that does not match the served key (ERR_AUTHORITY_PIN_MISMATCH) or is not a fingerprint
// (ERR_VALIDATION), pins a matching one, and sending then works; the CLI's pins file imports. Sign-out wipes the
// pins with the keys. axe-core finds no serious or critical violation on the directory page, which fits 640 CSS px.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { launchChromium, openActor, seriousViolations } from '../support/portal-browser.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

/** The pins of the member record in the page's IndexedDB (undefined when no member is stored). */
function storedPins(page: Page): Promise<Array<{ authorityId: string; fingerprint: string }> | undefined> {
  return page.evaluate(
    () =>
      new Promise<Array<{ authorityId: string; fingerprint: string }> | undefined>((done, fail) => {
        const open = indexedDB.open('pouch-portal');
        open.onsuccess = () => {
          if (!open.result.objectStoreNames.contains('keys')) return done(undefined);
          const read = open.result.transaction('keys').objectStore('keys').get('member');
          read.onsuccess = () => done((read.result as { pins?: [] } | undefined)?.pins);
          read.onerror = () => fail(read.error);
        };
        open.onerror = () => fail(open.error);
      }),
  );
}

describe('pins in the portal for a member whose keys were created in the browser', () => {
  let exchange: Exchange;
  let browser: Browser;
  let work: string;
  let page: Page;
  let northland: Exchange['demo'][number];
  let southmark: Exchange['demo'][number];
  let draftPath: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pouch-portalpins-'));
    exchange = await startTestExchange({ seedDemo: true, portalDir: resolve('portal/dist') });
    const [north, south] = exchange.demo;
    if (!north || !south) throw new Error('demo authorities missing');
    northland = north;
    southmark = south;
    const entry = await exchange.runtime.directory.getAuthority(southmark.authorityId);
    const draft = buildSampleFor(
      'mla',
      parseProfile({ ...entry?.profile, authorityId: southmark.authorityId }),
    );
    (draft.requestingAuthority as Record<string, unknown>).authorityId = northland.authorityId;
    draft.caseReference = { ...(draft.caseReference as Record<string, unknown>), reference: 'NL-PIN-1' };
    draftPath = join(work, 'draft.yaml');
    await writeFile(draftPath, stringify(draft));

    browser = await launchChromium();
    page = (await openActor(browser)).page;
    // A new officer: keys created in this browser, the public part registered and signed by Northland's admin.
    await page.goto(`${exchange.url}/`);
    await page.getByRole('button', { name: 'Create keys in this browser' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the public keys (for your admin)' }).click(),
    ]);
    const jwkFile = join(work, 'officer.pub.json');
    await writeFile(jwkFile, await readFile(await download.path(), 'utf8'));
    const env = { POUCH_HOME: northland.home };
    const added = await runPouch(
      [
        '--profile',
        'admin',
        '--json',
        'member',
        'add',
        'Browser officer',
        '--role',
        'officer',
        '--key',
        jwkFile,
      ],
      env,
    );
    if (added.code !== 0) throw new Error(`pouch member add failed: ${added.stderr}`);
    const member = JSON.parse(added.stdout) as { id: string; clientId: string };
    const approved = await runPouch(['--profile', 'admin', 'keys', 'approve', '--member', member.id], env);
    if (approved.code !== 0) throw new Error(`pouch keys approve failed: ${approved.stderr}`);
    await page.getByLabel('Client id given by your admin (authority:member)').fill(member.clientId);
    await page.getByRole('button', { name: 'Sign in with these keys' }).click();
    await page.getByTestId('who').waitFor({ timeout: 60_000 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await exchange?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function prepareRequest(): Promise<void> {
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Requested authority').selectOption(southmark.authorityId);
    await page.getByLabel('Urgency').selectOption('urgent');
    await page.getByLabel('Your reference').fill('NL-PIN-1');
    await page.getByLabel('Start from a YAML draft (pouch draft)').setInputFiles(draftPath);
    await expect.poll(() => page.getByTestId('check-summary').textContent()).toMatch(/passes/);
  }

  it('refuses to send to an unpinned authority with ERR_AUTHORITY_NOT_PINNED and a link to the directory', async () => {
    expect(await storedPins(page)).toEqual([]);
    await prepareRequest();
    await page.getByRole('button', { name: 'Seal and send the request' }).click();
    await expect
      .poll(() => page.getByTestId('problem-code').textContent(), { timeout: 60_000 })
      .toBe('ERR_AUTHORITY_NOT_PINNED');
    expect(page.url()).not.toMatch(/#\/exchange\//);
    await page.getByRole('link', { name: 'Open the directory to compare and pin the fingerprint' }).click();
    await page.getByRole('heading', { name: 'Directory of authorities' }).waitFor();
  });

  it('shows each authority key fingerprint as `pouch directory show` prints it, and passes axe', async () => {
    for (const demo of [northland, southmark]) {
      const card = page.getByTestId(`authority-${demo.authorityId}`);
      await expect
        .poll(() => card.getByTestId('fingerprint').textContent())
        .toBe(demo.authorityKeyFingerprint);
      expect(await card.getByTestId('pinned').textContent()).toBe('Not pinned');
    }
    const shown = await runPouch(
      ['--profile', 'officer', '--json', 'directory', 'show', southmark.authorityId],
      {
        POUCH_HOME: northland.home,
      },
    );
    expect(shown.code, shown.stderr).toBe(0);
    expect((JSON.parse(shown.stdout) as { fingerprint: string }).fingerprint).toBe(
      southmark.authorityKeyFingerprint,
    );
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('refuses a fingerprint that does not match the served key, or is not a fingerprint, and pins nothing', async () => {
    const card = page.getByTestId(`authority-${southmark.authorityId}`);
    const input = card.getByLabel(`Fingerprint ${southmark.name} gave you`);
    // Another authority's real fingerprint: a read-out of the wrong key, or a directory serving another key.
    await input.fill(northland.authorityKeyFingerprint);
    await card.getByRole('button', { name: `Pin ${southmark.name}` }).click();
    await expect
      .poll(() => card.getByTestId('problem-code').textContent())
      .toBe('ERR_AUTHORITY_PIN_MISMATCH');
    await input.fill('not-a-fingerprint');
    await card.getByRole('button', { name: `Pin ${southmark.name}` }).click();
    await expect.poll(() => card.getByTestId('problem-code').textContent()).toBe('ERR_VALIDATION');
    expect(await card.getByTestId('pinned').textContent()).toBe('Not pinned');
    expect(await storedPins(page)).toEqual([]);
  });

  it('pins a matching fingerprint (as read out, with spaces), and sending to that authority then works', async () => {
    for (const demo of [southmark, northland]) {
      const card = page.getByTestId(`authority-${demo.authorityId}`);
      const readOut = demo.authorityKeyFingerprint.replace(/(.{4})/g, '$1 ');
      await card.getByLabel(`Fingerprint ${demo.name} gave you`).fill(readOut);
      await card.getByRole('button', { name: `Pin ${demo.name}` }).click();
      await expect
        .poll(() => page.getByTestId(`authority-${demo.authorityId}`).getByTestId('pinned').textContent())
        .toBe(demo.authorityKeyFingerprint);
    }
    expect(
      (await storedPins(page))
        ?.map((p) => [p.authorityId, p.fingerprint])
        .sort(([a = ''], [b = '']) => a.localeCompare(b)),
    ).toEqual(
      [
        [northland.authorityId, northland.authorityKeyFingerprint],
        [southmark.authorityId, southmark.authorityKeyFingerprint],
      ].sort(([a = ''], [b = '']) => a.localeCompare(b)),
    );
    // A reload keeps them: they are stored with the keys.
    await page.reload();
    await page.getByTestId('who').waitFor();
    await prepareRequest();
    await page.getByRole('button', { name: 'Seal and send the request' }).click();
    await page.waitForURL(/#\/exchange\/exch_/, { timeout: 180_000 });
    await expect
      .poll(() => page.getByTestId('exchange-status').textContent(), { timeout: 120_000 })
      .toBe('Submitted');
  });

  it('imports the pins file `pouch directory pin` keeps, and refuses a file that is not one', async () => {
    await page.goto(`${exchange.url}/#/directory`);
    const bad = join(work, 'not-pins.json');
    await writeFile(bad, JSON.stringify({ version: 1, pins: [{ authorityId: 'x', fingerprint: 'short' }] }));
    await page.getByLabel('Pins file from the Pouch CLI (pins.json)').setInputFiles(bad);
    await expect.poll(() => page.getByTestId('problem-code').first().textContent()).toBe('ERR_VALIDATION');
    // Northland's CLI home pins every demo authority (the demo's stand-in for the out-of-band comparison).
    const pinsFile = join(northland.home, 'pins.json');
    const cliPins = (JSON.parse(await readFile(pinsFile, 'utf8')) as { pins: Array<{ authorityId: string }> })
      .pins;
    await page.getByLabel('Pins file from the Pouch CLI (pins.json)').setInputFiles(pinsFile);
    await page.getByText(`Imported ${cliPins.length} pins.`).waitFor();
    for (const demo of exchange.demo) {
      await expect
        .poll(() => page.getByTestId(`authority-${demo.authorityId}`).getByTestId('pinned').textContent())
        .toBe(demo.authorityKeyFingerprint);
    }
    expect((await storedPins(page))?.length).toBe(cliPins.length);
  });

  it('fits 640 CSS pixels (200% zoom) without sideways scrolling', async () => {
    await page.setViewportSize({ width: 640, height: 720 });
    await page.goto(`${exchange.url}/#/directory`);
    await page.getByTestId(`authority-${southmark.authorityId}`).getByTestId('fingerprint').waitFor();
    const overflow = await page.evaluate(() => {
      const main = document.getElementById('main');
      return {
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        main: main ? main.scrollWidth - main.clientWidth : 0,
      };
    });
    expect(overflow).toEqual({ page: 0, main: 0 });
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('wipes the pins with the keys on sign-out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Pouch' }).waitFor();
    expect(await storedPins(page)).toBeUndefined();
  });
});
