// Stateless stack: the API Lambda, the HTTP API, the portal and the CloudFront distribution in front of both,
// the clock schedule, the alarms. It can be destroyed and redeployed at will; everything it touches comes from the
// stateful stack (and the WAF web ACL from the edge stack in us-east-1) through props and is granted statement by
// statement.

import type { aws_s3 as s3 } from 'aws-cdk-lib';
import {
  CfnOutput,
  aws_cloudwatch_actions as cloudwatchActions,
  custom_resources as cr,
  Duration,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_secretsmanager as secretsmanager,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { statelessOutputs } from '../server/config/deployment-outputs.ts';
import { type EnvValues, envNames } from '../server/config/environment.ts';
import {
  ledgerTable,
  mainTable,
  objectPrefixes,
  replayTable,
  tables,
} from '../server/config/storage-definitions.ts';
import { PouchAlarms } from './constructs/alarms.ts';
import { ApiFunction } from './constructs/api-function.ts';
import { CheckpointFunction } from './constructs/checkpoint-function.ts';
import { addClockSchedule, type ClockSchedule } from './constructs/clock-schedule.ts';
import { EdgeDistribution } from './constructs/edge-distribution.ts';
import {
  appendOnlyTableActions,
  checkpointMainTableActions,
  checkpointObjectStatement,
  checkpointSigningStatements,
  dataKeyStatement,
  evidenceObjectArns,
  evidenceObjectStatement,
  mainTableActions,
  replayTableActions,
  signingKeyStatements,
  tableStatements,
  tokenPublicKeyStatement,
  tokenSigningKeyStatements,
} from './constructs/grants.ts';
import { PouchHttpApi } from './constructs/http-api.ts';
import { SecureBucket } from './constructs/secure-bucket.ts';
import { acknowledgeRules, acknowledgeWildcardResource } from './nag.ts';
import type { PouchSettings } from './settings.ts';
import type { DefinedTable } from './stateful-stack.ts';

/**
 * Headers a browser sends with a presigned PUT/GET to the evidence bucket (the signature, not CORS, is the
 * access control; the SDK adds varying x-amz-* headers, hence the prefix wildcard S3 supports).
 */
export const evidenceCorsAllowedHeaders = ['content-type', 'content-length', 'content-md5', 'x-amz-*'];
/** Response headers the client must read: ETag for multipart completion, the checksum to verify the upload. */
export const evidenceCorsExposedHeaders = ['ETag', 'x-amz-checksum-sha256', 'x-amz-version-id'];

/** The construct id CDK gives the AwsCustomResource provider function (a singleton per stack). */
const awsCustomResourceProviderId = 'AWS679f53fac002430cb0da5b7982bd2287';

export interface StatelessStackProps extends StackProps {
  readonly settings: PouchSettings;
  readonly dataKey: kms.IKey;
  /** The custody key: receipts and checkpoints. */
  readonly signingKey: kms.IKey;
  /** The access-token key. */
  readonly tokenSigningKey: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  /** ARN of the CLOUDFRONT-scoped WAF web ACL, from the edge stack (us-east-1). */
  readonly webAclArn: string;
  /** Tables by definition id, as built by the stateful stack. */
  readonly tables: ReadonlyMap<string, DefinedTable>;
  /** Prebuilt Lambda code. Tests pass an inline stub to skip bundling; `cdk synth` leaves it unset. */
  readonly apiCode?: lambda.Code;
  /**
   * Prebuilt checkpoint function code. Unset: bundle functions/checkpoint.ts, unless `apiCode` is set (tests
   * skipping bundling), in which case an inline placeholder stands in.
   */
  readonly checkpointCode?: lambda.Code;
}

export class StatelessStack extends Stack {
  readonly api: ApiFunction;
  readonly httpApi: PouchHttpApi;
  readonly checkpoint: CheckpointFunction;
  readonly clocks: ClockSchedule;
  readonly edge: EdgeDistribution;
  readonly evidenceCors: cr.AwsCustomResource;
  readonly alarms: PouchAlarms;
  /** The exchange's public base URL (portal and API): the custom domain or the distribution's domain. */
  readonly publicUrl: string;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const table = (id: string): DefinedTable => {
      const found = props.tables.get(id);
      if (!found) throw new Error(`Stateless stack needs table ${id} from the stateful stack`);
      return found;
    };

    const tableEnvironment = Object.fromEntries(tables.map((d) => [d.envVar, table(d.id).table.tableName]));

    this.api = new ApiFunction(this, 'Api', {
      description: 'Pouch: exchange API (Hono on Lambda)',
      memoryMb: settings.lambdaMemoryMb,
      timeoutSeconds: settings.lambdaTimeoutSeconds,
      logRetention: settings.logRetention,
      environment: {},
      ...(props.apiCode ? { code: props.apiCode } : {}),
    });

    this.httpApi = new PouchHttpApi(this, 'Http', {
      handler: this.api.function,
      throttle: { burstLimit: settings.apiThrottleBurstLimit, rateLimit: settings.apiThrottleRateLimit },
      logRetention: settings.logRetention,
    });

    // The stack's own key: the alarm topic and the origin-verify secret (nothing of the stateful data).
    const opsKey = new kms.Key(this, 'OpsKey', {
      description: 'Pouch: alarm topic and origin-verify secret',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The shared secret CloudFront sends to the API and the app checks (server/http/origin-verify.ts): without
    // it, the execute-api endpoint would let anyone go around the WAF. An HTTP API's default endpoint cannot be
    // turned off without an API Gateway custom domain, which CloudFront would then need as its origin anyway.
    // A new generation is a new secret, hence a new value in CloudFront and the API at the next deploy.
    const generation = settings.originVerifyGeneration;
    const originVerify = new secretsmanager.Secret(
      this,
      generation === 1 ? 'OriginVerify' : `OriginVerify${generation}`,
      {
        description:
          'Pouch: header value CloudFront adds to API requests; the API refuses requests without it',
        encryptionKey: opsKey,
        generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      },
    );
    acknowledgeRules(
      originVerify,
      ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'],
      'The value is read at deploy time into the CloudFront origin header and the API environment, so a ' +
        'rotation Lambda could not reach either; it is rotated by redeploying with a new generation ' +
        '(-c originVerifyGeneration=N, docs/operations.md). It guards a path to the API, not data.',
    );
    // A deploy-time dynamic reference ({{resolve:secretsmanager:...}}), never a literal in the template.
    const originVerifyValue = originVerify.secretValue.unsafeUnwrap();

    // CloudFront standard logs only arrive through ACLs, so this log bucket keeps them usable (public access
    // stays blocked); the portal bucket's server access logs go here too.
    const edgeLogs = new SecureBucket(this, 'EdgeLogs', { aclLogDelivery: true });
    Validations.of(edgeLogs.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the CloudFront and portal-bucket log destination; logging it to itself would create a log ' +
        "loop. The evidence access logs go to the stateful stack's log bucket, which cannot take ACL deliveries.",
    });
    Validations.of(edgeLogs.bucket).acknowledge({
      id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
      reason:
        'CloudFront standard logs and S3 server access logs are delivered by AWS services that write to SSE-S3 ' +
        'targets; the logs hold request metadata only (the Authorization header is never logged by CloudFront).',
    });

    this.edge = new EdgeDistribution(this, 'Edge', {
      httpApi: this.httpApi.api,
      originVerifyValue,
      evidenceBucketDomain: props.evidenceBucket.bucketRegionalDomainName,
      webAclArn: props.webAclArn,
      customDomain: settings.customDomain,
      portalDistDir: settings.portalDistDir,
      accessLogs: edgeLogs.bucket,
    });
    this.publicUrl = this.edge.origin;

    // The portal uploads and downloads sealed documents straight to and from S3 with presigned URLs, so the
    // evidence bucket must allow exactly the portal's origin. The rule is set from here because the origin is
    // the distribution's domain, which exists only after the stateful stack; the stateful template declares no
    // CORS rule, so its updates never touch this one.
    const corsRule = {
      AllowedMethods: ['PUT', 'GET'],
      AllowedOrigins: [this.edge.origin],
      AllowedHeaders: evidenceCorsAllowedHeaders,
      ExposeHeaders: evidenceCorsExposedHeaders,
      MaxAgeSeconds: 3000,
    };
    const putCors: cr.AwsSdkCall = {
      service: 'S3',
      action: 'putBucketCors',
      parameters: { Bucket: props.evidenceBucket.bucketName, CORSConfiguration: { CORSRules: [corsRule] } },
      physicalResourceId: cr.PhysicalResourceId.of(`pouch-evidence-cors`),
    };
    const corsProvider = new cr.AwsCustomResource(this, 'EvidenceCors', {
      onCreate: putCors,
      onUpdate: putCors,
      onDelete: {
        service: 'S3',
        action: 'deleteBucketCors',
        parameters: { Bucket: props.evidenceBucket.bucketName },
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        // DeleteBucketCors is authorised by s3:PutBucketCORS too.
        new iam.PolicyStatement({
          actions: ['s3:PutBucketCORS'],
          resources: [props.evidenceBucket.bucketArn],
        }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'EvidenceCorsLogs', {
        retention: settings.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    this.evidenceCors = corsProvider;
    const sdkProvider = this.node.tryFindChild(awsCustomResourceProviderId);
    if (!sdkProvider)
      throw new Error('AwsCustomResource provider not found; its acknowledgement needs updating');
    Validations.of(sdkProvider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's AwsCustomResource provider (one per stack) sets the evidence bucket's CORS rule during deployments; " +
        'its only other statement is s3:PutBucketCORS on that one bucket. The managed policy lets it write its logs.',
    });

    // Environment after the API and the distribution exist: the issuer defaults to the public origin (portal and
    // API share it). The names are the ones server/config/config.ts validates at cold start
    // (server/config/environment.ts).
    const environment: Record<string, string> = {
      ...tableEnvironment,
      ...({
        [envNames.mode]: 'aws',
        [envNames.evidenceBucket]: props.evidenceBucket.bucketName,
        [envNames.issuer]: settings.issuer ?? this.publicUrl,
        [envNames.signer]: 'kms',
        [envNames.signingKeyId]: props.signingKey.keyArn,
        [envNames.tokenSigningKeyId]: props.tokenSigningKey.keyArn,
        [envNames.maxDocumentBytes]: settings.maxDocumentBytes,
        [envNames.maxBodyBytes]: settings.maxBodyBytes,
        [envNames.presignSeconds]: settings.presignSeconds,
        [envNames.logLevel]: settings.logLevel,
        [envNames.originVerify]: originVerifyValue,
      } satisfies EnvValues),
    };
    for (const [key, value] of Object.entries(environment)) this.api.function.addEnvironment(key, value);

    // Least privilege, one statement per resource; see constructs/grants.ts for why each action is there.
    const statements: iam.PolicyStatement[] = [
      ...tableStatements(table(mainTable.id).table, mainTable, mainTableActions),
      ...tableStatements(table(ledgerTable.id).table, ledgerTable, appendOnlyTableActions),
      ...tableStatements(table(replayTable.id).table, replayTable, replayTableActions),
      evidenceObjectStatement(props.evidenceBucket),
      // A bundle export checkpoints the exchange's chain first (ensureCheckpointed), which publishes the signed
      // checkpoint under checkpoints/ exactly as the scheduled function does.
      checkpointObjectStatement(props.evidenceBucket),
      dataKeyStatement(props.dataKey),
      ...signingKeyStatements(props.signingKey),
      ...tokenSigningKeyStatements(props.tokenSigningKey),
    ];
    for (const statement of statements) this.api.role.addToPrincipalPolicy(statement);
    acknowledgeWildcardResource(
      this.api.role,
      evidenceObjectArns(props.evidenceBucket, 'exchanges'),
      `Object keys are server-generated ids under ${objectPrefixes.exchanges} (server/config/storage-definitions.ts ` +
        'objectKeys), unknown when the policy is written; the wildcard is confined to that prefix.',
    );
    acknowledgeWildcardResource(
      this.api.role,
      evidenceObjectArns(props.evidenceBucket, 'checkpoints'),
      'Checkpoint object keys carry the tree size (objectKeys.checkpoint), unknown when the policy is written; ' +
        `the wildcard is confined to ${objectPrefixes.checkpoints}, for s3:PutObject and the s3:GetObject that HeadObject needs.`,
    );
    Validations.of(this.api.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime DESIGN.md fixes (active LTS line the bundle targets, see infra/bundle.ts); ' +
        'nodejs24.x is newer, but moving to it is a deliberate, tested change rather than a lint fix.',
    });

    // The scheduled checkpoint function: its own role, nothing of the API's. It lists exchanges (Query on the
    // main table and its index), reads chain heads (Query on the ledger, never a write), writes CKPT leaves and
    // checkpoints (conditional PutItem; GetItem to read a checkpoint back), puts objects under objectPrefixes.checkpoints only
    // and signs with the exchange key.
    this.checkpoint = new CheckpointFunction(this, 'Checkpoint', {
      environment,
      logRetention: settings.logRetention,
      rate: Duration.minutes(5),
      ...(props.checkpointCode
        ? { code: props.checkpointCode }
        : props.apiCode
          ? { code: lambda.Code.fromInline('export const handler = async () => ({ created: false });') }
          : {}),
    });
    const checkpointStatements: iam.PolicyStatement[] = [
      ...tableStatements(table(mainTable.id).table, mainTable, checkpointMainTableActions),
      ...tableStatements(table(ledgerTable.id).table, ledgerTable, ['dynamodb:Query']),
      checkpointObjectStatement(props.evidenceBucket),
      dataKeyStatement(props.dataKey),
      ...checkpointSigningStatements(props.signingKey),
      tokenPublicKeyStatement(props.tokenSigningKey),
    ];
    for (const statement of checkpointStatements) this.checkpoint.role.addToPrincipalPolicy(statement);
    acknowledgeWildcardResource(
      this.checkpoint.role,
      evidenceObjectArns(props.evidenceBucket, 'checkpoints'),
      'Checkpoint object keys carry the tree size (objectKeys.checkpoint), unknown when the policy is written; ' +
        `the wildcard is confined to ${objectPrefixes.checkpoints}, for s3:PutObject and the s3:GetObject that HeadObject needs.`,
    );
    Validations.of(this.checkpoint.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the runtime DESIGN.md fixes, as for the API function.',
    });

    // The clocks (issue 14): schedule → queue (with DLQ and alarm) → function; see constructs/clock-schedule.ts.
    this.clocks = addClockSchedule(this, {
      environment,
      logRetention: settings.logRetention,
      mainTable: table(mainTable.id).table,
      ledgerTable: table(ledgerTable.id).table,
      dataKey: props.dataKey,
      signingKey: props.signingKey,
      tokenSigningKey: props.tokenSigningKey,
      mailFrom: settings.mailFrom,
      ...(props.apiCode ? { code: lambda.Code.fromInline('export const handler = async () => ({});') } : {}),
    });

    this.alarms = new PouchAlarms(this, 'Alarms', {
      httpApi: this.httpApi.api,
      api: { function: this.api.function, logGroup: this.api.logGroup },
      checkpoint: { function: this.checkpoint.function, logGroup: this.checkpoint.logGroup },
      tables: [...props.tables.values()].map((t) => t.table),
      alarmEmail: settings.alarmEmail,
      topicKey: opsKey,
    });
    // A failed clock run reaches the same on-call topic as every other alarm.
    const clockAlarmAction = new cloudwatchActions.SnsAction(this.alarms.topic);
    this.clocks.deadLetterAlarm.addAlarmAction(clockAlarmAction);
    this.clocks.deadLetterAlarm.addOkAction(clockAlarmAction);

    // What an operator and `npm run seed` need (cdk deploy --outputs-file; docs/operations.md).
    new CfnOutput(this, statelessOutputs.apiUrl, {
      description: 'Base URL of the exchange API (POUCH_URL for the CLI); also the token issuer',
      value: settings.issuer ?? this.publicUrl,
    });
    new CfnOutput(this, statelessOutputs.portalUrl, {
      description: "The officers' portal",
      value: `${this.publicUrl}/`,
    });
    new CfnOutput(this, statelessOutputs.distributionDomainName, {
      description: 'Point the custom domain (CNAME or alias) here',
      value: this.edge.distribution.distributionDomainName,
    });
    new CfnOutput(this, statelessOutputs.alarmTopicArn, {
      description: 'SNS topic of every Pouch alarm: subscribe the on-call address',
      value: this.alarms.topic.topicArn,
    });
  }
}
