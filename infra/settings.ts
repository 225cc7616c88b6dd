// Deployment settings, read once from CDK context (cdk.json or `-c key=value`) and checked before any
// construct is built, so a bad value stops the synth with the context key's name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aws_logs as logs } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { commonDefaults } from '../server/config/config.ts';
import { envNames } from '../server/config/environment.ts';
import { presignLimits } from '../server/config/storage-definitions.ts';
import { projectRoot } from './bundle.ts';

/** Everything the stacks need to know that differs between deployments. */
export interface PouchSettings {
  /** Default Object Lock retention (COMPLIANCE mode) of the evidence bucket, in days. */
  readonly objectLockRetentionDays: number;
  /**
   * Public URL of the exchange, used as token issuer and audience. `undefined` means "auto": the HTTP API's
   * default execute-api endpoint, for deployments without a custom domain.
   */
  readonly issuer: string | undefined;
  /** Browser origins allowed to PUT/GET presigned evidence URLs. */
  readonly corsAllowedOrigins: readonly string[];
  readonly apiThrottleBurstLimit: number;
  readonly apiThrottleRateLimit: number;
  readonly logRetention: logs.RetentionDays;
  readonly lambdaMemoryMb: number;
  readonly lambdaTimeoutSeconds: number;
  readonly logLevel: string;
  readonly maxDocumentBytes: string;
  readonly maxBodyBytes: string;
  readonly presignSeconds: string;
}

/** Thrown for a missing or invalid context value; the message names the key. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

const logLevels = ['debug', 'info', 'warn', 'error', 'silent'];

/**
 * Read and validate the settings from a construct's context. Required keys have their defaults in cdk.json;
 * the API limits fall back to the shared defaults in server/config/config.ts (the same ones local mode uses).
 *
 * @example
 * const settings = readSettings(app.node);
 */
export function readSettings(node: Node): PouchSettings {
  const raw = (key: string): unknown => node.tryGetContext(key);
  const required = (key: string): unknown => {
    const value = raw(key);
    if (value === undefined) throw new SettingsError(`Missing CDK context value "${key}" (see cdk.json)`);
    return value;
  };
  const int = (key: string, min: number, max: number, value: unknown = required(key)): number => {
    // `-c key=value` on the command line always arrives as a string.
    const n = typeof value === 'string' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new SettingsError(
        `CDK context "${key}" must be an integer in [${min}, ${max}], got ${String(value)}`,
      );
    }
    return n;
  };
  const optionalInt = (key: string, fallback: string, min: number, max: number): string =>
    String(int(key, min, max, raw(key) ?? fallback));

  const issuerRaw = required('issuer');
  if (
    typeof issuerRaw !== 'string' ||
    (issuerRaw !== 'auto' && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(issuerRaw))
  ) {
    throw new SettingsError(`CDK context "issuer" must be "auto" or an https URL, got ${String(issuerRaw)}`);
  }

  const originsRaw = required('corsAllowedOrigins');
  const origins =
    typeof originsRaw === 'string' ? parseJsonArray('corsAllowedOrigins', originsRaw) : originsRaw;
  if (
    !Array.isArray(origins) ||
    origins.length === 0 ||
    !origins.every((o) => typeof o === 'string' && /^https?:\/\/[^\s/*]+$/.test(o))
  ) {
    throw new SettingsError(
      'CDK context "corsAllowedOrigins" must be a non-empty list of origins (no wildcards)',
    );
  }

  const retentionDays = int('logRetentionDays', 1, 3653);
  if (!Object.values(logs.RetentionDays).includes(retentionDays)) {
    throw new SettingsError(
      `CDK context "logRetentionDays" is not a CloudWatch retention period: ${retentionDays}`,
    );
  }

  const logLevel = raw('logLevel') ?? commonDefaults[envNames.logLevel];
  if (typeof logLevel !== 'string' || !logLevels.includes(logLevel)) {
    throw new SettingsError(`CDK context "logLevel" must be one of ${logLevels.join(', ')}`);
  }

  return {
    objectLockRetentionDays: int('objectLockRetentionDays', 1, 36500),
    issuer: issuerRaw === 'auto' ? undefined : issuerRaw,
    corsAllowedOrigins: origins as string[],
    apiThrottleBurstLimit: int('apiThrottleBurstLimit', 1, 5000),
    apiThrottleRateLimit: int('apiThrottleRateLimit', 1, 10000),
    logRetention: retentionDays as logs.RetentionDays,
    // Lambda's own limits; the timeout stays under API Gateway's 30 s integration limit.
    lambdaMemoryMb: int('lambdaMemoryMb', 128, 10240),
    lambdaTimeoutSeconds: int('lambdaTimeoutSeconds', 1, 29),
    logLevel,
    maxDocumentBytes: optionalInt(
      'maxDocumentBytes',
      commonDefaults[envNames.maxDocumentBytes],
      1,
      5 * 1024 ** 4,
    ),
    maxBodyBytes: optionalInt('maxBodyBytes', commonDefaults[envNames.maxBodyBytes], 1, 6 * 1024 ** 2),
    presignSeconds: optionalInt(
      'presignSeconds',
      commonDefaults[envNames.presignSeconds],
      1,
      presignLimits.maxPresignSeconds,
    ),
  };
}

function parseJsonArray(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`CDK context "${key}" must be a JSON list when given on the command line`, {
      cause: error,
    });
  }
}

/**
 * The context block of cdk.json. Tests pass it to `new App({ context })` so in-process synths see the same
 * feature flags and defaults as `cdk synth`.
 */
export function readCdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context?: unknown };
  if (typeof cdkJson.context !== 'object' || cdkJson.context === null)
    throw new SettingsError('cdk.json has no context');
  return cdkJson.context as Record<string, unknown>;
}
