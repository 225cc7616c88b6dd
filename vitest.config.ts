// Test runner configuration: unit, integration (embedded servers) and infra suites in one run.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: ['--openssl-legacy-provider'],
    // Pinned SDK versions on the Node 20 dev machine: the SDK's future-support notice is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
