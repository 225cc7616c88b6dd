// The real thing once: esbuild bundles functions/api.ts with the shared options and the stack deploys that
// folder as the Lambda asset (the other infra tests use an inline stub to stay fast).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiBundleFile, apiHandler, lambdaBuildOptions } from '../../infra/bundle.ts';
import { bundledApiCode } from '../../infra/constructs/api-function.ts';
import { resourcesOf, synthPouch } from './synth-app.ts';

const outdir = mkdtempSync(join(tmpdir(), 'pouch-api-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('API bundle', () => {
  it('uses one set of esbuild options: ESM for node22, minified, with source maps', () => {
    expect(lambdaBuildOptions('x.ts', 'out')).toMatchObject({
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      sourcemap: true,
      bundle: true,
    });
    expect(apiHandler).toBe(`${apiBundleFile.replace(/\.mjs$/, '')}.handler`);
  });

  it('bundles functions/api.ts and ships it as the Lambda asset', () => {
    const pouch = synthPouch({ apiCode: bundledApiCode(outdir) });
    expect(readdirSync(outdir)).toEqual(expect.arrayContaining([apiBundleFile, `${apiBundleFile}.map`]));
    const fn = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::Lambda::Function'))[0]!;
    const code = fn.Properties?.Code as { S3Key?: unknown; ZipFile?: unknown };
    expect(code.ZipFile).toBeUndefined();
    expect(String(code.S3Key)).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(existsSync(join(outdir, apiBundleFile))).toBe(true);
  });
});
