// HTTP layer (primary adapter): createApp(deps) builds the whole Hono app. The Lambda entry and the local
// server only wire dependencies and call this; tests call it through app.request().

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { matchedRoutes } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import type { Signer } from '../../shared/crypto/signer.ts';
import type { Logger } from '../ports/logger.ts';
import type { AppEnv, PouchApp } from './app-env.ts';
import { mapError, problem } from './problem.ts';
import { buildOpenApiDocument, registerSystemRoutes } from './system-routes.ts';

export interface AppDeps {
  readonly logger: Logger;
  /** Largest JSON body accepted, in bytes; larger bodies get 413 before they are read. */
  readonly maxBodyBytes: number;
  /** The access-token signer: its public key is published at /.well-known/jwks.json. */
  readonly signer?: Signer;
  /** The custody signer (receipts, checkpoints): published at /.well-known/pouch-custody-keys.json. */
  readonly custodySigner?: Signer;
  /** Feature route modules, registered in order after the system routes. */
  readonly modules?: ReadonlyArray<(app: PouchApp) => void>;
  /** Sees every response the app gives (tests check each one against /openapi.json); none by default. */
  readonly observeResponse?: ResponseObserver;
  /**
   * On AWS, the header and secret value CloudFront adds to every request it forwards. When set, a request
   * without it came around the edge (straight to the execute-api endpoint, past the WAF) and is refused.
   */
  readonly originVerify?: { readonly header: string; readonly value: string };
}

/** One answer of the app, as a response observer sees it. */
export interface ObservedResponse {
  readonly method: string;
  /** The OpenAPI path of the route that answered (`/v1/exchanges/{exchangeId}`); undefined when none did. */
  readonly route: string | undefined;
  /** A copy of the response: the observer may read its body. */
  readonly response: Response;
  /** The OpenAPI document the app serves at /openapi.json. */
  readonly openApiDocument: () => ReturnType<typeof buildOpenApiDocument>;
}

export type ResponseObserver = (observed: ObservedResponse) => void;

const APP_TITLE = 'Pouch exchange';

const jsonType = /^application\/([\w.-]+\+)?json(\s*;.*)?$/i;
/** What a client's own X-Request-Id may look like to be kept (apart) for correlation. */
const clientRequestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

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

  const observe = deps.observeResponse;
  if (observe) {
    // First, so that it sees the final answer: error mapping, security headers and all.
    let document: ReturnType<typeof buildOpenApiDocument> | undefined;
    const openApiDocument = () => {
      document ??= buildOpenApiDocument(app, APP_TITLE);
      return document;
    };
    app.use(async (c, next) => {
      await next();
      // The first matching handler answers (handlers never call next); middleware are registered for ALL.
      const handler = matchedRoutes(c).find((r) => r.method !== 'ALL');
      observe({
        method: c.req.method,
        route: handler?.path.replace(/:(\w+)/g, '{$1}'),
        response: c.res.clone(),
        openApiDocument,
      });
    });
  }
  // The request id in logs, problems and audit records is always ours: a client's X-Request-Id could otherwise
  // collide with, or impersonate, another request's. A well-formed client value is kept apart, for correlation.
  app.use(async (c, next) => {
    const id = randomUUID();
    c.set('requestId', id);
    const claimed = c.req.header('x-request-id');
    if (claimed !== undefined && clientRequestIdPattern.test(claimed)) c.set('clientRequestId', claimed);
    c.header('X-Request-Id', id);
    await next();
  });
  const originVerify = deps.originVerify;
  if (originVerify) {
    // Compared as digests: equal lengths for timingSafeEqual, and no timing hint about the secret.
    const digest = (value: string) => createHash('sha256').update(value).digest();
    const expected = digest(originVerify.value);
    app.use(async (c, next) => {
      const presented = c.req.header(originVerify.header);
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        deps.logger.warn('security', {
          event: 'origin.unverified',
          outcome: 'refused',
          requestId: c.get('requestId'),
          method: c.req.method,
          path: c.req.path,
        });
        // The same answer as anything that does not exist: the way around the edge shows nothing.
        return problem(c, 'ERR_FORBIDDEN', 'No such resource');
      }
      return next();
    });
  }
  app.use(async (c, next) => {
    const start = performance.now();
    await next();
    const clientRequestId = c.get('clientRequestId');
    deps.logger.info('request', {
      requestId: c.get('requestId'),
      ...(clientRequestId ? { clientRequestId } : {}),
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
    title: APP_TITLE,
    ...(deps.signer ? { signer: deps.signer } : {}),
    ...(deps.custodySigner ? { custodySigner: deps.custodySigner } : {}),
  });
  for (const register of deps.modules ?? []) register(app);
  return app;
}
