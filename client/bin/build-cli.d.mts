// Types for client/bin/build-cli.mjs, written by hand: the project has no `allowJs`, and the TypeScript benches
// import its esbuild options so their bundles load the way the bin's does.
import type { BuildOptions } from 'esbuild';

/** The package root (the folder holding package.json). */
export declare const packageRoot: string;
/** The CLI bundle the launcher runs. */
export declare const bundlePath: string;
/** What the bundle was built from, and when: the launcher's freshness check reads it. */
export declare const inputsPath: string;

/** How a bundle is built to run on plain Node as the bin runs; spread it into esbuild's `build()` options. */
export declare const nodeBundleOptions: Readonly<
  Pick<BuildOptions, 'bundle' | 'platform' | 'target' | 'format' | 'mainFields' | 'banner' | 'logLevel'>
>;

/** Bundle the CLI into {@link bundlePath} and record its inputs in {@link inputsPath}. */
export declare function buildCli(): Promise<void>;

/** Why the bundle cannot be run as is, or undefined when it is fresh. */
export declare function staleReason(): string | undefined;
