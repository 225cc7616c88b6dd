// Stateless stack: the API Lambda and the HTTP API. It can be destroyed and redeployed at will; everything it
// touches comes from the stateful stack through props and is granted statement by statement.

import type { aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import {
  Duration,
  type aws_iam as iam,
  aws_lambda as lambda,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type EnvValues, envNames } from '../server/config/environment.ts';
import {
  ledgerTable,
  mainTable,
  objectPrefixes,
  replayTable,
  tables,
} from '../server/config/storage-definitions.ts';
import { ApiFunction } from './constructs/api-function.ts';
import { CheckpointFunction } from './constructs/checkpoint-function.ts';
import { addClockSchedule, type ClockSchedule } from './constructs/clock-schedule.ts';
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
import { acknowledgeWildcardResource } from './nag.ts';
import type { PouchSettings } from './settings.ts';
import type { DefinedTable } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly settings: PouchSettings;
  readonly dataKey: kms.IKey;
  /** The custody key: receipts and checkpoints. */
  readonly signingKey: kms.IKey;
  /** The access-token key. */
  readonly tokenSigningKey: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
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

    // Environment after the API exists: the issuer defaults to the API's own endpoint. The names are the ones
    // server/config/config.ts validates at cold start (server/config/environment.ts).
    const environment: Record<string, string> = {
      ...tableEnvironment,
      ...({
        [envNames.mode]: 'aws',
        [envNames.evidenceBucket]: props.evidenceBucket.bucketName,
        [envNames.issuer]: settings.issuer ?? this.httpApi.api.apiEndpoint,
        [envNames.signer]: 'kms',
        [envNames.signingKeyId]: props.signingKey.keyArn,
        [envNames.tokenSigningKeyId]: props.tokenSigningKey.keyArn,
        [envNames.maxDocumentBytes]: settings.maxDocumentBytes,
        [envNames.maxBodyBytes]: settings.maxBodyBytes,
        [envNames.presignSeconds]: settings.presignSeconds,
        [envNames.logLevel]: settings.logLevel,
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
      mailFrom: this.node.tryGetContext('mailFrom') as string | undefined,
      ...(props.apiCode ? { code: lambda.Code.fromInline('export const handler = async () => ({});') } : {}),
    });
  }
}
