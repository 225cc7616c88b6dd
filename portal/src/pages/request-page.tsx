// Portal page: a new request, right first time — a form generated from the same templates and element metadata
// the CLI drafts from (shared/domain/requests), each element with its citation and explanation; a live check
// against the recipient's published profile; the legal bases both States share; a preview of the printable
// letter; the draft kept in this browser and exported as the YAML `pouch check` and `pouch send --draft` read.
import { useEffect, useMemo, useState } from 'react';
import { parse, stringify } from 'yaml';
import { listExchanges } from '../../../client/sdk/exchange-api.ts';
import type { AuthorityWire } from '../../../shared/api/directory.ts';
import type { ExchangeLabel } from '../../../shared/api/exchange.ts';
import { isLinkKind, LINK_KINDS, type LinkKind } from '../../../shared/domain/clocks/lineage.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { URGENCIES, type Urgency } from '../../../shared/domain/exchange/urgency.ts';
import { checkDraft, pruneBlank } from '../../../shared/domain/requests/check.ts';
import { partiesPrefill } from '../../../shared/domain/requests/draft.ts';
import { findingOriginText, findingText } from '../../../shared/domain/requests/finding-words.ts';
import { REQUEST_KINDS, type RequestKind } from '../../../shared/domain/requests/instruments.ts';
import { findLegalBases } from '../../../shared/domain/requests/legal-basis.ts';
import { isLetterLanguage, type LetterLanguage } from '../../../shared/domain/requests/letter-text.ts';
import {
  buildOutgoingRequest,
  buildSendLabel,
  checkContextFor,
  previewLetter,
} from '../../../shared/domain/requests/outgoing-request.ts';
import { type Profile, parseProfile } from '../../../shared/domain/requests/profile.ts';
import { describeRequestLabelMismatch } from '../../../shared/domain/requests/request-label.ts';
import { listElements } from '../../../shared/domain/requests/schemas.ts';
import { kindTitleText, legalBasisText } from '../../../shared/domain/requests/value-words.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { deliverFromBrowser, type OutgoingFile } from '../transfer/deliver.ts';
import { ProblemView } from '../ui/problem-view.tsx';
import { ProgressBar, type ProgressState } from '../ui/progress-bar.tsx';
import { useAnnexFingerprints } from './annex-fingerprints.ts';
import { LetterPreview } from './letter-preview.tsx';
import { type Draft, ElementTree, readAt, removeAt, writeAt } from './request-elements.tsx';
import './portalui.css';

interface SavedDraft {
  readonly to: string;
  readonly kind: RequestKind;
  readonly urgency: Urgency;
  readonly reference: string;
  readonly draft: Draft;
  readonly link?: { readonly exchangeId: string; readonly kind: LinkKind };
}

/** Elements the form leaves out: written by the portal itself (as the CLI's skeleton does). */
const SKIPPED = new Set(['kind', 'checkedAgainst', 'additional']);

const draftKey = (clientId: string) => `pouch.draft.${clientId}`;

export function profileOf(authority: AuthorityWire | undefined): Profile | undefined {
  const raw = authority?.profile;
  if (!raw || Object.keys(raw).filter((k) => k !== 'version').length === 0) return undefined;
  try {
    return parseProfile({ authorityId: authority.id, ...raw });
  } catch {
    return undefined;
  }
}

function loadSaved(clientId: string): SavedDraft | undefined {
  try {
    const text = localStorage.getItem(draftKey(clientId));
    return text ? (JSON.parse(text) as SavedDraft) : undefined;
  } catch {
    return undefined;
  }
}

export function RequestPage({ session }: { session: Session }) {
  const { t, dateTime, language } = useText();
  const saved = useMemo(() => loadSaved(session.member.clientId), [session]);
  const [authorities, setAuthorities] = useState<readonly AuthorityWire[]>([]);
  const [to, setTo] = useState(saved?.to ?? '');
  const [kind, setKind] = useState<RequestKind>(saved?.kind ?? 'mla');
  const [urgency, setUrgency] = useState<Urgency>(saved?.urgency ?? 'normal');
  const [reference, setReference] = useState(saved?.reference ?? '');
  const [draft, setDraft] = useState<Draft>(saved?.draft ?? {});
  const [linkKind, setLinkKind] = useState<LinkKind>(saved?.link?.kind ?? 'follow-up');
  const [linkTo, setLinkTo] = useState(saved?.link?.exchangeId ?? '');
  const [earlier, setEarlier] = useState<readonly ExchangeLabel[]>([]);
  const [annexes, setAnnexes] = useState<readonly File[]>([]);
  const fingerprints = useAnnexFingerprints(annexes);
  const [pickedLetterLanguage, setLetterLanguage] = useState<LetterLanguage>();
  const letterLanguage = pickedLetterLanguage ?? (isLetterLanguage(language) ? language : 'en');
  const [progress, setProgress] = useState<ProgressState>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    session.authorities().then(setAuthorities, setError);
  }, [session]);
  useEffect(() => {
    // The caller's own exchanges, both boxes: what a new exchange may follow (the API checks the rest).
    Promise.all([
      listExchanges(session.client, { box: 'outbox', limit: 100 }),
      listExchanges(session.client, { box: 'inbox', limit: 100 }),
    ]).then(([outbox, inbox]) => setEarlier([...outbox.items, ...inbox.items]), setError);
  }, [session]);
  useEffect(() => {
    const record: SavedDraft = {
      to,
      kind,
      urgency,
      reference,
      draft,
      ...(linkTo ? { link: { exchangeId: linkTo, kind: linkKind } } : {}),
    };
    localStorage.setItem(draftKey(session.member.clientId), JSON.stringify(record));
  }, [session, to, kind, urgency, reference, draft, linkTo, linkKind]);

  const recipient = authorities.find((a) => a.id === to);
  const own = authorities.find((a) => a.id === session.member.authorityId);
  const profile = useMemo(() => profileOf(recipient), [recipient]);
  const elements = useMemo(
    () => listElements(kind).filter((e) => !SKIPPED.has(e.path.split(/[.[]/)[0] ?? '')),
    [kind],
  );
  // The two parties come from the directory, as `pouch draft --to` fills them: never typed by hand.
  useEffect(() => {
    if (!own || !recipient) return;
    setDraft((current) => {
      let next = current;
      for (const [path, value] of Object.entries(partiesPrefill({ requesting: own, requested: recipient }))) {
        if (!elements.some((e) => e.path === path)) continue;
        const at = path.split('.');
        if (readAt(next, at) === undefined || readAt(next, at) === null) next = writeAt(next, at, value);
      }
      return next;
    });
  }, [own, recipient, elements]);
  const fullDraft = useMemo<Draft>(() => ({ ...draft, kind }), [draft, kind]);
  const check = useMemo(
    () =>
      checkDraft(fullDraft, {
        ...(own && recipient
          ? checkContextFor(own, recipient, profile)
          : { senderTreaties: own?.treaties ?? [], recipientTreaties: recipient?.treaties ?? [] }),
      }),
    [fullDraft, profile, own, recipient],
  );
  const bases = recipient && own ? findLegalBases(own.treaties, recipient.treaties, kind) : [];
  const errors = check.findings.filter((f) => f.severity === 'error');
  const yamlText = `${stringify(pruneBlank(fullDraft) ?? { kind })}`;
  const yamlHref = useMemo(
    () => URL.createObjectURL(new Blob([yamlText], { type: 'application/yaml' })),
    [yamlText],
  );
  useEffect(() => () => URL.revokeObjectURL(yamlHref), [yamlHref]);
  const letter = useMemo(
    () =>
      recipient && own
        ? previewLetter(fullDraft, check, { sender: own, recipient }, fingerprints.annexes ?? [], {
            language: letterLanguage,
          })
        : undefined,
    [fullDraft, check, own, recipient, fingerprints.annexes, letterLanguage],
  );
  // Only exchanges with the same counterpart can be followed (a link never joins a third authority).
  const linkable = earlier.filter(
    (e) => recipient && (e.requesterId === recipient.id || e.requestedId === recipient.id),
  );

  /** Read a YAML draft (what `pouch draft` writes and `pouch check` reads) into the form. */
  async function importYaml(file: File | undefined) {
    if (!file) return;
    setError(undefined);
    try {
      const parsed: unknown = parse(await file.text());
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a mapping');
      const { kind: draftKind, ...rest } = parsed as Draft;
      if (typeof draftKind === 'string' && (REQUEST_KINDS as readonly string[]).includes(draftKind)) {
        setKind(draftKind as RequestKind);
      }
      setDraft(rest);
    } catch (cause) {
      setError(new PouchError('ERR_DRAFT_INVALID', 'The file is not a YAML request draft', { cause }));
    }
  }

  async function send(event: React.FormEvent) {
    event.preventDefault();
    if (!recipient || !own || errors.length > 0 || !fingerprints.annexes) return;
    setBusy(true);
    setError(undefined);
    try {
      // The sealed letter lists the annexes with the digests the manifest will sign, in the language previewed.
      const outgoing = buildOutgoingRequest(
        fullDraft,
        check,
        { sender: own, recipient },
        fingerprints.annexes,
        {
          language: letterLanguage,
        },
      );
      // The label comes from the request itself (issue 12, finding 7): its deadline and reference travel on the
      // label, and a form field that contradicts the request is refused before anything is sealed or sent.
      const wanted = buildSendLabel(
        { to: recipient.id, kind, urgency, ...(reference ? { reference } : {}) },
        outgoing.request,
      );
      const create = {
        kind,
        urgency,
        requestedId: recipient.id,
        requesterReference: wanted.requesterReference ?? '',
        ...(wanted.deadline === undefined ? {} : { deadline: wanted.deadline }),
        ...(linkTo ? { links: [{ exchangeId: linkTo, kind: linkKind }] } : {}),
      };
      const field = describeRequestLabelMismatch(outgoing.request, {
        recipientId: recipient.id,
        recipientCountry: recipient.country,
        kind: create.kind,
        urgency: create.urgency,
        deadline: create.deadline,
        requesterReference: create.requesterReference,
      });
      if (field) {
        throw new PouchError(
          'ERR_LABEL_MISMATCH',
          `The request says another ${field} than the form: make them agree before sending`,
          { details: { field } },
        );
      }
      const files: OutgoingFile[] = outgoing.documents.map((document) => ({
        name: document.name,
        mediaType: document.mediaType,
        content: new Blob([document.content]),
      }));
      for (const file of annexes)
        files.push({ name: file.name, mediaType: file.type || 'application/octet-stream', content: file });
      const sent = await deliverFromBrowser({
        session,
        exchange: { create },
        counterpartId: recipient.id,
        message: {
          kind: 'request',
          check: outgoing.check,
        },
        files,
        onProgress: (name, stage, done, total) =>
          setProgress({ label: `${t(`progress.${stage}`)}${t('common.colon')}${name}`, done, total }),
      });
      localStorage.removeItem(draftKey(session.member.clientId));
      window.location.hash = `#/exchange/${sent.message.exchangeId}`;
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
      setProgress(undefined);
    }
  }

  return (
    <section>
      <h1>{t('request.title')}</h1>
      <form onSubmit={send} className="request">
        <fieldset>
          <legend>{t('request.routing')}</legend>
          <div className="field">
            <label htmlFor="request-to">{t('request.to')}</label>
            <select id="request-to" value={to} onChange={(e) => setTo(e.target.value)} required>
              <option value="">{t('request.choose')}</option>
              {authorities
                .filter((a) => a.id !== session.member.authorityId)
                .map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.country})
                  </option>
                ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="request-kind">{t('boxes.kind')}</label>
            <select id="request-kind" value={kind} onChange={(e) => setKind(e.target.value as RequestKind)}>
              {REQUEST_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`kind.${k}` as MessageKey)}
                </option>
              ))}
            </select>
            <p className="help">{kindTitleText(kind, language)}</p>
          </div>
          <div className="field">
            <label htmlFor="request-urgency">{t('boxes.urgency')}</label>
            <select
              id="request-urgency"
              value={urgency}
              onChange={(e) => setUrgency(e.target.value as Urgency)}
            >
              {URGENCIES.map((u) => (
                <option key={u} value={u}>
                  {t(`urgency.${u}` as MessageKey)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="request-reference">{t('request.reference')}</label>
            <input
              id="request-reference"
              value={reference}
              onChange={(e) => setReference(e.target.value)}
              required
              maxLength={100}
            />
          </div>
        </fieldset>

        <fieldset>
          <legend>{t('request.linkTitle')}</legend>
          <p className="help" id="request-link-help">
            {t('request.linkHelp')}
          </p>
          <div className="field">
            <label htmlFor="request-link">{t('request.linkTo')}</label>
            <select
              id="request-link"
              aria-describedby="request-link-help"
              value={linkTo}
              onChange={(e) => setLinkTo(e.target.value)}
            >
              <option value="">{t('request.linkNone')}</option>
              {linkable.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.requesterReference} · {t(`kind.${e.kind}` as MessageKey)} · {dateTime(e.createdAt)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="request-link-kind">{t('request.linkKind')}</label>
            <select
              id="request-link-kind"
              value={linkKind}
              disabled={!linkTo}
              onChange={(e) => isLinkKind(e.target.value) && setLinkKind(e.target.value)}
            >
              {LINK_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`link.${k}`)}
                </option>
              ))}
            </select>
          </div>
        </fieldset>

        <div className="field">
          <label htmlFor="request-import">{t('request.importYaml')}</label>
          <input
            id="request-import"
            type="file"
            accept=".yaml,.yml,application/yaml,text/yaml"
            onChange={(e) => importYaml(e.target.files?.[0])}
          />
        </div>

        {recipient && (
          <section aria-labelledby="bases-title" className="bases">
            <h2 id="bases-title">{t('request.bases')}</h2>
            {bases.length === 0 ? (
              <p>{t('request.noBases')}</p>
            ) : (
              <ul>
                {bases.map((b) => {
                  const words = legalBasisText(b, language);
                  return (
                    <li key={b.basis}>
                      <code>{b.basis}</code> — {words.title}
                      {t('common.colon')}
                      {words.reason}
                      {words.caveat ? ` (${words.caveat})` : ''}
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        )}

        <fieldset>
          <legend>{t('request.elements')}</legend>
          <ElementTree
            kind={kind}
            elements={elements}
            draft={draft}
            findings={check.findings}
            onChange={(path, value) => setDraft((d) => writeAt(d, path, value))}
            onRemove={(path) => setDraft((d) => removeAt(d, path))}
          />
        </fieldset>

        <section aria-labelledby="check-title" className="check" aria-live="polite">
          <h2 id="check-title">{t('request.check')}</h2>
          <p data-testid="check-summary">
            {check.ok
              ? profile
                ? t('request.checkOkProfile', { version: check.profileVersion ?? '–' })
                : t('request.checkOk')
              : t('request.checkErrors', { count: errors.length })}
          </p>
          <ul>
            {check.findings.map((f) => (
              <li key={`${f.path}-${f.rule}-${f.message}`} className={`finding ${f.severity}`}>
                <strong>{t(`severity.${f.severity}` as MessageKey)}</strong> <code>{f.path}</code>:{' '}
                {findingText(f.detail, language)}{' '}
                <span className="source">[{findingOriginText(f.origin, language)}]</span>
              </li>
            ))}
          </ul>
        </section>

        <div className="field">
          <label htmlFor="request-annexes">{t('request.annexes')}</label>
          <input
            id="request-annexes"
            type="file"
            multiple
            onChange={(e) => setAnnexes([...(e.target.files ?? [])])}
          />
          {/* The letter lists the annexes once each is fingerprinted (annex-fingerprints.ts). */}
          <p role="status" aria-live="polite" className="help" data-testid="annex-fingerprints">
            {fingerprints.pending.length > 0
              ? t('request.annexFingerprinting', { names: fingerprints.pending.join(', ') })
              : ''}
          </p>
        </div>
        <p className="actions">
          <a href={yamlHref} download={`${reference || 'request'}.yaml`} data-testid="export-yaml">
            {t('request.exportYaml')}
          </a>
        </p>
        {letter && (
          <LetterPreview
            html={letter}
            fileName={`${reference || 'request'}.html`}
            language={letterLanguage}
            onLanguage={setLetterLanguage}
          />
        )}
        {fingerprints.error !== undefined && <ProblemView error={fingerprints.error} />}
        <button
          type="submit"
          disabled={busy || !recipient || errors.length > 0 || !reference || !fingerprints.annexes}
        >
          {busy ? t('reply.sending') : t('request.send')}
        </button>
        {progress && <ProgressBar progress={progress} />}
        {error !== undefined && <ProblemView error={error} />}
      </form>
    </section>
  );
}
