// HTTP layer (primary adapter): the directory of authorities — public reads for every authenticated party,
// operator registration, admins' member/key/profile management and the audit log. Handlers only translate
// HTTP to the directory use cases, which apply the policy with the principal.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { formatClientId, kidPattern } from '../../shared/domain/identity/ids.ts';
import {
  AUTHORITY_ROLES,
  AUTHORITY_STATUSES,
  MEMBER_ROLES,
  MEMBER_STATUSES,
} from '../../shared/domain/identity/types.ts';
import { languagePattern, treatyPattern } from '../../shared/domain/identity/validation.ts';
import type { CallContext, DirectoryService } from '../use-cases/identity/directory-service.ts';
import type { AppEnv, PouchApp } from './app-env.ts';
import { readOrigin, requirePrincipal } from './auth-middleware.ts';
import { authenticatedErrors, ProblemSchema } from './identity-routes.ts';

const security = [{ bearer: [] }];
const tags = ['directory'];
const validationError = {
  400: { description: 'Invalid input', content: { 'application/problem+json': { schema: ProblemSchema } } },
} as const;
const conflictError = {
  409: {
    description: 'Concurrent change or duplicate key',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
} as const;

const AuthorityIdParam = z
  .string()
  .min(1)
  .max(80)
  .openapi({ param: { name: 'id', in: 'path' }, example: 'auth_…' });
const MemberIdParam = z
  .string()
  .min(1)
  .max(80)
  .openapi({ param: { name: 'memberId', in: 'path' } });
const KidParam = z
  .string()
  .min(1)
  .max(128)
  .openapi({ param: { name: 'kid', in: 'path' } });

const JwkInputSchema = z
  .looseObject({
    kty: z.string(),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    kid: z.string().optional(),
    alg: z.string().optional(),
    use: z.string().optional(),
  })
  .openapi('PublicJwkInput', {
    description:
      'Public ES256 (EC P-256) or EdDSA (OKP Ed25519) key. Private and symmetric keys are refused.',
  });

const KeyViewSchema = z
  .object({
    kid: z.string(),
    alg: z.string(),
    status: z.enum(['active', 'revoked']),
    createdAt: z.string(),
    revokedAt: z.string().optional(),
    jwk: z.record(z.string(), z.string()),
  })
  .openapi('MemberKey');

const MemberViewSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    role: z.string(),
    status: z.enum(MEMBER_STATUSES),
    keys: z.array(KeyViewSchema),
  })
  .openapi('Member');

const ProfileSchema = z.looseObject({ version: z.number().int() }).openapi('RequirementProfile');

const AuthorityViewSchema = z
  .object({
    id: z.string(),
    country: z.string(),
    name: z.string(),
    roles: z.array(z.enum(AUTHORITY_ROLES)),
    status: z.enum(AUTHORITY_STATUSES),
    recipients: z.array(z.string()),
    authorityKey: z
      .object({
        fingerprint: z.string(),
        jwk: z.record(z.string(), z.string()),
        chain: z.object({ initial: z.record(z.string(), z.string()), rotations: z.array(z.string()) }),
      })
      .optional()
      .openapi({
        description:
          'The authority key: compare its RFC 7638 fingerprint out of band and pin it; a rotation is a statement signed by the previous key',
      }),
    recipientsStatement: z.string().optional().openapi({
      description: 'The recipients as the authority signed them (typ pouch-directory-statement+jwt)',
    }),
    languages: z.array(z.string()),
    treaties: z.array(z.string()),
    profile: ProfileSchema,
    members: z.array(MemberViewSchema),
    updatedAt: z.string(),
  })
  .openapi('Authority');

/** Wire types of the public directory, derived from the schemas that describe it (the SDK imports these). */
export type AuthorityWire = z.output<typeof AuthorityViewSchema>;
export type MemberKeyWire = z.output<typeof KeyViewSchema>;

const nonEmptyText = (max: number) => z.string().trim().min(1).max(max);
const fields = {
  name: nonEmptyText(200),
  roles: z.array(z.enum(AUTHORITY_ROLES)).min(1).max(2),
  recipients: z.array(z.string().max(4096)).min(1).max(16),
  languages: z.array(z.string().regex(languagePattern)).max(32),
  treaties: z.array(z.string().regex(treatyPattern)).max(64),
};

const CreateAuthoritySchema = z
  .strictObject({
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .openapi({ example: 'XA' }),
    ...fields,
    profile: z.record(z.string(), z.unknown()).optional(),
    firstAdmin: z.strictObject({ displayName: nonEmptyText(200), jwk: JwkInputSchema }),
    authorityKey: JwkInputSchema.optional().openapi({
      description: "The authority's own key, handed to the operator at onboarding",
    }),
  })
  .openapi('CreateAuthority');

// Loose on purpose: a field inside the authority (recipients, members, keys, profile...) reaches the use case,
// which refuses the whole change with ERR_DIRECTORY_SCOPE (403) rather than a generic validation error.
const UpdateAuthoritySchema = z
  .looseObject({
    name: fields.name.optional(),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    roles: fields.roles.optional(),
    status: z.enum(AUTHORITY_STATUSES).optional(),
  })
  .openapi('UpdateAuthority', {
    description:
      "The operator's fields only. Recipients, members, keys, profile, languages and treaties are the authority's own admins' (403 ERR_DIRECTORY_SCOPE).",
  });

const AddMemberSchema = z
  .strictObject({ displayName: nonEmptyText(200), role: z.enum(MEMBER_ROLES), jwk: JwkInputSchema })
  .openapi('AddMember');

const AddKeySchema = z
  .strictObject({
    jwk: JwkInputSchema,
    revoke: z.array(z.string().regex(kidPattern)).max(20).optional().openapi({
      description: 'Kids to revoke in the same change (rotation)',
    }),
  })
  .openapi('AddKey');

const AuditRecordSchema = z
  .object({
    id: z.string(),
    authorityId: z.string(),
    at: z.string(),
    actor: z.object({ kind: z.string(), clientId: z.string() }).loose(),
    action: z.string(),
    target: z.object({
      authorityId: z.string(),
      memberId: z.string().optional(),
      kids: z.array(z.string()).optional(),
    }),
    summary: z.record(z.string(), z.unknown()),
    origin: z.object({ sourceIp: z.string(), requestId: z.string() }),
    outcome: z.enum(['pending', 'succeeded', 'failed']),
    reason: z.string().optional(),
  })
  .openapi('AuditRecord');

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const jsonBody = <T>(schema: T) => ({ body: { required: true, ...json(schema) } });

const listRoute = createRoute({
  method: 'get',
  path: '/v1/directory/authorities',
  tags,
  security,
  summary: 'The public directory: every authority with its keys, recipients, profile, languages and treaties',
  responses: {
    200: { description: 'The directory', ...json(z.object({ authorities: z.array(AuthorityViewSchema) })) },
    ...authenticatedErrors,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/directory/authorities/{id}',
  tags,
  security,
  summary: "One authority's public directory entry",
  request: { params: z.object({ id: AuthorityIdParam }) },
  responses: { 200: { description: 'The authority', ...json(AuthorityViewSchema) }, ...authenticatedErrors },
});

const createAuthorityRoute = createRoute({
  method: 'post',
  path: '/v1/directory/authorities',
  tags,
  security,
  summary: 'Operator: register an authority and its first admin',
  request: jsonBody(CreateAuthoritySchema),
  responses: {
    201: {
      description: 'Registered',
      ...json(
        z.object({
          authority: AuthorityViewSchema,
          firstAdmin: z.object({ id: z.string(), clientId: z.string() }),
        }),
      ),
    },
    ...validationError,
    ...authenticatedErrors,
    ...conflictError,
  },
});

const scopeError = {
  403: {
    description: 'The change reaches inside the authority (ERR_DIRECTORY_SCOPE)',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
} as const;

const updateAuthorityRoute = createRoute({
  method: 'patch',
  path: '/v1/directory/authorities/{id}',
  tags,
  security,
  summary: "Operator: change an authority's name, country, roles or status (nothing inside it)",
  request: { params: z.object({ id: AuthorityIdParam }), ...jsonBody(UpdateAuthoritySchema) },
  responses: {
    200: { description: 'Updated', ...json(AuthorityViewSchema) },
    ...validationError,
    ...scopeError,
    ...authenticatedErrors,
    ...conflictError,
  },
});

// ---- Admins' own entry: recipients, languages and treaties (issue 12, finding 3). Schemas stay here until the
// ---- shared/api/ move; they are this block's only.
const compactJws = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
const SetRecipientsSchema = z
  .strictObject({
    statement: compactJws.optional().openapi({
      description: 'A recipients statement signed by the authority key (the next version)',
    }),
    recipients: fields.recipients.optional().openapi({
      description: 'Refused (422 ERR_STATEMENT_INVALID): recipients must be signed by the authority key',
    }),
  })
  .openapi('SetRecipients', { description: 'The age recipients every sender seals to' });

const SetAuthorityKeySchema = z
  .strictObject({
    jwk: JwkInputSchema.optional().openapi({
      description: 'Operator, at onboarding only: the authority key of an authority that has none',
    }),
    statement: compactJws.optional().openapi({
      description: "Admins: a rotation, signed by the current authority key (kind 'authority-key')",
    }),
    recipientsStatement: compactJws.optional().openapi({
      description: 'Recipients re-signed by the new key, published with the rotation',
    }),
  })
  .openapi('SetAuthorityKey');

const statementError = {
  422: {
    description: 'Not signed by the current authority key, or stale (ERR_STATEMENT_INVALID)',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
} as const;

const setAuthorityKeyRoute = createRoute({
  method: 'put',
  path: '/v1/directory/authorities/{id}/authority-key',
  tags,
  security,
  summary:
    'Register (operator, onboarding, once) or rotate (admins, signed by the previous key) the authority key',
  request: { params: z.object({ id: AuthorityIdParam }), ...jsonBody(SetAuthorityKeySchema) },
  responses: {
    200: { description: 'Registered or rotated', ...json(AuthorityViewSchema) },
    ...validationError,
    ...scopeError,
    ...statementError,
    ...authenticatedErrors,
    ...conflictError,
  },
});

const UpdateDetailsSchema = z
  .strictObject({ languages: fields.languages.optional(), treaties: fields.treaties.optional() })
  .openapi('UpdateAuthorityDetails');

const setRecipientsRoute = createRoute({
  method: 'put',
  path: '/v1/directory/authorities/{id}/recipients',
  tags,
  security,
  summary:
    'Admin of the authority: publish its age recipients, signed by the authority key (never the operator)',
  request: { params: z.object({ id: AuthorityIdParam }), ...jsonBody(SetRecipientsSchema) },
  responses: {
    200: { description: 'Published', ...json(AuthorityViewSchema) },
    ...validationError,
    ...statementError,
    ...authenticatedErrors,
    ...conflictError,
  },
});

const updateDetailsRoute = createRoute({
  method: 'patch',
  path: '/v1/directory/authorities/{id}/details',
  tags,
  security,
  summary: 'Admin of the authority: change its languages and treaties',
  request: { params: z.object({ id: AuthorityIdParam }), ...jsonBody(UpdateDetailsSchema) },
  responses: {
    200: { description: 'Updated', ...json(AuthorityViewSchema) },
    ...validationError,
    ...authenticatedErrors,
    ...conflictError,
  },
});
// ---- end of the admins' entry block.

// ---- A member's key history (issue 12, finding 3): schemas local to this block until the shared/api/ move.
const KeyHistoryEntrySchema = z
  .object({
    kid: z.string(),
    alg: z.string(),
    fingerprint: z.string().openapi({ description: 'RFC 7638 thumbprint (SHA-256, base64url)' }),
    status: z.enum(['active', 'revoked']),
    createdAt: z.string(),
    addedBy: z.string().optional(),
    revokedAt: z.string().optional(),
    revokedBy: z.string().optional(),
    jwk: z.record(z.string(), z.string()),
  })
  .openapi('KeyHistoryEntry');
const MemberKeyHistorySchema = z
  .object({ authorityId: z.string(), memberId: z.string(), keys: z.array(KeyHistoryEntrySchema) })
  .openapi('MemberKeyHistory');

/** Wire type of a member's key history (the SDK imports it). */
export type MemberKeyHistoryWire = z.output<typeof MemberKeyHistorySchema>;

const keyHistoryRoute = createRoute({
  method: 'get',
  path: '/v1/directory/authorities/{id}/members/{memberId}/keys',
  tags,
  security,
  summary:
    "The member itself, its authority's admins and auditors: every key ever registered under the member's name",
  request: { params: z.object({ id: AuthorityIdParam, memberId: MemberIdParam }) },
  responses: { 200: { description: 'Key history', ...json(MemberKeyHistorySchema) }, ...authenticatedErrors },
});
// ---- end of the key history block.

// ---- A member's role and status, by its authority's admins: schemas local to this block until shared/api/.
const UpdateMemberSchema = z
  .strictObject({
    displayName: nonEmptyText(200).optional(),
    role: z.enum(MEMBER_ROLES).optional(),
    status: z.enum(MEMBER_STATUSES).optional(),
  })
  .openapi('UpdateMember');

const updateMemberRoute = createRoute({
  method: 'patch',
  path: '/v1/directory/authorities/{id}/members/{memberId}',
  tags,
  security,
  summary:
    "Admin of the authority: change a member's name, role or status; a deactivated member's tokens stop at once",
  request: {
    params: z.object({ id: AuthorityIdParam, memberId: MemberIdParam }),
    ...jsonBody(UpdateMemberSchema),
  },
  responses: {
    200: { description: 'Updated', ...json(MemberViewSchema) },
    ...validationError,
    ...authenticatedErrors,
    ...conflictError,
  },
});
// ---- end of the member block.

const addMemberRoute = createRoute({
  method: 'post',
  path: '/v1/directory/authorities/{id}/members',
  tags,
  security,
  summary: 'Admin of the authority: add a member with its first public key',
  request: { params: z.object({ id: AuthorityIdParam }), ...jsonBody(AddMemberSchema) },
  responses: {
    201: { description: 'Added', ...json(MemberViewSchema.extend({ clientId: z.string() })) },
    ...validationError,
    ...authenticatedErrors,
    ...conflictError,
  },
});

const addKeyRoute = createRoute({
  method: 'post',
  path: '/v1/directory/authorities/{id}/members/{memberId}/keys',
  tags,
  security,
  summary: 'Admin of the authority: add a key to a member, optionally revoking others (rotation)',
  request: { params: z.object({ id: AuthorityIdParam, memberId: MemberIdParam }), ...jsonBody(AddKeySchema) },
  responses: {
    201: { description: 'Added', ...json(MemberViewSchema) },
    ...validationError,
    ...authenticatedErrors,
    ...conflictError,
  },
});

const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/directory/authorities/{id}/members/{memberId}/keys/{kid}',
  tags,
  security,
  summary: 'Admin of the authority: revoke a key; it stops working at once, including issued access tokens',
  request: { params: z.object({ id: AuthorityIdParam, memberId: MemberIdParam, kid: KidParam }) },
  responses: {
    200: { description: 'Revoked (or already revoked)', ...json(MemberViewSchema) },
    ...authenticatedErrors,
    ...conflictError,
  },
});

const profileRoute = createRoute({
  method: 'put',
  path: '/v1/directory/authorities/{id}/profile',
  tags,
  security,
  summary: 'Admin of the authority: publish its requirement profile (the version increases by one)',
  request: {
    params: z.object({ id: AuthorityIdParam }),
    ...jsonBody(z.record(z.string(), z.unknown()).openapi('RequirementProfileInput')),
  },
  responses: {
    200: { description: 'Published', ...json(AuthorityViewSchema) },
    ...validationError,
    ...authenticatedErrors,
    ...conflictError,
  },
});

const auditRoute = createRoute({
  method: 'get',
  path: '/v1/directory/authorities/{id}/audit',
  tags,
  security,
  summary: 'Admins and auditors of the authority: its directory audit log, newest first',
  request: {
    params: z.object({ id: AuthorityIdParam }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).optional(),
      cursor: z.string().max(2048).optional(),
    }),
  },
  responses: {
    200: {
      description: 'Audit records',
      ...json(z.object({ records: z.array(AuditRecordSchema), cursor: z.string().optional() })),
    },
    ...validationError,
    ...authenticatedErrors,
  },
});

/** JSON round trip: turns readonly domain views into the plain shapes the response schemas describe. */
const plain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Build the directory route module over the directory use cases.
 *
 * @example
 * createApp({ ..., modules: [registerAuthMiddleware(...), registerDirectoryRoutes({ directory, now })] });
 */
export function registerDirectoryRoutes(deps: {
  directory: DirectoryService;
  now?: () => number;
}): (app: PouchApp) => void {
  const now = deps.now ?? Date.now;
  const call = (c: Context<AppEnv>): CallContext => ({
    principal: requirePrincipal(c),
    origin: readOrigin(c),
    now: now(),
  });
  const d = deps.directory;
  return (app) => {
    app.openapi(listRoute, async (c) =>
      c.json(plain({ authorities: await d.listAuthorities(call(c)) }), 200),
    );

    app.openapi(getRoute, async (c) =>
      c.json(plain(await d.getAuthority(call(c), c.req.valid('param').id)), 200),
    );

    app.openapi(createAuthorityRoute, async (c) => {
      const { authority, firstAdminId } = await d.createAuthority(call(c), c.req.valid('json'));
      const firstAdmin = { id: firstAdminId, clientId: formatClientId(authority.id, firstAdminId) };
      return c.json(plain({ authority, firstAdmin }), 201);
    });

    app.openapi(updateAuthorityRoute, async (c) => {
      const result = await d.updateAuthority(call(c), c.req.valid('param').id, c.req.valid('json'));
      return c.json(plain(result), 200);
    });

    app.openapi(setRecipientsRoute, async (c) => {
      return c.json(plain(await d.setRecipients(call(c), c.req.valid('param').id, c.req.valid('json'))), 200);
    });

    app.openapi(setAuthorityKeyRoute, async (c) => {
      return c.json(
        plain(await d.setAuthorityKey(call(c), c.req.valid('param').id, c.req.valid('json'))),
        200,
      );
    });

    app.openapi(updateDetailsRoute, async (c) => {
      return c.json(plain(await d.updateDetails(call(c), c.req.valid('param').id, c.req.valid('json'))), 200);
    });

    app.openapi(updateMemberRoute, async (c) => {
      const { id, memberId } = c.req.valid('param');
      return c.json(plain(await d.updateMember(call(c), id, memberId, c.req.valid('json'))), 200);
    });

    app.openapi(keyHistoryRoute, async (c) => {
      const { id, memberId } = c.req.valid('param');
      return c.json(plain(await d.listMemberKeys(call(c), id, memberId)), 200);
    });

    app.openapi(addMemberRoute, async (c) => {
      const { id } = c.req.valid('param');
      const member = await d.addMember(call(c), id, c.req.valid('json'));
      return c.json(plain({ ...member, clientId: formatClientId(id, member.id) }), 201);
    });

    app.openapi(addKeyRoute, async (c) => {
      const { id, memberId } = c.req.valid('param');
      return c.json(plain(await d.addKey(call(c), id, memberId, c.req.valid('json'))), 201);
    });

    app.openapi(revokeKeyRoute, async (c) => {
      const { id, memberId, kid } = c.req.valid('param');
      return c.json(plain(await d.revokeKey(call(c), id, memberId, kid)), 200);
    });

    app.openapi(profileRoute, async (c) => {
      const { version: _ignored, ...profile } = c.req.valid('json');
      return c.json(plain(await d.publishProfile(call(c), c.req.valid('param').id, profile)), 200);
    });

    app.openapi(auditRoute, async (c) => {
      const query = c.req.valid('query');
      const page = await d.readAudit(call(c), c.req.valid('param').id, {
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      return c.json(plain(page), 200);
    });
  };
}
