// HTTP layer (primary adapter): the token endpoint (OAuth 2.0 client credentials with private_key_jwt client
// authentication, RFC 6749 §4.4 + RFC 7523, as in SMART Backend Services) and "who am I".
import { createRoute } from '@hono/zod-openapi';
import {
  CLIENT_ASSERTION_TYPE,
  PrincipalSchema,
  TokenRequestSchema,
  TokenResponseSchema,
} from '../../shared/api/identity.ts';
import { AuthenticationError } from '../../shared/domain/identity/errors.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import type { Logger } from '../ports/logger.ts';
import type { IssuedToken } from '../use-cases/identity/token-service.ts';
import type { PouchApp } from './app-env.ts';
import { authenticationProblem, logSecurityEvent, requirePrincipal } from './auth-middleware.ts';
import {
  bodyErrors,
  jsonResponse,
  problemResponse,
  secured,
  securedErrors,
  serverErrors,
} from './openapi-responses.ts';
import { problem } from './problem.ts';

const tokenRoute = createRoute({
  method: 'post',
  path: '/v1/token',
  operationId: 'exchangeClientAssertion',
  tags: ['identity'],
  summary: 'Exchange a signed client assertion for an access token',
  // Public: the client authenticates inside the body (private_key_jwt), not with a bearer token.
  security: [],
  description:
    'OAuth 2.0 client credentials grant with private_key_jwt client authentication (RFC 7523). The access ' +
    'token is an at+jwt (RFC 9068) signed ES256 by the exchange; its claims: iss = aud = issuer, sub = ' +
    'client_id = "<authorityId>:<memberId>", client_kid, authority, member, role, kind, iat, exp, jti.',
  request: {
    body: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: TokenRequestSchema } },
    },
  },
  responses: {
    200: jsonResponse(TokenResponseSchema, 'An access token'),
    ...bodyErrors,
    400: problemResponse('Unsupported grant type, or an invalid form'),
    401: problemResponse('Client authentication failed (error: invalid_client)'),
    ...serverErrors,
  },
});

const meRoute = createRoute({
  method: 'get',
  path: '/v1/me',
  operationId: 'getCaller',
  tags: ['identity'],
  summary: 'Who am I: the principal of the access token',
  ...secured,
  responses: { 200: jsonResponse(PrincipalSchema, 'The caller'), ...securedErrors },
});

/**
 * Build the identity route module.
 *
 * @example
 * createApp({ ..., modules: [registerIdentityRoutes({ exchangeAssertion: tokens.exchangeAssertion, logger })] });
 */
export function registerIdentityRoutes(deps: {
  exchangeAssertion: (assertion: string) => Promise<IssuedToken>;
  logger: Logger;
}): (app: PouchApp) => void {
  return (app) => {
    app.openapi(tokenRoute, async (c) => {
      const form = c.req.valid('form');
      const action = 'POST /v1/token';
      if (form.grant_type !== 'client_credentials') {
        return problem(c, 'ERR_VALIDATION', 'grant_type must be client_credentials', {
          error: 'unsupported_grant_type',
        });
      }
      let issued: IssuedToken;
      try {
        if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE || !form.client_assertion) {
          throw new AuthenticationError(
            'ERR_UNAUTHENTICATED',
            `Send client_assertion of type ${CLIENT_ASSERTION_TYPE}`,
          );
        }
        issued = await deps.exchangeAssertion(form.client_assertion);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        logSecurityEvent(deps.logger, c, {
          event: 'authentication',
          outcome: 'failure',
          reason: error.code,
          ...(error.clientId ? { clientId: error.clientId } : {}),
          action,
        });
        return authenticationProblem(c, error, 'invalid_client');
      }
      logSecurityEvent(deps.logger, c, {
        event: 'authentication',
        outcome: 'success',
        clientId: issued.principal.clientId,
        action,
      });
      c.header('Cache-Control', 'no-store');
      c.header('Pragma', 'no-cache');
      return c.json(
        { access_token: issued.accessToken, token_type: 'Bearer' as const, expires_in: issued.expiresIn },
        200,
      );
    });

    app.openapi(meRoute, (c) => {
      const p: Principal = requirePrincipal(c);
      return c.json(
        {
          kind: p.kind,
          clientId: p.clientId,
          authorityId: p.authorityId,
          memberId: p.memberId,
          role: p.role,
        },
        200,
      );
    });
  };
}
