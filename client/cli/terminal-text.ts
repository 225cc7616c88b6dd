// CLI (primary adapter): the one sanitiser for human output. Every line the CLI prints for people passes through
// it (CommandContext.print/note and the router's error line), because much of what we print was chosen by a
// counterpart or the exchange (references, media types, names): it must never reach the terminal as control codes.

/**
 * C0/C1 controls (ESC, CSI, BEL, CR, backspace, newline...) and format characters (bidi overrides, zero-width)
 * can move the cursor, rewrite earlier lines, set the window title or hyperlinks, or reorder what is read.
 */
const unsafe = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * One line made safe to print: every control or format character becomes `?`. Tabs are kept (our tables use
 * spaces, but a tab cannot move the cursor up or rewrite anything).
 *
 * @example
 * terminalLine('ref \u001b[2J'); // 'ref ?[2J'
 */
export function terminalLine(text: string): string {
  return text.replace(unsafe, (char) => (char === '\t' ? char : '?'));
}

/**
 * Text we composed, with our own line breaks, made safe: split on `\n` and each line cleaned. Lines given as an
 * array are one line each, so a newline smuggled inside a value cannot forge a line of its own.
 *
 * @example
 * terminalText(['EXCHANGE  REF', `exch_1  ${reference}`]); // one line per element, controls shown as '?'
 */
export function terminalText(human: string | readonly string[]): string {
  const lines = typeof human === 'string' ? human.split('\n') : human;
  return lines.map(terminalLine).join('\n');
}
