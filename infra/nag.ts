// cdk-nag wiring: the AWS Solutions and NIST 800-53 rev 5 rule packs as CDK validation plugins over the whole
// app, and the acknowledgement helpers that need more than `Validations.of(x).acknowledge()`. Acknowledgements
// live next to the resources they concern, each with its reason.
import { Stack, Validations } from 'aws-cdk-lib';
// cdk-nag is CommonJS whose re-exports Node cannot detect statically, so named ESM imports of it fail.
import cdkNag from 'cdk-nag';
import flattenModule from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Options shared by `cdk synth` and the in-process test, so both see the same findings. */
export const nagOptions = { verbose: true, writeSuppressionsToCloudFormation: true } as const;

/** The rule packs every synth runs, by the prefix of their rule ids. */
export const nagPacks = {
  AwsSolutions: (scope: IConstruct) => new cdkNag.AwsSolutionsChecks(scope, nagOptions),
  NIST80053R5: (scope: IConstruct) => new cdkNag.NIST80053R5Checks(scope, nagOptions),
} as const;

/**
 * Register both packs on the app (cdk-nag 3 packs are policy-validation plugins, not Aspects). Any
 * unacknowledged finding, error or warning, makes synthesis fail with the validation report. Acknowledged
 * rules are also written into each resource's template Metadata (`cdk_nag.rules_to_suppress`) so the
 * reasons travel with the template.
 *
 * @example
 * applyNagChecks(app);
 */
export function applyNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(...Object.values(nagPacks).map((pack) => pack(app)));
}

/** Run both packs directly over a synthesized construct tree and return their reports (tests). */
export function runNagChecks(scope: IConstruct) {
  const reports = Object.values(nagPacks).map((pack) => pack(scope).validateScope(scope));
  return { violations: reports.flatMap((r) => r.violations) };
}

/** Acknowledge the same rules with one reason on `scope` (every rule id must be written out in full). */
export function acknowledgeRules(scope: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledge AwsSolutions-IAM5 for one wildcard resource (e.g. `<bucket ARN>/exchanges/*`) on `scope`.
 *
 * cdk-nag 3 matches the finding id exactly, and that id embeds the resource as it renders after CDK has
 * turned cross-stack references into outputs, which happens during synthesis. So the id is computed in a
 * tree validation, which CDK runs after references are resolved and before validation plugins. An id that
 * no longer matches simply leaves the finding unacknowledged: the synth fails, it is never silenced.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  scope.node.addValidation({
    validate: () => {
      const flat = flattenModule.flattenCfnReference(Stack.of(scope).resolve(resource));
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
      return [];
    },
  });
}

/**
 * NIST 800-53 rev 5 findings that hold for a whole class of resources in every Pouch stack, each with the reason
 * it is accepted. Applied per stack (infra/pouch-app.ts); anything not listed here is acknowledged on its own
 * resource, next to it.
 */
export const stackWideAcknowledgements: ReadonlyArray<{ readonly id: string; readonly reason: string }> = [
  {
    id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
    reason:
      'CloudWatch Logs encrypts every log group at rest with service-owned keys. Pouch logs carry no document ' +
      'content, key or bearer token (the logger redacts secrets, access logs omit identity), so a customer key ' +
      'would add a key policy to maintain for every log group without protecting anything confidential.',
  },
  {
    id: 'NIST.800.53.R5-LambdaInsideVPC',
    reason:
      'The functions call only AWS APIs (DynamoDB, S3, KMS) over TLS with IAM-signed requests; there is no VPC ' +
      'resource to reach. A VPC would add NAT or interface endpoints and cold-start cost without reducing exposure.',
  },
  {
    id: 'NIST.800.53.R5-LambdaDLQ',
    reason:
      'The API is invoked synchronously (API Gateway), where a dead-letter queue never applies; the scheduled ' +
      'checkpoint is retried by EventBridge and its failures raise the CheckpointErrors alarm; CDK provider ' +
      'functions run inside CloudFormation, which reports their failure as a failed deployment.',
  },
  {
    id: 'NIST.800.53.R5-IAMNoInlinePolicy',
    reason:
      "Each role's policy is an AWS::IAM::Policy attached to that one role, written statement by statement in " +
      'infra/constructs/grants.ts and asserted exactly by tests/infra/policy.test.ts; a managed policy shared ' +
      'between roles would be the broader grant.',
  },
  {
    id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
    reason:
      'Cross-region replication of evidence is a data-residency decision each operator must take (authorities ' +
      'often require evidence to stay in one jurisdiction); the evidence bucket is versioned under COMPLIANCE ' +
      'Object Lock, and docs/operations.md describes adding replication. Log and portal buckets are rebuildable.',
  },
  {
    id: 'NIST.800.53.R5-LambdaConcurrency',
    reason:
      'The API is bounded by the WAF rate rules, the stage throttle and per-authority limits; reserving ' +
      "concurrency would take it from the account's pool and fail on accounts with the initial 10-execution " +
      'quota. The checkpoint function reserves 1; CDK provider functions run only during deployments.',
  },
];

/** Acknowledge {@link stackWideAcknowledgements} on one stack. */
export function acknowledgeStackWide(stack: IConstruct): void {
  for (const { id, reason } of stackWideAcknowledgements) Validations.of(stack).acknowledge({ id, reason });
}
