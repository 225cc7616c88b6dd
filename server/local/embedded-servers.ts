// Local mode infrastructure: starts the embedded DynamoDB-compatible (dynalite) and S3-compatible (s3rver)
// servers on loopback. Used by `npm start` and by integration tests; never bundled into the Lambda.
import { mkdir, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import S3rver, { type S3rverContext } from 's3rver';
import { installS3Checksums } from './s3-checksums.ts';
import { repairS3Store, type S3RepairSummary } from './s3-store-repair.ts';

export interface EmbeddedServers {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly dynamodbPort: number;
  readonly s3Port: number;
  /** What the start-up check of the S3 folder repaired or set aside (a kill can leave writes half done). */
  readonly s3Repair: S3RepairSummary;
  close(): Promise<void>;
}

/**
 * Start both servers. With `dataDir` their data persists on disk (DynamoDB under `dynamodb/`, S3 under
 * `s3/`); without it DynamoDB is in memory and S3 uses a throw-away folder the caller provides.
 * Ports default to 0: the OS picks free ones, so nothing else on the machine can collide with them.
 */
export async function startEmbeddedServers(options: {
  dataDir: string;
  persistDynamo?: boolean;
  dynamodbPort?: number;
  s3Port?: number;
}): Promise<EmbeddedServers> {
  const dynamoDir = join(options.dataDir, 'dynamodb');
  const s3Dir = join(options.dataDir, 's3');
  await mkdir(s3Dir, { recursive: true });
  const persist = options.persistDynamo ?? true;
  if (persist) await mkdir(dynamoDir, { recursive: true });

  const dynamo: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(persist ? { path: dynamoDir } : {}),
  });
  await listen(dynamo, options.dynamodbPort ?? 0);
  const dynamodbPort = (dynamo.address() as AddressInfo).port;

  let s3: S3rver;
  let s3Port: number;
  let s3Repair: S3RepairSummary;
  let checksums: ReturnType<typeof installS3Checksums>;
  try {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    s3Repair = await repairS3Store({ s3Dir, quarantineDir: join(options.dataDir, 'quarantine', stamp) });
    s3 = new S3rver({ address: '127.0.0.1', port: options.s3Port ?? 0, directory: s3Dir, silent: true });
    // Checksums first: they wrap the body before routing and decorate every answer after it.
    checksums = installS3Checksums(s3.store);
    s3.middleware.unshift(checksums, headBucketWithoutListing(s3Dir));
    const address = (await s3.run()) as AddressInfo;
    s3Port = address.port;
  } catch (error) {
    await closeServer(dynamo);
    throw error;
  }

  return {
    dynamodbEndpoint: `http://127.0.0.1:${dynamodbPort}`,
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    dynamodbPort,
    s3Port,
    s3Repair,
    async close() {
      await Promise.allSettled([s3.close(), closeServer(dynamo)]);
      // A completed upload's parts are removed after its answer: gone before a restart's repair looks.
      await checksums.drained();
    },
  };
}

/**
 * s3rver answers HeadBucket by listing up to 1,000 objects and reading each one's metadata, so a health probe
 * would cost a listing and fail on any one unreadable object. A bucket exists when its folder does; answer
 * that directly (the same question S3 answers).
 */
function headBucketWithoutListing(s3Dir: string) {
  return async (ctx: S3rverContext, next: () => Promise<void>): Promise<void> => {
    const bucket = /^\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?$/.exec(ctx.path)?.[1];
    if (ctx.method !== 'HEAD' || bucket === undefined || ctx.querystring !== '') return next();
    const found = await stat(join(s3Dir, bucket)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    ctx.status = found ? 200 : 404;
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
