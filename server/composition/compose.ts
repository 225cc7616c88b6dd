// Composition root: turns a Config into adapters and the app. Called only by the entry points
// (functions/api.ts on Lambda, functions/local-server.ts locally), so wiring lives in exactly one place.

import { dirname, join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Signer } from '../../shared/crypto/signer.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { PlanUploadOptions } from '../../shared/domain/upload-plan.ts';
import { type AwsClients, createAwsClients } from '../adapters/aws-clients.ts';
import { createDynamoCheckpointStore } from '../adapters/dynamo-checkpoint-store.ts';
import { createDynamoDirectoryRepository } from '../adapters/dynamo-directory-repository.ts';
import { createDynamoExchangeRepository } from '../adapters/dynamo-exchange-repository.ts';
import { createDynamoIdempotencyStore } from '../adapters/dynamo-idempotency-store.ts';
import { createDynamoLedgerStore } from '../adapters/dynamo-ledger-store.ts';
import { createDynamoReceiptStore } from '../adapters/dynamo-receipt-store.ts';
import { createDynamoReplayStore } from '../adapters/dynamo-replay-store.ts';
import { loadOrCreateFileSigner } from '../adapters/file-signer.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { createKmsSigner } from '../adapters/kms-signer.ts';
import { createS3CheckpointPublisher } from '../adapters/s3-checkpoint-publisher.ts';
import { createS3DocumentStore } from '../adapters/s3-document-store.ts';
import type { Config } from '../config/config.ts';
import { createApp, type ResponseObserver } from '../http/app.ts';
import type { PouchApp } from '../http/app-env.ts';
import { registerAuthMiddleware } from '../http/auth-middleware.ts';
import { registerCustodyRoutes } from '../http/custody-routes.ts';
import { registerDirectoryRoutes } from '../http/directory-routes.ts';
import { registerExchangeRoutes } from '../http/exchange-routes.ts';
import { registerIdentityRoutes } from '../http/identity-routes.ts';
import { bootstrapStorage } from '../local/bootstrap.ts';
import type { DirectoryRepository } from '../ports/directory-repository.ts';
import type { HealthCheck } from '../ports/health.ts';
import type { LedgerStore } from '../ports/ledger-store.ts';
import type { Logger } from '../ports/logger.ts';
import { createAuditService } from '../use-cases/custody/audit-service.ts';
import { type CheckpointService, createCheckpointService } from '../use-cases/custody/checkpoint-service.ts';
import { createExchangeService, type ExchangeService } from '../use-cases/exchange/exchange-service.ts';
import { createDirectoryService } from '../use-cases/identity/directory-service.ts';
import {
  LOCAL_OPERATOR_MEMBER_ID,
  loadOrCreateOperatorKey,
  registerOperatorMember,
} from '../use-cases/identity/operator-bootstrap.ts';
import { createTokenService, type TokenService } from '../use-cases/identity/token-service.ts';

export interface Runtime {
  readonly config: Config;
  readonly clients: AwsClients;
  readonly signer: Signer;
  readonly logger: Logger;
  readonly app: PouchApp;
  /** The directory of authorities (seeding, test helpers). */
  readonly directory: DirectoryRepository;
  /** Token issuance and bearer checks. */
  readonly tokens: TokenService;
  /** Local mode: the operator's private key file (see server/use-cases/identity/operator-bootstrap.ts). */
  readonly operatorKeyFile?: string;
  /** The custody ledger (verification, audits, tests). */
  readonly ledger: LedgerStore;
  /** The sealed exchange's use cases. */
  readonly exchanges: ExchangeService;
  /** The checkpoint log (timer, scheduled function, routes). */
  readonly checkpoints: CheckpointService;
}

/** Build every adapter once and the app on top of them. */
export async function composeRuntime(
  config: Config,
  options: {
    logger?: Logger;
    now?: () => number;
    /** Tests only: lets small files exercise multipart uploads (see planUpload). */
    uploadPlanOptions?: PlanUploadOptions;
    /** Tests only: sees every response (the contract check against /openapi.json). */
    observeResponse?: ResponseObserver;
  } = {},
): Promise<Runtime> {
  const logger = options.logger ?? createJsonLogger(config.logLevel);
  const now = options.now ?? Date.now;
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
  const directory = createDynamoDirectoryRepository(clients.doc, config.tables.main);
  const replay = createDynamoReplayStore(clients.doc, config.tables.replay);
  const tokens = createTokenService({ signer, directory, replay, issuer: config.issuer, now });
  const operatorKeyFile = await bootstrapLocalOperator(config, clients, directory, now);
  const ledger = createDynamoLedgerStore({ doc: clients.doc, tableName: config.tables.ledger });
  const exchangeRepository = createDynamoExchangeRepository(clients.doc, config.tables.main);
  const documents = createS3DocumentStore(clients.s3, {
    bucket: config.evidenceBucket,
    presignSeconds: config.presignSeconds,
    // s3rver neither verifies nor reports checksums: locally the only honest confirmation is to read.
    verifyByReadingWhenNoChecksum: config.mode === 'local',
  });
  const exchanges = createExchangeService({
    exchanges: exchangeRepository,
    ledger,
    documents,
    directory,
    receipts: createDynamoReceiptStore(clients.doc, config.tables.main),
    signer,
    maxDocumentBytes: config.maxDocumentBytes,
    presignSeconds: config.presignSeconds,
    now: () => new Date(now()),
    ...(options.uploadPlanOptions ? { uploadPlanOptions: options.uploadPlanOptions } : {}),
  });
  const checkpointStore = createDynamoCheckpointStore(clients.doc, config.tables.main);
  const checkpoints = createCheckpointService({
    store: checkpointStore,
    chains: checkpointStore,
    ledger,
    signer,
    publisher: createS3CheckpointPublisher(clients.s3, config.evidenceBucket),
    now: () => new Date(now()),
  });
  const audit = createAuditService({
    exchanges: exchangeRepository,
    ledger,
    directory,
    signer,
    checkpoints,
    listReceipts: (principal, exchangeId) => exchanges.listReceipts(principal, exchangeId),
    bundles: {
      store: documents,
      inlineMaxBytes: config.bundleInlineMaxBytes,
      presignSeconds: config.presignSeconds,
    },
    now: () => new Date(now()),
  });
  const app = createApp({
    logger,
    health,
    signer,
    maxBodyBytes: config.maxBodyBytes,
    ...(options.observeResponse ? { observeResponse: options.observeResponse } : {}),
    modules: [
      // The auth middleware comes first: every route registered after it needs a bearer token.
      registerAuthMiddleware({ authenticate: tokens.authenticateBearer, logger }),
      registerIdentityRoutes({ exchangeAssertion: tokens.exchangeAssertion, logger }),
      registerDirectoryRoutes({ directory: createDirectoryService(directory), now }),
      registerExchangeRoutes({
        exchanges,
        idempotency: createDynamoIdempotencyStore(clients.doc, config.tables.main),
      }),
      registerCustodyRoutes({ checkpoints, audit, exchanges: exchangeRepository }),
    ],
  });
  return {
    config,
    clients,
    signer,
    logger,
    app,
    directory,
    tokens,
    ...(operatorKeyFile ? { operatorKeyFile } : {}),
    ledger,
    exchanges,
    checkpoints,
  };
}

/**
 * Local mode only: make sure the tables exist (idempotent, as local-exchange does after us), then load or create
 * the operator key file next to the exchange's signing key (`<dataDir>/operator-key.json`, 0600) and register its
 * public key as member `local-operator` of the reserved `operator` entry. On AWS the operator's public keys are
 * seeded (server/use-cases/identity/seed.ts, `operator` section) and no private key is ever on the exchange side.
 */
async function bootstrapLocalOperator(
  config: Config,
  clients: AwsClients,
  directory: DirectoryRepository,
  now: () => number,
): Promise<string | undefined> {
  if (config.mode !== 'local' || config.signer.kind !== 'file') return undefined;
  await bootstrapStorage(clients, config);
  const path = join(dirname(config.signer.path), 'operator-key.json');
  const key = await loadOrCreateOperatorKey(path);
  const { d: _private, ...publicJwk } = key.privateJwk;
  await registerOperatorMember(directory, {
    memberId: LOCAL_OPERATOR_MEMBER_ID,
    displayName: 'Local operator',
    jwks: [publicJwk],
    now: now(),
    source: 'local-bootstrap',
  });
  return path;
}

async function createSigner(config: Config, clients: AwsClients): Promise<Signer> {
  if (config.signer.kind === 'file') return loadOrCreateFileSigner(config.signer.path);
  if (!clients.kms) throw new PouchError('ERR_CONFIG', 'POUCH_SIGNER=kms needs a KMS client');
  return createKmsSigner(clients.kms, config.signer.keyId);
}
