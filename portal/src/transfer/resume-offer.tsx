// Portal transfer: after a reload, the offer to resume the member's unfinished sends (transfer-journal.ts) —
// only the parts storage does not hold yet go up — or to discard them. Shown by the app shell above every page.
import { useCallback, useEffect, useState } from 'react';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { ProblemView } from '../ui/problem-view.tsx';
import { ProgressBar, type ProgressState } from '../ui/progress-bar.tsx';
import { discardJournal, resumeDelivery } from './deliver.ts';
import {
  JOURNALS_CHANGED,
  listJournals,
  remainingBytes,
  type TransferJournal,
  transferLockName,
} from './transfer-journal.ts';

/** Journals no send of this page or another tab is running (their lock is free). */
async function idleJournals(clientId: string): Promise<TransferJournal[]> {
  const journals = await listJournals(clientId);
  const held = new Set((await navigator.locks?.query())?.held?.map((lock) => lock.name) ?? []);
  return journals.filter((j) => !held.has(transferLockName(j.messageId)));
}

export function ResumeOffer({ session }: { session: Session }) {
  const { t, dateTime, bytes } = useText();
  const [journals, setJournals] = useState<readonly TransferJournal[]>([]);
  const [running, setRunning] = useState<string>();
  const [progress, setProgress] = useState<ProgressState>();
  const [error, setError] = useState<unknown>();
  const [sent, setSent] = useState(false);
  const clientId = session.member.clientId;

  const reload = useCallback(() => {
    idleJournals(clientId).then(setJournals, setError);
  }, [clientId]);
  useEffect(() => {
    reload();
    window.addEventListener(JOURNALS_CHANGED, reload);
    return () => window.removeEventListener(JOURNALS_CHANGED, reload);
  }, [reload]);

  async function resume(journal: TransferJournal) {
    setRunning(journal.messageId);
    setError(undefined);
    setSent(false);
    try {
      await resumeDelivery(session, journal, (name, stage, done, total) =>
        setProgress({ label: `${t(`progress.${stage}`)}: ${name}`, done, total }),
      );
      setSent(true);
      if (journal.exchangeId) window.location.hash = `#/exchange/${journal.exchangeId}`;
    } catch (caught) {
      setError(caught);
    } finally {
      setRunning(undefined);
      setProgress(undefined);
      reload();
    }
  }

  async function discard(journal: TransferJournal) {
    await discardJournal(journal).catch(setError);
    reload();
  }

  if (journals.length === 0 && !sent && error === undefined) return null;
  return (
    <section className="resume-offer" aria-labelledby="resume-title" data-testid="resume-offer">
      <h2 id="resume-title">{t('resume.title')}</h2>
      {journals.length > 0 && <p>{t('resume.intro')}</p>}
      <ul>
        {journals.map((journal) => {
          const params = {
            files: journal.files.map((f) => f.name).join(', '),
            counterpart: journal.counterpartId,
            time: dateTime(journal.startedAt),
            remaining: bytes(remainingBytes(journal.files)),
          };
          return (
            <li key={journal.messageId}>
              <p>{journal.phase === 'uploading' ? t('resume.item', params) : t('resume.sealing', params)}</p>
              {journal.phase === 'uploading' && (
                <button type="button" onClick={() => resume(journal)} disabled={running !== undefined}>
                  {t('resume.resume')}
                </button>
              )}{' '}
              <button
                type="button"
                className="danger"
                onClick={() => discard(journal)}
                disabled={running !== undefined}
              >
                {t('resume.discard')}
              </button>
            </li>
          );
        })}
      </ul>
      {progress && <ProgressBar progress={progress} />}
      {sent && <p role="status">{t('resume.sent')}</p>}
      {error !== undefined && <ProblemView error={error} />}
    </section>
  );
}
