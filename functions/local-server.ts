// Primary adapter (local entry): `npm start`. Runs the whole exchange on embedded servers in this process,
// prints what runs where, and shuts down cleanly on Ctrl-C. Data persists under POUCH_DATA_DIR (.pouch/).
// stdout carries only the human banner and notices; every JSON log line goes to stderr (`2>exchange.log`).

import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  demoKeystorePassphrase,
  openDemoKeystores,
  writeDemoMemberKeystores,
} from '../client/keystore/demo-keystores.ts';
import { createJsonLogger } from '../server/adapters/json-logger.ts';
import { envNames } from '../server/config/environment.ts';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import { formatSeedReport, seedDirectory } from '../server/use-cases/identity/seed.ts';
import { isPouchError } from '../shared/domain/errors.ts';

// The SDK warns that releases after January 2027 will need Node 22; our SDK versions are pinned by the lockfile
// and the Lambda runtime is Node 22, so the warning says nothing actionable to someone running the local exchange.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dataDir = resolve(process.env.POUCH_DATA_DIR ?? '.pouch');
const portText = process.env.PORT ?? '8787';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`pouch: PORT must be a TCP port number (0-65535), got "${portText}"`);
  process.exit(1);
}

// The portal's build output (`npm run build:portal`, which `npm start` runs first).
const portalDir = resolve(process.env.POUCH_PORTAL_DIR ?? 'portal/dist');
const portalBuilt = await stat(resolve(portalDir, 'index.html')).then(
  () => true,
  () => false,
);
const logLevelText = process.env[envNames.logLevel] ?? 'warn';
const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
const logLevel = logLevels.find((level) => level === logLevelText);
if (!logLevel) {
  console.error(`pouch: ${envNames.logLevel} must be one of ${logLevels.join(', ')}, got "${logLevelText}"`);
  process.exit(1);
}

try {
  const exchange = await startLocalExchange({
    ...(portalBuilt ? { portalDir } : {}),
    dataDir,
    port,
    env: { [envNames.logLevel]: 'warn', ...process.env },
    logger: createJsonLogger(logLevel, { stream: process.stderr }),
    ...(process.env.POUCH_DEMO !== 'off' ? { seedDemo: openDemoKeystores() } : {}),
  });
  const { config } = exchange.runtime;
  const portalKeystores = [];
  for (const d of exchange.demo) {
    const files = await writeDemoMemberKeystores(d.home, d.slug);
    portalKeystores.push({ slug: d.slug, files });
  }
  const seedFile = process.env.POUCH_SEED_FILE;
  if (seedFile) {
    const seeded = await seedDirectory(
      exchange.runtime.directory,
      JSON.parse(await readFile(seedFile, 'utf8')),
    );
    console.log([`Seeded ${seedFile}.`, ...formatSeedReport(seeded)].join('\n'));
  }
  console.log(
    [
      'Pouch local exchange is running.',
      `  Portal     ${portalBuilt ? `${exchange.url}/` : '(not built: run npm run build:portal)'}`,
      `  API        ${exchange.url}`,
      `  API docs   ${exchange.url}/docs  (OpenAPI: ${exchange.url}/openapi.json)`,
      `  Health     ${exchange.url}/health`,
      `  DynamoDB   ${exchange.embedded.dynamodbEndpoint}  (dynalite; tables ${Object.values(config.tables).join(', ')})`,
      `  S3         ${exchange.embedded.s3Endpoint}  (s3rver; bucket ${config.evidenceBucket})`,
      `  Custody key ${exchange.runtime.signer.kid}  (fingerprint auditors pin: pouch verify --exchange-key; key file ${config.signer.kind === 'file' ? config.signer.path : '-'})`,
      `  Token key  ${exchange.runtime.tokenSigner.kid}  (/.well-known/jwks.json)`,
      `  Data       ${dataDir}`,
      ...(exchange.demo.length > 0
        ? [
            'Demo authorities (fictional), each with members officer, contact-247, admin and auditor:',
            ...exchange.demo.map(
              (d) => `  ${d.name.split(' — ')[0]} (${d.country})  ${d.authorityId}  POUCH_HOME=${d.home}`,
            ),
            '  Try: POUCH_HOME=<one of the above> npx pouch --profile officer whoami',
            'Portal sign-in (member keystore files, demo passphrase "<authority> demo", e.g. "northland demo"):',
            ...portalKeystores.map(
              (k) =>
                `  ${k.files.map((f) => f.path).join('  ')}  passphrase "${demoKeystorePassphrase(k.slug)}"`,
            ),
          ]
        : []),
      'Logs (JSON lines) go to stderr: npm start 2>exchange.log keeps them apart.',
      'Press Ctrl-C to stop; data is kept for the next start.',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nReceived ${signal}, shutting down...`);
    exchange.close().then(
      () => {
        console.log('Stopped cleanly.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('pouch: shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if (isPouchError(error, 'ERR_PORT_IN_USE')) {
    console.error(
      `pouch: ${error.message}. Is another 'npm start' running? Stop it, or set PORT=<free port>.`,
    );
  } else if (isPouchError(error)) {
    const details = error.details ? ` ${JSON.stringify(error.details)}` : '';
    console.error(`pouch: ${error.message}${details}`);
  } else {
    console.error('pouch: the local exchange could not start:', error);
  }
  process.exit(1);
}
