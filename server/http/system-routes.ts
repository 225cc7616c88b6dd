// HTTP layer (primary adapter): system routes — /health, /openapi.json and the offline /docs page — and the
// operator's per-dependency health check. Anonymous `/health` is a liveness answer that touches nothing: each
// dependency probe is a DynamoDB, S3 or KMS call, so a public route that fans out would let anyone multiply the
// exchange's cost. The probes sit behind the operator's token at `/health/dependencies`.
import { createRoute, z } from '@hono/zod-openapi';
import type { Signer } from '../../shared/crypto/signer.ts';
import { authorize, canReadDependencyHealth } from '../policy/policy.ts';
import type { HealthCheck } from '../ports/health.ts';
import type { PouchApp } from './app-env.ts';
import { requirePrincipal } from './auth-middleware.ts';
import { renderDocsPage } from './docs-page.ts';

const LivenessSchema = z
  .object({ status: z.literal('ok') })
  .openapi('Liveness', { description: 'The API answers; dependencies are not probed.' });

const DependencyHealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    dependencies: z.array(
      z.object({
        name: z.string(),
        status: z.enum(['ok', 'unavailable']),
        latencyMs: z.number(),
      }),
    ),
  })
  .openapi('DependencyHealth');

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['system'],
  summary: 'Liveness: the API answers (no dependency is probed; see /health/dependencies)',
  responses: {
    200: {
      description: 'The API is up',
      content: { 'application/json': { schema: LivenessSchema } },
    },
  },
});

const dependencyHealthRoute = createRoute({
  method: 'get',
  path: '/health/dependencies',
  tags: ['system'],
  summary: 'Report the state of every dependency (operator only)',
  security: [{ bearer: [] }],
  responses: {
    200: {
      description: 'All dependencies answer',
      content: { 'application/json': { schema: DependencyHealthSchema } },
    },
    503: {
      description: 'A dependency does not answer',
      content: { 'application/json': { schema: DependencyHealthSchema } },
    },
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
  responses: {
    200: {
      description: 'JWK Set',
      content: {
        'application/json': {
          schema: z.object({ keys: z.array(z.record(z.string(), z.string())) }).openapi('JwkSet'),
        },
      },
    },
  },
});

export function registerSystemRoutes(app: PouchApp, deps: { title: string; signer?: Signer }) {
  const signer = deps.signer;
  if (signer) {
    app.openapi(jwksRoute, async (c) => {
      const jwk = await signer.publicJwk();
      const keys = [Object.fromEntries(Object.entries(jwk).filter(([, v]) => typeof v === 'string'))];
      return c.json({ keys } as { keys: Array<Record<string, string>> }, 200, {
        'cache-control': 'public, max-age=300',
      });
    });
  }

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200, { 'cache-control': 'no-store' }));

  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: deps.title,
        version: '1',
        description:
          'Pouch: sealed exchange of mutual legal assistance requests and evidence between central authorities.',
      },
    });
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/docs', (c) => c.html(renderDocsPage(document())));
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
