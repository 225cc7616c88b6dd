// Configuration, read once: one zod schema over the environment, failing fast with the variable's name.
// Entry points call loadConfig(); local mode merges its explicit defaults (localDefaults) first.
import { z } from 'zod';
import { ConfigError } from '../../shared/domain/errors.ts';
import { type EnvValues, envNames as n } from './environment.ts';
import { evidenceBucket, ledgerTable, mainTable, presignLimits, replayTable } from './storage-definitions.ts';

/** Window lengths of the limits, in seconds. */
const limitWindows = { minute: 60, day: 86_400 } as const;

const url = z.url({ protocol: /^https?$/ });
const positiveInt = z.coerce.number().int().positive();

const schema = z
  .object({
    [n.mode]: z.enum(['aws', 'local']),
    [n.region]: z.string().min(1),
    [n.mainTable]: z.string().min(3),
    [n.ledgerTable]: z.string().min(3),
    [n.replayTable]: z.string().min(3),
    [n.evidenceBucket]: z.string().min(3),
    [n.issuer]: url,
    [n.signer]: z.enum(['kms', 'file']),
    [n.signingKeyId]: z.string().min(1).optional(),
    [n.signingKeyFile]: z.string().min(1).optional(),
    [n.tokenSigningKeyId]: z.string().min(1).optional(),
    [n.tokenSigningKeyFile]: z.string().min(1).optional(),
    [n.dynamodbEndpoint]: url.optional(),
    [n.s3Endpoint]: url.optional(),
    [n.maxDocumentBytes]: positiveInt,
    [n.maxBodyBytes]: positiveInt,
    [n.presignSeconds]: positiveInt.max(presignLimits.maxPresignSeconds),
    [n.bundleInlineMaxBytes]: positiveInt,
    [n.logLevel]: z.enum(['debug', 'info', 'warn', 'error', 'silent']),
    // At least 32 characters: the value is a shared secret (the CDK app generates 48).
    [n.originVerify]: z.string().min(32).optional(),
    [n.readRecordIntervalSeconds]: positiveInt.max(limitWindows.day),
    [n.apiRequestsPerMinute]: positiveInt,
    [n.tokenRequestsPerClientPerMinute]: positiveInt,
    [n.tokenRequestsPerAuthorityPerMinute]: positiveInt,
    [n.exchangesPerDay]: positiveInt,
    [n.declaredBytesPerDay]: positiveInt,
  })
  .superRefine((v, ctx) => {
    const required =
      v[n.signer] === 'kms'
        ? ([n.signingKeyId, n.tokenSigningKeyId] as const)
        : ([n.signingKeyFile, n.tokenSigningKeyFile] as const);
    for (const name of required) {
      if (!v[name]) {
        ctx.addIssue({ code: 'custom', path: [name], message: `required when ${n.signer}=${v[n.signer]}` });
      }
    }
    const [custody, token] = required;
    if (v[custody] && v[custody] === v[token]) {
      ctx.addIssue({ code: 'custom', path: [token], message: `must name another key than ${custody}` });
    }
  });

type RawConfig = z.infer<typeof schema>;

export type SignerConfig =
  | { readonly kind: 'kms'; readonly keyId: string }
  | { readonly kind: 'file'; readonly path: string };

/** The validated configuration every entry point passes inward. */
export interface Config {
  readonly mode: 'aws' | 'local';
  readonly region: string;
  readonly tables: { readonly main: string; readonly ledger: string; readonly replay: string };
  readonly evidenceBucket: string;
  readonly issuer: string;
  /** The custody signer: receipts and checkpoints; its public key goes into custody bundles. */
  readonly signer: SignerConfig;
  /** The access-token signer; its public key is the JWKS. */
  readonly tokenSigner: SignerConfig;
  readonly endpoints: { readonly dynamodb?: string; readonly s3?: string };
  readonly maxDocumentBytes: number;
  readonly maxBodyBytes: number;
  readonly presignSeconds: number;
  readonly bundleInlineMaxBytes: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** The secret CloudFront adds to every request it forwards (AWS only); when set, requests without it are refused. */
  readonly originVerify?: string;
  /** What one caller may cost (server/ports/rate-limits.ts); each limit counts in fixed windows. */
  readonly limits: Limits;
}

/** Per-caller limits: each is `limit` units per window of `windowSeconds`. */
export interface Limits {
  /** One recorded custody read per member, exchange and view per this many seconds. */
  readonly readRecordIntervalSeconds: number;
  /** Authenticated requests, per authority. */
  readonly apiRequests: WindowLimit;
  /** Token requests, per claimed client id and per claimed authority. */
  readonly tokenRequestsPerClient: WindowLimit;
  readonly tokenRequestsPerAuthority: WindowLimit;
  /** Exchanges created, per authority. */
  readonly exchangesCreated: WindowLimit;
  /** Sealed bytes declared for upload, per authority. */
  readonly bytesDeclared: WindowLimit;
}

export interface WindowLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** Defaults that apply everywhere unless overridden (they are limits, not secrets or endpoints). */
export const commonDefaults = {
  [n.maxDocumentBytes]: String(64 * 1024 ** 3),
  [n.maxBodyBytes]: String(256 * 1024),
  [n.presignSeconds]: String(presignLimits.maxPresignSeconds),
  [n.bundleInlineMaxBytes]: String(4 * 1024 ** 2),
  [n.logLevel]: 'info',
  [n.readRecordIntervalSeconds]: String(15 * 60),
  // Generous for people and their scripts; a loop or a stolen key meets them within a minute.
  [n.apiRequestsPerMinute]: '1200',
  [n.tokenRequestsPerClientPerMinute]: '60',
  [n.tokenRequestsPerAuthorityPerMinute]: '600',
  [n.exchangesPerDay]: '1000',
  [n.declaredBytesPerDay]: String(1024 ** 4),
} as const satisfies EnvValues;

/**
 * The local exchange's defaults, chosen explicitly in one place. `npm start` and the tests merge these
 * under the real environment; nothing on the AWS path ever reads them.
 */
export function localDefaults(dataDir: string, ports: { http: number; dynamodb: number; s3: number }) {
  return {
    [n.mode]: 'local',
    [n.region]: 'local',
    [n.mainTable]: mainTable.localName,
    [n.ledgerTable]: ledgerTable.localName,
    [n.replayTable]: replayTable.localName,
    [n.evidenceBucket]: evidenceBucket.localName,
    [n.issuer]: `http://127.0.0.1:${ports.http}`,
    [n.signer]: 'file',
    [n.signingKeyFile]: `${dataDir}/exchange-signing-key.jwk.json`,
    [n.tokenSigningKeyFile]: `${dataDir}/exchange-token-key.jwk.json`,
    [n.dynamodbEndpoint]: `http://127.0.0.1:${ports.dynamodb}`,
    [n.s3Endpoint]: `http://127.0.0.1:${ports.s3}`,
  } satisfies EnvValues;
}

/**
 * Validate an environment into a Config. Throws ConfigError naming every missing or invalid variable.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const merged = { ...commonDefaults, ...stripEmpty(env) };
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')),
    });
  }
  return toConfig(parsed.data);
}

function stripEmpty(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

function toConfig(v: RawConfig): Config {
  const keyId = v[n.signingKeyId];
  const keyFile = v[n.signingKeyFile];
  const dynamodb = v[n.dynamodbEndpoint];
  const s3 = v[n.s3Endpoint];
  const originVerify = v[n.originVerify];
  return {
    mode: v[n.mode],
    region: v[n.region],
    tables: { main: v[n.mainTable], ledger: v[n.ledgerTable], replay: v[n.replayTable] },
    evidenceBucket: v[n.evidenceBucket],
    issuer: v[n.issuer],
    // The schema's refinement guarantees the key ids or files of the chosen signer.
    signer: v[n.signer] === 'kms' ? { kind: 'kms', keyId: keyId! } : { kind: 'file', path: keyFile! },
    tokenSigner:
      v[n.signer] === 'kms'
        ? { kind: 'kms', keyId: v[n.tokenSigningKeyId]! }
        : { kind: 'file', path: v[n.tokenSigningKeyFile]! },
    endpoints: { ...(dynamodb ? { dynamodb } : {}), ...(s3 ? { s3 } : {}) },
    maxDocumentBytes: v[n.maxDocumentBytes],
    maxBodyBytes: v[n.maxBodyBytes],
    presignSeconds: v[n.presignSeconds],
    bundleInlineMaxBytes: v[n.bundleInlineMaxBytes],
    logLevel: v[n.logLevel],
    ...(originVerify ? { originVerify } : {}),
    limits: {
      readRecordIntervalSeconds: v[n.readRecordIntervalSeconds],
      apiRequests: { limit: v[n.apiRequestsPerMinute], windowSeconds: limitWindows.minute },
      tokenRequestsPerClient: {
        limit: v[n.tokenRequestsPerClientPerMinute],
        windowSeconds: limitWindows.minute,
      },
      tokenRequestsPerAuthority: {
        limit: v[n.tokenRequestsPerAuthorityPerMinute],
        windowSeconds: limitWindows.minute,
      },
      exchangesCreated: { limit: v[n.exchangesPerDay], windowSeconds: limitWindows.day },
      bytesDeclared: { limit: v[n.declaredBytesPerDay], windowSeconds: limitWindows.day },
    },
  };
}
