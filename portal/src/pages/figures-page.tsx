// Portal page: delay made visible — what is due for the officer's authority (`GET /v1/clocks/due`, emergencies
// first, as the API orders it) and its delay figures (`GET /v1/figures`) per counterpart, kind and month, drawn
// as an SVG bar chart (median and 90th percentile) with the same figures as a table for screen readers and print.
import { useEffect, useMemo, useState } from 'react';
import { type DueList, type Figures, getFigures, listDue } from '../../../client/sdk/clock-api.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { ProblemView } from '../ui/problem-view.tsx';
import './portalui.css';

type Figure = Figures['figures'][number];
const MEASURES = ['acknowledge', 'firstEvidence', 'execution'] as const;
type Measure = (typeof MEASURES)[number];
const isMeasure = (value: string): value is Measure => (MEASURES as readonly string[]).includes(value);

const DAY_SECONDS = 86_400;
/** Seconds (the API's unit) as days with one decimal, or undefined when there is no figure. */
const days = (seconds: number | undefined) =>
  seconds === undefined ? undefined : Math.round((seconds / DAY_SECONDS) * 10) / 10;

export function FiguresPage({ session }: { session: Session }) {
  const { t } = useText();
  const [due, setDue] = useState<DueList>();
  const [figures, setFigures] = useState<Figures>();
  const [periods, setPeriods] = useState<readonly string[]>([]);
  const [period, setPeriod] = useState('');
  const [measure, setMeasure] = useState<Measure>('acknowledge');
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    listDue(session.client).then(setDue, setError);
    session.authorities().then(
      (all) => setNames(new Map(all.map((a) => [a.id, a.name]))),
      () => undefined,
    );
  }, [session]);
  useEffect(() => {
    let live = true;
    getFigures(session.client, period || undefined).then(
      (answer) => {
        if (!live) return;
        setFigures(answer);
        // The months to choose from are those of the unfiltered answer.
        if (!period) setPeriods([...new Set(answer.figures.map((f) => f.period))].sort().reverse());
      },
      (caught: unknown) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [session, period]);

  return (
    <section>
      <h1>{t('figures.title')}</h1>
      {error !== undefined && <ProblemView error={error} />}
      <DueSection due={due} names={names} />

      <h2>{t('figures.delays')}</h2>
      <p>{t('figures.intro')}</p>
      <form className="filters" aria-label={t('boxes.filters')} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('figures.period')}
          <select value={period} onChange={(e) => setPeriod(e.target.value)}>
            <option value="">{t('figures.allPeriods')}</option>
            {periods.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('figures.measure')}
          <select value={measure} onChange={(e) => isMeasure(e.target.value) && setMeasure(e.target.value)}>
            {MEASURES.map((m) => (
              <option key={m} value={m}>
                {t(`figures.measure.${m}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {figures === undefined && error === undefined && <p aria-busy="true">{t('app.loading')}</p>}
      {figures && figures.figures.length === 0 && <p data-testid="figures-none">{t('figures.none')}</p>}
      {figures && figures.figures.length > 0 && (
        <>
          <DelayChart figures={figures.figures} measure={measure} names={names} />
          <FiguresTable figures={figures.figures} measure={measure} names={names} />
        </>
      )}
    </section>
  );
}

function DueSection({ due, names }: { due: DueList | undefined; names: ReadonlyMap<string, string> }) {
  const { t, dateTime } = useText();
  return (
    <>
      <h2>{t('figures.due')}</h2>
      <p>{t('figures.dueIntro')}</p>
      {due === undefined && <p aria-busy="true">{t('app.loading')}</p>}
      {due && due.items.length === 0 && <p data-testid="due-empty">{t('figures.dueEmpty')}</p>}
      {due && due.items.length > 0 && (
        <table className="figures" data-testid="due-list">
          <caption className="visually-hidden">{t('figures.due')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('figures.exchange')}</th>
              <th scope="col">{t('boxes.urgency')}</th>
              <th scope="col">{t('figures.standing')}</th>
              <th scope="col">{t('figures.dueAt')}</th>
              <th scope="col">{t('figures.clocks')}</th>
            </tr>
          </thead>
          <tbody>
            {due.items.map((item) => (
              <tr key={item.exchangeId} data-testid="due-item" data-urgency={item.urgency}>
                <td>
                  <a href={`#/exchange/${item.exchangeId}`}>
                    {t(`kind.${item.kind}` as MessageKey)} · {names.get(item.counterpart) ?? item.counterpart}
                  </a>
                </td>
                <td>{t(`urgency.${item.urgency}` as MessageKey)}</td>
                <td className={`standing-${item.due}`}>{t(`due.${item.due}`)}</td>
                <td>{dateTime(item.earliestDue)}</td>
                <td>
                  {item.clocks
                    .filter((c) => c.state === 'running')
                    .map((c) =>
                      t('figures.clockDue', { clock: t(`clock.${c.name}`), time: dateTime(c.dueAt) }),
                    )
                    .join(t('figures.clockSeparator'))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

interface Row {
  readonly key: string;
  readonly label: string;
  readonly figure: Figure;
}

function useRows(figures: readonly Figure[], names: ReadonlyMap<string, string>): Row[] {
  const { t } = useText();
  return useMemo(
    () =>
      figures.map((figure) => ({
        key: `${figure.counterpart}|${figure.side}|${figure.kind}|${figure.period}`,
        label: [
          names.get(figure.counterpart) ?? figure.counterpart,
          t(`figures.side.${figure.side}`),
          t(`kind.${figure.kind}` as MessageKey),
          figure.period,
        ].join(' · '),
        figure,
      })),
    [figures, names, t],
  );
}

const BAR = { height: 14, gap: 10, label: 360, width: 320 } as const;

/** Horizontal bars, one row per counterpart/direction/kind/month: the median solid, the 90th percentile behind. */
function DelayChart(props: {
  figures: readonly Figure[];
  measure: Measure;
  names: ReadonlyMap<string, string>;
}) {
  const { t, number } = useText();
  const rows = useRows(props.figures, props.names);
  const values = rows.map((row) => ({
    row,
    median: days(row.figure[props.measure].median),
    p90: days(row.figure[props.measure].p90),
  }));
  const max = Math.max(1, ...values.map((v) => v.p90 ?? v.median ?? 0));
  const rowHeight = BAR.height * 2 + BAR.gap;
  const height = rows.length * rowHeight + BAR.gap;
  const title = t('figures.chart', { measure: t(`figures.measure.${props.measure}`) });
  const scale = (value: number) => (value / max) * BAR.width;
  return (
    <figure>
      <svg
        className="chart"
        role="img"
        aria-labelledby="figures-chart-title"
        viewBox={`0 0 ${BAR.label + BAR.width + 80} ${height}`}
        width={BAR.label + BAR.width + 80}
        height={height}
        data-testid="figures-chart"
      >
        <title id="figures-chart-title">{title}</title>
        {values.map(({ row, median, p90 }, index) => {
          const y = BAR.gap + index * rowHeight;
          const none = t('figures.noData');
          const shown = (value: number | undefined) => (value === undefined ? none : number(value));
          return (
            <g key={row.key} data-testid="chart-row">
              <title>{t('figures.bar', { row: row.label, median: shown(median), p90: shown(p90) })}</title>
              <text x={0} y={y + BAR.height}>
                {row.label}
              </text>
              {p90 !== undefined && (
                <rect className="p90" x={BAR.label} y={y} width={scale(p90)} height={BAR.height * 2} />
              )}
              {median !== undefined && (
                <rect
                  className="median"
                  x={BAR.label}
                  y={y + BAR.height / 2}
                  width={scale(median)}
                  height={BAR.height}
                />
              )}
              <text x={BAR.label + scale(p90 ?? median ?? 0) + 6} y={y + BAR.height + 4}>
                {median === undefined ? none : `${number(median)} / ${shown(p90)}`}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

function FiguresTable(props: {
  figures: readonly Figure[];
  measure: Measure;
  names: ReadonlyMap<string, string>;
}) {
  const { t, number, percent } = useText();
  const rows = useRows(props.figures, props.names);
  const none = '–';
  const shown = (value: number | undefined) => (value === undefined ? none : number(value));
  return (
    <table className="figures" data-testid="figures-table">
      <caption>{t('figures.table')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('figures.counterpart')}</th>
          <th scope="col">{t('figures.side')}</th>
          <th scope="col">{t('figures.kind')}</th>
          <th scope="col">{t('figures.month')}</th>
          <th scope="col">{t('figures.requests')}</th>
          <th scope="col">
            {t(`figures.measure.${props.measure}`)}: {t('figures.median')}
          </th>
          <th scope="col">
            {t(`figures.measure.${props.measure}`)}: {t('figures.p90')}
          </th>
          <th scope="col">{t('figures.infoRounds')}</th>
          <th scope="col">{t('figures.forcedShare')}</th>
          <th scope="col">{t('figures.lapsed')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ key, figure }) => (
          <tr key={key}>
            <th scope="row">{props.names.get(figure.counterpart) ?? figure.counterpart}</th>
            <td>{t(`figures.side.${figure.side}`)}</td>
            <td>{t(`kind.${figure.kind}` as MessageKey)}</td>
            <td>{figure.period}</td>
            <td>{figure.requests}</td>
            <td>{shown(days(figure[props.measure].median))}</td>
            <td>{shown(days(figure[props.measure].p90))}</td>
            <td>{figure.infoRounds}</td>
            <td>{percent(figure.forcedShare)}</td>
            <td>{figure.lapsedPreservations}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
