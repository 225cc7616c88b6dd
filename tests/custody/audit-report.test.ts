// Tests: the printable custody report (shared/custody/report-html.ts) from a real exchange's bundle — every event,
// receipt, party and check printed, in English and in French, a tampered or foreign-key bundle refused — and
// `pouch audit report` as a subprocess (writes the report for a verified bundle, in the language --lang names;
// names the broken element and writes nothing otherwise).
import { generateKeyPairSync } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJwk } from '../../shared/crypto/compact-jws.ts';
import { collectCustodyReport, renderCustodyReportHtml } from '../../shared/custody/report-html.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import { decodeEventLine } from '../../shared/domain/ledger/event.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import { jsonErrorCode } from '../support/cli-harness.ts';
import type { SeededAuthority } from '../support/identity.ts';
import { seedTestAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { createCaller, runExchange, type TestExchange } from './custody-fixture.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('the printable custody report', () => {
  let exchange: TestExchange;
  let requester: SeededAuthority;
  let southmark: TestExchange['demo'][number];
  let exchangeId: string;
  let text: string;
  let key: PublicJwk;

  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
    southmark = exchange.demo.find((d) => d.slug === 'southmark')!;
    requester = await seedTestAuthority(exchange.runtime.directory, {
      members: [{ role: 'admin' }, { role: 'officer' }, { role: 'auditor' }],
    });
    exchangeId = await runExchange(exchange, requester.member('officer'), southmark.authorityId, {
      messages: 2,
    });
    const res = await createCaller(exchange)(
      requester.member('auditor'),
      'GET',
      `/v1/exchanges/${exchangeId}/bundle`,
    );
    expect(res.status).toBe(200);
    text = await res.text();
    key = await exchange.runtime.signer.publicJwk();
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  const eventLines = () => text.split('\n').filter((l) => l.startsWith('{"body":'));
  /** The report of the bundle, checked against the exchange's own key. */
  const trustedReport = () => collectCustodyReport(text, { trustedExchangeKeys: [key] });
  /** The requested party, under a name that must come out escaped. */
  const southmarkParty = () => ({
    [southmark.authorityId]: {
      name: 'Southmark <Central Authority>',
      authorityKeyFingerprint: 'F'.repeat(43),
    },
  });
  /** The event seqs of the report's rows, in order. */
  const printedSeqs = (html: string) => [...html.matchAll(/<tr data-seq="(\d+)">/g)].map((m) => Number(m[1]));
  /** Every receipt (there is at least one) printed by its event hash. */
  const expectEveryReceipt = (html: string, receipts: readonly { eventHash: string }[]) => {
    expect(receipts.length).toBeGreaterThan(0);
    for (const receipt of receipts) expect(html).toContain(receipt.eventHash);
  };
  const tamper = (): { bundle: string; seq: number } => {
    const lines = text.split('\n');
    const index = lines.findIndex((l) => l.includes('"action":"document.uploaded"'));
    const seq = decodeEventLine(lines[index]!).seq;
    lines[index] = lines[index]!.replace('"outcome":"success"', '"outcome":"forced"');
    return { bundle: lines.join('\n'), seq };
  };

  describe('the renderer', () => {
    it('prints every event in order, every receipt, both parties, the checkpoint and every check', async () => {
      const report = await trustedReport();
      expect(report.verification.ok).toBe(true);
      const html = renderCustodyReportHtml(report, { parties: southmarkParty() });
      const events = eventLines().map(decodeEventLine);
      const seqs = printedSeqs(html);
      expect(seqs).toEqual(events.map((e) => e.seq));
      expect(seqs.length).toBeGreaterThanOrEqual(5);
      for (const event of events) {
        for (const d of event.documents ?? []) expect(html).toContain(d.plaintextSha256);
      }
      expect(html).toContain('sent a message');
      expect(html).toContain('uploaded a sealed document');
      expect(html).not.toMatch(/>[^<]*\bmessage\.sent\b/);
      expectEveryReceipt(html, report.receipts);
      expect(html).toContain('Southmark &lt;Central Authority&gt;');
      expect(html).toContain('F'.repeat(43));
      expect(html).toContain(exchange.runtime.signer.kid);
      if (!report.verification.ok) return;
      expect(html).toContain(`Tree size ${report.verification.checkpoint!.size}`);
      expect(html).toContain(report.verification.checkpoint!.rootHash);
      expect(html.match(/: passed<\/strong>/g)).toHaveLength(7);
      expect(html).toContain('data-verdict="verified"');
      expect(html).toContain('counter(pages)');
      expect(html).not.toMatch(/<script|src=|href=/i);
    });

    it('prints in English unless French is asked for', async () => {
      const report = await trustedReport();
      const html = renderCustodyReportHtml(report, { generatedAt: '2026-03-01T09:05:00.250Z' });
      expect(
        renderCustodyReportHtml(report, { generatedAt: '2026-03-01T09:05:00.250Z', language: 'en' }),
      ).toBe(html);
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('<h2>2. Events, in order</h2>');
      expect(html).toContain('printed 2026-03-01 09:05:00 UTC');
      expect(html).toContain('content: "Page " counter(page) " of " counter(pages)');
    });

    it('prints in French: every section, event, receipt and check, French dates, no English left, text escaped', async () => {
      const report = await trustedReport();
      if (!report.verification.ok) throw new Error('the bundle must verify');
      const html = renderCustodyReportHtml(report, {
        parties: southmarkParty(),
        generatedAt: '2026-03-01T09:05:00.250Z',
        language: 'fr',
      });
      const NB = '\u00a0';
      expect(html).toContain('<html lang="fr">');
      expect(html).toContain(`<title>Rapport sur la chaîne de possession — ${exchangeId}</title>`);
      expect([...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1])).toEqual([
        '1. Parties',
        '2. Événements, dans l’ordre',
        '3. Accusés de réception signés par l’échange',
        '4. Point de contrôle',
        '5. Vérification',
      ]);
      expect([...html.matchAll(/<strong>([^<]*)<\/strong> —/g)].map((m) => m[1])).toEqual(
        [
          'En-tête',
          'Étiquette',
          'Clé de l’échange',
          'Point de contrôle',
          'Accusés de réception',
          'Manifestes',
          'Événements',
        ].map((name) => `${name}${NB}: vérifié`),
      );
      expect(html).toContain(`VÉRIFIÉ${NB}: tous les contrôles ont réussi`);
      expect(html).toContain('Autorité requérante');
      expect(html).toContain('Autorité requise');
      expect(html).toContain('a envoyé un message');
      expect(html).toContain('a déposé un document scellé');
      expect(html).toContain(`Taille de l’arbre ${report.verification.checkpoint!.size}`);
      expect(html).toContain(report.verification.checkpoint!.rootHash);
      expect(html).toContain('content: "Page " counter(page) " sur " counter(pages)');
      const events = eventLines().map(decodeEventLine);
      const seqs = printedSeqs(html);
      expect(seqs).toEqual(events.map((e) => e.seq));
      for (const event of events) {
        for (const d of event.documents ?? []) expect(html).toContain(`${d.size} octets`);
      }
      expectEveryReceipt(html, report.receipts);
      expect(html).toContain('dépôt accepté');
      // French dates: written out, with the time of day and the zone; no ISO date left in a cell.
      expect(html).toContain('imprimé le 1er mars 2026 à 09:05:00 UTC');
      const times = [...html.matchAll(/<tr data-seq="\d+"><td>\d+<\/td><td>([^<]*)<\/td>/g)].map((m) => m[1]);
      expect(times).toHaveLength(events.length);
      for (const time of times) {
        expect(time).toMatch(
          /^(1er|\d{1,2}) (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4} à \d{2}:\d{2}:\d{2} UTC$/,
        );
      }
      expect(html).not.toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      // No English heading, label, verdict or action word left.
      for (const english of [
        'Custody report',
        'Events, in order',
        'Receipts signed by the exchange',
        '>Checkpoint',
        'Verification',
        ': passed',
        'VERIFIED',
        'Requesting authority',
        'Requested authority',
        'Tree size',
        'not pinned',
        'sent a message',
        'uploaded a sealed document',
        'submission accepted',
        'receipt:',
        'signed manifest',
        ' bytes',
        'status now',
        'urgency ',
        'printed ',
        '(officer)',
      ]) {
        expect(html, english).not.toContain(english);
      }
      // Escaping unchanged: a party's name is text, never markup, in French as in English.
      expect(html).toContain('Southmark &lt;Central Authority&gt;');
      expect(html).not.toContain('<Central Authority>');
      expect(html).not.toMatch(/<script|src=|href=/i);
    });

    it('refuses to print a tampered bundle, naming the first broken element', async () => {
      const { bundle, seq } = tamper();
      const report = await collectCustodyReport(bundle, { trustedExchangeKeys: [key] });
      expect(report.verification.ok).toBe(false);
      let thrown: unknown;
      try {
        renderCustodyReportHtml(report);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PouchError);
      expect((thrown as PouchError).code).toBe('ERR_LEDGER_BROKEN');
      expect((thrown as PouchError).details).toMatchObject({ pointer: `event seq ${seq}: hash` });
    });

    it('refuses a bundle signed with another key than the trusted one', async () => {
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
        format: 'jwk',
      }) as PublicJwk;
      const report = await collectCustodyReport(text, { trustedExchangeKeys: [other] });
      expect(() => renderCustodyReportHtml(report)).toThrow(PouchError);
    });
  });

  describe('pouch audit report', () => {
    const pouch = (...args: string[]) =>
      runPouch(['--profile', 'auditor', ...args], { POUCH_HOME: southmark.home });
    const fingerprint = () => exchange.runtime.signer.kid;
    /** `bundle` written to `name` in the exchange's data folder; the file's path. */
    const bundleFile = async (name: string, bundle = text) => {
      const file = join(exchange.dataDir, name);
      await writeFile(file, bundle);
      return file;
    };
    /** `pouch audit report` of `file` into `out`, checked against the exchange's key; `options` go first. */
    const reportPinned = (file: string, out: string, ...options: string[]) =>
      pouch(...options, '--exchange-key', fingerprint(), file, '--out', out);

    it('writes the report of a bundle verified against the pinned key', async () => {
      const file = await bundleFile('report-bundle.jsonl');
      const out = join(exchange.dataDir, 'report.html');
      const run = await reportPinned(file, out, 'audit', 'report');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Wrote ${out}`);
      const html = await readFile(out, 'utf8');
      expect([...html.matchAll(/<tr data-seq="/g)]).toHaveLength(eventLines().length);
      expect(html).toContain(fingerprint());
    });

    it('--lang fr writes the French report; an unknown language is refused with one line, writing nothing', async () => {
      const file = await bundleFile('report-fr-bundle.jsonl');
      const out = join(exchange.dataDir, 'rapport.html');
      const run = await reportPinned(file, out, 'audit', 'report', '--lang', 'fr');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const html = await readFile(out, 'utf8');
      expect(html).toContain('<html lang="fr">');
      expect(html).toContain('<h1>Rapport sur la chaîne de possession</h1>');
      expect([...html.matchAll(/<tr data-seq="/g)]).toHaveLength(eventLines().length);
      expect(html).not.toContain('Custody report');

      const wrong = join(exchange.dataDir, 'report-de.html');
      const refused = await reportPinned(file, wrong, '--json', 'audit', 'report', '--lang', 'de');
      expect(jsonErrorCode(refused)).toBe('ERR_VALIDATION');
      const human = await reportPinned(file, wrong, 'audit', 'report', '--lang', 'de');
      expect(human.code).toBe(2);
      expect(human.stderr.trim().split('\n')).toHaveLength(1);
      expect(human.stderr).toContain('--lang');
      expect(await exists(wrong)).toBe(false);
    });

    it('writes no report for a tampered bundle: names the broken element, exit 1', async () => {
      const { bundle, seq } = tamper();
      const file = await bundleFile('report-tampered.jsonl', bundle);
      const out = join(exchange.dataDir, 'tampered-report.html');
      const run = await reportPinned(file, out, 'audit', 'report');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`BROKEN: event seq ${seq}: hash`);
      expect(await exists(out)).toBe(false);
    });

    it('writes no report without a pinned custody key (exit 3), nor for a bundle under another key (exit 1)', async () => {
      const file = await bundleFile('report-unpinned.jsonl');
      const out = join(exchange.dataDir, 'unpinned-report.html');
      const unpinned = await pouch('audit', 'report', file, '--out', out);
      expect(unpinned.code).toBe(3);
      expect(unpinned.stdout).toContain('NOT PINNED');
      const foreign = await pouch('audit', 'report', '--exchange-key', 'A'.repeat(43), file, '--out', out);
      expect(foreign.code).toBe(1);
      expect(foreign.stdout).toContain('BROKEN: exchange key: untrusted');
      expect(await exists(out)).toBe(false);
    });

    it('--live fetches the bundle, pins the published key and names the parties', async () => {
      const run = await pouch('audit', 'report', '--live', exchangeId);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^<!DOCTYPE html>/);
      const name = (await exchange.runtime.directory.getAuthority(southmark.authorityId))!.name;
      expect(run.stdout).toContain(name.replace(/&/g, '&amp;'));
    });
  });
});
