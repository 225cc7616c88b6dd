// Tests (browser): the portal's transfers and keys in Debian's chromium — the keystore unlock leaves the page
// responsive (scrypt in a worker); a part whose first PUT fails is retried and the send completes; a send cut
// by a reload resumes with only the missing parts; keys created in the browser export the public JWK the
// directory's AddMember/AddKey take; and at 200% zoom (640 CSS px) every page fits without horizontal scrolling,
// passes axe, and sign-in and a reply work from the keyboard alone with a visible focus.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { demoKeystorePassphrase, writeDemoMemberKeystores } from '../../client/keystore/demo-keystores.ts';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { AddKeySchema, AddMemberSchema } from '../../shared/api/directory.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { launchChromium, openActor, seriousViolations } from '../support/portal-browser.ts';

const MiB = 1024 * 1024;
/** Northland's keystores use a work factor high enough that an unlock on the main thread would visibly freeze. */
const SLOW_WORK_FACTOR = 17;
const TEST_WORK_FACTOR = 15;

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

async function expectStatus(page: Page, text: string): Promise<void> {
  await expect.poll(() => page.getByTestId('exchange-status').textContent(), { timeout: 120_000 }).toBe(text);
}

/** The transfer journals in the page's IndexedDB: each file's stored part numbers. */
function journalParts(page: Page): Promise<number[][]> {
  return page.evaluate(
    () =>
      new Promise<number[][]>((done, fail) => {
        const open = indexedDB.open('pouch-portal');
        open.onsuccess = () => {
          if (!open.result.objectStoreNames.contains('transfers')) return done([]);
          const all = open.result.transaction('transfers').objectStore('transfers').getAll();
          all.onsuccess = () =>
            done(
              (all.result as Array<{ files: Array<{ stored: Array<{ partNumber: number }> }> }>).flatMap(
                (j) => j.files.map((f) => f.stored.map((p) => p.partNumber)),
              ),
            );
          all.onerror = () => fail(all.error);
        };
        open.onerror = () => fail(open.error);
      }),
  );
}

/** README screenshots, when POUCH_PORTAL_SCREENSHOTS names a folder (docs/portal). */
async function shot(page: Page, name: string): Promise<void> {
  const folder = process.env.POUCH_PORTAL_SCREENSHOTS;
  // The viewport only: what the officer sees first.
  if (folder) await page.screenshot({ path: join(folder, `${name}.png`) });
}

const partNumberOf = (url: string): number | undefined => {
  const value = new URL(url).searchParams.get('partNumber');
  return value === null ? undefined : Number(value);
};

describe('the portal’s transfers, keys and accessibility in chromium', () => {
  let exchange: Exchange;
  let browser: Browser;
  let work: string;
  let draft: Record<string, unknown>;
  let s3Origin: string;
  const keystoreFile = (slug: string, member: string) =>
    join(exchange.dataDir, 'demo', slug, 'portal', `${member}.pouch-keystore`);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pouch-portalx-'));
    exchange = await startTestExchange({ seedDemo: true, portalDir: resolve('portal/dist') });
    for (const d of exchange.demo) {
      await writeDemoMemberKeystores(d.home, d.slug, {
        workFactor: d.slug === 'northland' ? SLOW_WORK_FACTOR : TEST_WORK_FACTOR,
      });
    }
    const [northland, southmark] = exchange.demo;
    if (!northland || !southmark) throw new Error('demo authorities missing');
    const entry = await exchange.runtime.directory.getAuthority(southmark.authorityId);
    draft = buildSampleFor('mla', parseProfile({ ...entry?.profile, authorityId: southmark.authorityId }));
    (draft.requestingAuthority as Record<string, unknown>).authorityId = northland.authorityId;
    draft.urgency = { ...(draft.urgency as Record<string, unknown>), level: 'urgent' };
    s3Origin = new URL(exchange.embedded.s3Endpoint).origin;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await exchange?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function signIn(page: Page, slug: string, member = 'officer'): Promise<void> {
    await page.goto(`${exchange.url}/`);
    await page.getByLabel('Member keystore file').setInputFiles(keystoreFile(slug, member));
    await page.getByLabel('Passphrase').fill(demoKeystorePassphrase(slug));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor({ timeout: 120_000 });
  }

  /** Fill the request form from the YAML draft and attach `annex`; the caller clicks send. */
  async function prepareRequest(page: Page, reference: string, annex: string): Promise<void> {
    const southmark = exchange.demo[1]?.authorityId ?? '';
    // The label comes from the request: the draft carries the same reference as the form.
    const draftPath = join(work, `${reference}.yaml`);
    await writeFile(
      draftPath,
      stringify({
        ...draft,
        caseReference: { ...(draft.caseReference as Record<string, unknown>), reference },
      }),
    );
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Requested authority').selectOption(southmark);
    await page.getByLabel('Urgency').selectOption('urgent');
    await page.getByLabel('Your reference').fill(reference);
    await page.getByLabel('Start from a YAML draft (pouch draft)').setInputFiles(draftPath);
    await expect.poll(() => page.getByTestId('check-summary').textContent()).toMatch(/passes/);
    await page.getByLabel('Annexes (sealed in this browser)').setInputFiles(annex);
  }

  async function bigFile(name: string, mib: number): Promise<string> {
    const path = join(work, name);
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31 + mib) & 0xff;
    await writeFile(path, Buffer.concat(Array.from({ length: mib }, () => block)));
    return path;
  }

  it('unlocks the keystore in a worker: the page keeps painting and answering input meanwhile', async () => {
    const { context, page } = await openActor(browser);
    await page.goto(`${exchange.url}/`);
    await page.getByLabel('Member keystore file').setInputFiles(keystoreFile('northland', 'officer'));
    await page.getByLabel('Passphrase').fill(demoKeystorePassphrase('northland'));
    // A frame counter and the longest gap between frames, from the click until the member shows.
    await page.evaluate(() => {
      const w = globalThis as unknown as { frames: number; longest: number; last: number; stop: boolean };
      w.frames = 0;
      w.longest = 0;
      w.last = performance.now();
      w.stop = false;
      const tick = (now: number) => {
        w.longest = Math.max(w.longest, now - w.last);
        w.last = now;
        w.frames++;
        if (!w.stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const started = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('unlocking').waitFor();
    // Input is handled during the unlock: the language switch answers at once.
    const switched = Date.now();
    await page.getByLabel('Language').selectOption('fr');
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('fr');
    const switchMs = Date.now() - switched;
    await page.getByTestId('who').waitFor({ timeout: 120_000 });
    const unlockMs = Date.now() - started;
    const { frames, longest } = await page.evaluate(() => {
      const w = globalThis as unknown as { frames: number; longest: number; stop: boolean };
      w.stop = true;
      return { frames: w.frames, longest: w.longest };
    });
    console.log(
      `portal: unlock (work factor ${SLOW_WORK_FACTOR}) ${unlockMs} ms, ${frames} frames, longest gap ${Math.round(longest)} ms, language switch ${switchMs} ms`,
    );
    // The unlock lasts long enough to measure (about 1 s at this work factor on 2 quiet cores, more when loaded),
    // and the page never froze for half of it: a scrypt on the main thread would block it for nearly all of it.
    expect(unlockMs).toBeGreaterThan(400);
    expect(longest).toBeLessThan(Math.min(750, unlockMs / 2));
    expect(switchMs).toBeLessThan(unlockMs);
    await context.close();
  });

  it('retries a part whose first upload fails, and the send still completes', async () => {
    const { context, page } = await openActor(browser);
    await signIn(page, 'northland');
    const annex = await bigFile('annex-retry.bin', 20);
    const attempts = new Map<number, number>();
    await context.route(`${s3Origin}/**`, async (route: Route) => {
      const part = route.request().method() === 'PUT' ? partNumberOf(route.request().url()) : undefined;
      if (part === undefined) return route.continue();
      const count = (attempts.get(part) ?? 0) + 1;
      attempts.set(part, count);
      if (part === 2 && count === 1) return route.abort('connectionreset');
      return route.continue();
    });
    await prepareRequest(page, 'NL-2026-0201', annex);
    await page.getByRole('button', { name: 'Seal and send the request' }).click();
    await page.waitForURL(/#\/exchange\/exch_/, { timeout: 180_000 });
    await expectStatus(page, 'Submitted');
    expect(attempts.get(2)).toBe(2);
    expect(attempts.get(1)).toBe(1);
    expect(attempts.get(3)).toBe(1);
    expect(await journalParts(page)).toEqual([]);
    await context.close();
  });

  it('stops a send whose part keeps failing with its problem code, and offers it for resume at once', async () => {
    const { context, page } = await openActor(browser);
    await signIn(page, 'northland');
    const annex = await bigFile('annex-broken.bin', 20);
    let broken = true;
    let failures = 0;
    await context.route(`${s3Origin}/**`, async (route: Route) => {
      const part = route.request().method() === 'PUT' ? partNumberOf(route.request().url()) : undefined;
      if (broken && part === 2) {
        failures++;
        return route.fulfill({ status: 503, body: 'SlowDown' });
      }
      return route.continue();
    });
    await prepareRequest(page, 'NL-2026-0203', annex);
    await page.getByRole('button', { name: 'Seal and send the request' }).click();
    await expect
      .poll(() => page.getByTestId('problem-code').first().textContent(), { timeout: 180_000 })
      .toBe('ERR_DEPENDENCY_UNAVAILABLE');
    // Every attempt was made, then the send stopped.
    expect(failures).toBe(5);
    broken = false;
    const offer = page.getByTestId('resume-offer');
    await offer.getByRole('button', { name: 'Resume sending' }).click();
    await page.waitForURL(/#\/exchange\/exch_/, { timeout: 180_000 });
    await expectStatus(page, 'Submitted');
    expect(await journalParts(page)).toEqual([]);
    await context.close();
  });

  it('resumes a send cut by a reload, sending only the parts storage does not hold', async () => {
    const { context, page } = await openActor(browser);
    await signIn(page, 'northland');
    const annex = await bigFile('annex-resume.bin', 30);
    // Part 1 goes through; the others hang until the page is reloaded.
    let hold = true;
    const held: Route[] = [];
    await context.route(`${s3Origin}/**`, async (route: Route) => {
      const part = route.request().method() === 'PUT' ? partNumberOf(route.request().url()) : undefined;
      if (hold && part !== undefined && part !== 1) {
        held.push(route);
        return;
      }
      return route.continue();
    });
    await prepareRequest(page, 'NL-2026-0202', annex);
    await page.getByRole('button', { name: 'Seal and send the request' }).click();
    await expect
      .poll(() => journalParts(page).then((files) => files.flat()), { timeout: 180_000 })
      .toEqual([1]);
    await page.reload();
    hold = false;
    for (const route of held) await route.abort().catch(() => undefined);
    const sentAfterResume: number[] = [];
    context.on('request', (request) => {
      const part = request.method() === 'PUT' ? partNumberOf(request.url()) : undefined;
      if (part !== undefined) sentAfterResume.push(part);
    });
    await page.getByTestId('who').waitFor();
    const offer = page.getByTestId('resume-offer');
    await offer.getByRole('button', { name: 'Resume sending' }).waitFor();
    await shot(page, 'resume-offer');
    await offer.getByRole('button', { name: 'Resume sending' }).click();
    await page.waitForURL(/#\/exchange\/exch_/, { timeout: 180_000 });
    await expectStatus(page, 'Submitted');
    expect(sentAfterResume.sort()).toEqual([2, 3, 4]);
    expect(await journalParts(page)).toEqual([]);
    // The sealed copies are gone from the private file area once committed.
    const left = await page.evaluate(async () => {
      const root = await navigator.storage.getDirectory();
      const names: string[] = [];
      for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys())
        names.push(name);
      return names;
    });
    expect(left.filter((n) => n.startsWith('out-'))).toEqual([]);
    await context.close();
  });

  it('exports browser-created keys as the public JWK that AddMember and AddKey take, with no private part', async () => {
    const { context, page } = await openActor(browser);
    await page.goto(`${exchange.url}/`);
    await page.getByRole('button', { name: 'Create keys in this browser' }).click();
    const kid = await page.getByTestId('created-kid').textContent();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the public keys (for your admin)' }).click(),
    ]);
    const jwk = JSON.parse(await readFile(await download.path(), 'utf8')) as JWK;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid });
    expect(await calculateJwkThumbprint(jwk, 'sha256')).toBe(kid);
    expect(AddKeySchema.safeParse({ jwk }).success).toBe(true);
    expect(AddMemberSchema.safeParse({ displayName: 'New officer', role: 'officer', jwk }).success).toBe(
      true,
    );
    expect(await page.getByTestId('created-recipient').textContent()).toMatch(/^age1[0-9a-z]{58}$/);
    await context.close();
  });

  it('at 200% zoom every page fits without horizontal scrolling and passes axe; sign-in and a reply work from the keyboard', async () => {
    // 200% zoom of a 1280 px window: 640 CSS pixels wide, twice the device pixels.
    const context = await browser.newContext({
      viewport: { width: 640, height: 720 },
      deviceScaleFactor: 2,
      locale: 'en-GB',
      timezoneId: 'Europe/Paris',
    });
    const page = await context.newPage();
    // How far the page and the main content scroll sideways, and the deepest elements that stick out (to fix).
    const overflow = () =>
      page.evaluate(() => {
        const main = document.getElementById('main');
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > width + 1)
          .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1))
          .slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ''}`);
        return {
          page: document.documentElement.scrollWidth - width,
          main: main ? main.scrollWidth - main.clientWidth : 0,
          wide,
        };
      });
    const checked: Array<{
      page: string;
      overflow: { page: number; main: number; wide: string[] };
      violations: unknown[];
    }> = [];
    const check = async (name: string) =>
      checked.push({ page: name, overflow: await overflow(), violations: await seriousViolations(page) });
    /** Press Tab until `target` has the focus; returns the names focused on the way, and checks the focus shows. */
    const tabTo = async (target: string, limit = 40): Promise<string[]> => {
      const seen: string[] = [];
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el) return { name: '', visible: false };
          const style = getComputedStyle(el);
          const name =
            el.getAttribute('aria-label') ??
            (el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null) ??
            el.textContent ??
            '';
          const visible =
            (style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0) ||
            style.boxShadow !== 'none';
          return { name: name.trim(), visible };
        });
        seen.push(focused.name);
        expect(focused.visible, `focus on "${focused.name}" is not visible`).toBe(true);
        if (focused.name === target) return seen;
      }
      throw new Error(`"${target}" never got the focus; the Tab order was: ${seen.join(' → ')}`);
    };

    await page.goto(`${exchange.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Pouch' }).waitFor();
    await check('sign-in');
    // Keyboard only: the file is chosen through the picker (no keyboard in a test's file dialog), then Tab.
    const order = await tabTo('Member keystore file');
    await page.getByLabel('Member keystore file').setInputFiles(keystoreFile('southmark', 'officer'));
    await tabTo('Passphrase');
    await page.keyboard.type(demoKeystorePassphrase('southmark'));
    await tabTo('Sign in');
    await page.keyboard.press('Enter');
    await page.getByTestId('who').waitFor({ timeout: 120_000 });
    expect(order.indexOf('Member keystore file')).toBeGreaterThanOrEqual(0);
    await check('inbox');

    await page.goto(`${exchange.url}/#/outbox`);
    await page.getByRole('link', { name: 'Inbox' }).waitFor();
    await check('outbox');
    await page.goto(`${exchange.url}/#/new`);
    await page.getByLabel('Requested authority').waitFor();
    await check('new request');

    // A reply from the keyboard: open the request Northland sent, acknowledge it.
    await page.goto(`${exchange.url}/#/inbox`);
    await page.getByRole('link', { name: 'NL-2026-0201' }).waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: 'NL-2026-0201' }).focus();
    await page.keyboard.press('Enter');
    await expectStatus(page, 'Submitted');
    await check('exchange');
    await shot(page, 'zoom-200-exchange');
    await tabTo('Acknowledge', 80);
    await page.keyboard.press('Enter');
    await tabTo('Your reference for this case', 20);
    await page.keyboard.type('SM-2026-200');
    await tabTo('Seal and send', 20);
    await page.keyboard.press('Enter');
    await expectStatus(page, 'Acknowledged');
    const exchangeId = /#\/exchange\/(exch_[A-Za-z0-9_-]+)/.exec(page.url())?.[1] ?? '';
    await page.goto(`${exchange.url}/#/audit/${exchangeId}`);
    await page.getByTestId('timeline').waitFor();
    await check('audit');
    await context.close();

    expect(checked.filter((c) => c.overflow.page > 0 || c.overflow.main > 0)).toEqual([]);
    expect(checked.filter((c) => c.violations.length > 0)).toEqual([]);
  });
});
