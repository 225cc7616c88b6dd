// Portal page: the auditor's view of one exchange — the custody timeline, the bundle export (saved as a file),
// and the bundle verified in the browser against the exchange's published custody key, with every check shown
// and the first broken element named.
import { useState } from 'react';
import { fetchCustodyBundle } from '../../../client/sdk/custody-api.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { ProblemView } from '../ui/problem-view.tsx';
import { CustodyTimeline } from './custody-timeline.tsx';
import { PrintableReportButton } from './printable-report-button.tsx';
import { VerificationReport } from './verification-report.tsx';

export function AuditPage({ session, exchangeId }: { session: Session; exchangeId: string }) {
  const { t } = useText();
  const [bundle, setBundle] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function exportBundle() {
    setBusy(true);
    setError(undefined);
    try {
      setBundle(await fetchCustodyBundle(session.client, exchangeId));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const href = bundle ? URL.createObjectURL(new Blob([bundle], { type: 'application/jsonl' })) : undefined;
  return (
    <section>
      <h1>{t('audit.title', { exchangeId })}</h1>
      <p>
        <a href={`#/exchange/${exchangeId}`}>{t('audit.back')}</a>
      </p>
      <h2>{t('exchange.custody')}</h2>
      <CustodyTimeline session={session} exchangeId={exchangeId} />
      <h2>{t('audit.bundle')}</h2>
      <button type="button" onClick={exportBundle} disabled={busy}>
        {t('audit.export')}
      </button>
      {href && (
        <p>
          <a href={href} download={`${exchangeId}.custody.jsonl`} data-testid="bundle-link">
            {t('audit.saveBundle')}
          </a>
        </p>
      )}
      <div className="field">
        <label htmlFor="bundle-file">{t('audit.verifyFile')}</label>
        <input
          id="bundle-file"
          type="file"
          accept=".jsonl,application/jsonl,text/plain"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) setBundle(await file.text());
          }}
        />
      </div>
      {error !== undefined && <ProblemView error={error} />}
      {bundle && <VerificationReport key={bundle.length + bundle.slice(-64)} bundle={bundle} />}
      {bundle && <PrintableReportButton session={session} bundle={bundle} />}
    </section>
  );
}
