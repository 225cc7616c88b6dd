// Portal page: the inbox and the outbox — the member's exchanges with filters (status, kind, counterpart,
// urgency) and every time shown in the officer's own time zone.
import { useEffect, useMemo, useState } from 'react';
import { listExchanges } from '../../../client/sdk/exchange-api.ts';
import type { AuthorityWire } from '../../../shared/api/directory.ts';
import type { ExchangeLabel } from '../../../shared/api/exchange.ts';
import { EXCHANGE_STATES } from '../../../shared/domain/exchange/state-machine.ts';
import { URGENCIES } from '../../../shared/domain/exchange/urgency.ts';
import { REQUEST_KINDS } from '../../../shared/domain/requests/instruments.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { ProblemView } from '../ui/problem-view.tsx';

export function BoxesPage({ session, box }: { session: Session; box: 'inbox' | 'outbox' }) {
  const { t, dateTime } = useText();
  const [status, setStatus] = useState('');
  const [kind, setKind] = useState('');
  const [counterpart, setCounterpart] = useState('');
  const [urgency, setUrgency] = useState('');
  const [items, setItems] = useState<readonly ExchangeLabel[] | undefined>();
  const [authorities, setAuthorities] = useState<readonly AuthorityWire[]>([]);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    session.authorities().then(setAuthorities, setError);
  }, [session]);
  useEffect(() => {
    let live = true;
    setItems(undefined);
    listExchanges(session.client, {
      box,
      limit: 100,
      ...(status ? { status: status as ExchangeLabel['status'] } : {}),
      ...(kind ? { kind } : {}),
      ...(counterpart ? { counterpart } : {}),
    }).then(
      (page) => live && setItems(page.items),
      (caught: unknown) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [session, box, status, kind, counterpart]);

  const nameOf = useMemo(() => {
    const names = new Map(authorities.map((a) => [a.id, a.name]));
    return (id: string) => names.get(id) ?? id;
  }, [authorities]);
  // The API filters by status, kind and counterpart; urgency is a label field filtered here.
  const shown = items?.filter((item) => !urgency || item.urgency === urgency);
  const title = box === 'inbox' ? t('boxes.inbox') : t('boxes.outbox');

  return (
    <section>
      <h1>{title}</h1>
      <form className="filters" aria-label={t('boxes.filters')} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('boxes.status')}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('boxes.any')}</option>
            {EXCHANGE_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('boxes.kind')}
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">{t('boxes.any')}</option>
            {REQUEST_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('boxes.counterpart')}
          <select value={counterpart} onChange={(e) => setCounterpart(e.target.value)}>
            <option value="">{t('boxes.any')}</option>
            {authorities
              .filter((a) => a.id !== session.member.authorityId)
              .map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
          </select>
        </label>
        <label>
          {t('boxes.urgency')}
          <select value={urgency} onChange={(e) => setUrgency(e.target.value)}>
            <option value="">{t('boxes.any')}</option>
            {URGENCIES.map((u) => (
              <option key={u} value={u}>
                {t(`urgency.${u}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error !== undefined && <ProblemView error={error} />}
      {shown === undefined && error === undefined && <p aria-busy="true">{t('app.loading')}</p>}
      {shown && shown.length === 0 && <p>{t('boxes.empty')}</p>}
      {shown && shown.length > 0 && (
        <table className="boxes">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('boxes.reference')}</th>
              <th scope="col">{t('boxes.kind')}</th>
              <th scope="col">{t('boxes.counterpart')}</th>
              <th scope="col">{t('boxes.status')}</th>
              <th scope="col">{t('boxes.urgency')}</th>
              <th scope="col">{t('boxes.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((item) => (
              <tr key={item.id}>
                <td>
                  <a href={`#/exchange/${item.id}`}>{item.requesterReference}</a>
                </td>
                <td>{t(`kind.${item.kind}` as MessageKey)}</td>
                <td>{nameOf(box === 'inbox' ? item.requesterId : item.requestedId)}</td>
                <td>{t(`status.${item.status}` as MessageKey)}</td>
                <td>{t(`urgency.${item.urgency}` as MessageKey)}</td>
                <td>{dateTime(item.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
