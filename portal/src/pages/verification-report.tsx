// Portal component: verifies a custody bundle in the browser (shared/custody/bundle.ts, the verifier `pouch
// verify` runs) against the custody key the exchange publishes, and shows every check, passed or failed, with
// the first broken element named and the key's fingerprint to compare out of band.
import { calculateJwkThumbprint } from 'jose';
import { useEffect, useState } from 'react';
import type { PublicJwk } from '../../../shared/crypto/compact-jws.ts';
import { type BundleVerification, verifyBundle } from '../../../shared/custody/bundle.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';
import { ProblemView } from '../ui/problem-view.tsx';

/** The checks, in the order the verifier makes them; a break in one means the later ones were not reached. */
const CHECKS = ['header', 'label', 'exchange key', 'checkpoint', 'receipt', 'manifest', 'event'] as const;

function checkOf(element: string): (typeof CHECKS)[number] {
  const found = CHECKS.find((check) => element === check || element.startsWith(`${check} `));
  return found ?? 'event';
}

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

export function VerificationReport({ bundle }: { bundle: string }) {
  const { t } = useText();
  const [verdict, setVerdict] = useState<BundleVerification>();
  const [fingerprint, setFingerprint] = useState<string>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let live = true;
    (async () => {
      const response = await fetch('/.well-known/pouch-custody-keys.json', { credentials: 'omit' });
      const set = (await response.json()) as { keys: PublicJwk[] };
      const key = set.keys[0];
      if (key?.kty && key.crv && key.x && key.y) {
        setFingerprint(await calculateJwkThumbprint({ kty: key.kty, crv: key.crv, x: key.x, y: key.y }));
      }
      const result = await verifyBundle(once(bundle), { trustedExchangeKeys: set.keys });
      if (live) setVerdict(result);
    })().catch((caught: unknown) => live && setError(caught));
    return () => {
      live = false;
    };
  }, [bundle]);

  if (error !== undefined) return <ProblemView error={error} />;
  if (!verdict) return <p aria-busy="true">{t('audit.verifying')}</p>;
  const brokenAt = verdict.ok ? CHECKS.length : CHECKS.indexOf(checkOf(verdict.broken.element));
  return (
    <section className="report" aria-labelledby="report-title" data-testid="verification-report">
      <h2 id="report-title">{t('audit.report')}</h2>
      <p className={verdict.ok ? 'verdict ok' : 'verdict broken'} data-testid="verdict">
        {verdict.ok ? t('audit.allPassed') : t('audit.broken', { pointer: verdict.broken.pointer })}
      </p>
      {fingerprint && (
        <p>
          {t('audit.keyFingerprint')} <code data-testid="custody-fingerprint">{fingerprint}</code>
        </p>
      )}
      <ul className="checks">
        {CHECKS.map((check, index) => {
          const state = index < brokenAt ? 'passed' : index === brokenAt ? 'failed' : 'skipped';
          return (
            <li key={check} className={`check ${state}`}>
              <span aria-hidden="true">{state === 'passed' ? '✔' : state === 'failed' ? '✘' : '–'}</span>{' '}
              {t(`check.${check.replace(' ', '-')}` as MessageKey)}:{' '}
              <strong>{t(`check.${state}` as MessageKey)}</strong>
            </li>
          );
        })}
      </ul>
      {verdict.ok && (
        <p>
          {t('audit.summary', {
            events: verdict.events,
            receipts: verdict.receipts,
            manifests: verdict.manifests,
            checkpoint: verdict.checkpoint?.size ?? '–',
          })}
        </p>
      )}
    </section>
  );
}
