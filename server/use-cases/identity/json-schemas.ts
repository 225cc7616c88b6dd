// Use case support: the JSON Schemas an operator and an authority's admins write against — the seed file and the
// requirement profile — generated from the zod definitions that check them (seed.ts, profile-publication.ts), so
// the documentation cannot drift from the code. Served at GET /v1/schemas/{name}; `npm run docs:schemas` writes
// the same documents to docs/schemas/, and a test fails when the committed files differ.
import { z } from 'zod';
import { MULTILATERAL_TREATIES } from '../../../shared/domain/requests/instruments.ts';
import { publishableProfileSchema } from '../../../shared/domain/requests/profile-publication.ts';
import { seedFileSchema, seedProfileField } from './seed.ts';

/** The schemas Pouch publishes, by the name in their URL and file name (`<name>.schema.json`). */
export const JSON_SCHEMA_NAMES = ['seed-file', 'requirement-profile'] as const;
export type JsonSchemaName = (typeof JSON_SCHEMA_NAMES)[number];

/** True when `name` is one of the published schemas. */
export function isJsonSchemaName(name: string): name is JsonSchemaName {
  return (JSON_SCHEMA_NAMES as readonly string[]).includes(name);
}

type JsonObject = Record<string, unknown>;

// A legal basis is checked by a predicate (isTreatyId); JSON Schema gets the same rule as a pattern.
const treatyIdJsonSchema = {
  type: 'string',
  pattern: `^(${[...MULTILATERAL_TREATIES, 'reciprocity'].join('|')}|bilateral:[A-Z]{2}-[A-Z]{2})$`,
  description:
    'A legal basis: untoc, budapest, budapest-p2, uncac, reciprocity, or bilateral:AA-BB (the two ISO codes sorted)',
};

function generate(schema: z.ZodType, replacements: ReadonlyMap<z.core.$ZodType, JsonObject>): JsonObject {
  return z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    // The one custom type (a legal basis) is replaced below; 'any' only lets the generator reach the override.
    unrepresentable: 'any',
    override(ctx) {
      const replacement =
        replacements.get(ctx.zodSchema) ??
        (ctx.zodSchema._zod.def.type === 'custom' ? treatyIdJsonSchema : undefined);
      if (!replacement) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
      Object.assign(ctx.jsonSchema, replacement);
    },
  }) as JsonObject;
}

function profileJsonSchema(): JsonObject {
  return generate(publishableProfileSchema, new Map());
}

/**
 * The JSON Schema (draft 2020-12) of a published document, with a title and description.
 *
 * @example
 * const schema = buildJsonSchema('requirement-profile'); // what GET /v1/schemas/requirement-profile answers
 */
export function buildJsonSchema(name: JsonSchemaName): JsonObject {
  if (name === 'requirement-profile') {
    return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...profileJsonSchema() };
  }
  const { $schema: _inner, ...profile } = profileJsonSchema();
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Pouch directory seed file',
    description:
      "The operator's members and the first authorities, as `npm run seed -- FILE` reads them. Ids are optional: absent ones are derived from the country and name, so reseeding is stable.",
    ...generate(seedFileSchema, new Map([[seedProfileField, profile]])),
  };
}

/** A schema as committed under docs/schemas/: two-space JSON with a final newline. */
export function renderJsonSchema(name: JsonSchemaName): string {
  return `${JSON.stringify(buildJsonSchema(name), null, 2)}\n`;
}
