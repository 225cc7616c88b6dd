// CLI (primary adapter): the one parser of `--lang`, the language of a printed document (`pouch send --draft`'s
// letter, `pouch audit report`'s custody report). Both print in the letter's languages (letter-text.ts).
import {
  isLetterLanguage,
  LETTER_LANGUAGES,
  type LetterLanguage,
} from '../../shared/domain/requests/letter-text.ts';
import { CliUsageError } from './cli-errors.ts';

/** `--lang`'s value name and description for a command's options. */
export function languageOption(document: string): {
  readonly type: 'string';
  readonly valueName: string;
  readonly description: string;
} {
  return {
    type: 'string',
    valueName: LETTER_LANGUAGES.join('|'),
    description: `language of ${document}: ${LETTER_LANGUAGES.join(' or ')} (default en)`,
  };
}

/**
 * The language `--lang` names; English when it is absent. Anything else is refused with ERR_VALIDATION (the CLI's
 * one-line usage error, exit 2) naming the choices.
 */
export function parseLanguageOption(
  value: string | undefined,
  command: string,
  document: string,
): LetterLanguage {
  const language = value ?? 'en';
  if (!isLetterLanguage(language)) {
    throw new CliUsageError(
      `unknown ${document} language '${language}'; choose ${LETTER_LANGUAGES.join(' or ')} (--lang)`,
      command,
    );
  }
  return language;
}
