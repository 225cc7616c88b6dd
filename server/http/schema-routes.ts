// HTTP layer (primary adapter): the JSON Schemas of what operators and admins write — the seed file and the
// requirement profile — public like /openapi.json, the same documents docs/schemas/ holds.
import { createRoute } from '@hono/zod-openapi';
import { JsonSchemaDocumentSchema, JsonSchemaParamsSchema } from '../../shared/api/schemas.ts';
import { NotFoundError } from '../../shared/domain/errors.ts';
import { buildJsonSchema, isJsonSchemaName, JSON_SCHEMA_NAMES } from '../use-cases/identity/json-schemas.ts';
import type { PouchApp } from './app-env.ts';
import {
  jsonResponse,
  oversizedBodyError,
  problemResponse,
  publicRoute,
  serverErrors,
  validationErrors,
} from './openapi-responses.ts';

const schemaRoute = createRoute({
  method: 'get',
  path: '/v1/schemas/{name}',
  operationId: 'getJsonSchema',
  tags: ['system'],
  summary: `The JSON Schema of a document you write: ${JSON_SCHEMA_NAMES.join(' or ')} (draft 2020-12)`,
  description:
    'Generated from the definitions the exchange checks with: a requirement profile that does not validate is refused at publication (ERR_PROFILE_INVALID), and so is a seed file at seeding.',
  ...publicRoute,
  request: { params: JsonSchemaParamsSchema },
  responses: {
    200: jsonResponse(JsonSchemaDocumentSchema, 'The JSON Schema'),
    ...validationErrors,
    404: problemResponse('No schema by that name'),
    ...oversizedBodyError,
    ...serverErrors,
  },
});

/** Register GET /v1/schemas/{name} (public). */
export function registerSchemaRoutes(app: PouchApp): void {
  app.openapi(schemaRoute, (c) => {
    const { name } = c.req.valid('param');
    if (!isJsonSchemaName(name))
      throw new NotFoundError(`No schema named ${name}; try ${JSON_SCHEMA_NAMES.join(', ')}`);
    return c.json(buildJsonSchema(name), 200, { 'cache-control': 'public, max-age=300' });
  });
}
