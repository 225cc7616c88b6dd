#!/usr/bin/env node
// CLI launcher for the `pouch` bin: registers tsx relative to this package (not the caller's folder), then runs
// the TypeScript entry point, so `pouch` works from any directory once the package is linked.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
