// Configuration, read once: one zod schema over the environment, failing fast with the variable's name.
// Entry points call loadConfig(); local mode merges its explicit defaults (localDefaults) first.
import { z } from 'zod';
import { ConfigError } from '../../shared/domain/errors.ts';
import { evidenceBucket, ledgerTable, mainTable, replayTable } from './storage-definitions.ts';

const url = z.url({ protocol: /^https?$/ });
const positiveInt = z.coerce.number().int().positive();

const schema = z
  .object({
    POUCH_MODE: z.enum(['aws', 'local']),
    AWS_REGION: z.string().min(1),
    [mainTable.envVar]: z.string().min(3),
    [ledgerTable.envVar]: z.string().min(3),
    [replayTable.envVar]: z.string().min(3),
    [evidenceBucket.envVar]: z.string().min(3),
    /** Audience and issuer of access tokens: the public URL of this exchange. */
    POUCH_ISSUER: url,
    /**
     * Signers: 'kms' with key ids, or 'file' with key files. Two keys, so a compromise or misuse of the one
     * that signs short-lived access tokens cannot forge custody: POUCH_SIGNING_KEY_* signs receipts and
     * checkpoints (the key auditors pin), POUCH_TOKEN_SIGNING_KEY_* signs access tokens (the JWKS).
     */
    POUCH_SIGNER: z.enum(['kms', 'file']),
    POUCH_SIGNING_KEY_ID: z.string().min(1).optional(),
    POUCH_SIGNING_KEY_FILE: z.string().min(1).optional(),
    POUCH_TOKEN_SIGNING_KEY_ID: z.string().min(1).optional(),
    POUCH_TOKEN_SIGNING_KEY_FILE: z.string().min(1).optional(),
    /** Endpoints of the embedded servers; absent on AWS. */
    POUCH_DYNAMODB_ENDPOINT: url.optional(),
    POUCH_S3_ENDPOINT: url.optional(),
    /** Largest sealed document accepted, in bytes. */
    POUCH_MAX_DOCUMENT_BYTES: positiveInt,
    /** Largest JSON request body accepted by the API, in bytes. */
    POUCH_MAX_BODY_BYTES: positiveInt,
    POUCH_PRESIGN_SECONDS: positiveInt.max(300),
    /** Larger custody bundles are stored and handed out by presigned URL (Lambda answers at most 6 MB). */
    POUCH_BUNDLE_INLINE_MAX_BYTES: positiveInt,
    POUCH_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']),
  })
  .superRefine((v, ctx) => {
    const required =
      v.POUCH_SIGNER === 'kms'
        ? (['POUCH_SIGNING_KEY_ID', 'POUCH_TOKEN_SIGNING_KEY_ID'] as const)
        : (['POUCH_SIGNING_KEY_FILE', 'POUCH_TOKEN_SIGNING_KEY_FILE'] as const);
    for (const name of required) {
      if (!v[name])
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `required when POUCH_SIGNER=${v.POUCH_SIGNER}`,
        });
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
}

/** Defaults that apply everywhere unless overridden (they are limits, not secrets or endpoints). */
export const commonDefaults: Readonly<Record<string, string>> = {
  POUCH_MAX_DOCUMENT_BYTES: String(64 * 1024 ** 3),
  POUCH_MAX_BODY_BYTES: String(256 * 1024),
  POUCH_PRESIGN_SECONDS: '300',
  POUCH_BUNDLE_INLINE_MAX_BYTES: String(4 * 1024 ** 2),
  POUCH_LOG_LEVEL: 'info',
};

/**
 * The local exchange's defaults, chosen explicitly in one place. `npm start` and the tests merge these
 * under the real environment; nothing on the AWS path ever reads them.
 */
export function localDefaults(dataDir: string, ports: { http: number; dynamodb: number; s3: number }) {
  return {
    POUCH_MODE: 'local',
    AWS_REGION: 'local',
    [mainTable.envVar]: mainTable.localName,
    [ledgerTable.envVar]: ledgerTable.localName,
    [replayTable.envVar]: replayTable.localName,
    [evidenceBucket.envVar]: evidenceBucket.localName,
    POUCH_ISSUER: `http://127.0.0.1:${ports.http}`,
    POUCH_SIGNER: 'file',
    POUCH_SIGNING_KEY_FILE: `${dataDir}/exchange-signing-key.jwk.json`,
    POUCH_TOKEN_SIGNING_KEY_FILE: `${dataDir}/exchange-token-key.jwk.json`,
    POUCH_DYNAMODB_ENDPOINT: `http://127.0.0.1:${ports.dynamodb}`,
    POUCH_S3_ENDPOINT: `http://127.0.0.1:${ports.s3}`,
  } satisfies Record<string, string>;
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
  const get = (name: string): string => String((v as Record<string, unknown>)[name]);
  return {
    mode: v.POUCH_MODE,
    region: v.AWS_REGION,
    tables: { main: get(mainTable.envVar), ledger: get(ledgerTable.envVar), replay: get(replayTable.envVar) },
    evidenceBucket: get(evidenceBucket.envVar),
    issuer: v.POUCH_ISSUER,
    signer:
      v.POUCH_SIGNER === 'kms'
        ? { kind: 'kms', keyId: v.POUCH_SIGNING_KEY_ID! }
        : { kind: 'file', path: v.POUCH_SIGNING_KEY_FILE! },
    tokenSigner:
      v.POUCH_SIGNER === 'kms'
        ? { kind: 'kms', keyId: v.POUCH_TOKEN_SIGNING_KEY_ID! }
        : { kind: 'file', path: v.POUCH_TOKEN_SIGNING_KEY_FILE! },
    endpoints: {
      ...(v.POUCH_DYNAMODB_ENDPOINT ? { dynamodb: v.POUCH_DYNAMODB_ENDPOINT } : {}),
      ...(v.POUCH_S3_ENDPOINT ? { s3: v.POUCH_S3_ENDPOINT } : {}),
    },
    maxDocumentBytes: v.POUCH_MAX_DOCUMENT_BYTES,
    maxBodyBytes: v.POUCH_MAX_BODY_BYTES,
    presignSeconds: v.POUCH_PRESIGN_SECONDS,
    bundleInlineMaxBytes: v.POUCH_BUNDLE_INLINE_MAX_BYTES,
    logLevel: v.POUCH_LOG_LEVEL,
  };
}
