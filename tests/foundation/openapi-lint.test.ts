// The OpenAPI document as integrators use it: Redocly CLI's recommended ruleset finds no error and no warning
// (so `npm test` keeps it that way), /docs shows request bodies resolved (no bare `$ref`), and a client generated
// from the document with openapi-typescript compiles and calls the local exchange.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestExchange } from '../support/local-exchange.ts';

const exec = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

describe('the OpenAPI document', () => {
  let exchange: Exchange;
  let work: string;
  let documentPath: string;
  let document: {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  };

  beforeAll(async () => {
    exchange = await startTestExchange();
    work = await mkdtemp(join(tmpdir(), 'pouch-openapi-'));
    documentPath = join(work, 'openapi.json');
    const text = await (await exchange.runtime.app.request('/openapi.json')).text();
    document = JSON.parse(text);
    await writeFile(documentPath, text);
  });
  afterAll(async () => {
    await exchange?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('has zero errors and zero warnings under Redocly CLI’s recommended ruleset', async () => {
    const run = await exec(
      bin('redocly'),
      ['lint', documentPath, '--extends', 'recommended', '--format', 'json'],
      {
        cwd: work,
        timeout: 120_000,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 150_000);

  it('/docs shows every request body resolved, never a bare $ref', async () => {
    const html = await (await exchange.runtime.app.request('/docs')).text();
    const bodies = [...html.matchAll(/<h4>Body \([^)]*\)<\/h4><pre>([\s\S]*?)<\/pre>/g)].map(
      (m) => m[1] ?? '',
    );
    const withBody = Object.values(document.paths)
      .flatMap((item) => Object.values(item))
      .filter((op) => op.requestBody).length;
    expect(bodies.length).toBe(withBody);
    expect(withBody).toBeGreaterThan(5);
    for (const body of bodies) expect(body).not.toContain('$ref');
  });

  it('generates a typed client with openapi-typescript that compiles and calls the local exchange', async () => {
    const types = join(work, 'pouch-api.d.ts');
    await exec(bin('openapi-typescript'), [documentPath, '--output', types], { timeout: 120_000 });
    const client = join(work, 'client.ts');
    await writeFile(
      client,
      `import type { paths } from './pouch-api.d.ts';
type Health = paths['/health']['get']['responses'][200]['content']['application/json'];
type Problem = paths['/v1/me']['get']['responses'][401]['content']['application/problem+json'];
const base = process.argv[2] as string;
const health: Health = (await (await fetch(base + '/health')).json()) as Health;
const me = await fetch(base + '/v1/me');
const problem: Problem = (await me.json()) as Problem;
const status: 'ok' = health.status;
process.stdout.write(JSON.stringify({ status, meStatus: me.status, code: problem.code }));
`,
    );
    await writeFile(join(work, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          types: ['node'],
          typeRoots: [join(repo, 'node_modules', '@types')],
          skipLibCheck: true,
        },
        files: ['client.ts', 'pouch-api.d.ts'],
      }),
    );
    const compiled = await exec(bin('tsc'), ['-p', join(work, 'tsconfig.json')], { timeout: 120_000 }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(compiled).toBe('');
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', client, exchange.url], {
      cwd: repo,
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual({ status: 'ok', meStatus: 401, code: 'ERR_UNAUTHENTICATED' });
  }, 200_000);
});
