// Portal component (request form): the printable letter, previewed in place under the portal's strict CSP. The
// letter's HTML (from the shared renderer, unchanged) goes into a sandboxed srcdoc frame that may run no script;
// the frame inherits the portal's policy, which refuses inline <style>, so the page's own script takes the letter's
// stylesheet out of the markup and applies it through the CSSOM (a constructed sheet), which the policy leaves to
// the page's trusted script.
// No policy is loosened, and the letter can also be saved as the self-contained file the recipient receives.
// The letter's language follows the portal's until the officer picks another (the recipient may read the other
// Budapest Convention language); saving saves the language shown.
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { LETTER_LANGUAGES, type LetterLanguage } from '../../../shared/domain/requests/letter-text.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';

/**
 * The letter split into its markup without <style> (so the frame's policy has nothing to refuse or report) and
 * the stylesheet text. Not parsed: even an inert parsed document has its <style> checked against the page's
 * policy. Cut as text, which is safe on this input only: the renderer escapes every `<` of the request's text, so
 * a <style> tag in its output is the renderer's own.
 */
function splitLetter(html: string): { markup: string; css: string } {
  const styles: string[] = [];
  const markup = html.replace(/<style\b[^>]*>([\s\S]*?)<\/style>/gi, (_whole, css: string) => {
    styles.push(css);
    return '';
  });
  return { markup, css: styles.join('\n') };
}

/** Apply the letter's own stylesheet to the framed document through the CSSOM. */
function adoptLetterStyle(frame: HTMLIFrameElement, css: string): boolean {
  const doc = frame.contentDocument;
  const view = frame.contentWindow;
  if (!doc || !view || !('CSSStyleSheet' in view)) return false;
  // A constructed sheet must come from the document that adopts it: the frame's own constructor.
  const FrameSheet = (view as Window & typeof globalThis).CSSStyleSheet;
  const sheet = new FrameSheet();
  sheet.replaceSync(css);
  doc.adoptedStyleSheets = [sheet];
  return true;
}

export function LetterPreview({
  html,
  fileName,
  language,
  onLanguage,
}: {
  html: string;
  fileName: string;
  language: LetterLanguage;
  onLanguage: (language: LetterLanguage) => void;
}) {
  const { t } = useText();
  const frame = useRef<HTMLIFrameElement>(null);
  const href = useMemo(() => URL.createObjectURL(new Blob([html], { type: 'text/html' })), [html]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  const { markup, css } = useMemo(() => splitLetter(html), [html]);
  const styled = useCallback(() => {
    if (frame.current) frame.current.dataset.styled = String(adoptLetterStyle(frame.current, css));
  }, [css]);
  return (
    <section aria-labelledby="letter-title" className="letter">
      <h2 id="letter-title">{t('request.letterTitle')}</h2>
      <div className="field">
        <label htmlFor="letter-language">{t('request.letterLanguage')}</label>
        <select
          id="letter-language"
          data-testid="letter-language"
          value={language}
          onChange={(e) => {
            const picked = LETTER_LANGUAGES.find((l) => l === e.target.value);
            if (picked) onLanguage(picked);
          }}
        >
          {LETTER_LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {t(`request.letterLanguage.${l}` as MessageKey)}
            </option>
          ))}
        </select>
      </div>
      <iframe
        ref={frame}
        title={t('request.letterFrame')}
        // No allow-scripts: the letter runs nothing. allow-same-origin only lets this page style it.
        sandbox="allow-same-origin"
        srcDoc={markup}
        lang={language}
        onLoad={styled}
        className="letter-frame"
        data-testid="letter-frame"
      />
      <p>
        <a href={href} download={fileName} data-testid="letter-download">
          {t('request.letterSave')}
        </a>
      </p>
    </section>
  );
}
