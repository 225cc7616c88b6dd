// Portal component: the auditor's "Printable report" — verifies the bundle in the browser against the custody key
// the exchange publishes (shared/custody/report-html.ts, the renderer `pouch audit report` uses) and opens the
// report in a new tab for printing, in the portal's UI language (English or French). A bundle that does not
// verify gets no report, only the broken element named.
// The tab inherits the portal's CSP (`style-src 'self'`, no inline style): the page is written into it and its
// style sheet applied through the CSSOM, which the policy does not govern, so the CSP stays as strict as it is.
import { useState } from 'react';
import type { PublicJwk } from '../../../shared/crypto/compact-jws.ts';
import {
  collectCustodyReport,
  custodyReportStyle,
  type ReportLanguage,
  type ReportParty,
  renderCustodyReportHtml,
} from '../../../shared/custody/report-html.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { ProblemView } from '../ui/problem-view.tsx';

/** Write a report into a new tab of this origin and style it through the CSSOM. */
function openReportTab(html: string, language: ReportLanguage): boolean {
  const tab = window.open('', '_blank');
  if (!tab) return false;
  tab.document.open();
  tab.document.write(html);
  tab.document.close();
  // A constructed sheet can only be adopted by a document of the realm that built it: the tab's own constructor.
  const sheet = new (tab as Window & typeof globalThis).CSSStyleSheet();
  sheet.replaceSync(custodyReportStyle(language));
  tab.document.adoptedStyleSheets = [sheet];
  return true;
}

export function PrintableReportButton({ session, bundle }: { session: Session; bundle: string }) {
  const { t, language } = useText();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();

  async function open() {
    setBusy(true);
    setNotice(undefined);
    setError(undefined);
    try {
      const response = await fetch('/.well-known/pouch-custody-keys.json', { credentials: 'omit' });
      const { keys } = (await response.json()) as { keys: PublicJwk[] };
      const report = await collectCustodyReport(bundle, { trustedExchangeKeys: keys });
      if (!report.verification.ok) {
        setNotice(t('audit.reportRefused', { pointer: report.verification.broken.pointer }));
        return;
      }
      const names = new Map((await session.authorities()).map((a) => [a.id, a.name]));
      const parties: Record<string, ReportParty> = {};
      const label = report.verification.label;
      for (const id of label ? [label.requesterId, label.requestedId] : []) {
        const name = names.get(id);
        parties[id] = name ? { name } : {};
      }
      // The report is printed in the portal's UI language: an officer reading French gets the French report.
      const html = renderCustodyReportHtml(report, {
        parties,
        generatedAt: new Date().toISOString(),
        language,
      });
      if (!openReportTab(html, language)) setNotice(t('audit.reportBlocked'));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="field">
      <button type="button" onClick={open} disabled={busy} data-testid="printable-report">
        {t('audit.printReport')}
      </button>
      {notice && (
        <p role="alert" data-testid="report-notice">
          {notice}
        </p>
      )}
      {error !== undefined && <ProblemView error={error} />}
    </div>
  );
}
