// HTTP layer (primary adapter): system routes — /health, the two public key sets, /openapi.json and the offline
// /docs page.
import { createRoute } from '@hono/zod-openapi';
import { CustodyJwkSetSchema, HealthSchema, type JwkSet, JwkSetSchema } from '../../shared/api/system.ts';
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
  summary: 'The exchange’s access-token signing key',
  responses: { 200: jsonResponse(JwkSetSchema, 'JWK Set'), ...serverErrors },
});

const custodyKeysRoute = createRoute({
  method: 'get',
  path: '/.well-known/pouch-custody-keys.json',
  tags: ['system'],
  summary:
    'The exchange’s custody key (receipts, checkpoints), as carried by custody bundles; `pouch verify --live` pins it',
  responses: { 200: jsonResponse(CustodyJwkSetSchema, 'JWK Set'), ...serverErrors },
});

/** A public JWK Set of one signer: string members only, so nothing private can slip through. */
async function publicJwkSet(signer: Signer): Promise<JwkSet> {
  const jwk = await signer.publicJwk();
  const members: Record<string, string> = {};
  for (const [name, value] of Object.entries(jwk)) if (typeof value === 'string') members[name] = value;
  return { keys: [members] };
}

export function registerSystemRoutes(
  app: PouchApp,
  deps: { health: readonly HealthCheck[]; title: string; signer?: Signer; custodySigner?: Signer },
) {
  const { signer, custodySigner } = deps;
  if (signer) {
    app.openapi(jwksRoute, async (c) =>
      c.json(await publicJwkSet(signer), 200, { 'cache-control': 'public, max-age=300' }),
    );
  }
  if (custodySigner) {
    app.openapi(custodyKeysRoute, async (c) =>
      c.json(await publicJwkSet(custodySigner), 200, { 'cache-control': 'public, max-age=300' }),
    );
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
