// HTTP layer (primary adapter): system routes — /health, /openapi.json and the offline /docs page.
import { createRoute } from '@hono/zod-openapi';
import { HealthSchema, JwkSetSchema } from '../../shared/api/system.ts';
import type { Signer } from '../../shared/crypto/signer.ts';
import type { HealthCheck } from '../ports/health.ts';
import type { PouchApp } from './app-env.ts';
import { renderDocsPage } from './docs-page.ts';
import { jsonResponse, serverErrors } from './openapi-responses.ts';

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['system'],
  summary: 'Report the state of every dependency',
  responses: {
    200: jsonResponse(HealthSchema, 'All dependencies answer'),
    500: serverErrors[500],
    503: jsonResponse(HealthSchema, 'A dependency does not answer'),
  },
});

/** Per-check time limit, so /health answers even when a dependency hangs. */
const checkTimeoutMs = 2_000;

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['system'],
  summary:
    'The exchange’s public signing key (access tokens, receipts, checkpoints), for offline verification',
  responses: { 200: jsonResponse(JwkSetSchema, 'JWK Set'), ...serverErrors },
});

export function registerSystemRoutes(
  app: PouchApp,
  deps: { health: readonly HealthCheck[]; title: string; signer?: Signer },
) {
  const signer = deps.signer;
  if (signer) {
    app.openapi(jwksRoute, async (c) => {
      const jwk = await signer.publicJwk();
      const members: Record<string, string> = {};
      for (const [name, value] of Object.entries(jwk)) if (typeof value === 'string') members[name] = value;
      return c.json({ keys: [members] }, 200, {
        'cache-control': 'public, max-age=300',
      });
    });
  }

  app.openapi(healthRoute, async (c) => {
    const dependencies = await Promise.all(deps.health.map(runCheck));
    const ok = dependencies.every((d) => d.status === 'ok');
    return c.json({ status: ok ? ('ok' as const) : ('degraded' as const), dependencies }, ok ? 200 : 503);
  });

  const document = () => buildOpenApiDocument(app, deps.title);
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/docs', (c) => c.html(renderDocsPage(document())));
}

/** The OpenAPI 3.1 document of every route registered on `app` (what /openapi.json serves). */
export function buildOpenApiDocument(app: PouchApp, title: string) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title,
      version: '1',
      description:
        'Pouch: sealed exchange of mutual legal assistance requests and evidence between central authorities.',
    },
  });
}

async function runCheck(check: HealthCheck) {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), checkTimeoutMs);
      }),
    ]);
    return { name: check.name, status: 'ok' as const, latencyMs: Math.round(performance.now() - start) };
  } catch {
    return {
      name: check.name,
      status: 'unavailable' as const,
      latencyMs: Math.round(performance.now() - start),
    };
  } finally {
    clearTimeout(timer);
  }
}
