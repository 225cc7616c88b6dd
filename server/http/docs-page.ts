// HTTP layer: renders the OpenAPI document as one self-contained HTML page — no CDN, no script, works offline.

interface OpenApiLike {
  info?: { title?: string; description?: string; version?: string };
  paths?: Record<string, Record<string, OperationLike | undefined> | undefined>;
  components?: { schemas?: Record<string, unknown> };
}

interface OperationLike {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{
    name: string;
    in: string;
    required?: boolean;
    schema?: unknown;
    description?: string;
  }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Escape text for HTML element and attribute content. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const REF_PREFIX = '#/components/schemas/';

/**
 * A schema with every `$ref` to a component replaced by the component itself, so a reader sees the fields of a
 * request body instead of a pointer. A schema that refers to itself (directly or not) keeps that one `$ref`.
 */
export function resolveSchemaRefs(
  value: unknown,
  schemas: Readonly<Record<string, unknown>>,
  open: ReadonlySet<string> = new Set(),
): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveSchemaRefs(item, schemas, open));
  if (value === null || typeof value !== 'object') return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) {
    const name = ref.slice(REF_PREFIX.length);
    const target = schemas[name];
    if (target === undefined || open.has(name)) return value;
    const { $ref: _ref, ...siblings } = value as Record<string, unknown>;
    const resolved = resolveSchemaRefs(target, schemas, new Set([...open, name]));
    return Object.keys(siblings).length === 0 || typeof resolved !== 'object' || resolved === null
      ? resolved
      : { ...(resolved as Record<string, unknown>), ...siblings };
  }
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) out[key] = resolveSchemaRefs(member, schemas, open);
  return out;
}

/** Render the API reference page from the OpenAPI document. */
export function renderDocsPage(document: object): string {
  const doc = document as OpenApiLike;
  const components = doc.components?.schemas ?? {};
  const title = escapeHtml(doc.info?.title ?? 'API');
  const ops: string[] = [];
  const toc: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const op = item?.[method];
      if (!op) continue;
      const id = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-');
      toc.push(
        `<li><a href="#${id}"><code class="m ${method}">${method.toUpperCase()}</code> ${escapeHtml(path)}</a></li>`,
      );
      ops.push(renderOperation(id, method, path, op, components));
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(
      ([name, schema]) =>
        `<details id="schema-${escapeHtml(name)}"><summary>${escapeHtml(name)}</summary>${json(schema)}</details>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} — API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;display:grid;grid-template-columns:18rem 1fr}
nav{background:#f4f6f8;padding:1rem;height:100vh;overflow:auto;position:sticky;top:0;border-right:1px solid #d8dee4}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:.2rem 0;font-size:13px}nav a{color:inherit;text-decoration:none}
main{padding:1.5rem 2rem;max-width:60rem}section{border:1px solid #d8dee4;border-radius:6px;padding:1rem;margin:1rem 0}
code.m{font-weight:700;padding:0 .3rem;border-radius:3px;color:#fff}.get{background:#1f6feb}.post{background:#1a7f37}
.put,.patch{background:#9a6700}.delete{background:#cf222e}pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:12px}
table{border-collapse:collapse}td,th{border:1px solid #d8dee4;padding:.2rem .5rem;text-align:left;font-size:13px}
</style></head><body>
<nav><strong>${title}</strong><p><a href="/openapi.json">openapi.json</a></p><ul>${toc.join('')}</ul></nav>
<main><h1>${title}</h1><p>${escapeHtml(doc.info?.description ?? '')}</p>${ops.join('\n')}
<h2>Schemas</h2>${schemas}</main></body></html>`;
}

function renderOperation(
  id: string,
  method: string,
  path: string,
  op: OperationLike,
  components: Readonly<Record<string, unknown>>,
): string {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${escapeHtml(p.description ?? '')}</td></tr>`,
    )
    .join('');
  const body = Object.entries(op.requestBody?.content ?? {})
    .map(([type, c]) => `<h4>Body (${escapeHtml(type)})</h4>${json(resolveSchemaRefs(c.schema, components))}`)
    .join('');
  const responses = Object.entries(op.responses ?? {})
    .map(
      ([status, r]) => `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(r.description ?? '')}</li>`,
    )
    .join('');
  return `<section id="${id}"><h3><code class="m ${method}">${method.toUpperCase()}</code> ${escapeHtml(path)}</h3>
<p>${escapeHtml(op.summary ?? '')}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}
${op.security && op.security.length > 0 ? '<p><em>Requires a bearer access token.</em></p>' : ''}
${params ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>description</th></tr>${params}</table>` : ''}
${body}<h4>Responses</h4><ul>${responses}</ul></section>`;
}

function json(value: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2) ?? '')}</pre>`;
}
