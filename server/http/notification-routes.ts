// HTTP layer (primary adapter): notification subscriptions of the caller's authority (its admins only). Thin:
// validation from the wire schemas (shared/api/notifications.ts), one use case call.
import { createRoute } from '@hono/zod-openapi';
import {
  CreateSubscriptionSchema,
  DeletedSchema,
  SubscriptionListSchema,
  SubscriptionParamsSchema,
  SubscriptionSchema,
} from '../../shared/api/notifications.ts';
import type { Notifications } from '../use-cases/clocks/notifications.ts';
import type { PouchApp } from './app-env.ts';
import { requirePrincipal } from './auth-middleware.ts';
import { bodyErrors, jsonResponse, secured, securedErrors, validationErrors } from './openapi-responses.ts';

export function registerNotificationRoutes(deps: { readonly notifications: Notifications }) {
  return (app: PouchApp) => {
    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/subscriptions',
        operationId: 'createSubscription',
        tags: ['notifications'],
        summary: 'Subscribe your authority to notifications (admins); a webhook’s secret is shown once',
        ...secured,
        request: {
          body: { required: true, content: { 'application/json': { schema: CreateSubscriptionSchema } } },
        },
        responses: { 201: jsonResponse(SubscriptionSchema, 'Subscribed'), ...bodyErrors, ...securedErrors },
      }),
      async (c) => {
        const body = c.req.valid('json');
        return c.json(await deps.notifications.subscribe(requirePrincipal(c), body), 201);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/subscriptions',
        operationId: 'listSubscriptions',
        tags: ['notifications'],
        summary: 'Your authority’s subscriptions (admins; never the secrets)',
        ...secured,
        responses: { 200: jsonResponse(SubscriptionListSchema, 'The subscriptions'), ...securedErrors },
      }),
      async (c) =>
        c.json({ subscriptions: await deps.notifications.listSubscriptions(requirePrincipal(c)) }, 200),
    );

    app.openapi(
      createRoute({
        method: 'delete',
        path: '/v1/subscriptions/{subscriptionId}',
        operationId: 'deleteSubscription',
        tags: ['notifications'],
        summary: 'Remove a subscription (admins)',
        ...secured,
        request: { params: SubscriptionParamsSchema },
        responses: { 200: jsonResponse(DeletedSchema, 'Removed'), ...validationErrors, ...securedErrors },
      }),
      async (c) => {
        const { subscriptionId } = c.req.valid('param');
        await deps.notifications.unsubscribe(requirePrincipal(c), subscriptionId);
        return c.json({ deleted: true as const }, 200);
      },
    );
  };
}
