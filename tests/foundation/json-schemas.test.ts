// The published JSON Schemas (docs/schemas/) are what the zod definitions generate — a changed definition
// without `npm run docs:schemas` fails here — and they say what the exchange enforces: the example seed file and
// the demo profiles validate (JSON Schema and the seeding/publication rule alike), and a profile with a typo or a
// missing field fails both.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DEMO_AUTHORITIES } from '../../server/local/demo-profiles.ts';
import { buildJsonSchema, JSON_SCHEMA_NAMES } from '../../server/use-cases/identity/json-schemas.ts';
import { seedFileSchema } from '../../server/use-cases/identity/seed.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { validatePublishedProfile } from '../../shared/domain/requests/profile-publication.ts';

const repo = join(import.meta.dirname, '..', '..');
const readJson = async (path: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(repo, path), 'utf8')) as Record<string, unknown>;

const compile = (schema: Record<string, unknown>) =>
  new Ajv2020({ strict: false, allErrors: true }).compile(schema);

describe('docs/schemas', () => {
  it.each(JSON_SCHEMA_NAMES)(
    '%s.schema.json is what the zod definition generates (run npm run docs:schemas)',
    async (name) => {
      expect(await readJson(`docs/schemas/${name}.schema.json`)).toEqual(buildJsonSchema(name));
    },
  );

  it('the example seed file validates against the committed schema and the seeding rules', async () => {
    const example = await readJson('docs/examples/seed-file.json');
    const validate = compile(await readJson('docs/schemas/seed-file.schema.json'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    const parsed = seedFileSchema.parse(example);
    for (const a of parsed.authorities) {
      if (a.profile)
        expect(
          validatePublishedProfile('auth_exampleexampleexample1', a.profile).languages.length,
        ).toBeGreaterThan(0);
    }
  });

  it('the demo profiles validate against the committed requirement-profile schema', async () => {
    const validate = compile(await readJson('docs/schemas/requirement-profile.schema.json'));
    for (const demo of DEMO_AUTHORITIES)
      expect(validate(demo.profile), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a profile with a misspelt key, no languages or an unknown legal basis fails the schema and the publication rule', async () => {
    const validate = compile(await readJson('docs/schemas/requirement-profile.schema.json'));
    const base = { languages: ['en'], acceptedBases: ['untoc'] };
    for (const bad of [
      { ...base, extraRequierd: {} },
      { acceptedBases: ['untoc'] },
      { ...base, acceptedBases: ['bilateral:xa-xb'] },
    ]) {
      expect(validate(bad)).toBe(false);
      const error = (() => {
        try {
          validatePublishedProfile('auth_exampleexampleexample1', bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isPouchError(error, 'ERR_PROFILE_INVALID')).toBe(true);
    }
    expect(validate(base)).toBe(true);
  });
});
