// Portal page: the directory (`#/directory`) — every authority with its country and the fingerprint of its
// authority key, computed in this browser from the chain the directory serves, and a pin form per authority: the
// officer types or pastes the fingerprint the authority gave them out of band, and pinning refuses one that is not
// in the chain (authority-pins.ts). The CLI's pins file can be imported too. Sending seals only to authorities
// pinned here or in the keystore.
import { type FormEvent, useEffect, useState } from 'react';
import type { AuthorityWire } from '../../../shared/api/directory.ts';
import { useText } from '../i18n/use-text.tsx';
import { currentFingerprint, importPinsFile, pinAuthority } from '../keys/authority-pins.ts';
import type { StoredMember } from '../keys/key-store.ts';
import type { Session } from '../session.ts';
import { ProblemView } from '../ui/problem-view.tsx';

/** An authority as listed: its fingerprint once computed, or the error computing it met. */
interface Listed {
  readonly entry: AuthorityWire;
  readonly fingerprint: string | undefined;
  readonly problem?: unknown;
}

export function DirectoryPage({
  session,
  onMemberChanged,
}: {
  session: Session;
  onMemberChanged(member: StoredMember): void;
}) {
  const { t } = useText();
  const [listed, setListed] = useState<readonly Listed[]>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let live = true;
    session
      .authorities()
      .then((all) =>
        Promise.all(
          [...all]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map(async (entry): Promise<Listed> => {
              try {
                return { entry, fingerprint: await currentFingerprint(entry) };
              } catch (problem) {
                return { entry, fingerprint: undefined, problem };
              }
            }),
        ),
      )
      .then(
        (all) => live && setListed(all),
        (caught: unknown) => live && setError(caught),
      );
    return () => {
      live = false;
    };
  }, [session]);

  return (
    <section>
      <h1>{t('directory.title')}</h1>
      <p>{t('directory.intro')}</p>
      <PinsImport session={session} onMemberChanged={onMemberChanged} />
      {error !== undefined && <ProblemView error={error} />}
      {listed === undefined && error === undefined && <p aria-busy="true">{t('app.loading')}</p>}
      {listed?.map((item) => (
        <AuthorityCard key={item.entry.id} item={item} session={session} onMemberChanged={onMemberChanged} />
      ))}
    </section>
  );
}

/** Import the pins the officer already took with the CLI (its pins.json). */
function PinsImport({
  session,
  onMemberChanged,
}: {
  session: Session;
  onMemberChanged(member: StoredMember): void;
}) {
  const { t } = useText();
  const [imported, setImported] = useState<number>();
  const [error, setError] = useState<unknown>();

  async function choose(file: File | undefined) {
    setImported(undefined);
    setError(undefined);
    if (!file) return;
    try {
      const answer = await importPinsFile(session.member, await file.text());
      setImported(answer.imported);
      onMemberChanged(answer.member);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <div className="field">
      <label htmlFor="pins-file">{t('directory.importPins')}</label>
      <p className="help" id="pins-file-help">
        {t('directory.importPinsHelp')}
      </p>
      <input
        id="pins-file"
        type="file"
        accept=".json,application/json"
        aria-describedby="pins-file-help"
        onChange={(e) => void choose(e.target.files?.[0])}
      />
      <div role="status">
        {imported !== undefined && <p>{t('directory.importedPins', { count: imported })}</p>}
      </div>
      {error !== undefined && <ProblemView error={error} />}
    </div>
  );
}

function AuthorityCard({
  item,
  session,
  onMemberChanged,
}: {
  item: Listed;
  session: Session;
  onMemberChanged(member: StoredMember): void;
}) {
  const { t } = useText();
  const { entry, fingerprint } = item;
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [pinnedNow, setPinnedNow] = useState(false);
  const pin = session.member.pins.find((p) => p.authorityId === entry.id);
  const inputId = `pin-${entry.id}`;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setPinnedNow(false);
    try {
      // A fresh entry: the list may be older than a rotation the authority made since.
      const member = await pinAuthority(session.member, await session.entry(entry.id), typed);
      setTyped('');
      setPinnedNow(true);
      onMemberChanged(member);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="card" data-testid={`authority-${entry.id}`} aria-labelledby={`name-${entry.id}`}>
      <h2 id={`name-${entry.id}`}>{entry.name}</h2>
      <dl>
        <dt>{t('directory.country')}</dt>
        <dd>{entry.country}</dd>
        <dt>{t('directory.id')}</dt>
        <dd>
          <code>{entry.id}</code>
        </dd>
        <dt>{t('directory.fingerprint')}</dt>
        <dd>
          {fingerprint ? (
            <code data-testid="fingerprint">{fingerprint}</code>
          ) : item.problem === undefined ? (
            t('directory.noAuthorityKey')
          ) : (
            <ProblemView error={item.problem} />
          )}
        </dd>
        <dt>{t('directory.pinnedHere')}</dt>
        <dd data-testid="pinned">{pin ? <code>{pin.fingerprint}</code> : t('directory.notPinned')}</dd>
      </dl>
      {fingerprint && (
        <form onSubmit={submit}>
          <div className="field">
            <label htmlFor={inputId}>{t('directory.typeFingerprint', { name: entry.name })}</label>
            <p className="help" id={`${inputId}-help`}>
              {t('directory.typeHelp')}
            </p>
            <input
              id={inputId}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              aria-describedby={`${inputId}-help`}
              autoComplete="off"
              spellCheck={false}
              required
            />
          </div>
          <button type="submit" disabled={busy}>
            {t('directory.pin', { name: entry.name })}
          </button>
        </form>
      )}
      <div role="status">{pinnedNow && <p>{t('directory.pinned', { name: entry.name })}</p>}</div>
      {error !== undefined && <ProblemView error={error} />}
    </article>
  );
}
