// Portal page: one exchange — its label, its messages with their verified documents (fetch, check, open, save),
// the custody timeline with its receipts, the lineage (linked earlier and later exchanges, as a tree), and the
// moves the officer's side may make next, as buttons that open the reply form (acknowledge, ask, answer, evidence
// partial or final, postpone, refuse, close).
import { useCallback, useEffect, useState } from 'react';
import { getExchange, requestDownload } from '../../../client/sdk/exchange-api.ts';
import type { ExchangeDetail, ExchangeMessage } from '../../../shared/api/exchange.ts';
import type { Manifest } from '../../../shared/custody/manifest.ts';
import { verifyMessageManifest } from '../../../shared/custody/message-manifest.ts';
import {
  type ExchangeState,
  listAllowedMoves,
  type MessageKind,
} from '../../../shared/domain/exchange/state-machine.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { deliverFromBrowser, type OutgoingFile } from '../transfer/deliver.ts';
import { fetchInWorker, readPrivateFile } from '../transfer/transfer-client.ts';
import { ProblemView } from '../ui/problem-view.tsx';
import { ProgressBar, type ProgressState } from '../ui/progress-bar.tsx';
import { CustodyTimeline } from './custody-timeline.tsx';
import { LineageView } from './lineage-view.tsx';
import './portalui.css';

type Verified = { readonly message: ExchangeMessage; readonly manifest?: Manifest; readonly error?: unknown };

/** Kinds that carry grounds (a refusal or postponement must say why). */
const NEEDS_GROUNDS = new Set<MessageKind>(['refusal', 'postponement']);

export function ExchangePage({ session, exchangeId }: { session: Session; exchangeId: string }) {
  const { t, dateTime, bytes } = useText();
  const [detail, setDetail] = useState<ExchangeDetail>();
  const [verified, setVerified] = useState<readonly Verified[]>([]);
  const [error, setError] = useState<unknown>();
  const [move, setMove] = useState<{ kind: MessageKind; final: boolean }>();
  const [refresh, setRefresh] = useState(0);
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());

  useEffect(() => {
    session.authorities().then(
      (all) => setNames(new Map(all.map((a) => [a.id, a.name]))),
      () => undefined,
    );
  }, [session]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` is the reload trigger after a reply.
  useEffect(() => {
    let live = true;
    (async () => {
      const answer = await getExchange(session.client, exchangeId);
      if (!live) return;
      setDetail(answer);
      const checked: Verified[] = [];
      for (const message of [...answer.messages].sort((a, b) => a.seq - b.seq)) {
        try {
          const sender = await session.entry(message.senderAuthorityId);
          const { manifest } = await verifyMessageManifest(answer.label, message, sender);
          checked.push({ message, manifest });
        } catch (caught) {
          checked.push({ message, error: caught });
        }
      }
      if (live) setVerified(checked);
    })().catch((caught: unknown) => live && setError(caught));
    return () => {
      live = false;
    };
  }, [session, exchangeId, refresh]);

  if (error !== undefined) return <ProblemView error={error} />;
  if (!detail) return <p aria-busy="true">{t('app.loading')}</p>;
  const { label } = detail;
  const side =
    label.requesterId === session.member.authorityId
      ? 'requester'
      : label.requestedId === session.member.authorityId
        ? 'requested'
        : undefined;
  const moves = side
    ? listAllowedMoves(label.status as ExchangeState).filter((m) => m.side === 'either' || m.side === side)
    : [];

  return (
    <section>
      <h1>
        {t('exchange.title', { reference: label.requesterReference })}{' '}
        <span className="status" data-testid="exchange-status">
          {t(`status.${label.status}` as MessageKey)}
        </span>
      </h1>
      <dl className="label">
        <dt>{t('exchange.kind')}</dt>
        <dd>{t(`kind.${label.kind}` as MessageKey)}</dd>
        <dt>{t('boxes.urgency')}</dt>
        <dd>{t(`urgency.${label.urgency}` as MessageKey)}</dd>
        <dt>{t('exchange.requester')}</dt>
        <dd>{names.get(label.requesterId) ?? label.requesterId}</dd>
        <dt>{t('exchange.requested')}</dt>
        <dd>{names.get(label.requestedId) ?? label.requestedId}</dd>
        {label.requestedReference && (
          <>
            <dt>{t('exchange.requestedReference')}</dt>
            <dd>{label.requestedReference}</dd>
          </>
        )}
        <dt>{t('exchange.created')}</dt>
        <dd>{dateTime(label.createdAt)}</dd>
        <dt>{t('boxes.updated')}</dt>
        <dd>{dateTime(label.updatedAt)}</dd>
      </dl>
      <p>
        <a href={`#/audit/${label.id}`}>{t('exchange.custodyLink')}</a>
      </p>

      <h2>{t('exchange.moves')}</h2>
      {moves.length === 0 && <p>{t('exchange.noMoves')}</p>}
      <div className="moves">
        {moves.flatMap((m) =>
          m.kind === 'evidence'
            ? [
                <button
                  key="evidence-partial"
                  type="button"
                  onClick={() => setMove({ kind: 'evidence', final: false })}
                >
                  {t('move.evidence-partial')}
                </button>,
                <button
                  key="evidence-final"
                  type="button"
                  onClick={() => setMove({ kind: 'evidence', final: true })}
                >
                  {t('move.evidence-final')}
                </button>,
              ]
            : [
                <button key={m.kind} type="button" onClick={() => setMove({ kind: m.kind, final: false })}>
                  {t(`move.${m.kind}` as MessageKey)}
                </button>,
              ],
        )}
      </div>
      {move && side && (
        <ReplyForm
          session={session}
          exchangeId={label.id}
          counterpartId={side === 'requester' ? label.requestedId : label.requesterId}
          kind={move.kind}
          final={move.final}
          askReference={side === 'requested' && !label.requestedReference}
          onDone={() => {
            setMove(undefined);
            setRefresh((n) => n + 1);
          }}
          onCancel={() => setMove(undefined)}
        />
      )}

      <h2>{t('exchange.messages')}</h2>
      <ol className="messages">
        {verified.map(({ message, manifest, error: problem }) => (
          <li key={message.messageId} data-testid="message">
            <h3>
              {t(`messageKind.${message.kind}` as MessageKey)}
              {message.kind === 'evidence' &&
                ` (${message.final ? t('exchange.final') : t('exchange.partial')})`}
            </h3>
            <p>
              {t('exchange.sentBy', { sender: message.senderClientId, time: dateTime(message.sentAt) })}
              {message.deliveredAt &&
                ` · ${t('exchange.delivered', { time: dateTime(message.deliveredAt) })}`}
            </p>
            {problem !== undefined ? (
              <ProblemView error={problem} />
            ) : (
              <>
                <p className="verified">{t('exchange.signatureVerified')}</p>
                <ul className="documents">
                  {manifest?.documents.map((doc) => (
                    <li key={doc.documentId}>
                      <DocumentRow
                        session={session}
                        exchangeId={label.id}
                        document={doc}
                        sizeText={bytes(doc.size)}
                      />
                    </li>
                  ))}
                </ul>
              </>
            )}
          </li>
        ))}
      </ol>

      <h2>{t('lineage.title')}</h2>
      <LineageView session={session} exchangeId={label.id} refresh={refresh} />

      <h2>{t('exchange.custody')}</h2>
      <CustodyTimeline session={session} exchangeId={label.id} refresh={refresh} />
    </section>
  );
}

function DocumentRow({
  session,
  exchangeId,
  document,
  sizeText,
}: {
  session: Session;
  exchangeId: string;
  document: Manifest['documents'][number];
  sizeText: string;
}) {
  const { t } = useText();
  const [progress, setProgress] = useState<ProgressState>();
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<unknown>();
  const identity = session.member.sealing?.identity;

  const fetchDocument = useCallback(async () => {
    if (!identity) return;
    setError(undefined);
    try {
      const download = await requestDownload(session.client, exchangeId, document.documentId);
      const targets = { sealed: `in-${document.documentId}.age`, opened: `in-${document.documentId}.open` };
      await fetchInWorker(
        download.url,
        {
          size: document.size,
          plaintextSha256: document.plaintextSha256,
          sealedSize: document.sealedSize,
          sealedSha256: document.sealedSha256,
          ...(document.sealedPartsSha256 !== undefined && document.partSize !== undefined
            ? { sealedPartsSha256: document.sealedPartsSha256, partSize: document.partSize }
            : {}),
        },
        identity,
        targets,
        (stage, done, total) => setProgress({ label: t(`progress.${stage}`), done, total }),
      );
      setSaved(URL.createObjectURL(await readPrivateFile(targets.opened)));
    } catch (caught) {
      setError(caught);
    } finally {
      setProgress(undefined);
    }
  }, [session, exchangeId, document, identity, t]);

  return (
    <div className="document">
      <span className="name">{document.name}</span> <span className="size">({sizeText})</span>{' '}
      <code className="digest" title={t('exchange.sha256')}>
        {document.plaintextSha256.slice(0, 16)}…
      </code>{' '}
      {identity && !saved && (
        <button type="button" onClick={fetchDocument} disabled={progress !== undefined}>
          {t('exchange.fetch', { name: document.name })}
        </button>
      )}
      {saved && (
        <a href={saved} download={document.name} data-testid="save-link">
          {t('exchange.save', { name: document.name })}
        </a>
      )}
      {saved && <span className="verified"> {t('exchange.documentVerified')}</span>}
      {progress && <ProgressBar progress={progress} />}
      {error !== undefined && <ProblemView error={error} />}
    </div>
  );
}

function ReplyForm(props: {
  session: Session;
  exchangeId: string;
  counterpartId: string;
  kind: MessageKind;
  final: boolean;
  askReference: boolean;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useText();
  const [text, setText] = useState('');
  const [reference, setReference] = useState('');
  const [files, setFiles] = useState<readonly File[]>([]);
  const [progress, setProgress] = useState<ProgressState>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const needsGrounds = NEEDS_GROUNDS.has(props.kind);
  const title =
    props.kind === 'evidence'
      ? t(props.final ? 'move.evidence-final' : 'move.evidence-partial')
      : t(`move.${props.kind}` as MessageKey);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const outgoing: OutgoingFile[] = [];
      if (text.trim()) {
        outgoing.push({
          name: needsGrounds ? 'grounds.txt' : 'message.txt',
          mediaType: 'text/plain',
          content: new Blob([`${text.trim()}\n`], { type: 'text/plain' }),
        });
      }
      for (const file of files) {
        outgoing.push({ name: file.name, mediaType: file.type || 'application/octet-stream', content: file });
      }
      await deliverFromBrowser({
        session: props.session,
        exchange: { exchangeId: props.exchangeId },
        counterpartId: props.counterpartId,
        message: {
          kind: props.kind,
          ...(props.kind === 'evidence' ? { final: props.final } : {}),
          ...(reference.trim() ? { requestedReference: reference.trim() } : {}),
        },
        files: outgoing,
        onProgress: (name, stage, done, total) =>
          setProgress({ label: `${t(`progress.${stage}`)}: ${name}`, done, total }),
      });
      props.onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
      setProgress(undefined);
    }
  }

  return (
    <form className="reply" onSubmit={submit} aria-labelledby="reply-title">
      <h3 id="reply-title">{title}</h3>
      <div className="field">
        <label htmlFor="reply-text">{needsGrounds ? t('reply.grounds') : t('reply.text')}</label>
        <textarea
          id="reply-text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          required={needsGrounds}
          rows={4}
        />
      </div>
      {props.askReference && (
        <div className="field">
          <label htmlFor="reply-reference">{t('reply.reference')}</label>
          <input id="reply-reference" value={reference} onChange={(e) => setReference(e.target.value)} />
        </div>
      )}
      <div className="field">
        <label htmlFor="reply-files">{t('reply.files')}</label>
        <input
          id="reply-files"
          type="file"
          multiple
          onChange={(e) => setFiles([...(e.target.files ?? [])])}
        />
      </div>
      <button type="submit" disabled={busy}>
        {busy ? t('reply.sending') : t('reply.send')}
      </button>{' '}
      <button type="button" onClick={props.onCancel} disabled={busy}>
        {t('reply.cancel')}
      </button>
      {progress && <ProgressBar progress={progress} />}
      {error !== undefined && <ProblemView error={error} />}
    </form>
  );
}
