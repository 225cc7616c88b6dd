// Benchmark entry (`npm run bench`): runs every bench/*.bench.ts in turn, or those named on the command line, in
// one process. A bench is a file that exports `run()`; nothing else registers it. A bench that fails is reported
// and the others still run; the exit code is non-zero when any failed.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Pinned SDK versions on the Node 20 dev machine: the SDK's future-support notice is noise in bench output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const failed: string[] = [];
// An error a bench left behind (a late callback of a server it stopped) belongs to that bench: report it there
// instead of letting it end the run before the later benches.
let current = '';
process.on('unhandledRejection', (reason) => {
  console.error(`[${current}] unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`);
  failed.push(`${current} (unhandled rejection)`);
});

for (const file of files) {
  current = file.replace('.bench.ts', '');
  console.log(`\n== ${current} ==`);
  const started = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
    await mod.run();
  } catch (error) {
    failed.push(current);
    console.error(`[${current}] FAILED: ${String((error as Error)?.stack ?? error)}`);
  }
  console.log(`(${current}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

if (failed.length > 0) {
  console.error(`\nbenches failed: ${[...new Set(failed)].join(', ')}`);
  process.exitCode = 1;
} else {
  console.log(`\nall ${files.length} benches ran`);
}
