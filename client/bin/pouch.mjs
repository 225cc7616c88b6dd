#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1
// CLI launcher for the `pouch` bin: runs the CLI bundle (client/dist/pouch.mjs, built by `npm run build:cli`) on
// plain Node, rebuilding it first when a file it was built from is newer, so a checkout never runs stale code.
// Paths are relative to this package, not the caller's folder, so `pouch` works from anywhere once linked.
// The shebang's settings keep `pouch send`/`pouch fetch` well under 200 MB of peak RSS (docs/transfer.md, Memory):
// 1 MiB young-generation semi-spaces make V8 collect the dead 64 KiB socket and cipher buffers of a transfer
// within a few megabytes instead of 16 (the crypto workers release their cipher outputs at once, and the seal
// workers set their own limit); two glibc malloc arenas instead of one per thread stop each thread from keeping
// its own high-water mark of freed buffers.
import { pathToFileURL } from 'node:url';
import { buildCli, bundlePath, staleReason } from './build-cli.mjs';

const debug = process.env.POUCH_DEBUG === '1';
const stale = staleReason();
if (stale !== undefined) {
  // Rebuilding (about a second with esbuild) rather than running the sources under tsx: tsx compiles TypeScript
  // in the process, which costs 50 MB of RSS and a slower start on every later run too.
  if (debug) process.stderr.write(`pouch: rebuilding the CLI bundle (${stale})\n`);
  try {
    await buildCli();
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    process.stderr.write(
      `pouch: the CLI bundle could not be rebuilt (${stale}): ${detail}; fix the sources or run 'npm run build:cli'\n`,
    );
    process.exit(1);
  }
}
// Mapped stack traces only with POUCH_DEBUG=1, the only time the CLI prints them: Node parses the whole source
// map when the bundle loads once they are enabled.
if (debug) process.setSourceMapsEnabled(true);
await import(pathToFileURL(bundlePath).href);
