// Portal build (Vite): the officers' single-page app, built to portal/dist and served by the exchange at `/`
// (server/http/portal-static.ts locally; CloudFront on AWS). No inline script, so the strict CSP holds, and no
// Node built-in may slip into the bundle: the shared core must run in the browser as it is.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/** Fails the build when browser code imports a Node built-in (Vite would only stub it and warn). */
function refuseNodeBuiltins(): Plugin {
  return {
    name: 'pouch-refuse-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (nodeBuiltins.has(source)) {
        throw new Error(`The portal must not import the Node built-in '${source}' (from ${importer ?? '?'})`);
      }
      return null;
    },
  };
}

export const portalRoot = fileURLToPath(new URL('.', import.meta.url));
export const portalOutDir = fileURLToPath(new URL('./dist', import.meta.url));

export default defineConfig({
  root: portalRoot,
  base: '/',
  plugins: [refuseNodeBuiltins(), react()],
  worker: { format: 'es', plugins: () => [refuseNodeBuiltins()] },
  build: {
    outDir: portalOutDir,
    emptyOutDir: true,
    target: 'es2022',
    // Everything as files: the CSP allows no inline script, and data: only for images.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
    // The request templates (zod schemas with their citations) are most of the app; one chunk is fine locally.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      onwarn(warning, warn) {
        // Libraries' misplaced /* @__PURE__ */ comments: harmless, and not ours to fix.
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
