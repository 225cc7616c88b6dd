// HTTP layer (primary adapter): the token endpoint (OAuth 2.0 client credentials with private_key_jwt client
// authentication, RFC 6749 §4.4 + RFC 7523, as in SMART Backend Services) and "who am I".
import { createRoute, z } from '@hono/zod-openapi';
import { AuthenticationError } from '../../shared/domain/identity/errors.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import type { Logger } from '../ports/logger.ts';
import type { IssuedToken } from '../use-cases/identity/token-service.ts';
import { CLIENT_ASSERTION_TYPE } from '../use-cases/identity/token-service.ts';
import type { PouchApp } from './app-env.ts';
import { authenticationProblem, logSecurityEvent, requirePrincipal } from './auth-middleware.ts';
import { problem } from './problem.ts';

/** RFC 9457 problem details, as every error answers. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ description: 'Stable error code (ERR_...)' }),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    error: z.string().optional().openapi({ description: 'OAuth error name on authentication failures' }),
  })
  .openapi('Problem');

/** Responses every authenticated route may give. */
export const authenticatedErrors = {
  401: {
    description: 'Missing, invalid, expired or revoked access token',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  404: {
    description: 'Not found, or not yours (both answer the same)',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
} as const;

const TokenRequestSchema = z
  .object({
    grant_type: z.string().optional().openapi({ example: 'client_credentials' }),
    client_assertion_type: z.string().optional().openapi({ example: CLIENT_ASSERTION_TYPE }),
    client_assertion: z
      .string()
      .optional()
      .openapi({
        description:
          'JWT signed with the member key: header {alg: ES256|EdDSA, typ: client-authentication+jwt, kid}; ' +
          'claims iss = sub = "<authorityId>:<memberId>", aud = "<issuer>/v1/token", iat, exp (at most 300 s ' +
          'after iat), jti (16-256 chars, single use)',
      }),
    scope: z.string().optional(),
  })
  .openapi('TokenRequest');

const TokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
  })
  .openapi('TokenResponse');

export const PrincipalSchema = z
  .object({
    kind: z.enum(['member', 'operator']),
    clientId: z.string(),
    authorityId: z.string(),
    memberId: z.string(),
    role: z.enum(['officer', 'contact-247', 'auditor', 'admin', 'operator']),
  })
  .openapi('Principal');

const tokenRoute = createRoute({
  method: 'post',
  path: '/v1/token',
  tags: ['identity'],
  summary: 'Exchange a signed client assertion for an access token',
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
    200: { description: 'An access token', content: { 'application/json': { schema: TokenResponseSchema } } },
    400: {
      description: 'Unsupported grant type',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    },
    401: {
      description: 'Client authentication failed (error: invalid_client)',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    },
  },
});

const meRoute = createRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['identity'],
  summary: 'Who am I: the principal of the access token',
  security: [{ bearer: [] }],
  responses: {
    200: { description: 'The caller', content: { 'application/json': { schema: PrincipalSchema } } },
    ...authenticatedErrors,
  },
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
        }) as never;
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
        return authenticationProblem(c, error, 'invalid_client') as never;
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
