// Portal component: the custody timeline of an exchange — every ledger event (who, what, when, in the officer's
// time zone) with its signed receipt marked, as the exchange serves it. The auditor's page verifies the bundle.
import { useEffect, useState } from 'react';
import type { z } from 'zod';
import type { TimelineSchema } from '../../../shared/api/custody.ts';
import { isKnownLedgerAction } from '../../../shared/domain/ledger/event.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { ProblemView } from '../ui/problem-view.tsx';

type Timeline = z.output<typeof TimelineSchema>;

interface TimelineEvent {
  readonly seq: number;
  readonly time: string;
  readonly action: string;
  readonly actor: string;
  readonly hash: string;
}

function readEvent(raw: Record<string, unknown>): TimelineEvent {
  const actor = raw.actor as { authorityId?: string; memberId?: string } | undefined;
  return {
    seq: Number(raw.seq),
    time: String(raw.time ?? ''),
    action: String(raw.action ?? ''),
    actor: actor ? `${actor.authorityId ?? ''}:${actor.memberId ?? ''}` : '',
    hash: String(raw.hash ?? ''),
  };
}

export function CustodyTimeline({
  session,
  exchangeId,
  refresh,
}: {
  session: Session;
  exchangeId: string;
  refresh?: number;
}) {
  const { t, dateTime } = useText();
  const [timeline, setTimeline] = useState<Timeline>();
  const [error, setError] = useState<unknown>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` is the reload trigger after a reply.
  useEffect(() => {
    let live = true;
    session.client.request<Timeline>('GET', `/v1/exchanges/${encodeURIComponent(exchangeId)}/timeline`).then(
      (answer) => live && setTimeline(answer),
      (caught: unknown) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [session, exchangeId, refresh]);
  if (error !== undefined) return <ProblemView error={error} />;
  if (!timeline) return <p aria-busy="true">{t('app.loading')}</p>;
  const receipts = new Set(timeline.receipts.map((r) => r.seq));
  return (
    <table className="timeline" data-testid="timeline">
      <caption className="visually-hidden">{t('exchange.custody')}</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">{t('timeline.time')}</th>
          <th scope="col">{t('timeline.action')}</th>
          <th scope="col">{t('timeline.actor')}</th>
          <th scope="col">{t('timeline.receipt')}</th>
          <th scope="col">{t('timeline.hash')}</th>
        </tr>
      </thead>
      <tbody>
        {timeline.events.map((raw) => {
          const event = readEvent(raw);
          return (
            <tr key={event.seq}>
              <td>{event.seq}</td>
              <td>{dateTime(event.time)}</td>
              <td>{isKnownLedgerAction(event.action) ? t(`action.${event.action}`) : event.action}</td>
              <td>{event.actor}</td>
              <td>{receipts.has(event.seq) ? t('timeline.signed') : '–'}</td>
              <td>
                <code>{event.hash.slice(0, 12)}…</code>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
