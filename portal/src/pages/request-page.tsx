// Portal page: a new request, right first time — a form generated from the same templates and element metadata
// the CLI drafts from (shared/domain/requests), each element with its citation and explanation; a live check
// against the recipient's published profile; the legal bases both States share; a preview of the printable
// letter; the draft kept in this browser and exported as the YAML `pouch check` and `pouch send --draft` read.
import { useEffect, useMemo, useState } from 'react';
import { parse, stringify } from 'yaml';
import type { AuthorityWire } from '../../../shared/api/directory.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { URGENCIES, type Urgency } from '../../../shared/domain/exchange/urgency.ts';
import { checkDraft, pruneBlank } from '../../../shared/domain/requests/check.ts';
import { KINDS, REQUEST_KINDS, type RequestKind } from '../../../shared/domain/requests/instruments.ts';
import { findLegalBases } from '../../../shared/domain/requests/legal-basis.ts';
import { type Profile, parseProfile } from '../../../shared/domain/requests/profile.ts';
import { renderRequestHtml } from '../../../shared/domain/requests/render-html.ts';
import { type ElementInfo, listElements } from '../../../shared/domain/requests/schemas.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';
import type { Session } from '../session.ts';
import { deliverFromBrowser, type OutgoingFile } from '../transfer/deliver.ts';
import { ProblemView } from '../ui/problem-view.tsx';
import { ProgressBar, type ProgressState } from '../ui/progress-bar.tsx';

type Draft = Record<string, unknown>;

interface SavedDraft {
  readonly to: string;
  readonly kind: RequestKind;
  readonly urgency: Urgency;
  readonly reference: string;
  readonly draft: Draft;
}

/** Elements the form leaves out: written by the portal itself (as the CLI's skeleton does). */
const SKIPPED = new Set(['kind', 'checkedAgainst', 'additional']);

const draftKey = (clientId: string) => `pouch.draft.${clientId}`;

/** `offences[].penalty` → ['offences', 0, 'penalty']: the form edits the first item of each list. */
function concretePath(pattern: string): Array<string | number> {
  return pattern.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), 0] : [part]));
}

function readAt(root: Draft, path: readonly (string | number)[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function writeAt(root: Draft, path: readonly (string | number)[], value: unknown): Draft {
  const [head, ...rest] = path;
  if (head === undefined) return root;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(root) ? [...root] : { ...root };
  const child = (copy as Record<string | number, unknown>)[head];
  const next =
    rest.length === 0
      ? value
      : writeAt(
          (child && typeof child === 'object' ? child : typeof rest[0] === 'number' ? [] : {}) as Draft,
          rest,
          value,
        );
  (copy as Record<string | number, unknown>)[head] = next;
  return copy as Draft;
}

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
  const { t } = useText();
  const saved = useMemo(() => loadSaved(session.member.clientId), [session]);
  const [authorities, setAuthorities] = useState<readonly AuthorityWire[]>([]);
  const [to, setTo] = useState(saved?.to ?? '');
  const [kind, setKind] = useState<RequestKind>(saved?.kind ?? 'mla');
  const [urgency, setUrgency] = useState<Urgency>(saved?.urgency ?? 'normal');
  const [reference, setReference] = useState(saved?.reference ?? '');
  const [draft, setDraft] = useState<Draft>(saved?.draft ?? {});
  const [annexes, setAnnexes] = useState<readonly File[]>([]);
  const [progress, setProgress] = useState<ProgressState>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    session.authorities().then(setAuthorities, setError);
  }, [session]);
  useEffect(() => {
    const record: SavedDraft = { to, kind, urgency, reference, draft };
    localStorage.setItem(draftKey(session.member.clientId), JSON.stringify(record));
  }, [session, to, kind, urgency, reference, draft]);

  const recipient = authorities.find((a) => a.id === to);
  const own = authorities.find((a) => a.id === session.member.authorityId);
  const profile = profileOf(recipient);
  const elements = useMemo(
    () => listElements(kind).filter((e) => !SKIPPED.has(e.path.split('.')[0] ?? '')),
    [kind],
  );
  const fullDraft = useMemo<Draft>(() => ({ ...draft, kind }), [draft, kind]);
  const check = useMemo(
    () =>
      checkDraft(fullDraft, {
        ...(profile ? { recipientProfile: profile } : {}),
        senderTreaties: own?.treaties ?? [],
        recipientTreaties: recipient?.treaties ?? [],
        ...(own ? { senderCountry: own.country } : {}),
        ...(recipient ? { recipientCountry: recipient.country } : {}),
      }),
    [fullDraft, profile, own, recipient],
  );
  const bases = recipient && own ? findLegalBases(own.treaties, recipient.treaties, kind) : [];
  const errors = check.findings.filter((f) => f.severity === 'error');
  const yamlText = `${stringify(pruneBlank(fullDraft) ?? { kind })}`;
  const yamlHref = URL.createObjectURL(new Blob([yamlText], { type: 'application/yaml' }));
  const letterHref =
    check.request && recipient && own
      ? URL.createObjectURL(
          new Blob(
            [
              renderRequestHtml(check.request, {
                sender: { name: own.name, country: own.country, id: own.id },
                recipient: { name: recipient.name, country: recipient.country, id: recipient.id },
              }),
            ],
            { type: 'text/html' },
          ),
        )
      : undefined;

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
    if (!recipient || !own || errors.length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const request = {
        ...(check.request ?? fullDraft),
        ...(check.profileVersion
          ? { checkedAgainst: { authorityId: recipient.id, profileVersion: check.profileVersion } }
          : {}),
      };
      const files: OutgoingFile[] = [
        {
          name: 'request.json',
          mediaType: 'application/json',
          content: new Blob([`${JSON.stringify(request, null, 2)}\n`]),
        },
      ];
      if (check.request) {
        const html = renderRequestHtml({ ...check.request, ...request } as typeof check.request, {
          sender: { name: own.name, country: own.country, id: own.id },
          recipient: { name: recipient.name, country: recipient.country, id: recipient.id },
        });
        files.push({ name: 'request.html', mediaType: 'text/html', content: new Blob([html]) });
      }
      for (const file of annexes)
        files.push({ name: file.name, mediaType: file.type || 'application/octet-stream', content: file });
      const sent = await deliverFromBrowser({
        session,
        exchange: { create: { kind, urgency, requestedId: recipient.id, requesterReference: reference } },
        counterpartId: recipient.id,
        message: {
          kind: 'request',
          check: {
            ...(check.profileVersion ? { profileVersion: check.profileVersion } : {}),
            errors: 0,
            forced: false,
          },
        },
        files,
        onProgress: (name, stage, done, total) =>
          setProgress({ label: `${t(`progress.${stage}`)}: ${name}`, done, total }),
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
            <p className="help">{KINDS[kind].title}</p>
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
                {bases.map((b) => (
                  <li key={b.basis}>
                    <code>{b.basis}</code> — {b.title}: {b.reason}
                    {b.caveat ? ` (${b.caveat})` : ''}
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}

        <fieldset>
          <legend>{t('request.elements')}</legend>
          {elements
            .filter((e) => e.type !== 'object' && !(e.type === 'array' && e.itemType === 'object'))
            .map((element) => (
              <ElementField
                key={element.path}
                element={element}
                value={readAt(draft, concretePath(element.path))}
                findings={check.findings.filter((f) => f.path.replace(/\[\d+\]/g, '[]') === element.path)}
                onChange={(value) => setDraft((d) => writeAt(d, concretePath(element.path), value))}
              />
            ))}
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
                {f.message} <span className="source">[{f.source}]</span>
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
        </div>
        <p className="actions">
          <a href={yamlHref} download={`${reference || 'request'}.yaml`} data-testid="export-yaml">
            {t('request.exportYaml')}
          </a>
          {letterHref && (
            <>
              {' · '}
              <a href={letterHref} target="_blank" rel="noopener">
                {t('request.preview')}
              </a>
            </>
          )}
        </p>
        <button type="submit" disabled={busy || !recipient || errors.length > 0 || !reference}>
          {busy ? t('reply.sending') : t('request.send')}
        </button>
        {progress && <ProgressBar progress={progress} />}
        {error !== undefined && <ProblemView error={error} />}
      </form>
    </section>
  );
}

function ElementField(props: {
  element: ElementInfo;
  value: unknown;
  findings: readonly { severity: string; message: string }[];
  onChange: (value: unknown) => void;
}) {
  const { t } = useText();
  const { element, value } = props;
  const id = `el-${element.path.replace(/[^A-Za-z0-9]/g, '-')}`;
  const helpId = `${id}-help`;
  const level = t(`level.${element.level}` as MessageKey);
  const invalid = props.findings.some((f) => f.severity === 'error');
  const common = { id, 'aria-describedby': helpId, 'aria-invalid': invalid || undefined };
  let input: React.ReactNode;
  if (element.type === 'boolean' || (element.type === 'literal' && element.values?.[0] === true)) {
    input = (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={(e) => props.onChange(e.target.checked ? true : null)}
      />
    );
  } else if ((element.type === 'enum' || element.type === 'literal') && element.values) {
    input = (
      <select
        {...common}
        value={value === undefined || value === null ? '' : String(value)}
        onChange={(e) => props.onChange(e.target.value || null)}
      >
        <option value="">{t('request.choose')}</option>
        {element.values.map((v) => (
          <option key={String(v)} value={String(v)}>
            {String(v)}
          </option>
        ))}
      </select>
    );
  } else if (element.type === 'array') {
    input = (
      <textarea
        {...common}
        rows={2}
        value={Array.isArray(value) ? value.join('\n') : ''}
        onChange={(e) => props.onChange(e.target.value.split('\n').filter((line) => line.trim() !== ''))}
      />
    );
  } else if (element.type === 'number') {
    input = (
      <input
        {...common}
        type="number"
        value={typeof value === 'number' ? value : ''}
        onChange={(e) => props.onChange(e.target.value === '' ? null : Number(e.target.value))}
      />
    );
  } else {
    input = element.hint ? (
      <input
        {...common}
        value={typeof value === 'string' ? value : ''}
        placeholder={element.hint}
        onChange={(e) => props.onChange(e.target.value || null)}
      />
    ) : (
      <textarea
        {...common}
        rows={2}
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => props.onChange(e.target.value || null)}
      />
    );
  }
  return (
    <div className={`field element level-${element.level}`}>
      <label htmlFor={id}>
        {element.title} <span className="level">({level})</span>
      </label>
      {input}
      <p id={helpId} className="help">
        {element.explanation} <span className="source">[{element.source}]</span>
        {element.hint ? ` ${t('request.format', { hint: element.hint })}` : ''}
        {props.findings.map((f) => (
          <span key={`${f.severity}-${f.message}`} className={`inline-finding ${f.severity}`}>
            {' '}
            {f.message}
          </span>
        ))}
      </p>
    </div>
  );
}
