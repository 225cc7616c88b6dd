// Build step for the `pouch` bin (`npm run build:cli`, run by `prepare` on `npm ci`, and by the launcher when a
// source is newer): bundles client/cli/main.ts into one ESM file on plain Node, so no TypeScript compiles at run time.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const bundlePath = join(packageRoot, 'client/dist/pouch.mjs');
/** What the bundle was built from, and when: the launcher's freshness check reads it. */
export const inputsPath = join(packageRoot, 'client/dist/pouch.inputs.json');

/**
 * Files besides the bundle's own inputs whose change can change the bundle: this script (esbuild options) and
 * the package manifests (the `#sha256`/`#es256` import map, dependency versions after an install).
 */
const BUILD_FILES = ['client/bin/build-cli.mjs', 'package.json', 'package-lock.json'];

/**
 * How a bundle is built to run on plain Node as the bin runs: one ESM file with its dependencies inside. Also
 * used by bench/seal.bench.ts, whose RSS child must load the way the bin does for its figure to be the bin's.
 */
export const nodeBundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // ESM builds of the dependencies where they ship one; the `node` condition (platform node) picks the
  // node variants of `#sha256` and `#es256`.
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies still call `require` for Node built-ins.
  banner: {
    js: "import { createRequire as __pouchCreateRequire } from 'node:module';const require = __pouchCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

/**
 * Bundle the CLI. Written to temporary names then renamed, so a `pouch` started during a rebuild (or two
 * launchers rebuilding at once) runs a whole bundle, never a half-written one. The inputs list is written last,
 * stamped with the time the build started: a source saved during the build is newer and triggers another one.
 */
export async function buildCli() {
  const { build } = await import('esbuild');
  const startedMs = Date.now();
  const result = await build({
    ...nodeBundleOptions,
    absWorkingDir: packageRoot,
    entryPoints: ['client/cli/main.ts'],
    outfile: bundlePath,
    // Whitespace and syntax only: identifiers keep their names, so error names and stack frames stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
  });
  mkdirSync(dirname(bundlePath), { recursive: true });
  const suffix = `.${process.pid}.tmp`;
  for (const file of result.outputFiles) {
    writeFileSync(file.path + suffix, file.contents);
    renameSync(file.path + suffix, file.path);
  }
  // Only files on disk: esbuild names virtual inputs with a namespace prefix (`ns:path`). The dependencies'
  // files are not checked one by one (stat-ing a few hundred files under node_modules took 30 ms on every run):
  // npm rewrites its installed-tree record on every install that changes them.
  const files = Object.keys(result.metafile.inputs).filter((input) => !/^[\w-]+:/.test(input));
  const inputs = [...files.filter((input) => !input.includes('node_modules/')), ...BUILD_FILES];
  const installed = installedTreeMtime();
  writeFileSync(inputsPath + suffix, `${JSON.stringify({ startedMs, inputs, installed })}\n`);
  renameSync(inputsPath + suffix, inputsPath);
}

/**
 * Why the bundle cannot be run as is (missing, or a file it was built from changed since the build started),
 * or undefined when it is fresh. Input paths are relative to the package root.
 */
export function staleReason() {
  let record;
  try {
    record = JSON.parse(readFileSync(inputsPath, 'utf8'));
    statSync(bundlePath);
  } catch {
    return 'no CLI bundle yet';
  }
  if (record.installed !== installedTreeMtime()) return 'the installed packages changed';
  for (const input of record.inputs) {
    let mtimeMs;
    try {
      mtimeMs = statSync(join(packageRoot, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtimeMs >= record.startedMs) return `${input} changed`;
  }
  return undefined;
}

/** When npm last changed node_modules (its hidden lockfile), or null without one. */
function installedTreeMtime() {
  try {
    return statSync(join(packageRoot, 'node_modules/.package-lock.json')).mtimeMs;
  } catch {
    return null;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildCli();
}
