// Configuration names, once: every environment variable the server reads. server/config/config.ts validates
// these names, infra/stateless-stack.ts sets them on the functions, functions/seed-directory.ts and the local
// exchange read them, so renaming a variable is one edit here and the compiler finds every user.
import { evidenceBucket, ledgerTable, mainTable, replayTable } from './storage-definitions.ts';

/** Environment variable names by role. Table and bucket names come from their storage definitions. */
export const envNames = {
  mode: 'POUCH_MODE',
  region: 'AWS_REGION',
  mainTable: mainTable.envVar,
  ledgerTable: ledgerTable.envVar,
  replayTable: replayTable.envVar,
  evidenceBucket: evidenceBucket.envVar,
  /** Audience and issuer of access tokens: the public URL of this exchange. */
  issuer: 'POUCH_ISSUER',
  /**
   * Signers: 'kms' with key ids, or 'file' with key files. Two keys, so a compromise or misuse of the one that
   * signs short-lived access tokens cannot forge custody: the signing key signs receipts and checkpoints (the key
   * auditors pin), the token signing key signs access tokens (the JWKS).
   */
  signer: 'POUCH_SIGNER',
  signingKeyId: 'POUCH_SIGNING_KEY_ID',
  signingKeyFile: 'POUCH_SIGNING_KEY_FILE',
  tokenSigningKeyId: 'POUCH_TOKEN_SIGNING_KEY_ID',
  tokenSigningKeyFile: 'POUCH_TOKEN_SIGNING_KEY_FILE',
  /** Endpoints of the embedded servers; absent on AWS. */
  dynamodbEndpoint: 'POUCH_DYNAMODB_ENDPOINT',
  s3Endpoint: 'POUCH_S3_ENDPOINT',
  /** Largest sealed document accepted, in bytes. */
  maxDocumentBytes: 'POUCH_MAX_DOCUMENT_BYTES',
  /** Largest JSON request body accepted by the API, in bytes. */
  maxBodyBytes: 'POUCH_MAX_BODY_BYTES',
  /** Lifetime of presigned URLs, at most presignLimits.maxPresignSeconds. */
  presignSeconds: 'POUCH_PRESIGN_SECONDS',
  /** Larger custody bundles are stored and handed out by presigned URL (Lambda answers at most 6 MB). */
  bundleInlineMaxBytes: 'POUCH_BUNDLE_INLINE_MAX_BYTES',
  logLevel: 'POUCH_LOG_LEVEL',
  /**
   * On AWS, the secret CloudFront adds to every request it forwards to the API (header {@link originVerifyHeader});
   * set, the app refuses any request without it, so nobody reaches the API around the WAF. Unset locally.
   */
  originVerify: 'POUCH_ORIGIN_VERIFY',
  /** Operator tools: the `cdk deploy --outputs-file` JSON to read names from (default cdk-outputs.json). */
  cdkOutputsFile: 'POUCH_CDK_OUTPUTS',
  /** Custody reads (`auditor.viewed`, `custody.exported`) are recorded once per member, exchange and view per interval. */
  readRecordIntervalSeconds: 'POUCH_READ_RECORD_INTERVAL_SECONDS',
  /** Authenticated API requests per authority per minute. */
  apiRequestsPerMinute: 'POUCH_RATE_API_REQUESTS_PER_MINUTE',
  /** Token requests per minute per client id, and per authority, as the assertion claims them. */
  tokenRequestsPerClientPerMinute: 'POUCH_RATE_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE',
  tokenRequestsPerAuthorityPerMinute: 'POUCH_RATE_TOKEN_REQUESTS_PER_AUTHORITY_PER_MINUTE',
  /** Daily quotas per authority: exchanges created, sealed bytes declared for upload. */
  exchangesPerDay: 'POUCH_QUOTA_EXCHANGES_PER_DAY',
  declaredBytesPerDay: 'POUCH_QUOTA_DECLARED_BYTES_PER_DAY',
} as const;

/** The header that carries the origin-verify secret from CloudFront to the API (infra/constructs/edge-distribution.ts). */
export const originVerifyHeader = 'x-pouch-origin-verify';

/** Any environment variable the server's configuration reads. */
export type EnvName = (typeof envNames)[keyof typeof envNames];

/** An environment, or part of one, keyed only by names the configuration reads. */
export type EnvValues = Partial<Record<EnvName, string>>;
