// Tests (browser): the officers' portal in Debian's chromium, the whole story in separate browser contexts —
// Northland drafts, checks and sends a request with an annex; Southmark acknowledges, asks for information and
// sends a final evidence package (100 MiB by default, POUCH_PORTAL_EVIDENCE_MIB); Northland answers, fetches and
// verifies; Northland's auditor exports the custody bundle. Along the way: files sealed in the portal open with
// the CLI and the `age` CLI and a file sealed by the CLI opens in the portal; axe-core finds no serious or
// critical violation; every request stays on the exchange's origin or its bucket and carries nothing secret.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { demoKeystorePassphrase, writeDemoMemberKeystores } from '../../client/keystore/demo-keystores.ts';
import { openKeystore } from '../../client/keystore/keystore.ts';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { pruneBlank } from '../../shared/domain/requests/check.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import {
  launchChromium,
  openActor,
  type RecordedRequest,
  seriousViolations,
} from '../support/portal-browser.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const evidenceMiB = Number(process.env.POUCH_PORTAL_EVIDENCE_MIB ?? '100');
/** Lower than the demo's 18 so four sign-ins stay quick on a loaded 2-core machine; the format is the same. */
const TEST_WORK_FACTOR = 15;

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** A large evidence file, written in 1 MiB blocks (pseudo-random, so it does not compress away). */
async function writeLargeFile(path: string, mib: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  let block = createHash('sha512').update('seed').digest();
  for (let i = 0; i < mib; i++) {
    const chunk = Buffer.alloc(MiB);
    for (let offset = 0; offset < MiB; offset += 64) {
      block = createHash('sha512').update(block).digest();
      block.copy(chunk, offset);
    }
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return hash.digest('hex');
}

async function signIn(page: Page, url: string, file: string, passphrase: string): Promise<void> {
  page.on('pageerror', (error) => console.error(`portal page error: ${error.message}`));
  await page.goto(`${url}/`);
  await page.getByLabel('Member keystore file').setInputFiles(file);
  await page.getByLabel('Passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor({ timeout: 60_000 });
}

async function expectStatus(page: Page, text: string): Promise<void> {
  try {
    await expect
      .poll(() => page.getByTestId('exchange-status').textContent(), { timeout: 120_000 })
      .toBe(text);
  } catch (error) {
    // Say what the page shows instead (an error panel names its problem code), not only that the wait ran out.
    const shown = (
      await page
        .locator('body')
        .textContent()
        .then(
          (text) => text ?? '',
          () => '',
        )
    ).slice(0, 2000);
    throw new Error(`exchange status never became "${text}"; the page shows:\n${shown}`, { cause: error });
  }
}

describe('the officers’ portal in chromium', () => {
  let exchange: Exchange;
  let browser: Browser;
  let work: string;
  const requests: RecordedRequest[][] = [];
  const axe: Array<{ page: string; violations: Awaited<ReturnType<typeof seriousViolations>> }> = [];
  const keystoreFile = (slug: string, member: string) =>
    join(exchange.dataDir, 'demo', slug, 'portal', `${member}.pouch-keystore`);
  const home = (slug: string) => join(exchange.dataDir, 'demo', slug);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pouch-portal-'));
    exchange = await startTestExchange({ seedDemo: true, portalDir: resolve('portal/dist') });
    for (const d of exchange.demo)
      await writeDemoMemberKeystores(d.home, d.slug, { workFactor: TEST_WORK_FACTOR });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await exchange?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('plays the story end to end, in separate contexts, with nothing secret sent and nothing off the origin', async () => {
    const url = exchange.url;
    const [northland, southmark] = exchange.demo;
    if (!northland || !southmark) throw new Error('demo authorities missing');
    const screenshots = process.env.POUCH_PORTAL_SCREENSHOTS;
    const shot = async (page: Page, name: string) => {
      if (screenshots) await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    };

    // Northland drafts from the CLI's YAML, checks against Southmark's profile, exports, and sends with an annex.
    const north = await openActor(browser);
    requests.push(north.requests);
    const started = Date.now();
    await north.page.goto(`${url}/`);
    await north.page.getByRole('heading', { name: 'Sign in to Pouch' }).waitFor();
    const firstRender = Date.now() - started;
    console.log(`portal: time to first render ${firstRender} ms`);
    axe.push({ page: 'sign-in', violations: await seriousViolations(north.page) });
    await shot(north.page, 'sign-in');
    await signIn(north.page, url, keystoreFile('northland', 'officer'), demoKeystorePassphrase('northland'));
    const stored = await north.page.evaluate(
      () =>
        new Promise<{ sign: boolean; seal: boolean }>((done, fail) => {
          const open = indexedDB.open('pouch-portal');
          open.onsuccess = () => {
            const get = open.result.transaction('keys').objectStore('keys').get('member');
            get.onsuccess = () =>
              done({
                sign: get.result.signingKey.extractable,
                seal: get.result.sealing.identity.extractable,
              });
            get.onerror = () => fail(get.error);
          };
        }),
    );
    expect(stored).toEqual({ sign: false, seal: false });
    axe.push({ page: 'inbox', violations: await seriousViolations(north.page) });

    const entry = await exchange.runtime.directory.getAuthority(southmark.authorityId);
    const draft = buildSampleFor(
      'mla',
      parseProfile({ ...entry?.profile, authorityId: southmark.authorityId }),
    );
    (draft.requestingAuthority as Record<string, unknown>).authorityId = northland.authorityId;
    // The label comes from the request (issue 12, finding 7): the form's reference and urgency must be the draft's.
    draft.caseReference = { ...(draft.caseReference as Record<string, unknown>), reference: 'NL-2026-0100' };
    draft.urgency = { ...(draft.urgency as Record<string, unknown>), level: 'urgent' };
    const draftPath = join(work, 'request.yaml');
    await writeFile(draftPath, stringify(draft));
    const annexPath = join(work, 'annex-statement.txt');
    await writeFile(annexPath, 'Witness statement of 2 March, sealed in the portal.\n');

    await north.page.getByRole('link', { name: 'New request' }).click();
    await north.page.getByLabel('Requested authority').selectOption(southmark.authorityId);
    await north.page.getByLabel('Urgency').selectOption('urgent');
    await north.page.getByLabel('Your reference').fill('NL-2026-0100');
    await north.page.getByLabel('Start from a YAML draft (pouch draft)').setInputFiles(draftPath);
    await expect.poll(() => north.page.getByTestId('check-summary').textContent()).toMatch(/passes/);
    axe.push({ page: 'new request', violations: await seriousViolations(north.page) });
    await shot(north.page, 'new-request');
    const [yamlDownload] = await Promise.all([
      north.page.waitForEvent('download'),
      north.page.getByTestId('export-yaml').click(),
    ]);
    const exported = parse(await readFile(await yamlDownload.path(), 'utf8'));
    expect(exported).toEqual(pruneBlank(draft));
    await north.page.getByLabel('Annexes (sealed in this browser)').setInputFiles(annexPath);
    await north.page.getByRole('button', { name: 'Seal and send the request' }).click();
    await north.page.waitForURL(/#\/exchange\/exch_/, { timeout: 120_000 });
    const exchangeId = /#\/exchange\/(exch_[A-Za-z0-9_-]+)/.exec(north.page.url())?.[1] ?? '';
    await expectStatus(north.page, 'Submitted');
    axe.push({ page: 'exchange', violations: await seriousViolations(north.page) });

    // Southmark acknowledges and asks for information.
    const south = await openActor(browser);
    requests.push(south.requests);
    await signIn(south.page, url, keystoreFile('southmark', 'officer'), demoKeystorePassphrase('southmark'));
    await south.page.getByRole('link', { name: 'NL-2026-0100' }).click();
    await expectStatus(south.page, 'Submitted');
    await south.page.getByRole('button', { name: 'Acknowledge' }).click();
    await south.page.getByLabel('Your reference for this case').fill('SM-2026-17');
    await south.page.getByRole('button', { name: 'Seal and send' }).click();
    await expectStatus(south.page, 'Acknowledged');
    await south.page.getByRole('button', { name: 'Ask for information' }).click();
    await south.page
      .getByLabel('Message (sent sealed)')
      .fill('Please give the account holder’s date of birth.');
    await south.page.getByRole('button', { name: 'Seal and send' }).click();
    await expectStatus(south.page, 'Information requested');

    // Northland answers.
    await north.page.reload();
    await expectStatus(north.page, 'Information requested');
    await north.page.getByRole('button', { name: 'Answer' }).click();
    await north.page.getByLabel('Message (sent sealed)').fill('Born 1 April 1980.');
    await north.page.getByRole('button', { name: 'Seal and send' }).click();
    await expectStatus(north.page, 'Acknowledged');

    // A note sealed by the CLI, which the portal must open.
    const cliNote = await runPouch(
      ['--profile', 'officer', 'reply', exchangeId, 'note', '--text', 'Sealed by the CLI.'],
      {
        POUCH_HOME: home('southmark'),
      },
    );
    expect(cliNote.code, cliNote.stderr).toBe(0);

    // Southmark sends the final evidence package, sealed and uploaded from the browser.
    const evidencePath = join(work, 'evidence.bin');
    const evidenceSha256 = await writeLargeFile(evidencePath, evidenceMiB);
    await south.page.reload();
    await expectStatus(south.page, 'Acknowledged');
    await south.page.getByRole('button', { name: 'Send evidence (final)' }).click();
    await south.page.getByLabel('Files to attach (sealed in this browser)').setInputFiles(evidencePath);
    const sealStart = Date.now();
    await south.page.getByRole('button', { name: 'Seal and send' }).click();
    await expectStatus(south.page, 'Executed');
    console.log(`portal: sealed and uploaded ${evidenceMiB} MiB in ${Date.now() - sealStart} ms`);
    await shot(south.page, 'exchange-executed');

    // Northland fetches, verifies and opens the evidence and the CLI's note, and saves them.
    await north.page.reload();
    await expectStatus(north.page, 'Executed');
    const fetchAndSave = async (name: string): Promise<string> => {
      const row = north.page.locator('.document', { hasText: name }).last();
      await row.getByRole('button', { name: `Fetch and open ${name}` }).click();
      const link = row.getByRole('link', { name: `Save ${name}` });
      await link.waitFor({ timeout: 300_000 });
      const [download] = await Promise.all([north.page.waitForEvent('download'), link.click()]);
      return download.path();
    };
    const fetchStart = Date.now();
    const evidenceSaved = await fetchAndSave('evidence.bin');
    console.log(`portal: fetched, verified and opened ${evidenceMiB} MiB in ${Date.now() - fetchStart} ms`);
    expect(await sha256File(evidenceSaved)).toBe(evidenceSha256);
    const notePath = await fetchAndSave('message.txt');
    expect(await readFile(notePath, 'utf8')).toMatch(/Sealed by the CLI\.|Born 1 April 1980\.|date of birth/);
    await shot(north.page, 'exchange-fetched');

    // The annex sealed in the portal opens with the CLI, and its sealed copy with the `age` CLI.
    const out = join(work, 'cli-fetch');
    const fetched = await runPouch(
      ['--profile', 'officer', '--json', 'fetch', exchangeId, '--out', out, '--keep-sealed'],
      {
        POUCH_HOME: home('northland'),
      },
    );
    expect(fetched.code, fetched.stderr).toBe(0);
    const docs = (
      JSON.parse(fetched.stdout) as { documents: Array<{ name: string; path: string; sealedPath?: string }> }
    ).documents;
    const annex = docs.find((d) => d.name === 'annex-statement.txt');
    expect(await readFile(annex?.path ?? '', 'utf8')).toBe(await readFile(annexPath, 'utf8'));
    const identityFile = join(work, 'northland.age-identity');
    await writeFile(
      identityFile,
      await openKeystore({ home: home('northland') }).exportAgeIdentityFile('seal'),
      { mode: 0o600 },
    );
    const aged = await run('age', ['-d', '-i', identityFile, annex?.sealedPath ?? '']);
    expect(aged.stdout).toBe(await readFile(annexPath, 'utf8'));

    // Northland's auditor: the custody timeline and the bundle export.
    const auditor = await openActor(browser);
    requests.push(auditor.requests);
    await signIn(
      auditor.page,
      url,
      keystoreFile('northland', 'auditor'),
      demoKeystorePassphrase('northland'),
    );
    await auditor.page.goto(`${url}/#/audit/${exchangeId}`);
    await auditor.page.getByTestId('timeline').waitFor();
    await auditor.page.getByRole('button', { name: 'Export and verify the bundle' }).click();
    await auditor.page.getByTestId('bundle-link').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => auditor.page.getByTestId('verdict').textContent(), { timeout: 60_000 })
      .toBe('Every check passed.');
    expect(await auditor.page.getByTestId('custody-fingerprint').textContent()).toBe(
      exchange.runtime.signer.kid,
    );
    axe.push({ page: 'audit', violations: await seriousViolations(auditor.page) });
    await shot(auditor.page, 'audit');
    // The same verifier on a tampered copy names the first broken element.
    const [bundleDownload] = await Promise.all([
      auditor.page.waitForEvent('download'),
      auditor.page.getByTestId('bundle-link').click(),
    ]);
    const bundleText = await readFile(await bundleDownload.path(), 'utf8');
    const tampered = bundleText.replace('"action":"message.sent"', '"action":"message.sEnt"');
    expect(tampered).not.toBe(bundleText);
    const tamperedPath = join(work, 'tampered.custody.jsonl');
    await writeFile(tamperedPath, tampered);
    await auditor.page.getByLabel('Or verify a saved bundle file').setInputFiles(tamperedPath);
    await expect
      .poll(() => auditor.page.getByTestId('verdict').textContent(), { timeout: 60_000 })
      .toMatch(/^Verification failed: the first broken element is event seq \d+: hash\.$/);

    // Forget this browser: the keys and the database are gone.
    await north.page.getByRole('button', { name: 'Forget this browser' }).click();
    await north.page.getByRole('heading', { name: 'Sign in to Pouch' }).waitFor();
    const databases = await north.page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(databases).not.toContain('pouch-portal');

    for (const actor of [north, south, auditor]) await actor.context.close();
    expect(axe.filter((a) => a.violations.length > 0)).toEqual([]);

    // Every request: to the exchange's origin or its evidence bucket, and nothing secret in any of them.
    const allowed = new Set([new URL(url).origin, new URL(exchange.embedded.s3Endpoint).origin]);
    const secrets: string[] = [];
    for (const [slug, members] of [
      ['northland', ['officer', 'auditor']],
      ['southmark', ['officer']],
    ] as const) {
      const keystore = openKeystore({ home: home(slug) });
      for (const member of members) {
        const { privateJwk } = await keystore.unlockSigningKey(member);
        secrets.push(String(privateJwk.d));
      }
      secrets.push(await keystore.unlockSealingIdentity('seal'), demoKeystorePassphrase(slug));
    }
    const all = requests.flat();
    expect(all.length).toBeGreaterThan(20);
    const offOrigin = all.filter((r) => !allowed.has(new URL(r.url).origin));
    expect(offOrigin.map((r) => r.url)).toEqual([]);
    const leaks = all.filter((r) => {
      const text = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body ?? ''}`;
      return (
        secrets.some((s) => text.includes(s)) ||
        /AGE-SECRET-KEY-1/i.test(text) ||
        /BEGIN AGE ENCRYPTED/.test(text)
      );
    });
    expect(leaks.map((r) => r.url)).toEqual([]);
  });
});
