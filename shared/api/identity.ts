// Wire schemas (core) of identity: the token endpoint (OAuth 2.0 client credentials with private_key_jwt,
// RFC 6749 §4.4 + RFC 7523) and "who am I".
import { z } from 'zod';
import { MEMBER_ROLES } from '../domain/identity/types.ts';

/** The client_assertion_type of private_key_jwt client authentication (RFC 7523 §2.2). */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export const TokenRequestSchema = z
  .object({
    grant_type: z.string().optional().meta({ example: 'client_credentials' }),
    client_assertion_type: z.string().optional().meta({ example: CLIENT_ASSERTION_TYPE }),
    client_assertion: z
      .string()
      .optional()
      .meta({
        description:
          'JWT signed with the member key: header {alg: ES256|EdDSA, typ: client-authentication+jwt, kid}; ' +
          'claims iss = sub = "<authorityId>:<memberId>", aud = "<issuer>/v1/token", iat, exp (at most 300 s ' +
          'after iat), jti (16-256 chars, single use)',
      }),
    scope: z.string().optional(),
  })
  .meta({ id: 'TokenRequest' });

export const TokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
  })
  .meta({ id: 'TokenResponse' });
export type TokenResponse = z.output<typeof TokenResponseSchema>;

export const PrincipalSchema = z
  .object({
    kind: z.enum(['member', 'operator']),
    clientId: z.string(),
    authorityId: z.string(),
    memberId: z.string(),
    role: z.enum([...MEMBER_ROLES, 'operator']),
  })
  .meta({ id: 'Principal' });
export type PrincipalWire = z.output<typeof PrincipalSchema>;
