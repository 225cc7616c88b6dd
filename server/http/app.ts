// HTTP layer (primary adapter): createApp(deps) builds the whole Hono app. The Lambda entry and the local
// server only wire dependencies and call this; tests call it through app.request().
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Signer } from '../../shared/crypto/signer.ts';
import type { Logger } from '../ports/logger.ts';
import type { AppEnv, PouchApp } from './app-env.ts';
import { mapError, problem } from './problem.ts';
import { registerSystemRoutes } from './system-routes.ts';

export interface AppDeps {
  readonly logger: Logger;
  /** Largest JSON body accepted, in bytes; larger bodies get 413 before they are read. */
  readonly maxBodyBytes: number;
  /** The exchange's signer: its public key is published at /.well-known/jwks.json. */
  readonly signer?: Signer;
  /** Feature route modules, registered in order after the system routes. */
  readonly modules?: ReadonlyArray<(app: PouchApp) => void>;
}

const jsonType = /^application\/([\w.-]+\+)?json(\s*;.*)?$/i;

/**
 * Build the Pouch HTTP app.
 *
 * @example
 * const app = createApp({ logger, maxBodyBytes: 262144 });
 * const res = await app.request('/health');
 */
export function createApp(deps: AppDeps): PouchApp {
  if (!Number.isInteger(deps.maxBodyBytes) || deps.maxBodyBytes <= 0) {
    throw new TypeError('createApp: maxBodyBytes must be a positive integer');
  }
  const app: PouchApp = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({
        field: [result.target, ...issue.path.map(String)].join('.'),
        message: issue.message,
      }));
      const fields = errors.map((e) => e.field).join(', ');
      return problem(c, 'ERR_VALIDATION', `Invalid request: ${fields}`, { errors });
    },
  });

  app.use(requestId({ headerName: 'X-Request-Id', limitLength: 64 }));
  app.use(async (c, next) => {
    const start = performance.now();
    await next();
    deps.logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - start) * 10) / 10,
    });
  });
  app.use(secureHeaders());
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, allowed) =>
        problem(c, 'ERR_METHOD_NOT_ALLOWED', `Use ${allowed.join(', ')}`, {}, { Allow: allowed.join(', ') }),
    }),
  );
  app.use(async (c, next) => {
    const method = c.req.method;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const type = c.req.header('content-type');
      const length = c.req.header('content-length');
      const hasBody =
        type !== undefined || (length !== undefined && length !== '0') || c.req.header('transfer-encoding');
      if (hasBody && !jsonType.test(type ?? '') && type !== 'application/x-www-form-urlencoded') {
        return problem(c, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json');
      }
    }
    return next();
  });
  app.use(
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: (c) =>
        problem(c, 'ERR_PAYLOAD_TOO_LARGE', `The request body exceeds ${deps.maxBodyBytes} bytes`),
    }),
  );

  app.onError((error, c) => mapError(error, c, deps.logger));
  app.notFound((c) => problem(c, 'ERR_NOT_FOUND', 'No such resource'));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  registerSystemRoutes(app, {
    title: 'Pouch exchange',
    ...(deps.signer ? { signer: deps.signer } : {}),
  });
  for (const register of deps.modules ?? []) register(app);
  return app;
}
