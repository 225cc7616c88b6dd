// Wire schemas (core) of the published JSON Schemas: the name in GET /v1/schemas/{name} and the document it
// answers with (a JSON Schema, draft 2020-12, generated from the zod definitions that check the same input).
import { z } from 'zod';

export const JsonSchemaNameParamSchema = z
  .string()
  .min(1)
  .max(64)
  .meta({
    param: { name: 'name', in: 'path' },
    description: 'seed-file or requirement-profile',
    example: 'requirement-profile',
  });

export const JsonSchemaParamsSchema = z.object({ name: JsonSchemaNameParamSchema });

export const JsonSchemaDocumentSchema = z.record(z.string(), z.unknown()).meta({
  id: 'JsonSchemaDocument',
  description: 'A JSON Schema (draft 2020-12)',
});
