// Portal UI: an error in plain words, from the catalogue by its stable code, with the code itself available.
import { isPouchError } from '../../../shared/domain/errors.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';

const knownCodes = new Set<string>([
  'ERR_SEAL_NO_IDENTITY',
  'ERR_VALIDATION',
  'ERR_NOT_FOUND',
  'ERR_INVALID_STATE',
  'ERR_KEY_UNKNOWN',
  'ERR_KEY_REVOKED',
  'ERR_UNAUTHENTICATED',
  'ERR_FORBIDDEN',
  'ERR_HASH_MISMATCH',
  'ERR_SIGNATURE_INVALID',
  'ERR_MANIFEST_INVALID',
  'ERR_SEAL_INTEGRITY',
  'ERR_AUTHORITY_NOT_PINNED',
  'ERR_AUTHORITY_PIN_MISMATCH',
  'ERR_STATEMENT_INVALID',
  'ERR_DEPENDENCY_UNAVAILABLE',
  'ERR_RATE_LIMITED',
]);

/** The stable code of any error the portal meets (ERR_INTERNAL when it has none). */
export function codeOf(error: unknown): string {
  return isPouchError(error) ? error.code : 'ERR_INTERNAL';
}

export function ProblemView({ error }: { error: unknown }) {
  const { t } = useText();
  const code = codeOf(error);
  const plain = knownCodes.has(code) ? t(`error.${code}` as MessageKey) : t('error.generic');
  return (
    <div role="alert" className="problem">
      <p>{plain}</p>
      <p className="problem-code">
        {t('error.code')} <code data-testid="problem-code">{code}</code>
      </p>
    </div>
  );
}
