// Portal UI: an error in plain words, from the catalogue by its stable code, with the code itself available.
import { isPouchError } from '../../../shared/domain/errors.ts';
import { catalogues, type MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';

/** The stable code of any error the portal meets (ERR_INTERNAL when it has none). */
export function codeOf(error: unknown): string {
  return isPouchError(error) ? error.code : 'ERR_INTERNAL';
}

export function ProblemView({ error }: { error: unknown }) {
  const { t } = useText();
  const code = codeOf(error);
  // The catalogue is the one list of codes with plain words; any other code gets the generic sentence.
  const key = `error.${code}`;
  const plain = Object.hasOwn(catalogues.en, key) ? t(key as MessageKey) : t('error.generic');
  return (
    <div role="alert" className="problem">
      <p>{plain}</p>
      <p className="problem-code">
        {t('error.code')} <code data-testid="problem-code">{code}</code>
      </p>
    </div>
  );
}
