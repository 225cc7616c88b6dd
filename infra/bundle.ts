// Build step for the API Lambda: the single esbuild definition that `npm run build:lambda`, the CDK construct
// (infra/constructs/api-function.ts) and the bundle bench all use, so the deployed artefact is the measured one.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build, buildSync, type Metafile } from 'esbuild';

/** Repository root, resolved from this file so the script works from any working directory. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Lambda entry point (a Hono app behind `hono/aws-lambda`). */
export const apiEntry = join(projectRoot, 'functions', 'api.ts');

/** Default output folder for `npm run build:lambda`. */
export const defaultApiOutdir = join(projectRoot, 'dist', 'api');

/**
 * File name of the bundle inside the output folder. `.mjs` makes Lambda load it as ESM without a
 * package.json next to it; ESM is needed because jose and hono ship ESM and the handler awaits at top level.
 */
export const apiBundleFile = 'index.mjs';

/** Lambda handler string matching {@link apiBundleFile} and the `handler` export of functions/api.ts. */
export const apiHandler = 'index.handler';

/**
 * CommonJS dependencies bundled into ESM still call `require` for Node built-ins; ESM has no `require`,
 * so the banner recreates one. The alias avoids clashing with a bundled module's own `createRequire` import.
 */
const requireShim =
  "import { createRequire as __pouchCreateRequire } from 'node:module';" +
  'const require = __pouchCreateRequire(import.meta.url);';

/**
 * The esbuild options for a Lambda bundle. Everything, including the AWS SDK, is bundled: the versions
 * pinned in package.json are the ones tested, whereas the SDK preinstalled in the runtime changes under us.
 *
 * @example
 * await esbuild.build(lambdaBuildOptions(apiEntry, 'dist/api'));
 */
export function lambdaBuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    absWorkingDir: projectRoot,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // Prefer ESM builds of dual packages: better tree shaking, and no CJS wrapper cost at cold start.
    mainFields: ['module', 'main'],
    banner: { js: requireShim },
    minify: true,
    // Stack traces map back to TypeScript via NODE_OPTIONS=--enable-source-maps; the sources themselves
    // are left out of the map to keep the asset small (they are in the repository).
    sourcemap: true,
    sourcesContent: false,
    // Licence texts go to a side file in the asset rather than into the hot module.
    legalComments: 'external',
    metafile: true,
    logLevel: 'warning',
  };
}

/** What a bundle run produced. */
export interface BundleResult {
  readonly outdir: string;
  /** Absolute path of the JavaScript bundle. */
  readonly file: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

function prepare(outdir: string): string {
  const dir = resolve(outdir);
  // A clean folder: stale files would otherwise end up in the Lambda asset and change its hash.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

function describe(outdir: string, metafile: Metafile | undefined): BundleResult {
  if (!metafile) throw new Error('esbuild returned no metafile');
  const file = join(outdir, apiBundleFile);
  return { outdir, file, bytes: statSync(file).size, metafile };
}

/**
 * Bundle functions/api.ts into `outdir` (default dist/api).
 *
 * @example
 * const { file, bytes } = await bundleApi();
 */
export async function bundleApi(outdir: string = defaultApiOutdir): Promise<BundleResult> {
  const dir = prepare(outdir);
  const result = await build(lambdaBuildOptions(apiEntry, dir));
  return describe(dir, result.metafile);
}

/**
 * Synchronous variant for CDK, whose constructs cannot await. Same options, same output.
 */
export function bundleApiSync(outdir: string = defaultApiOutdir): BundleResult {
  const dir = prepare(outdir);
  const result = buildSync(lambdaBuildOptions(apiEntry, dir));
  return describe(dir, result.metafile);
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const { file, bytes } = await bundleApi(process.argv[2] ?? defaultApiOutdir);
  console.log(`bundled ${file} (${(bytes / 1024).toFixed(1)} KB)`);
}
