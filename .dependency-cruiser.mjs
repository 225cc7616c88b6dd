// Layer boundaries that fail the build: `npm run lint:deps` (part of `npm test`) checks every import against
// these rules; tests/support/layers-table.ts renders the table in docs/architecture.md ("Layers") from them.
//
// Each layer is a whitelist: a dependency from the layer's folder is an error unless its target matches one of
// the layer's `mayImport` entries. The label beside each pattern is what the architecture document shows, so
// the words and the regex are written once, side by side. Node built-ins resolve to their bare name
// ("crypto", "fs/promises") and carry the dependency type "core".

/** npm packages by name (a scope may be written `@noble/[^/]+`). */
const npm = (...names) => `^node_modules/(${names.join('|')})/`;

const SHARED = { label: '`shared/`', path: '^shared/' };
const DOMAIN = { label: '`shared/domain/`', path: '^shared/domain/' };
const PURE_LIBRARIES = {
  label: 'pure libraries (zod, jose, age-encryption, @noble/\\*, @scure/\\*, canonicalize, yaml)',
  path: npm('zod', 'jose', 'age-encryption', '@noble/[^/]+', '@scure/[^/]+', 'canonicalize', 'yaml'),
};
const ANY_PACKAGE = { label: 'any npm package', path: '^node_modules/' };
/** Every Node built-in; matched by dependency type, not by path. */
const NODE = { label: '`node:*`', core: true };
const server = (...folders) => ({
  label: folders.map((folder) => `\`server/${folder}/\``).join(', '),
  path: `^server/(${folders.join('|')})/`,
});

/**
 * The layers, innermost first. `from` selects the files (with an optional `except`), `mayImport` is the
 * whole whitelist for them.
 */
export const layers = [
  {
    name: 'domain',
    role: 'domain: errors, ids, identity, ledger, requests',
    from: '^shared/domain/',
    mayImport: [
      DOMAIN,
      {
        label: 'zod, yaml, canonicalize, @noble/hashes, @scure/base',
        path: npm('zod', 'yaml', 'canonicalize', '@noble/hashes', '@scure/base'),
      },
      // Debt, recorded rather than hidden: ids, ledger hashing and JWK checks still call node:crypto. The
      // browser core (STYLE.md, habit 12) needs them on Web Crypto; until then no other built-in may come in.
      { label: '`node:crypto` (hashing and ids, until they move to Web Crypto)', path: '^crypto$' },
    ],
  },
  {
    name: 'core-crypto',
    role: 'crypto: age sealing (Node fast path and portable path), compact JWS',
    from: '^shared/crypto/',
    mayImport: [SHARED, PURE_LIBRARIES, { ...NODE, label: '`node:*` (the Node fast path)' }],
  },
  {
    name: 'core',
    role: 'the rest of the core both sides run: custody codec and manifest, `shared/api/` wire schemas',
    from: '^shared/',
    except: '^shared/(domain|crypto)/',
    mayImport: [SHARED, PURE_LIBRARIES],
  },
  {
    name: 'policy',
    role: 'authorization policy',
    from: '^server/policy/',
    mayImport: [DOMAIN, server('policy')],
  },
  {
    name: 'ports',
    role: 'ports: interfaces the use cases need (repositories, stores, signer, logger, health)',
    from: '^server/ports/',
    mayImport: [SHARED, server('ports')],
  },
  {
    name: 'config',
    role: 'configuration and storage definitions (tables, buckets, object keys)',
    from: '^server/config/',
    mayImport: [DOMAIN, server('config'), { label: 'zod', path: npm('zod') }],
  },
  {
    name: 'use-cases',
    role: 'use cases: exchange, custody, identity',
    from: '^server/use-cases/',
    mayImport: [SHARED, server('use-cases', 'ports', 'policy', 'config'), PURE_LIBRARIES, NODE],
  },
  {
    name: 'adapters',
    role: 'secondary adapters: DynamoDB, S3, KMS, SES, file signer, logger, webhooks',
    from: '^server/adapters/',
    mayImport: [
      SHARED,
      server('adapters', 'ports', 'config'),
      PURE_LIBRARIES,
      {
        label: 'AWS SDK v3, Powertools',
        path: npm('@aws-sdk/[^/]+', '@smithy/[^/]+', '@aws-lambda-powertools/[^/]+'),
      },
      { label: 'standardwebhooks (webhook signing)', path: npm('standardwebhooks') },
      NODE,
    ],
  },
  {
    name: 'http',
    role: 'HTTP: `createApp`, routes, the problem+json mapper',
    from: '^server/http/',
    mayImport: [
      SHARED,
      server('http', 'use-cases', 'policy', 'ports'),
      PURE_LIBRARIES,
      { label: 'hono, @hono/\\*', path: npm('hono', '@hono/[^/]+') },
      NODE,
    ],
  },
  {
    name: 'composition',
    role: 'composition root: builds adapters, use cases and the app from the configuration',
    from: '^server/composition/',
    mayImport: [
      SHARED,
      server('composition', 'adapters', 'config', 'http', 'policy', 'ports', 'use-cases'),
      ANY_PACKAGE,
      NODE,
    ],
  },
  {
    name: 'local',
    role: 'local infrastructure: embedded dynalite and s3rver, storage bootstrap, demo seed',
    from: '^server/local/',
    mayImport: [SHARED, { label: '`server/`', path: '^server/' }, ANY_PACKAGE, NODE],
  },
  {
    name: 'client',
    role: 'client: SDK, keystore, transfer engine, `pouch` CLI',
    from: '^client/',
    mayImport: [
      SHARED,
      { label: '`client/`', path: '^client/' },
      PURE_LIBRARIES,
      { label: 'esbuild (the CLI launcher rebuilds its bundle)', path: npm('esbuild') },
      NODE,
    ],
  },
  {
    name: 'portal',
    role: 'the officers’ portal (browser): pages, keys in IndexedDB, the transfer worker',
    from: '^portal/',
    // The Vite build configuration is build tooling run by Node, not part of the app.
    except: '^portal/vite[.]config[.]ts$',
    mayImport: [
      SHARED,
      { label: '`client/sdk/` (the runtime-neutral SDK)', path: '^client/sdk/' },
      { label: '`portal/`', path: '^portal/' },
      PURE_LIBRARIES,
      { label: 'react, react-dom', path: npm('react', 'react-dom') },
    ],
  },
  {
    name: 'infra',
    role: 'infrastructure as code (CDK) and the Lambda bundler',
    from: '^infra/',
    mayImport: [
      { label: '`infra/`', path: '^infra/' },
      server('config'),
      {
        label: 'aws-cdk-lib, constructs, cdk-nag, esbuild',
        path: npm('aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild'),
      },
      NODE,
    ],
  },
];

const layerRule = (layer) => ({
  name: `layer-${layer.name}`,
  severity: 'error',
  comment: `${layer.role}. May import only: ${layer.mayImport.map((entry) => entry.label).join(', ')}.`,
  from: { path: layer.from, ...(layer.except ? { pathNot: layer.except } : {}) },
  to: {
    pathNot: layer.mayImport.filter((entry) => entry.path).map((entry) => entry.path),
    ...(layer.mayImport.some((entry) => entry.core) ? { dependencyTypesNot: ['core'] } : {}),
  },
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import cycle anywhere',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-tests',
      severity: 'error',
      comment: 'nothing outside `tests/` imports `tests/` (benchmarks may use `tests/support/`)',
      from: { pathNot: '^(tests|bench)/' },
      to: { path: '^tests/' },
    },
    {
      name: 'bench-only-test-support',
      severity: 'error',
      comment: 'benchmarks import from `tests/` only its fixtures in `tests/support/`',
      from: { path: '^bench/' },
      to: { path: '^tests/', pathNot: '^tests/support/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'every import resolves (an unresolved one would slip past the layer rules)',
      from: {},
      to: { couldNotResolve: true },
    },
    ...layers.map(layerRule),
  ],
  options: {
    doNotFollow: { path: '^node_modules/' },
    // The portal's build output (bundled chunks), not source.
    exclude: { path: '^portal/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
