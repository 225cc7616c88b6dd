// Test support (hardening): a real local exchange (dynalite + s3rver over loopback, real adapters) whose AWS SDK
// clients and signer are wrapped so that the Nth call of a chosen operation fails, in turn, on any write path.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';
import { type AwsClients, destroyAwsClients } from '../../server/adapters/aws-clients.ts';
import { composeRuntime, type Runtime } from '../../server/composition/compose.ts';
import { loadConfig, localDefaults } from '../../server/config/config.ts';
import { envNames } from '../../server/config/environment.ts';
import { bootstrapStorage } from '../../server/local/bootstrap.ts';
import { type EmbeddedServers, startEmbeddedServers } from '../../server/local/embedded-servers.ts';
import { partsDigestOf } from '../../shared/crypto/sealed-digest.ts';
import type { Signer } from '../../shared/crypto/signer.ts';
import { type ManifestLabel, signManifest } from '../../shared/custody/manifest.ts';
import { createContractObserver } from '../support/contract.ts';
import { createCapturingLogger } from '../support/local-exchange.ts';

/**
 * `error`: the call fails before it reaches the server (a 500 from the service). `throttle`: it is refused as
 * throttled (ProvisionedThroughputExceededException / SlowDown). `timeout`: the call reaches the server and
 * takes effect, then the answer is lost (the caller sees a TimeoutError: the ambiguous case).
 */
export type FaultMode = 'error' | 'throttle' | 'timeout';

export interface FaultPlan {
  /** SDK operation name without `Command` (`PutItem`, `HeadObject`, ...) or `sign` for the signer. */
  readonly op: string;
  /** 1-based: the Nth call of `op` after arming fails. */
  readonly nth: number;
  readonly mode: FaultMode;
}

export interface FaultInjector {
  /** Arm one fault and reset the call counts. */
  arm(plan: FaultPlan): void;
  /** Stop injecting; returns whether the armed fault fired. */
  disarm(): boolean;
  /** Calls per operation since the last arm/reset. */
  counts(): ReadonlyMap<string, number>;
  reset(): void;
}

const s3Names: Record<Exclude<FaultMode, 'timeout'>, string> = {
  error: 'InternalError',
  throttle: 'SlowDown',
};
const dynamoNames: Record<Exclude<FaultMode, 'timeout'>, string> = {
  error: 'InternalServerError',
  throttle: 'ProvisionedThroughputExceededException',
};

function injectedError(mode: FaultMode, service: 'dynamodb' | 's3' | 'signer'): Error {
  const name =
    mode === 'timeout'
      ? 'TimeoutError'
      : service === 's3'
        ? s3Names[mode]
        : service === 'dynamodb'
          ? dynamoNames[mode]
          : 'KMSInternalException';
  return Object.assign(new Error(`injected ${mode}`), {
    name,
    $fault: 'server',
    $metadata: { httpStatusCode: mode === 'throttle' ? 400 : 500, attempts: 1 },
  });
}

/**
 * Wrap the runtime's SDK clients (an `initialize` middleware, above the SDK's own retries, so the fault reaches
 * the adapters) and its signer. The adapters hold these very client objects, so nothing else needs rewiring.
 */
export function installFaultInjector(clients: AwsClients, signer: Signer): FaultInjector {
  let plan: FaultPlan | undefined;
  let fired = false;
  const counts = new Map<string, number>();
  const hit = (op: string): FaultPlan | undefined => {
    const n = (counts.get(op) ?? 0) + 1;
    counts.set(op, n);
    if (!plan || fired || plan.op !== op || plan.nth !== n) return undefined;
    fired = true;
    return plan;
  };
  const stacks: Array<[MiddlewareStack<object, MetadataBearer>, 'dynamodb' | 's3']> = [
    [clients.dynamo.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>, 'dynamodb'],
    [clients.s3.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>, 's3'],
  ];
  for (const [stack, service] of stacks) {
    stack.add(
      (next: InitializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
        async (args: InitializeHandlerArguments<object>) => {
          const op = String(context.commandName ?? '').replace(/Command$/, '');
          const fault = hit(op);
          if (!fault) return next(args);
          if (fault.mode !== 'timeout') throw injectedError(fault.mode, service);
          const out = await next(args);
          const body = (out.output as { Body?: { destroy?: () => void } } | undefined)?.Body;
          body?.destroy?.();
          throw injectedError('timeout', service);
        },
      { step: 'initialize', name: 'pouchFaultInjector', priority: 'high' },
    );
  }
  const sign = signer.sign.bind(signer);
  (signer as { sign: Signer['sign'] }).sign = async (data) => {
    const fault = hit('sign');
    if (!fault) return sign(data);
    if (fault.mode === 'timeout') await sign(data);
    throw injectedError(fault.mode, 'signer');
  };
  return {
    arm(next) {
      plan = next;
      fired = false;
      counts.clear();
    },
    disarm() {
      plan = undefined;
      return fired;
    },
    counts: () => new Map(counts),
    reset() {
      counts.clear();
    },
  };
}

export interface FaultyExchange {
  readonly runtime: Runtime;
  readonly embedded: EmbeddedServers;
  readonly faults: FaultInjector;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * Start a real local exchange in a temp dir, in-process (no HTTP listener: tests call `runtime.app.request`),
 * with multipart forced at `partSize` bytes so that tiny documents exercise CompleteMultipartUpload.
 */
export async function startFaultyExchange(options: { partSize?: number } = {}): Promise<FaultyExchange> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pouch-faults-'));
  const embedded = await startEmbeddedServers({ dataDir, persistDynamo: false });
  const config = loadConfig({
    ...localDefaults(dataDir, { http: 8787, dynamodb: embedded.dynamodbPort, s3: embedded.s3Port }),
    POUCH_LOG_LEVEL: 'silent',
    // Each fault plan replays its requests as fast as the machine allows: on a quiet machine one authority passes
    // the default 1,200 requests a minute, and the rate limit (tested in tests/identity/rate-limits.test.ts)
    // would answer 429 where this suite studies faults.
    [envNames.apiRequestsPerMinute]: '1000000',
  });
  const runtime = await composeRuntime(config, {
    logger: createCapturingLogger(),
    // Every response, faulted or not, is checked against /openapi.json (tests/support/contract.ts).
    observeResponse: createContractObserver(),
    ...(options.partSize ? { uploadPlanOptions: { testOnlyForcePartSize: options.partSize } } : {}),
  });
  await bootstrapStorage(runtime.clients, config);
  const faults = installFaultInjector(runtime.clients, runtime.signer);
  return {
    runtime,
    embedded,
    faults,
    dataDir,
    async stop() {
      destroyAwsClients(runtime.clients);
      await embedded.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
export const sha256Base64 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');
export const newMessageId = () => `msg_${randomBytes(16).toString('base64url')}`;
export const newIdempotencyKey = () => randomBytes(12).toString('hex');

/** Cut `bytes` into `partSize` slices with their base64 SHA-256 (what a client declares for multipart). */
export function cutParts(bytes: Uint8Array, partSize: number): { slices: Uint8Array[]; sha256s: string[] } {
  const slices: Uint8Array[] = [];
  for (let at = 0; at < Math.max(bytes.length, 1); at += partSize) {
    slices.push(bytes.subarray(at, Math.min(bytes.length, at + partSize)));
  }
  return { slices, sha256s: slices.map(sha256Base64) };
}

/**
 * A manifest entry for opaque "sealed" bytes (the exchange never opens them; the digests are what count). With
 * `partSize` (a multipart upload) it also binds the parts' composite, as a multipart manifest entry must.
 */
export function manifestEntry(
  documentId: string,
  sealed: Uint8Array,
  name = 'evidence.bin',
  partSize?: number,
) {
  const parts =
    partSize === undefined
      ? {}
      : { sealedPartsSha256: partsDigestOf(cutParts(sealed, partSize).sha256s), partSize };
  return {
    documentId,
    name,
    mediaType: 'application/octet-stream',
    size: sealed.length,
    plaintextSha256: sha256Hex(Buffer.concat([Buffer.from('plain:'), sealed])),
    sealedSize: sealed.length,
    sealedSha256: sha256Hex(sealed),
    ...parts,
  };
}

/** Sign a manifest as `who` for one message, with the label claims the exchange requires (label-claims.ts). */
export async function signTestManifest(
  who: { clientId: string; key: { privateKey: CryptoKey | import('jose').CryptoKey; kid: string } },
  exchangeId: string,
  messageId: string,
  kind: string,
  documents: ReturnType<typeof manifestEntry>[],
  label: ManifestLabel,
): Promise<string> {
  return signManifest(
    {
      v: 1,
      exchangeId,
      messageId,
      messageKind: kind,
      sender: who.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents,
      label,
    },
    who.key.privateKey as import('jose').CryptoKey,
    { alg: 'ES256', kid: who.key.kid },
  );
}
