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
  /** The region of the stateful and stateless stacks (the edge stack is always in us-east-1). */
  readonly region: string;
  /**
   * Public URL of the exchange, used as token issuer and audience. `undefined` means "auto": the portal's
   * origin, which is `https://<domainName>` with a custom domain and the CloudFront distribution's own
   * `https://dxxxx.cloudfront.net` without one (portal and API share that origin).
   */
  readonly issuer: string | undefined;
  /**
   * Optional custom domain of the distribution, with its ACM certificate (which CloudFront requires in
   * us-east-1). Both or neither.
   */
  readonly customDomain: { readonly domainName: string; readonly certificateArn: string } | undefined;
  /** Where the alarm topic sends e-mail, if anywhere (the subscription must be confirmed by its owner). */
  readonly alarmEmail: string | undefined;
  /**
   * The SES-verified sender of e-mail notifications (context `mailFrom`). Unset: the e-mail channel is off (the
   * synth warns) and only webhooks deliver.
   */
  readonly mailFrom: string | undefined;
  /** WAF rate-based rules: requests per client IP per 5 minutes, overall and on the token endpoint. */
  readonly wafRateLimitPerIp: number;
  readonly wafTokenRateLimitPerIp: number;
  /** Generation of the origin-verify secret; a new number makes a new secret (rotation, docs/operations.md). */
  readonly originVerifyGeneration: number;
  /** The portal's Vite build output, relative to the repository root; a placeholder is served when absent. */
  readonly portalDistDir: string;
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
  const optionalString = (key: string): string | undefined => {
    const value = raw(key);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new SettingsError(`CDK context "${key}" must be a string`);
    return value;
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

  const region = required('region');
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new SettingsError(`CDK context "region" must be an AWS region name, got ${String(region)}`);
  }

  const domainName = optionalString('domainName');
  const certificateArn = optionalString('certificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new SettingsError(
      'CDK context "domainName" and "certificateArn" go together: give both or neither',
    );
  }
  if (
    domainName !== undefined &&
    !/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)
  ) {
    throw new SettingsError(`CDK context "domainName" must be a lower-case host name, got ${domainName}`);
  }
  // CloudFront only accepts certificates from ACM in us-east-1, whatever the stacks' region.
  if (
    certificateArn !== undefined &&
    !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)
  ) {
    throw new SettingsError(
      `CDK context "certificateArn" must be an ACM certificate ARN in us-east-1 (CloudFront's region), got ${certificateArn}`,
    );
  }
  const alarmEmail = optionalString('alarmEmail');
  if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) {
    throw new SettingsError(`CDK context "alarmEmail" must be an e-mail address, got ${alarmEmail}`);
  }
  const mailFrom = optionalString('mailFrom');
  if (mailFrom !== undefined && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(mailFrom)) {
    throw new SettingsError(
      `CDK context "mailFrom" must be the bare e-mail address of a sender verified in SES (no display name), got ${mailFrom}`,
    );
  }
  const portalDistDir = required('portalDistDir');
  if (typeof portalDistDir !== 'string' || portalDistDir.length === 0 || portalDistDir.startsWith('/')) {
    throw new SettingsError('CDK context "portalDistDir" must be a path relative to the repository root');
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
    region,
    objectLockRetentionDays: int('objectLockRetentionDays', 1, 36500),
    issuer: issuerRaw === 'auto' ? undefined : issuerRaw,
    customDomain:
      domainName !== undefined && certificateArn !== undefined ? { domainName, certificateArn } : undefined,
    alarmEmail,
    mailFrom,
    // WAF's own bounds for a rate-based rule's limit (per 5-minute window).
    wafRateLimitPerIp: int('wafRateLimitPerIp', 10, 2_000_000_000),
    wafTokenRateLimitPerIp: int('wafTokenRateLimitPerIp', 10, 2_000_000_000),
    portalDistDir,
    originVerifyGeneration: int('originVerifyGeneration', 1, 1_000_000, raw('originVerifyGeneration') ?? 1),
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
