// Portal i18n: the language context. Every user-facing string comes from catalogue.ts through `t`, with
// `{name}` placeholders filled in; dates and numbers are formatted for the chosen language and the browser's
// time zone.
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import { type Catalogue, catalogues, type Language, type MessageKey } from './catalogue.ts';

export interface Text {
  readonly language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey, params?: Readonly<Record<string, string | number>>): string;
  /** A date-time in the officer's own time zone, with the zone named. */
  dateTime(iso: string | undefined): string;
  bytes(count: number): string;
  /** A number as the language writes it (`1,5` in French), at most one decimal. */
  number(value: number): string;
  /** A share (0–1) as a whole percentage, as the language writes it. */
  percent(share: number): string;
}

const TextContext = createContext<Text | undefined>(undefined);

function initialLanguage(): Language {
  const saved = localStorage.getItem('pouch.language');
  if (saved === 'en' || saved === 'fr') return saved;
  return navigator.language.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** Fill `{name}` placeholders. */
export function format(template: string, params: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export function TextProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const value = useMemo<Text>(() => {
    const catalogue: Catalogue = catalogues[language];
    const dateFormat = new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
      // dateStyle/timeStyle cannot name the zone; these fields can.
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    });
    const numberFormat = new Intl.NumberFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
      maximumFractionDigits: 1,
    });
    const percentFormat = new Intl.NumberFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
      style: 'percent',
      maximumFractionDigits: 0,
    });
    return {
      language,
      number: (value) => numberFormat.format(value),
      percent: (share) => percentFormat.format(share),
      setLanguage(next) {
        localStorage.setItem('pouch.language', next);
        document.documentElement.lang = next;
        setLanguageState(next);
      },
      // A key the catalogue lacks (an event action or status newer than this build) shows as itself, never a crash.
      t: (key, params) => format(catalogue[key] ?? key, params),
      dateTime: (iso) => (iso ? dateFormat.format(new Date(iso)) : '–'),
      bytes(count) {
        const units = ['B', 'KiB', 'MiB', 'GiB'];
        let value = count;
        let unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
          value /= 1024;
          unit++;
        }
        return `${numberFormat.format(value)} ${units[unit]}`;
      },
    };
  }, [language]);
  return <TextContext.Provider value={value}>{children}</TextContext.Provider>;
}

export function useText(): Text {
  const value = useContext(TextContext);
  if (!value) throw new Error('useText outside TextProvider');
  return value;
}
