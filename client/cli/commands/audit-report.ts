// CLI command `pouch audit report BUNDLE --out report.html` (or `--live EXCHANGE`, `--lang fr`): verifies a custody bundle
// against the pinned exchange custody key, then writes the printable custody report (shared/custody/report-html.ts)
// with parties named, their pinned authority key fingerprints, every event, receipt and check. A bundle that does
// not verify gets no report: the command names the first broken element and exits 1 (see report-html.ts for why).
import { readFile, writeFile } from 'node:fs/promises';
import type { PublicJwk } from '../../../shared/crypto/compact-jws.ts';
import {
  collectCustodyReport,
  type ReportParty,
  renderCustodyReportHtml,
} from '../../../shared/custody/report-html.ts';
import { readPins } from '../../keystore/pins.ts';
import { fetchCustodyKeys } from '../../sdk/custody-api.ts';
import { CliUsageError } from '../cli-errors.ts';
import { defineCommand } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { languageOption, parseLanguageOption } from '../language-option.ts';
import { loadAuthorityNames } from '../output-format.ts';
import { fetchBundleText } from './audit-export.ts';
import { type ExchangeKeyPin, exchangeKeyFingerprint, exchangeKeyOf, readPin } from './verify.ts';

export const auditReportCommand = defineCommand({
  name: 'audit report',
  summary: 'Verify a custody bundle, then write a printable custody report (HTML) for auditors',
  positionals: { names: ['BUNDLE|EXCHANGE'] },
  options: {
    out: {
      type: 'string',
      short: 'o',
      valueName: 'FILE',
      description: 'write the report here (default: stdout)',
    },
    live: { type: 'boolean', description: 'treat the argument as an exchange id and fetch its bundle' },
    'exchange-key': {
      type: 'string',
      valueName: 'KEY',
      description: 'pin the exchange custody key: a JWK/JWKS file or its RFC 7638 fingerprint',
    },
    lang: languageOption('the report'),
  },
  details:
    'The bundle is verified first, exactly as `pouch verify` does, against a pinned custody key (--exchange-key,\n' +
    'or --live: the key the exchange publishes). A bundle that does not verify gets no report: the first broken\n' +
    'element is named and the exit code is 1. Open the report in a browser and print it (A4, numbered pages).\n' +
    'The report is in English unless --lang fr asks for French; what the bundle says stays as recorded.\n' +
    'Exit codes: 0 written; 1 the bundle does not verify; 2 usage; 3 no pinned custody key.\n' +
    'Examples:\n' +
    '  pouch audit report --exchange-key FINGERPRINT custody.jsonl --out report.html\n' +
    '  pouch audit report --live EXCHANGE --out report.html\n' +
    '  pouch audit report --lang fr --live EXCHANGE --out rapport.html',
  async run(ctx, { values, positionals }) {
    const target = positionals[0] ?? '';
    // Parsed before anything is read or fetched: a typo in --lang costs nothing.
    const language = parseLanguageOption(values.lang, 'audit report', 'report');
    let pin: ExchangeKeyPin | undefined = values['exchange-key']
      ? await readPin(values['exchange-key'])
      : undefined;
    let text: string;
    let names = new Map<string, string>();
    if (values.live) {
      text = await fetchBundleText(ctx, target);
      const client = await ctx.createClient();
      if (!pin) {
        const keys = await fetchCustodyKeys(client);
        pin = { fingerprints: keys.map(exchangeKeyFingerprint), keys, source: 'live' };
      }
      names = await loadAuthorityNames(client);
    } else {
      try {
        text = await readFile(target, 'utf8');
      } catch {
        throw new CliUsageError(`cannot read ${target}; check the path`, 'audit report');
      }
    }
    if (!pin) {
      ctx.print(
        { ok: false, pinned: false },
        'NOT PINNED: a report is printed only for a bundle verified against the exchange custody key; add --exchange-key FINGERPRINT (compare it out of band) or --live.',
      );
      return EXIT.notPinned;
    }
    // A fingerprint alone carries no key: the bundle's own key counts only when its fingerprint is the pinned one.
    const bundleKey: PublicJwk | undefined = exchangeKeyOf(text.split('\n'));
    const trusted =
      pin.keys.length > 0
        ? pin.keys
        : bundleKey && pin.fingerprints.includes(exchangeKeyFingerprint(bundleKey))
          ? [bundleKey]
          : [];
    if (trusted.length === 0) {
      const message = `the bundle's exchange key ${bundleKey ? exchangeKeyFingerprint(bundleKey) : '(none)'} is not the pinned key ${pin.fingerprints.join(' or ')}`;
      ctx.print(
        { ok: false, pinned: true, broken: { pointer: 'exchange key: untrusted', message } },
        `BROKEN: exchange key: untrusted — ${message}; no report written`,
      );
      return EXIT.failed;
    }
    const report = await collectCustodyReport(text, { trustedExchangeKeys: trusted });
    if (!report.verification.ok) {
      const { broken } = report.verification;
      ctx.print(
        { ok: false, pinned: true, broken },
        `BROKEN: ${broken.pointer} — ${broken.message}; no report written`,
      );
      return EXIT.failed;
    }
    const pins = await readPins(ctx.keystore.home);
    const parties: Record<string, ReportParty> = {};
    const label = report.verification.label;
    for (const id of label ? [label.requesterId, label.requestedId] : []) {
      const name = names.get(id);
      const fingerprint = pins.get(id)?.fingerprint;
      parties[id] = {
        ...(name ? { name } : {}),
        ...(fingerprint ? { authorityKeyFingerprint: fingerprint } : {}),
      };
    }
    const html = renderCustodyReportHtml(report, {
      parties,
      generatedAt: new Date().toISOString(),
      language,
    });
    if (!values.out) {
      ctx.stdout.write(html);
      return EXIT.ok;
    }
    await writeFile(values.out, html, { mode: 0o600 });
    ctx.print(
      {
        ok: true,
        out: values.out,
        exchangeId: report.verification.exchangeId,
        events: report.verification.events,
        exchangeKeyFingerprint: report.exchangeKeyFingerprint,
      },
      `Wrote ${values.out}: the custody report of ${report.verification.exchangeId}, ${report.verification.events} events, verified against the pinned exchange key ${report.exchangeKeyFingerprint}. Open it in a browser to print it.`,
    );
    return EXIT.ok;
  },
});
