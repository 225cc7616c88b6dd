// Test runner configuration: two projects in one run. `unit` holds the pure suites (domain, crypto, policy,
// schemas, client logic: no embedded servers, no subprocesses, no CDK synth) and runs alone as
// `npm run test:unit`; `integration` is every other suite. `npm test` runs both, so each file runs once.
import { defineConfig } from 'vitest/config';

/**
 * The pure suites. A file not listed here runs in `integration`, so a new suite is never skipped. The age
 * key and native sealing suites stay out: they run the `age` CLI as a subprocess for interoperability.
 */
const unitSuites = [
  'tests/client/authority-key-rotation-plan.test.ts',
  'tests/client/authority-resolver.test.ts',
  'tests/client/cli-router.test.ts',
  'tests/client/client-assertion.test.ts',
  'tests/client/keystore.test.ts',
  'tests/client/pouch-client.test.ts',
  'tests/client/progress.test.ts',
  'tests/crypto/age-portable.test.ts',
  'tests/documents/upload-plan.test.ts',
  'tests/exchange/state-machine.test.ts',
  'tests/foundation/architecture-doc.test.ts',
  'tests/foundation/config.test.ts',
  'tests/foundation/json-schemas.test.ts',
  'tests/foundation/signer.test.ts',
  'tests/identity/policy.test.ts',
  'tests/ledger/chain-verification.test.ts',
  'tests/ledger/custody-signing.test.ts',
  'tests/ledger/merkle.test.ts',
  'tests/ledger/rfc8785.test.ts',
  'tests/requests/check.test.ts',
  'tests/requests/draft.test.ts',
  'tests/requests/instruments.test.ts',
  'tests/requests/legal-basis.test.ts',
  'tests/requests/profile.test.ts',
  'tests/requests/profile-publication.test.ts',
  'tests/requests/properties.test.ts',
  'tests/requests/render-html.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: ['--openssl-legacy-provider'],
    // Pinned SDK versions on the Node 20 dev machine: the SDK's future-support notice is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      { extends: true, test: { name: 'unit', include: unitSuites, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 0 },
          include: ['tests/**/*.test.ts'],
          exclude: [...unitSuites, 'tests/portal/**'],
        },
      },
      {
        // The officers' portal in Debian's chromium (playwright-core, no browser download): the suite's setup
        // builds the app once; each file starts its own exchange serving it.
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/portal/**/*.test.ts'],
          // After the other projects, not beside them: chromium sealing 100 MiB takes a whole core, and on two
          // cores it would push the CLI suites' subprocesses past their time limits.
          sequence: { groupOrder: 1 },
          globalSetup: ['tests/portal/build-portal.setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
