// Developer entry: `npm run docs:schemas` writes the JSON Schemas of the seed file and the requirement profile,
// generated from their zod definitions (server/use-cases/identity/json-schemas.ts), to docs/schemas/, formatted
// the way Biome checks them. A test fails when the committed files say something else than what this writes,
// so run it after changing either definition.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JSON_SCHEMA_NAMES, renderJsonSchema } from '../server/use-cases/identity/json-schemas.ts';

const root = join(import.meta.dirname, '..');
const paths = JSON_SCHEMA_NAMES.map((name) => join(root, 'docs', 'schemas', `${name}.schema.json`));
for (const [i, name] of JSON_SCHEMA_NAMES.entries()) await writeFile(paths[i] ?? '', renderJsonSchema(name));
execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', ...paths], {
  stdio: 'inherit',
});
for (const path of paths) console.log(`wrote ${path}`);
