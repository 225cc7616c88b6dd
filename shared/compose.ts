// Composition root: turns a Config into adapters and the app. Called only by the entry points
// (functions/api.ts on Lambda, functions/local-server.ts locally), so wiring lives in exactly one place.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { type AwsClients, createAwsClients } from './adapters/aws-clients.ts';
import { loadOrCreateFileSigner } from './adapters/file-signer.ts';
import { createJsonLogger } from './adapters/json-logger.ts';
import { createKmsSigner } from './adapters/kms-signer.ts';
import type { Config } from './config.ts';
import { PouchError } from './domain/errors.ts';
import { createApp } from './http/app.ts';
import type { PouchApp } from './http/app-env.ts';
import type { HealthCheck } from './ports/health.ts';
import type { Logger } from './ports/logger.ts';
import type { Signer } from './ports/signer.ts';

export interface Runtime {
  readonly config: Config;
  readonly clients: AwsClients;
  readonly signer: Signer;
  readonly logger: Logger;
  readonly app: PouchApp;
}

/** Build every adapter once and the app on top of them. */
export async function composeRuntime(config: Config, options: { logger?: Logger } = {}): Promise<Runtime> {
  const logger = options.logger ?? createJsonLogger(config.logLevel);
  const clients = createAwsClients(config);
  const signer = await createSigner(config, clients);
  const health: HealthCheck[] = [
    ...Object.entries(config.tables).map(([name, tableName]) => ({
      name: `dynamodb:${name}`,
      check: async () => {
        await clients.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
      },
    })),
    {
      name: 's3:evidence',
      check: async () => {
        await clients.s3.send(new HeadBucketCommand({ Bucket: config.evidenceBucket }));
      },
    },
    { name: `signer:${config.signer.kind}`, check: () => signer.check() },
  ];
  const app = createApp({ logger, health, maxBodyBytes: config.maxBodyBytes, modules: [] });
  return { config, clients, signer, logger, app };
}

async function createSigner(config: Config, clients: AwsClients): Promise<Signer> {
  if (config.signer.kind === 'file') return loadOrCreateFileSigner(config.signer.path);
  if (!clients.kms) throw new PouchError('ERR_CONFIG', 'POUCH_SIGNER=kms needs a KMS client');
  return createKmsSigner(clients.kms, config.signer.keyId);
}
