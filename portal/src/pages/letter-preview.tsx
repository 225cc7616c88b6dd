// Portal component (request form): the printable letter, previewed in place under the portal's strict CSP. The
// letter's HTML (from the shared renderer, unchanged) goes into a sandboxed srcdoc frame that may run no script;
// the frame inherits the portal's policy, which refuses the letter's inline <style>, so the page's own script
// applies that stylesheet through the CSSOM (a constructed sheet), which the policy leaves to trusted script.
// No policy is loosened, and the letter can also be saved as the self-contained file the recipient receives.
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { useText } from '../i18n/use-text.tsx';

/** Apply the letter's own stylesheet to the framed document through the CSSOM. */
function adoptLetterStyle(frame: HTMLIFrameElement): boolean {
  const doc = frame.contentDocument;
  const view = frame.contentWindow;
  if (!doc || !view || !('CSSStyleSheet' in view)) return false;
  const css = [...doc.querySelectorAll('style')].map((style) => style.textContent ?? '').join('\n');
  // A constructed sheet must come from the document that adopts it: the frame's own constructor.
  const FrameSheet = (view as Window & typeof globalThis).CSSStyleSheet;
  const sheet = new FrameSheet();
  sheet.replaceSync(css);
  doc.adoptedStyleSheets = [sheet];
  return true;
}

export function LetterPreview({ html, fileName }: { html: string; fileName: string }) {
  const { t } = useText();
  const frame = useRef<HTMLIFrameElement>(null);
  const href = useMemo(() => URL.createObjectURL(new Blob([html], { type: 'text/html' })), [html]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  const styled = useCallback(() => {
    if (frame.current) frame.current.dataset.styled = String(adoptLetterStyle(frame.current));
  }, []);
  return (
    <section aria-labelledby="letter-title" className="letter">
      <h2 id="letter-title">{t('request.letterTitle')}</h2>
      <iframe
        ref={frame}
        title={t('request.letterFrame')}
        // No allow-scripts: the letter runs nothing. allow-same-origin only lets this page style it.
        sandbox="allow-same-origin"
        srcDoc={html}
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
