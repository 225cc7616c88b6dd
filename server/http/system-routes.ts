// HTTP layer (primary adapter): system routes — anonymous /health (liveness), the two public key sets,
// /openapi.json and the offline /docs page — and the operator's per-dependency health check. Anonymous `/health`
// touches nothing: each dependency probe is a DynamoDB, S3 or KMS call, so a public route that fans out would let
// anyone multiply the exchange's cost. The probes sit behind the operator's token at `/health/dependencies`.
import { createRoute } from '@hono/zod-openapi';
import {
  CustodyJwkSetSchema,
  HealthSchema,
  type JwkSet,
  JwkSetSchema,
  LivenessSchema,
} from '../../shared/api/system.ts';
import type { Signer } from '../../shared/crypto/signer.ts';
import { authorize, canReadDependencyHealth } from '../policy/policy.ts';
import type { HealthCheck } from '../ports/health.ts';
import type { PouchApp } from './app-env.ts';
import { requirePrincipal } from './auth-middleware.ts';
import { renderDocsPage } from './docs-page.ts';
import {
  jsonResponse,
  oversizedBodyError,
  publicRoute,
  securedErrors,
  serverErrors,
} from './openapi-responses.ts';
import { registerSchemaRoutes } from './schema-routes.ts';

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getLiveness',
  tags: ['system'],
  summary: 'Liveness: the API answers (no dependency is probed; see /health/dependencies)',
  ...publicRoute,
  responses: {
    200: jsonResponse(LivenessSchema, 'The API is up'),
    ...oversizedBodyError,
    500: serverErrors[500],
  },
});

const dependencyHealthRoute = createRoute({
  method: 'get',
  path: '/health/dependencies',
  operationId: 'getDependencyHealth',
  tags: ['system'],
  summary: 'Report the state of every dependency (operator only)',
  security: [{ bearer: [] }],
  responses: {
    ...securedErrors,
    200: jsonResponse(HealthSchema, 'All dependencies answer'),
    503: jsonResponse(HealthSchema, 'A dependency does not answer'),
  },
});

/** Per-check time limit, so /health answers even when a dependency hangs. */
const checkTimeoutMs = 2_000;

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getTokenSigningKeys',
  tags: ['system'],
  summary: 'The exchange’s access-token signing key',
  ...publicRoute,
  responses: { 200: jsonResponse(JwkSetSchema, 'JWK Set'), ...oversizedBodyError, ...serverErrors },
});

const custodyKeysRoute = createRoute({
  method: 'get',
  path: '/.well-known/pouch-custody-keys.json',
  operationId: 'getCustodyKeys',
  tags: ['system'],
  summary:
    'The exchange’s custody key (receipts, checkpoints), as carried by custody bundles; `pouch verify --live` pins it',
  ...publicRoute,
  responses: { 200: jsonResponse(CustodyJwkSetSchema, 'JWK Set'), ...oversizedBodyError, ...serverErrors },
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
  deps: { title: string; signer?: Signer; custodySigner?: Signer },
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

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200, { 'cache-control': 'no-store' }));
  registerSchemaRoutes(app);

  const document = () => buildOpenApiDocument(app, deps.title);
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/docs', (c) => c.html(renderDocsPage(document())));
}

/** The OpenAPI 3.1 document of every route registered on `app` (what /openapi.json serves). */
export function buildOpenApiDocument(app: PouchApp, title: string) {
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title,
      version: '1',
      description:
        'Pouch: sealed exchange of mutual legal assistance requests and evidence between central authorities.',
    },
    // Relative to where the document is served: the same exchange answers every path below.
    servers: [{ url: '/', description: 'The exchange that serves this document' }],
  });
  // The package grants no licence (it is private): say so rather than leave integrators guessing. An SPDX
  // LicenseRef names it (the route library's input type predates OpenAPI 3.1's `identifier`).
  document.info.license = {
    name: 'Proprietary: no licence is granted',
    identifier: 'LicenseRef-Proprietary',
  };
  return document;
}

/**
 * Build the operator's per-dependency health route module. Register it after the auth middleware: it needs the
 * operator's bearer token (anyone else gets the same 404 as a miss).
 *
 * @example
 * createApp({ ..., modules: [registerAuthMiddleware(...), registerDependencyHealth({ health }), ...] });
 */
export function registerDependencyHealth(deps: { health: readonly HealthCheck[] }): (app: PouchApp) => void {
  return (app) => {
    app.openapi(dependencyHealthRoute, async (c) => {
      authorize(canReadDependencyHealth(requirePrincipal(c)), {
        rule: 'read-dependency-health',
        attempt: 'read dependency health',
        message: 'No such resource',
        // No hidden object is at stake: the caller is told its role falls short.
        kind: 'role',
      });
      const dependencies = await Promise.all(deps.health.map(runCheck));
      const ok = dependencies.every((d) => d.status === 'ok');
      return c.json({ status: ok ? ('ok' as const) : ('degraded' as const), dependencies }, ok ? 200 : 503, {
        'cache-control': 'no-store',
      });
    });
  };
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
