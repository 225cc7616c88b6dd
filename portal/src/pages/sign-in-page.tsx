// Portal page: sign in by opening a member keystore file with its passphrase (the keys become non-extractable
// Web Crypto keys in IndexedDB), or create keys in this browser and export their public part for registration.
import { type FormEvent, useState } from 'react';
import { MEMBER_KEYSTORE_EXTENSION } from '../../../shared/keystore/member-keystore.ts';
import { useText } from '../i18n/use-text.tsx';
import { createBrowserKeys, type PublicKeyExport } from '../keys/key-import.ts';
import { type StoredMember, saveMember } from '../keys/key-store.ts';
import { unlockInWorker } from '../keys/unlock-client.ts';
import { ProblemView } from '../ui/problem-view.tsx';

export function SignInPage({ onSignedIn }: { onSignedIn: (member: StoredMember) => void }) {
  const { t } = useText();
  const [file, setFile] = useState<File | undefined>();
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<{
    member: Omit<StoredMember, 'clientId' | 'authorityId'>;
    export: PublicKeyExport;
  }>();
  const [clientId, setClientId] = useState('');

  async function signIn(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      // In a worker: age's scrypt takes seconds, and the page must keep answering meanwhile.
      const member = await unlockInWorker(await file.text(), passphrase);
      setPassphrase('');
      await saveMember(member);
      onSignedIn(member);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function createKeys() {
    setError(undefined);
    try {
      const keys = await createBrowserKeys();
      setCreated({
        export: keys.publicExport,
        member: {
          kid: keys.publicExport.jwk.kid ?? '',
          alg: 'ES256',
          signingKey: keys.signingKey,
          sealing: { identity: keys.sealingKey, recipient: keys.publicExport.recipient },
          pins: [],
          signedInAt: new Date().toISOString(),
        },
      });
    } catch (caught) {
      setError(caught);
    }
  }

  async function signInWithCreatedKeys(event: FormEvent) {
    event.preventDefault();
    if (!created || !/^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9._-]{1,64}$/.test(clientId)) return;
    const member: StoredMember = { ...created.member, clientId, authorityId: clientId.split(':')[0] ?? '' };
    await saveMember(member);
    onSignedIn(member);
  }

  const exportHref = created
    ? URL.createObjectURL(
        new Blob([`${JSON.stringify(created.export.jwk, null, 2)}\n`], { type: 'application/json' }),
      )
    : undefined;

  return (
    <section className="sign-in">
      <h1>{t('signIn.title')}</h1>
      <p>{t('signIn.intro')}</p>
      <form onSubmit={signIn}>
        <div className="field">
          <label htmlFor="keystore-file">{t('signIn.file')}</label>
          <input
            id="keystore-file"
            type="file"
            accept={`${MEMBER_KEYSTORE_EXTENSION},text/plain`}
            aria-describedby="keystore-file-help"
            onChange={(e) => setFile(e.target.files?.[0])}
            required
          />
          <p id="keystore-file-help" className="help">
            {t('signIn.fileHelp', { extension: MEMBER_KEYSTORE_EXTENSION })}
          </p>
        </div>
        <div className="field">
          <label htmlFor="passphrase">{t('signIn.passphrase')}</label>
          <input
            id="passphrase"
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            required
          />
        </div>
        <button type="submit" disabled={busy || !file}>
          {t('signIn.submit')}
        </button>
        {busy && (
          <p role="status" data-testid="unlocking">
            {t('signIn.unlocking')}
          </p>
        )}
        <p className="help">{t('signIn.stays')}</p>
      </form>
      {error !== undefined && <ProblemView error={error} />}
      <h2>{t('signIn.newTitle')}</h2>
      <p>{t('signIn.newIntro')}</p>
      <button type="button" onClick={createKeys}>
        {t('signIn.create')}
      </button>
      {created && exportHref && (
        <div className="created">
          <p>
            {t('signIn.createdKid')} <code data-testid="created-kid">{created.export.jwk.kid}</code>
          </p>
          <p>
            <a href={exportHref} download="pouch-public-key.jwk.json" aria-describedby="register-help">
              {t('signIn.downloadPublic')}
            </a>
          </p>
          <p id="register-help" className="help">
            {t('signIn.registerHelp')}
          </p>
          <p>
            {t('signIn.recipient')} <code data-testid="created-recipient">{created.export.recipient}</code>
          </p>
          <form onSubmit={signInWithCreatedKeys}>
            <div className="field">
              <label htmlFor="client-id">{t('signIn.clientId')}</label>
              <input id="client-id" value={clientId} onChange={(e) => setClientId(e.target.value)} required />
            </div>
            <button type="submit">{t('signIn.useCreated')}</button>
          </form>
        </div>
      )}
    </section>
  );
}
