// Docs tooling: renders the rules table of docs/architecture.md ("Layers") from .dependency-cruiser.mjs, so the
// document states exactly what `npm run lint:deps` enforces. `npm run docs:layers` rewrites the table between
// its markers; tests/foundation/architecture-doc.test.ts fails when the document's table differs.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

const root = fileURLToPath(new URL('../../', import.meta.url));

export const architectureDocPath = join(root, 'docs', 'architecture.md');
export const TABLE_BEGIN =
  '<!-- layers-table:begin (npm run docs:layers renders it from .dependency-cruiser.mjs) -->';
export const TABLE_END = '<!-- layers-table:end -->';

const pathSpec = z.union([z.string(), z.array(z.string())]).optional();
const ruleSchema = z.object({
  name: z.string().min(1),
  comment: z.string().min(1),
  from: z.object({ path: pathSpec, pathNot: pathSpec }),
});
const configModuleSchema = z.object({ default: z.object({ forbidden: z.array(ruleSchema).min(1) }) });

export type BoundaryRule = z.infer<typeof ruleSchema>;

/** The forbidden rules of the dependency-cruiser configuration, each with its human comment. */
export async function loadBoundaryRules(): Promise<BoundaryRule[]> {
  const configUrl = pathToFileURL(join(root, '.dependency-cruiser.mjs')).href;
  const loaded: unknown = await import(configUrl);
  return configModuleSchema.parse(loaded).default.forbidden;
}

/** The markdown table (without markers) for the rules, one row per rule, in configuration order. */
export function renderLayersTable(rules: readonly BoundaryRule[]): string {
  const header = ['rule', 'applies to', 'what it says'];
  const rows = rules.map((rule) =>
    [`\`${rule.name}\``, describeFrom(rule.from), rule.comment].map(escapeCell),
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The document with the text between the markers replaced by `table`. */
export function withLayersTable(document: string, table: string): string {
  const { before, after } = splitAtMarkers(document);
  return `${before}${TABLE_BEGIN}\n${table}\n${TABLE_END}${after}`;
}

/** The table currently between the markers. */
export function currentLayersTable(document: string): string {
  const { inside } = splitAtMarkers(document);
  return inside.trim();
}

function splitAtMarkers(document: string): { before: string; inside: string; after: string } {
  const begin = document.indexOf(TABLE_BEGIN);
  const end = document.indexOf(TABLE_END);
  if (begin < 0 || end < begin) {
    throw new Error(`${architectureDocPath} lacks the layers table markers`);
  }
  return {
    before: document.slice(0, begin),
    inside: document.slice(begin + TABLE_BEGIN.length, end),
    after: document.slice(end + TABLE_END.length),
  };
}

function describeFrom(from: BoundaryRule['from']): string {
  const path = describePath(from.path);
  const pathNot = describePath(from.pathNot);
  if (path && pathNot) return `${path} except ${pathNot}`;
  if (path) return path;
  if (pathNot) return `all but ${pathNot}`;
  return 'every file';
}

/** A plain folder pattern (`^server/policy/`) reads as the folder; anything else is shown as the regex. */
function describePath(spec: string | string[] | undefined): string | undefined {
  if (spec === undefined) return undefined;
  const patterns = Array.isArray(spec) ? spec : [spec];
  return patterns
    .map((pattern) => (/^\^[\w/-]+\/$/.test(pattern) ? `\`${pattern.slice(1)}\`` : `\`${pattern}\``))
    .join(', ');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

async function rewriteArchitectureDoc(): Promise<void> {
  const document = await readFile(architectureDocPath, 'utf8');
  const next = withLayersTable(document, renderLayersTable(await loadBoundaryRules()));
  if (next !== document) await writeFile(architectureDocPath, next);
  console.log(
    next === document
      ? 'layers table already up to date'
      : `rewrote the layers table in ${architectureDocPath}`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await rewriteArchitectureDoc();
}
