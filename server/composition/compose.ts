// Composition root: turns a Config into adapters and the app. Called only by the entry points
// (functions/api.ts on Lambda, functions/local-server.ts locally), so wiring lives in exactly one place.

import type { Signer } from '../../shared/crypto/signer.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { PlanUploadOptions } from '../../shared/domain/upload-plan.ts';
import { type AwsClients, createAwsClients } from '../adapters/aws-clients.ts';
import { createDynamoCheckpointStore } from '../adapters/dynamo-checkpoint-store.ts';
import { createDynamoDirectoryLog } from '../adapters/dynamo-directory-log.ts';
import { createDynamoDirectoryRepository } from '../adapters/dynamo-directory-repository.ts';
import { createDynamoEffectIndex } from '../adapters/dynamo-effect-index.ts';
import { createDynamoExchangeRepository } from '../adapters/dynamo-exchange-repository.ts';
import { createDynamoIdempotencyStore } from '../adapters/dynamo-idempotency-store.ts';
import { createDynamoLedgerStore } from '../adapters/dynamo-ledger-store.ts';
import { createDynamoRateLimiter } from '../adapters/dynamo-rate-limits.ts';
import { createDynamoReceiptStore } from '../adapters/dynamo-receipt-store.ts';
import { createDynamoReplayStore } from '../adapters/dynamo-replay-store.ts';
import { loadOrCreateFileSigner } from '../adapters/file-signer.ts';
import {
  createBucketHealthCheck,
  createSignerHealthCheck,
  createTableHealthCheck,
} from '../adapters/health-checks.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { createKmsSigner } from '../adapters/kms-signer.ts';
import { createPowertoolsMetrics } from '../adapters/powertools-metrics.ts';
import { createS3CheckpointPublisher } from '../adapters/s3-checkpoint-publisher.ts';
import { createS3DocumentStore } from '../adapters/s3-document-store.ts';
import type { Config, SignerConfig } from '../config/config.ts';
import { originVerifyHeader } from '../config/environment.ts';
import { createApp, type ResponseObserver } from '../http/app.ts';
import type { PouchApp } from '../http/app-env.ts';
import { registerAuthMiddleware } from '../http/auth-middleware.ts';
import { registerCustodyRoutes } from '../http/custody-routes.ts';
import { registerDirectoryRoutes } from '../http/directory-routes.ts';
import { registerExchangeRoutes } from '../http/exchange-routes.ts';
import { registerIdentityRoutes } from '../http/identity-routes.ts';
import { registerRateLimits } from '../http/rate-limit.ts';
import { registerDependencyHealth } from '../http/system-routes.ts';
import type { ClockStore } from '../ports/clock-store.ts';
import type { DirectoryRepository } from '../ports/directory-repository.ts';
import type { ExchangeRepository } from '../ports/exchange-repository.ts';
import type { HealthCheck } from '../ports/health.ts';
import type { LedgerStore } from '../ports/ledger-store.ts';
import type { Logger } from '../ports/logger.ts';
import { type Metrics, noMetrics } from '../ports/metrics.ts';
import type { Mailer } from '../ports/notifications.ts';
import type { ClockReads } from '../use-cases/clocks/clock-reads.ts';
import type { ClockSweep } from '../use-cases/clocks/clock-sweep.ts';
import type { Notifications } from '../use-cases/clocks/notifications.ts';
import type { Tracker } from '../use-cases/clocks/tracker.ts';
import { createAuditService } from '../use-cases/custody/audit-service.ts';
import { createCheckpointAccess } from '../use-cases/custody/checkpoint-access.ts';
import { type CheckpointService, createCheckpointService } from '../use-cases/custody/checkpoint-service.ts';
import { createExchangeService, type ExchangeService } from '../use-cases/exchange/exchange-service.ts';
import { createDirectoryService } from '../use-cases/identity/directory-service.ts';
import { createTokenService, type TokenService } from '../use-cases/identity/token-service.ts';
import { createLedgerRecorder } from '../use-cases/ledger-recorder.ts';
import { createQuotas } from '../use-cases/quotas.ts';
import { createReadRecords } from '../use-cases/read-records.ts';
import { composeClockTracker, composeClockUseCases } from './compose-clocks.ts';

export interface Runtime {
  readonly config: Config;
  readonly clients: AwsClients;
  /** The custody signer: receipts and checkpoints (its key is in every bundle, and what auditors pin). */
  readonly signer: Signer;
  /** The access-token signer, a separate key (published as the JWKS). */
  readonly tokenSigner: Signer;
  readonly logger: Logger;
  readonly app: PouchApp;
  /** The directory of authorities (seeding, test helpers). */
  readonly directory: DirectoryRepository;
  /** Token issuance and bearer checks. */
  readonly tokens: TokenService;
  /** The custody ledger (verification, audits, tests). */
  readonly ledger: LedgerStore;
  /** The sealed exchange's use cases. */
  readonly exchanges: ExchangeService;
  /** The exchange's label, documents and messages (repairs and tests; use cases go through `exchanges`). */
  readonly exchangeRepository: ExchangeRepository;
  /** The checkpoint log (timer, scheduled function, routes). */
  readonly checkpoints: CheckpointService;
  /** The clocks: the sweep (timer, scheduled function) and the tracker (tests, repairs). */
  readonly clocks: {
    readonly sweep: ClockSweep;
    readonly tracker: Tracker;
    readonly store: ClockStore;
    readonly notifications: Notifications;
    /** What callers read (lineage, clocks, due lists, figures), as the routes serve it (tests, benches). */
    readonly reads: ClockReads;
    /** One scheduled run: the sweep, then notification delivery. */
    run(): Promise<{ due: number; recorded: number; attempted: number; delivered: number }>;
  };
}

/**
 * Build every adapter once and the app on top of them. Touches no storage: tables and buckets exist already
 * (CloudFormation on AWS; server/local bootstraps them before composing locally).
 */
export async function composeRuntime(
  config: Config,
  options: {
    logger?: Logger;
    now?: () => number;
    /** Tests only: lets small files exercise multipart uploads (see planUpload). */
    uploadPlanOptions?: PlanUploadOptions;
    /** Tests only: sees every response (the contract check against /openapi.json). */
    observeResponse?: ResponseObserver;
    /** Where e-mail notifications go (SES on AWS, the SMTP catcher locally); unset: nowhere (logged as failed). */
    mailer?: Mailer;
    /** Business metrics; default: Powertools (EMF) on AWS, none locally. */
    metrics?: Metrics;
  } = {},
): Promise<Runtime> {
  const logger = options.logger ?? createJsonLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const clients = createAwsClients(config);
  // Two keys: tokens and custody never share one, so neither can stand in for the other.
  const signer = await createSigner(config.signer, clients);
  const tokenSigner = await createSigner(config.tokenSigner, clients);
  const health: HealthCheck[] = [
    ...Object.entries(config.tables).map(([name, tableName]) =>
      createTableHealthCheck(clients.dynamo, name, tableName),
    ),
    createBucketHealthCheck(clients.s3, 'evidence', config.evidenceBucket),
    createSignerHealthCheck(signer, config.signer.kind),
    createSignerHealthCheck(tokenSigner, config.tokenSigner.kind, 'token'),
  ];
  const directory = createDynamoDirectoryRepository(clients.doc, config.tables.main);
  const directoryLog = createDynamoDirectoryLog(clients.doc, config.tables.main);
  const replay = createDynamoReplayStore(clients.doc, config.tables.replay);
  const tokens = createTokenService({ signer: tokenSigner, directory, replay, issuer: config.issuer, now });
  // Event times follow the runtime's clock, which the clocks fold (tests drive it).
  const ledger = createDynamoLedgerStore({
    doc: clients.doc,
    tableName: config.tables.ledger,
    now: () => new Date(now()),
  });
  const exchangeRepository = createDynamoExchangeRepository(clients.doc, config.tables.main);
  const documents = createS3DocumentStore(clients.s3, {
    bucket: config.evidenceBucket,
    presignSeconds: config.presignSeconds,
    // s3rver neither verifies nor reports checksums: locally the only honest confirmation is to read.
    verifyByReadingWhenNoChecksum: config.mode === 'local',
  });
  const receipts = createDynamoReceiptStore(clients.doc, config.tables.main);
  // The clocks observe every event the recorder lands (lineage, due lists, figures).
  const clockTracking = composeClockTracker(clients.doc, config.tables.main, ledger, {
    now: () => new Date(now()),
    mailer: options.mailer,
  });
  // The one writer of the ledger, shared by the exchange and custody use cases.
  const recorder = createLedgerRecorder({
    ledger,
    effects: createDynamoEffectIndex(clients.doc, config.tables.main),
    exchanges: exchangeRepository,
    receipts,
    signer,
    now: () => new Date(now()),
    observers: [clockTracking.tracker.observe],
    onObserverError: (error, event) =>
      logger.warn('ledger observer failed; the next event of the chain catches up', {
        chain: event.chain,
        seq: event.seq,
        error: String(error),
      }),
  });
  const clockUseCases = composeClockUseCases(clockTracking, {
    recorder,
    exchanges: exchangeRepository,
    directory,
    now: () => new Date(now()),
  });
  // What one caller may cost: counters for the rate limits, the quotas and the once-per-interval read records.
  const limiter = createDynamoRateLimiter(clients.doc, config.tables.main);
  const reads = createReadRecords({
    recorder,
    limiter,
    intervalSeconds: config.limits.readRecordIntervalSeconds,
    now: () => new Date(now()),
  });
  const quotas = createQuotas({ limiter, limits: config.limits, now: () => new Date(now()) });
  const exchanges = createExchangeService(
    {
      exchanges: exchangeRepository,
      ledger,
      documents,
      directory,
      receipts,
      signer,
      maxDocumentBytes: config.maxDocumentBytes,
      presignSeconds: config.presignSeconds,
      reads,
      quotas,
      now: () => new Date(now()),
      ...(options.uploadPlanOptions ? { uploadPlanOptions: options.uploadPlanOptions } : {}),
    },
    { recorder },
  );
  const metrics = options.metrics ?? (config.mode === 'aws' ? createPowertoolsMetrics() : noMetrics);
  const counted = countBusinessEvents(exchanges, metrics);
  const checkpointStore = createDynamoCheckpointStore(clients.doc, config.tables.main);
  const checkpoints = createCheckpointService({
    store: checkpointStore,
    chains: checkpointStore,
    ledger,
    signer,
    publisher: createS3CheckpointPublisher(clients.s3, config.evidenceBucket),
    now: () => new Date(now()),
    logger,
    directoryLog,
  });
  const audit = createAuditService({
    exchanges: exchangeRepository,
    ledger,
    reads,
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
    signer: tokenSigner,
    custodySigner: signer,
    maxBodyBytes: config.maxBodyBytes,
    ...(options.observeResponse ? { observeResponse: options.observeResponse } : {}),
    ...(config.originVerify
      ? { originVerify: { header: originVerifyHeader, value: config.originVerify } }
      : {}),
    modules: [
      // The auth middleware comes first: every route registered after it needs a bearer token.
      registerAuthMiddleware({ authenticate: tokens.authenticateBearer, logger }),
      registerRateLimits({ limiter, ...config.limits, now: () => new Date(now()) }),
      registerDependencyHealth({ health }),
      registerIdentityRoutes({ exchangeAssertion: tokens.exchangeAssertion, logger }),
      registerDirectoryRoutes({
        directory: createDirectoryService(directory, {
          log: directoryLog,
          loggedHeads: (chain) => checkpoints.loggedHeads(chain),
        }),
        now,
      }),
      registerExchangeRoutes({
        exchanges: counted,
        idempotency: createDynamoIdempotencyStore(clients.doc, config.tables.main),
      }),
      ...clockUseCases.routes,
      registerCustodyRoutes({
        checkpoints: createCheckpointAccess({ checkpoints, exchanges: exchangeRepository }),
        audit,
      }),
    ],
  });
  return {
    config,
    clients,
    signer,
    tokenSigner,
    logger,
    app,
    directory,
    tokens,
    ledger,
    exchanges,
    exchangeRepository,
    checkpoints,
    clocks: {
      sweep: clockUseCases.sweep,
      tracker: clockTracking.tracker,
      store: clockTracking.clocks,
      notifications: clockTracking.notifications,
      reads: clockUseCases.reads,
      run: clockUseCases.run,
    },
  };
}

/**
 * The exchange use cases, counting the business events the operator watches: documents committed and messages
 * sent. A keyed retry that returns the earlier result is counted again; the ledger, not this metric, is the record.
 */
export function countBusinessEvents(exchanges: ExchangeService, metrics: Metrics): ExchangeService {
  return {
    ...exchanges,
    commitDocument: async (...args) => {
      const result = await exchanges.commitDocument(...args);
      metrics.count('DocumentsCommitted');
      return result;
    },
    postMessage: async (...args) => {
      const result = await exchanges.postMessage(...args);
      metrics.count('MessagesSent');
      return result;
    },
  };
}

async function createSigner(signer: SignerConfig, clients: AwsClients): Promise<Signer> {
  if (signer.kind === 'file') return loadOrCreateFileSigner(signer.path);
  if (!clients.kms) throw new PouchError('ERR_CONFIG', 'POUCH_SIGNER=kms needs a KMS client');
  return createKmsSigner(clients.kms, signer.keyId);
}
