// HTTP layer (primary adapter): the clocks — an exchange's lineage and clocks, the caller's due list and its
// authority's delay figures. Thin: validation from the wire schemas (shared/api/clocks.ts), one use case call.
import { createRoute } from '@hono/zod-openapi';
import {
  DueListQuerySchema,
  DueListSchema,
  ExchangeClocksSchema,
  FiguresQuerySchema,
  FiguresSchema,
  LineageSchema,
} from '../../shared/api/clocks.ts';
import { ExchangeParamsSchema } from '../../shared/api/exchange.ts';
import type { ClockReads } from '../use-cases/clocks/clock-reads.ts';
import type { PouchApp } from './app-env.ts';
import { requirePrincipal } from './auth-middleware.ts';
import { jsonResponse, secured, securedErrors, validationErrors } from './openapi-responses.ts';

export interface ClockRouteDeps {
  readonly reads: ClockReads;
}

/** Register the clock routes (behind the auth middleware). */
export function registerClockRoutes(deps: ClockRouteDeps) {
  return (app: PouchApp) => {
    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}/lineage',
        operationId: 'getExchangeLineage',
        tags: ['clocks'],
        summary: 'The lineage of an exchange: the earlier and later exchanges linked to it that you may see',
        ...secured,
        request: { params: ExchangeParamsSchema },
        responses: {
          200: jsonResponse(LineageSchema, 'The lineage tree'),
          ...validationErrors,
          ...securedErrors,
        },
      }),
      async (c) => {
        const { exchangeId } = c.req.valid('param');
        return c.json(await deps.reads.lineage(requirePrincipal(c), exchangeId), 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}/clocks',
        operationId: 'getExchangeClocks',
        tags: ['clocks'],
        summary: 'The clocks of an exchange: acknowledgement, deadline, preservation',
        ...secured,
        request: { params: ExchangeParamsSchema },
        responses: {
          200: jsonResponse(ExchangeClocksSchema, 'The clocks, as they stand now'),
          ...validationErrors,
          ...securedErrors,
        },
      }),
      async (c) => {
        const { exchangeId } = c.req.valid('param');
        return c.json(await deps.reads.clocks(requirePrincipal(c), exchangeId), 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/clocks/due',
        operationId: 'listDueClocks',
        tags: ['clocks'],
        summary: 'What is due for your authority: emergencies first, then by due time',
        ...secured,
        request: { query: DueListQuerySchema },
        responses: {
          200: jsonResponse(DueListSchema, 'Exchanges with a running clock'),
          ...validationErrors,
          ...securedErrors,
        },
      }),
      async (c) => {
        const { limit } = c.req.valid('query');
        return c.json(await deps.reads.listDue(requirePrincipal(c), limit), 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/figures',
        operationId: 'getFigures',
        tags: ['clocks'],
        summary: 'Delay figures of your authority per counterpart, side, kind and month',
        ...secured,
        request: { query: FiguresQuerySchema },
        responses: {
          200: jsonResponse(FiguresSchema, 'The figures (times in seconds)'),
          ...validationErrors,
          ...securedErrors,
        },
      }),
      async (c) => {
        const { period } = c.req.valid('query');
        return c.json(await deps.reads.figures(requirePrincipal(c), period), 200);
      },
    );
  };
}
