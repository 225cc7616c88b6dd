// HTTP layer (local mode): serves the built portal (portal/dist) at `/` on the API's origin, with the strict
// Content-Security-Policy of server/config/content-security.ts. On AWS, CloudFront serves the same files under
// the same policy.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PortalStaticOptions {
  /** The Vite build output (portal/dist): index.html and assets/. */
  readonly dir: string;
  /** The portal's Content-Security-Policy (server/config/content-security.ts, the rule CloudFront serves too). */
  readonly contentSecurityPolicy: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Built asset names: Vite's `<name>-<hash>.<ext>`, nothing that could climb out of the folder. */
const assetPattern = /^\/assets\/([A-Za-z0-9_.-]{1,200})$/;

/**
 * A handler that answers the portal's own paths (`/`, `/index.html`, `/assets/*`) and returns undefined for
 * everything else, which the API answers: no API route moves.
 *
 * @example
 * const portal = createPortalHandler({ dir: 'portal/dist', contentSecurityPolicy: portalContentSecurityPolicy({ connectOrigins: [s3Endpoint] }) });
 * const answer = (await portal(request)) ?? (await app.fetch(request));
 */
export function createPortalHandler(
  options: PortalStaticOptions,
): (request: Request) => Promise<Response | undefined> {
  const headers = {
    'content-security-policy': options.contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const { pathname } = new URL(request.url);
    let file: string;
    let cache: string;
    if (pathname === '/' || pathname === '/index.html') {
      file = 'index.html';
      cache = 'no-cache';
    } else {
      const asset = assetPattern.exec(pathname)?.[1];
      if (asset === undefined || asset.startsWith('.')) return undefined;
      file = join('assets', asset);
      cache = 'public, max-age=31536000, immutable';
    }
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = new Uint8Array(await readFile(join(options.dir, file)));
    } catch {
      return undefined;
    }
    const type = contentTypes[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
    return new Response(request.method === 'HEAD' ? null : body, {
      headers: { ...headers, 'content-type': type, 'cache-control': cache },
    });
  };
}
