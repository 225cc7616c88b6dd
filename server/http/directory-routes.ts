// HTTP layer (primary adapter): the directory of authorities — public reads for every authenticated party,
// operator registration, admins' member/key/profile management and the audit log. Handlers only translate
// HTTP to the directory use cases, which apply the policy with the principal.
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  AddedMemberSchema,
  AddKeySchema,
  AddMemberSchema,
  AuditPageSchema,
  AuditQuerySchema,
  AuthorityListSchema,
  AuthorityParamsSchema,
  AuthoritySchema,
  CreateAuthoritySchema,
  CreatedAuthoritySchema,
  DirectoryLogQuerySchema,
  DirectoryLogSchema,
  KeyParamsSchema,
  MemberKeyHistorySchema,
  MemberParamsSchema,
  MemberSchema,
  PublishProfileSchema,
  SetAuthorityKeySchema,
  SetMemberKeysSchema,
  SetRecipientsSchema,
  UpdateAuthoritySchema,
  UpdateDetailsSchema,
  UpdateMemberSchema,
} from '../../shared/api/directory.ts';
import { formatClientId } from '../../shared/domain/identity/ids.ts';
import type { CallContext } from '../use-cases/identity/directory-model.ts';
import type { DirectoryService } from '../use-cases/identity/directory-service.ts';
import type { AppEnv, PouchApp } from './app-env.ts';
import { readOrigin, requirePrincipal } from './auth-middleware.ts';
import {
  bodyErrors,
  jsonResponse,
  problemResponse,
  secured,
  securedErrors,
  validationErrors,
} from './openapi-responses.ts';

const tags = ['directory'];
const conflictError = { 409: problemResponse('Concurrent change or duplicate key') };
const scopeError = {
  403: problemResponse(
    "The change is not the caller's to make: the operator registers authorities and nothing inside them (ERR_DIRECTORY_SCOPE), or the caller's role does not permit it (ERR_FORBIDDEN)",
  ),
};
const statementError = {
  422: problemResponse('Not signed by the current authority key, or stale (ERR_STATEMENT_INVALID)'),
};
const profileError = {
  422: problemResponse(
    'The profile does not have the documented shape (ERR_PROFILE_INVALID; GET /v1/schemas/requirement-profile), or requires a field no request of that kind carries (ERR_PROFILE_FIELD_UNKNOWN)',
  ),
};
const profileOrStatementError = {
  422: problemResponse(
    'Not signed by the current authority key, or stale (ERR_STATEMENT_INVALID); or the profile does not have the documented shape (ERR_PROFILE_INVALID; GET /v1/schemas/requirement-profile) or requires a field no request of that kind carries (ERR_PROFILE_FIELD_UNKNOWN)',
  ),
};
const jsonBody = <T>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/directory/authorities',
  operationId: 'listAuthorities',
  tags,
  ...secured,
  summary: 'The public directory: every authority with its keys, recipients, profile, languages and treaties',
  responses: {
    200: jsonResponse(AuthorityListSchema, 'The directory'),
    ...securedErrors,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/directory/authorities/{id}',
  operationId: 'getAuthority',
  tags,
  ...secured,
  summary: "One authority's public directory entry",
  request: { params: AuthorityParamsSchema },
  responses: { 200: jsonResponse(AuthoritySchema, 'The authority'), ...validationErrors, ...securedErrors },
});

const createAuthorityRoute = createRoute({
  method: 'post',
  path: '/v1/directory/authorities',
  operationId: 'createAuthority',
  tags,
  ...secured,
  summary: 'Operator: register an authority and its first admin',
  request: jsonBody(CreateAuthoritySchema),
  responses: {
    201: jsonResponse(CreatedAuthoritySchema, 'Registered'),
    ...bodyErrors,
    ...securedErrors,
    ...conflictError,
    ...profileError,
  },
});

const updateAuthorityRoute = createRoute({
  method: 'patch',
  path: '/v1/directory/authorities/{id}',
  operationId: 'updateAuthority',
  tags,
  ...secured,
  summary: "Operator: change an authority's name, country, roles or status (nothing inside it)",
  request: { params: AuthorityParamsSchema, ...jsonBody(UpdateAuthoritySchema) },
  responses: {
    200: jsonResponse(AuthoritySchema, 'Updated'),
    ...bodyErrors,
    ...scopeError,
    ...securedErrors,
    ...conflictError,
  },
});

const setAuthorityKeyRoute = createRoute({
  method: 'put',
  path: '/v1/directory/authorities/{id}/authority-key',
  operationId: 'setAuthorityKey',
  tags,
  ...secured,
  summary:
    'Register (operator, onboarding, once) or rotate (admins, signed by the previous key) the authority key',
  request: { params: AuthorityParamsSchema, ...jsonBody(SetAuthorityKeySchema) },
  responses: {
    200: jsonResponse(AuthoritySchema, 'Registered or rotated'),
    ...bodyErrors,
    ...scopeError,
    ...statementError,
    ...securedErrors,
    ...conflictError,
  },
});

const setRecipientsRoute = createRoute({
  method: 'put',
  path: '/v1/directory/authorities/{id}/recipients',
  operationId: 'setRecipients',
  tags,
  ...secured,
  summary:
    'Admin of the authority: publish its age recipients, signed by the authority key (never the operator)',
  request: { params: AuthorityParamsSchema, ...jsonBody(SetRecipientsSchema) },
  responses: {
    200: jsonResponse(AuthoritySchema, 'Published'),
    ...bodyErrors,
    ...statementError,
    ...securedErrors,
    ...conflictError,
  },
});

const updateDetailsRoute = createRoute({
  method: 'patch',
  path: '/v1/directory/authorities/{id}/details',
  operationId: 'updateAuthorityDetails',
  tags,
  ...secured,
  summary: 'Admin of the authority: change its languages and treaties',
  request: { params: AuthorityParamsSchema, ...jsonBody(UpdateDetailsSchema) },
  responses: {
    200: jsonResponse(AuthoritySchema, 'Updated'),
    ...bodyErrors,
    ...securedErrors,
    ...conflictError,
  },
});

const keyHistoryRoute = createRoute({
  method: 'get',
  path: '/v1/directory/authorities/{id}/members/{memberId}/keys',
  operationId: 'listMemberKeys',
  tags,
  ...secured,
  summary:
    "The member itself, its authority's admins and auditors: every key ever registered under the member's name",
  request: { params: MemberParamsSchema },
  responses: {
    200: jsonResponse(MemberKeyHistorySchema, 'Key history'),
    ...validationErrors,
    ...securedErrors,
  },
});

const updateMemberRoute = createRoute({
  method: 'patch',
  path: '/v1/directory/authorities/{id}/members/{memberId}',
  operationId: 'updateMember',
  tags,
  ...secured,
  summary:
    "Admin of the authority: change a member's name, role or status; a deactivated member's tokens stop at once",
  request: { params: MemberParamsSchema, ...jsonBody(UpdateMemberSchema) },
  responses: {
    200: jsonResponse(MemberSchema, 'Updated'),
    ...bodyErrors,
    ...securedErrors,
    ...conflictError,
  },
});

const addMemberRoute = createRoute({
  method: 'post',
  path: '/v1/directory/authorities/{id}/members',
  operationId: 'addMember',
  tags,
  ...secured,
  summary: 'Admin of the authority: add a member with its first public key',
  request: { params: AuthorityParamsSchema, ...jsonBody(AddMemberSchema) },
  responses: {
    201: jsonResponse(AddedMemberSchema, 'Added'),
    ...bodyErrors,
    ...securedErrors,
    ...conflictError,
  },
});

const addKeyRoute = createRoute({
  method: 'post',
  path: '/v1/directory/authorities/{id}/members/{memberId}/keys',
  operationId: 'addMemberKey',
  tags,
  ...secured,
  summary: 'Admin of the authority: add a key to a member, optionally revoking others (rotation)',
  request: { params: MemberParamsSchema, ...jsonBody(AddKeySchema) },
  responses: {
    201: jsonResponse(MemberSchema, 'Added'),
    ...bodyErrors,
    ...securedErrors,
    ...conflictError,
  },
});

const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/directory/authorities/{id}/members/{memberId}/keys/{kid}',
  operationId: 'revokeMemberKey',
  tags,
  ...secured,
  summary: 'Admin of the authority: revoke a key; it stops working at once, including issued access tokens',
  request: { params: KeyParamsSchema },
  responses: {
    200: jsonResponse(MemberSchema, 'Revoked (or already revoked)'),
    ...validationErrors,
    ...securedErrors,
    ...conflictError,
  },
});

const profileRoute = createRoute({
  method: 'put',
  path: '/v1/directory/authorities/{id}/profile',
  operationId: 'publishProfile',
  tags,
  ...secured,
  summary:
    'Admin of the authority: publish its requirement profile, signed by the authority key (the version increases by one)',
  request: { params: AuthorityParamsSchema, ...jsonBody(PublishProfileSchema) },
  responses: {
    200: jsonResponse(AuthoritySchema, 'Published'),
    ...bodyErrors,
    ...securedErrors,
    ...conflictError,
    ...profileOrStatementError,
  },
});

const memberKeysRoute = createRoute({
  method: 'put',
  path: '/v1/directory/authorities/{id}/members/{memberId}/keys-statement',
  operationId: 'publishMemberKeysStatement',
  tags,
  ...secured,
  summary:
    "Admin of the authority: publish a member's keys signed by the authority key; pinned clients trust only these",
  request: { params: MemberParamsSchema, ...jsonBody(SetMemberKeysSchema) },
  responses: {
    200: jsonResponse(MemberSchema, 'Published'),
    ...bodyErrors,
    ...securedErrors,
    ...conflictError,
    ...statementError,
  },
});

const logRoute = createRoute({
  method: 'get',
  path: '/v1/directory/log',
  operationId: 'getDirectoryLog',
  tags,
  ...secured,
  summary:
    'The directory log: every directory change, hash-chained, with proofs that its heads are in the latest signed checkpoint',
  request: { query: DirectoryLogQuerySchema },
  responses: {
    200: jsonResponse(DirectoryLogSchema, 'A page of the log'),
    ...validationErrors,
    ...securedErrors,
  },
});

const auditRoute = createRoute({
  method: 'get',
  path: '/v1/directory/authorities/{id}/audit',
  operationId: 'listDirectoryAudit',
  tags,
  ...secured,
  summary: 'Admins and auditors of the authority: its directory audit log, newest first',
  request: { params: AuthorityParamsSchema, query: AuditQuerySchema },
  responses: {
    200: jsonResponse(AuditPageSchema, 'Audit records'),
    ...validationErrors,
    ...securedErrors,
  },
});

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
    app.openapi(listRoute, async (c) => c.json({ authorities: await d.listAuthorities(call(c)) }, 200));

    app.openapi(getRoute, async (c) => c.json(await d.getAuthority(call(c), c.req.valid('param').id), 200));

    app.openapi(createAuthorityRoute, async (c) => {
      const { authority, firstAdminId } = await d.createAuthority(call(c), c.req.valid('json'));
      const firstAdmin = { id: firstAdminId, clientId: formatClientId(authority.id, firstAdminId) };
      return c.json({ authority, firstAdmin }, 201);
    });

    app.openapi(updateAuthorityRoute, async (c) => {
      const result = await d.updateAuthority(call(c), c.req.valid('param').id, c.req.valid('json'));
      return c.json(result, 200);
    });

    app.openapi(setRecipientsRoute, async (c) =>
      c.json(await d.setRecipients(call(c), c.req.valid('param').id, c.req.valid('json')), 200),
    );

    app.openapi(setAuthorityKeyRoute, async (c) =>
      c.json(await d.setAuthorityKey(call(c), c.req.valid('param').id, c.req.valid('json')), 200),
    );

    app.openapi(updateDetailsRoute, async (c) =>
      c.json(await d.updateDetails(call(c), c.req.valid('param').id, c.req.valid('json')), 200),
    );

    app.openapi(updateMemberRoute, async (c) => {
      const { id, memberId } = c.req.valid('param');
      return c.json(await d.updateMember(call(c), id, memberId, c.req.valid('json')), 200);
    });

    app.openapi(keyHistoryRoute, async (c) => {
      const { id, memberId } = c.req.valid('param');
      return c.json(await d.listMemberKeys(call(c), id, memberId), 200);
    });

    app.openapi(addMemberRoute, async (c) => {
      const { id } = c.req.valid('param');
      const member = await d.addMember(call(c), id, c.req.valid('json'));
      return c.json({ ...member, clientId: formatClientId(id, member.id) }, 201);
    });

    app.openapi(addKeyRoute, async (c) => {
      const { id, memberId } = c.req.valid('param');
      return c.json(await d.addKey(call(c), id, memberId, c.req.valid('json')), 201);
    });

    app.openapi(revokeKeyRoute, async (c) => {
      const { id, memberId, kid } = c.req.valid('param');
      return c.json(await d.revokeKey(call(c), id, memberId, kid), 200);
    });

    app.openapi(profileRoute, async (c) =>
      c.json(await d.publishProfile(call(c), c.req.valid('param').id, c.req.valid('json')), 200),
    );

    app.openapi(memberKeysRoute, async (c) => {
      const { id, memberId } = c.req.valid('param');
      const member = await d.setMemberKeys(call(c), id, memberId, c.req.valid('json').statement);
      return c.json(member, 200);
    });

    app.openapi(logRoute, async (c) => {
      const query = c.req.valid('query');
      return c.json(await d.readLog(call(c), { from: query.from, limit: query.limit }), 200);
    });

    app.openapi(auditRoute, async (c) => {
      const query = c.req.valid('query');
      const page = await d.readAudit(call(c), c.req.valid('param').id, {
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      return c.json(page, 200);
    });
  };
}
