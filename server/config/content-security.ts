// Server configuration: the one Content-Security-Policy rule for the portal and for the API's HTML, used by the
// local server (server/http/portal-static.ts) and by CloudFront's response-headers policies
// (infra/constructs/edge-distribution.ts), so what the browser tests run under is what AWS serves.

/** What the portal's policy depends on where it is served. */
export interface PortalPolicyOptions {
  /** Origins besides the portal's own it may reach: the evidence bucket (presigned uploads and downloads). */
  readonly connectOrigins: readonly string[];
  /** Served over HTTPS only (CloudFront): any stray `http:` reference is upgraded rather than fetched. */
  readonly upgradeInsecureRequests?: boolean;
}

/**
 * The portal's Content-Security-Policy: everything denied by default; scripts, styles, fonts and workers from its
 * own origin only, no inline script or style; network access to its origin and `connectOrigins` alone; no
 * framing, no forms posting anywhere, no plugins.
 */
export function portalContentSecurityPolicy(options: PortalPolicyOptions): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${options.connectOrigins.join(' ')}`.trim(),
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    ...(options.upgradeInsecureRequests ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/**
 * The API's Content-Security-Policy: JSON needs nothing, and the one HTML page (/docs, server/http/docs-page.ts)
 * is self-contained with an inline stylesheet and no script.
 */
export const apiContentSecurityPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
