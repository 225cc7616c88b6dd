// Local mode: starts a whole exchange in one process — embedded DynamoDB and S3 servers, storage bootstrap,
// the local signing key, and the same Hono app as on AWS. Used by `npm start` and by integration tests.
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { PouchError } from '../../shared/domain/errors.ts';
import { destroyAwsClients } from '../adapters/aws-clients.ts';
import { createSmtpMailer } from '../adapters/smtp-mailer.ts';
import { composeRuntime, type Runtime } from '../composition/compose.ts';
import { loadConfig, localDefaults } from '../config/config.ts';
import { portalContentSecurityPolicy } from '../config/content-security.ts';
import type { ResponseObserver } from '../http/app.ts';
import { createPortalHandler } from '../http/portal-static.ts';
import type { Logger } from '../ports/logger.ts';
import { startClockTimer } from '../use-cases/clocks/clock-sweep.ts';
import { startCheckpointTimer } from '../use-cases/custody/checkpoint-service.ts';
import { bootstrapLocalStorage } from './bootstrap.ts';
import { type DemoAuthoritySeeded, type DemoKeystores, seedDemoAuthorities } from './demo-seed.ts';
import { type EmbeddedServers, startEmbeddedServers } from './embedded-servers.ts';
import { bootstrapLocalOperator } from './local-operator.ts';
import { type SmtpCatcher, startSmtpCatcher } from './smtp-catcher.ts';

/** The runtime of a local exchange: the composed one, plus the operator key file the local start created. */
export interface LocalRuntime extends Runtime {
  /** The operator's private key file (server/local/local-operator.ts). */
  readonly operatorKeyFile?: string;
}

export interface LocalExchange {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly embedded: EmbeddedServers;
  readonly runtime: LocalRuntime;
  /** The demo authorities, when started with `seedDemo`. */
  readonly demo: readonly DemoAuthoritySeeded[];
  /** The SMTP catcher that receives every e-mail notification (local mode sends none out). */
  readonly mail: SmtpCatcher;
  close(): Promise<void>;
}

/**
 * Start a local exchange. The HTTP port is bound first, so a busy port fails fast (ERR_PORT_IN_USE) before
 * any data store is opened. `port: 0` picks a free port (tests).
 */
export async function startLocalExchange(options: {
  dataDir: string;
  port: number;
  host?: string;
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  persistDynamo?: boolean;
  /**
   * Seed the fictional demo authorities, writing their keystores under <dataDir>/demo through these (npm start
   * passes the client's, client/keystore/demo-keystores.ts).
   */
  seedDemo?: DemoKeystores;
  /** Build a checkpoint this often when something changed (default 60 s; 0 turns the timer off). */
  checkpointIntervalMs?: number;
  /** Sweep the clocks (reminders, escalations, lapses) this often (default 60 s; 0 turns the timer off). */
  clockIntervalMs?: number;
  /** Tests only: sees every response of the app (the contract check against /openapi.json). */
  observeResponse?: ResponseObserver;
  /** Serve the built portal (portal/dist) at `/`, and let it reach the embedded bucket (CORS). */
  portalDir?: string;
}): Promise<LocalExchange> {
  const host = options.host ?? '127.0.0.1';
  let ready:
    | ((
        req: Parameters<ReturnType<typeof getRequestListener>>[0],
        res: Parameters<ReturnType<typeof getRequestListener>>[1],
      ) => void)
    | undefined;
  const server = createServer((req, res) => {
    if (ready) return ready(req, res);
    res.writeHead(503, { 'content-type': 'application/problem+json' });
    res.end(
      JSON.stringify({
        title: 'Service Unavailable',
        status: 503,
        code: 'ERR_DEPENDENCY_UNAVAILABLE',
        detail: 'starting',
      }),
    );
  });
  const port = await listen(server, options.port, host);
  const url = `http://${host}:${port}`;

  let embedded: EmbeddedServers | undefined;
  let mail: SmtpCatcher | undefined;
  try {
    embedded = await startEmbeddedServers({
      dataDir: options.dataDir,
      ...(options.persistDynamo === undefined ? {} : { persistDynamo: options.persistDynamo }),
    });
    const config = loadConfig({
      ...localDefaults(options.dataDir, { http: port, dynamodb: embedded.dynamodbPort, s3: embedded.s3Port }),
      ...(options.env ?? {}),
    });
    // Storage first, then one pass through the composition root, then the directory entries local mode needs.
    // The portal's origin, as the browser names it: the bucket lets exactly these through CORS.
    const portalOrigins = options.portalDir ? [url, `http://localhost:${port}`] : [];
    await bootstrapLocalStorage(config, { browserOrigins: portalOrigins });
    mail = await startSmtpCatcher();
    const composed = await composeRuntime(config, {
      mailer: createSmtpMailer({ host: '127.0.0.1', port: mail.port, from: 'notifications@pouch.local' }),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.observeResponse ? { observeResponse: options.observeResponse } : {}),
    });
    const { s3Repair } = embedded;
    if (s3Repair.actions.length > 0) {
      // Not an error: the last run was killed mid-write and nothing half-written was ever acknowledged.
      composed.logger.warn('local storage repaired after an unclean stop', {
        objectsChecked: s3Repair.objectsChecked,
        repaired: s3Repair.actions.map((a) => `${a.action} ${a.path}: ${a.reason}`),
        quarantineDir: s3Repair.quarantineDir,
      });
    }
    const operatorKeyFile = await bootstrapLocalOperator(config, composed.directory, Date.now());
    const runtime: LocalRuntime = { ...composed, ...(operatorKeyFile ? { operatorKeyFile } : {}) };
    const demo = options.seedDemo
      ? await seedDemoAuthorities(runtime.directory, options.dataDir, url, options.seedDemo)
      : [];
    const portal = options.portalDir
      ? createPortalHandler({
          dir: options.portalDir,
          contentSecurityPolicy: portalContentSecurityPolicy({ connectOrigins: [embedded.s3Endpoint] }),
        })
      : undefined;
    const appFetch = runtime.app.fetch;
    ready = getRequestListener(
      portal ? async (request: Request) => (await portal(request)) ?? appFetch(request) : appFetch,
    );
    const started = embedded;
    const intervalMs = options.checkpointIntervalMs ?? 60_000;
    const checkpointTimer =
      intervalMs > 0
        ? startCheckpointTimer(runtime.checkpoints, intervalMs, (error) =>
            runtime.logger.error('checkpoint build failed', { error: String(error) }),
          )
        : undefined;
    const clockIntervalMs = options.clockIntervalMs ?? 60_000;
    const clockTimer =
      clockIntervalMs > 0
        ? startClockTimer(runtime.clocks.run, clockIntervalMs, (error) =>
            runtime.logger.error('clock sweep failed', { error: String(error) }),
          )
        : undefined;
    return {
      url,
      port,
      dataDir: options.dataDir,
      embedded: started,
      runtime,
      demo,
      mail,
      async close() {
        await checkpointTimer?.stop();
        await clockTimer?.stop();
        await closeServer(server);
        destroyAwsClients(runtime.clients);
        await started.close();
        await mail?.close();
      },
    };
  } catch (error) {
    await closeServer(server);
    await embedded?.close();
    await mail?.close();
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PouchError('ERR_PORT_IN_USE', `Port ${port} on ${host} is already in use`, { cause: error })
          : error,
      );
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
