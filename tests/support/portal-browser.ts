// Test support (browser suites): Debian's chromium through playwright-core (no browser download), one browser
// context per actor, a recorder of every request a context makes (to prove nothing secret leaves the page and
// no request leaves the exchange's origin or its evidence bucket), and the axe-core check of a page.
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';

export const CHROMIUM_PATH = process.env.POUCH_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root in CI containers: chromium's sandbox needs user namespaces it may not have there.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Text bodies only (API calls); sealed uploads are opaque bytes and are not kept. */
  readonly body: string | undefined;
}

/** A context for one actor, with every request it makes recorded (service workers and workers included). */
export async function openActor(
  browser: Browser,
  options: { downloads?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; requests: RecordedRequest[] }> {
  const context = await browser.newContext({
    acceptDownloads: options.downloads ?? true,
    locale: 'en-GB',
    timezoneId: 'Europe/Paris',
  });
  const requests: RecordedRequest[] = [];
  const record = (request: Request) => {
    const type = request.headers()['content-type'] ?? '';
    let body: string | undefined;
    if (!/octet-stream/.test(type)) {
      try {
        body = request.postData() ?? undefined;
      } catch {
        body = undefined;
      }
    }
    requests.push({ method: request.method(), url: request.url(), headers: request.headers(), body });
  };
  context.on('request', record);
  const page = await context.newPage();
  return { context, page, requests };
}

/** The axe-core violations of the current page that are serious or critical. */
export async function seriousViolations(
  page: Page,
): Promise<Array<{ id: string; impact: string; nodes: number }>> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    // A frame that may run no script (the letter preview) cannot host axe: its timers never fire, so the run
    // would never end. What such a frame shows is a document (the printable letter), not the portal's controls.
    .exclude('iframe[sandbox]:not([sandbox~="allow-scripts"])')
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact ?? '', nodes: v.nodes.length }));
}
