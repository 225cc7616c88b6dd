// Portal component (exchange page): the exchange's lineage as a tree — the earlier exchanges it follows and the
// later ones that follow it, each with the kind of link, its parties by name, its kind and status, and a link to
// it. The API's tree holds only exchanges the caller may see (issue 14: a link never reveals one it may not).
import { useEffect, useState } from 'react';
import { getLineage, type Lineage, type LineageNode } from '../../../client/sdk/clock-api.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { ProblemView } from '../ui/problem-view.tsx';

export function LineageView(props: { session: Session; exchangeId: string; refresh: number }) {
  const { session, exchangeId, refresh } = props;
  const { t } = useText();
  const [lineage, setLineage] = useState<Lineage>();
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [error, setError] = useState<unknown>();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` is the reload trigger after a reply.
  useEffect(() => {
    let live = true;
    getLineage(session.client, exchangeId).then(
      (answer) => live && setLineage(answer),
      (caught: unknown) => live && setError(caught),
    );
    session.authorities().then(
      (all) => live && setNames(new Map(all.map((a) => [a.id, a.name]))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [session, exchangeId, refresh]);

  if (error !== undefined) return <ProblemView error={error} />;
  if (!lineage) return <p aria-busy="true">{t('app.loading')}</p>;
  const alone =
    lineage.roots.length === 0 ||
    (lineage.roots.length === 1 &&
      lineage.roots[0]?.exchangeId === exchangeId &&
      lineage.roots[0].followers.length === 0);
  if (alone) return <p data-testid="lineage-none">{t('lineage.none')}</p>;
  return (
    <ul className="lineage" data-testid="lineage">
      {lineage.roots.map((root) => (
        <NodeItem key={root.exchangeId} node={root} current={exchangeId} names={names} />
      ))}
    </ul>
  );
}

function NodeItem(props: {
  node: LineageNode;
  current: string;
  names: ReadonlyMap<string, string>;
  via?: LineageNode['followers'][number]['kind'];
}) {
  const { t, dateTime } = useText();
  const { node, current, names } = props;
  const name = (id: string) => names.get(id) ?? id;
  const text = t('lineage.node', {
    kind: t(`kind.${node.kind}` as MessageKey),
    requester: name(node.requesterId),
    requested: name(node.requestedId),
    time: dateTime(node.createdAt),
  });
  const isCurrent = node.exchangeId === current;
  return (
    <li data-testid="lineage-node" data-exchange={node.exchangeId}>
      {props.via && <span className="link-kind">{t('lineage.via', { link: t(`link.${props.via}`) })}: </span>}
      {isCurrent ? (
        <span aria-current="true">
          {text} ({t('lineage.current')})
        </span>
      ) : (
        <a href={`#/exchange/${node.exchangeId}`}>{text}</a>
      )}{' '}
      <span className="status">
        {t('lineage.status', { status: t(`status.${node.status}` as MessageKey) })}
      </span>
      {node.followers.length > 0 && (
        <ul>
          {node.followers.map((follower) => (
            <NodeItem
              key={follower.node.exchangeId}
              node={follower.node}
              current={current}
              names={names}
              via={follower.kind}
            />
          ))}
        </ul>
      )}
    </li>
  );
}
