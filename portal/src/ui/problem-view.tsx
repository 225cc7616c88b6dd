// Portal UI: an error in plain words, from the typed record of every problem code (i18n/error-words.ts), with the
// code itself available; a pinning problem links to the directory page, where the officer can pin.
import { isPouchError } from '../../../shared/domain/errors.ts';
import { errorWords, hasErrorWords } from '../i18n/error-words.ts';
import { useText } from '../i18n/use-text.tsx';

/** The stable code of any error the portal meets (ERR_INTERNAL when it has none). */
export function codeOf(error: unknown): string {
  return isPouchError(error) ? error.code : 'ERR_INTERNAL';
}

/** Codes the officer fixes by pinning (or re-checking a pin) on the directory page. */
const PINNING_CODES: ReadonlySet<string> = new Set([
  'ERR_AUTHORITY_NOT_PINNED',
  'ERR_AUTHORITY_PIN_MISMATCH',
]);

export function ProblemView({ error }: { error: unknown }) {
  const { t, language } = useText();
  const code = codeOf(error);
  // A code this build has no words for (an exchange newer than the portal) gets the generic sentence.
  const plain = hasErrorWords(code) ? errorWords[language][code] : t('error.generic');
  return (
    <div role="alert" className="problem">
      <p>{plain}</p>
      {PINNING_CODES.has(code) && window.location.hash !== '#/directory' && (
        <p>
          <a href="#/directory">{t('error.openDirectory')}</a>
        </p>
      )}
      <p className="problem-code">
        {t('error.code')} <code data-testid="problem-code">{code}</code>
      </p>
    </div>
  );
}
