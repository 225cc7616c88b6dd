// Architecture document vs boundary rules: the "Layers" table in docs/architecture.md must be exactly what
// tests/support/layers-table.ts renders from .dependency-cruiser.mjs, the configuration `npm run lint:deps` runs.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  architectureDocPath,
  currentLayersTable,
  loadBoundaryRules,
  renderLayersTable,
  withLayersTable,
} from '../support/layers-table.ts';

describe('docs/architecture.md layers table', () => {
  it('matches the dependency-cruiser configuration (run `npm run docs:layers` to regenerate it)', async () => {
    const document = await readFile(architectureDocPath, 'utf8');
    const expected = renderLayersTable(await loadBoundaryRules());
    expect(currentLayersTable(document)).toBe(expected);
  });

  it('notices a rule that changed in the configuration but not in the document', async () => {
    const rules = await loadBoundaryRules();
    const document = withLayersTable(await readFile(architectureDocPath, 'utf8'), renderLayersTable(rules));
    const changed = rules.map((rule, index) =>
      index === rules.length - 1 ? { ...rule, comment: `${rule.comment} Also bench/.` } : rule,
    );
    expect(currentLayersTable(document)).not.toBe(renderLayersTable(changed));
    expect(currentLayersTable(document)).not.toBe(renderLayersTable(rules.slice(1)));
  });

  it('covers every layer folder and states no cycles and no imports of tests', async () => {
    const names = (await loadBoundaryRules()).map((rule) => rule.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'no-circular',
        'not-to-tests',
        'layer-domain',
        'layer-core-crypto',
        'layer-core',
        'layer-policy',
        'layer-ports',
        'layer-config',
        'layer-use-cases',
        'layer-adapters',
        'layer-http',
        'layer-composition',
        'layer-local',
        'layer-client',
        'layer-infra',
      ]),
    );
  });
});
