// Portal shell: signed out, the sign-in page; signed in, the navigation (boxes, directory, new request, language, sign-out,
// forget this browser) around the page the hash route names.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { useText } from './i18n/use-text.tsx';
import { forgetBrowser, forgetMember, loadMember, type StoredMember } from './keys/key-store.ts';
import { BoxesPage } from './pages/boxes-page.tsx';
import { DirectoryPage } from './pages/directory-page.tsx';
import { ExchangePage } from './pages/exchange-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { openSession } from './session.ts';
import { ResumeOffer } from './transfer/resume-offer.tsx';
import { useHashRoute } from './ui/use-hash-route.ts';

// The request templates and the custody verifier are most of the code: loaded when their page opens, so the
// sign-in page and the boxes render first.
const RequestPage = lazy(() => import('./pages/request-page.tsx').then((m) => ({ default: m.RequestPage })));
const FiguresPage = lazy(() => import('./pages/figures-page.tsx').then((m) => ({ default: m.FiguresPage })));
const AuditPage = lazy(() => import('./pages/audit-page.tsx').then((m) => ({ default: m.AuditPage })));

export function App() {
  const { t, language, setLanguage } = useText();
  const [member, setMember] = useState<StoredMember | null | undefined>(undefined);
  const route = useHashRoute();

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  useEffect(() => {
    loadMember().then(
      (found) => setMember(found ?? null),
      () => setMember(null),
    );
  }, []);
  const session = useMemo(() => (member ? openSession(member) : undefined), [member]);

  const signOut = useCallback(async () => {
    await forgetMember();
    setMember(null);
    window.location.hash = '';
  }, []);
  const forget = useCallback(async () => {
    await forgetBrowser();
    setMember(null);
    window.location.hash = '';
  }, []);

  const languageSwitch = (
    <label className="language">
      {t('nav.language')}{' '}
      <select value={language} onChange={(e) => setLanguage(e.target.value === 'fr' ? 'fr' : 'en')}>
        <option value="en">English</option>
        <option value="fr">Français</option>
      </select>
    </label>
  );

  if (member === undefined) {
    return <p aria-busy="true">{t('app.loading')}</p>;
  }
  if (!session) {
    return (
      <>
        <header className="top">
          <span className="brand">Pouch</span>
          {languageSwitch}
        </header>
        <main id="main">
          <SignInPage onSignedIn={setMember} />
        </main>
      </>
    );
  }
  const isAuditor = session.member.clientId.endsWith(':auditor');
  return (
    <>
      {/* A button, not a #main link: the hash is the route. */}
      <button type="button" className="skip" onClick={() => document.getElementById('main')?.focus()}>
        {t('nav.skip')}
      </button>
      <header className="top">
        <span className="brand">Pouch</span>
        <nav aria-label={t('nav.label')}>
          <a
            href="#/inbox"
            aria-current={route.page === 'boxes' && route.box === 'inbox' ? 'page' : undefined}
          >
            {t('nav.inbox')}
          </a>
          <a
            href="#/outbox"
            aria-current={route.page === 'boxes' && route.box === 'outbox' ? 'page' : undefined}
          >
            {t('nav.outbox')}
          </a>
          <a href="#/figures" aria-current={route.page === 'figures' ? 'page' : undefined}>
            {t('nav.figures')}
          </a>
          <a href="#/directory" aria-current={route.page === 'directory' ? 'page' : undefined}>
            {t('nav.directory')}
          </a>
          {!isAuditor && (
            <a href="#/new" aria-current={route.page === 'request' ? 'page' : undefined}>
              {t('nav.newRequest')}
            </a>
          )}
        </nav>
        <span className="who" data-testid="who">
          {t('nav.signedInAs', { clientId: session.member.clientId })}
        </span>
        {languageSwitch}
        <button type="button" onClick={signOut}>
          {t('nav.signOut')}
        </button>
        <button type="button" className="danger" onClick={forget}>
          {t('nav.forget')}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <ResumeOffer session={session} />
        <Suspense fallback={<p aria-busy="true">{t('app.loading')}</p>}>
          {route.page === 'boxes' && <BoxesPage key={route.box} session={session} box={route.box} />}
          {route.page === 'exchange' && (
            <ExchangePage key={route.exchangeId} session={session} exchangeId={route.exchangeId} />
          )}
          {route.page === 'audit' && (
            <AuditPage key={route.exchangeId} session={session} exchangeId={route.exchangeId} />
          )}
          {route.page === 'request' && <RequestPage session={session} />}
          {route.page === 'figures' && <FiguresPage session={session} />}
          {route.page === 'directory' && <DirectoryPage session={session} onMemberChanged={setMember} />}
          {route.page === 'keys' && <BoxesPage session={session} box="inbox" />}
        </Suspense>
      </main>
    </>
  );
}
