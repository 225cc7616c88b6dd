// Stateless building block: the scheduled checkpoint function. functions/checkpoint.ts bundled with the shared
// esbuild options (infra/bundle.ts), its own role (statements added by the stack), and an EventBridge rule that
// invokes it on a fixed rate.
import { join } from 'node:path';
import {
  Duration,
  aws_events as events,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { apiHandler, lambdaBuildOptions, projectRoot } from '../bundle.ts';

/** The checkpoint function's entry point. */
export const checkpointEntry = join(projectRoot, 'functions', 'checkpoint.ts');

/** Bundle functions/checkpoint.ts into `outdir` (same options as the API) and wrap it as a Lambda asset. */
export function bundledCheckpointCode(outdir: string = join(projectRoot, 'dist', 'checkpoint')): lambda.Code {
  buildSync(lambdaBuildOptions(checkpointEntry, outdir));
  return lambda.Code.fromAsset(outdir);
}

export interface CheckpointFunctionProps {
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** How often to build a checkpoint (only heads that changed are appended). */
  readonly rate: Duration;
  readonly code?: lambda.Code;
}

export class CheckpointFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly rule: events.Rule;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CheckpointFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup = logGroup;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Pouch: scheduled checkpoint function (execution role)',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      description: 'Pouch: append changed chain heads to the checkpoint log, sign and publish',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: apiHandler,
      code: props.code ?? bundledCheckpointCode(),
      memorySize: 1024,
      timeout: Duration.minutes(2),
      // One builder at a time from the schedule; conditional puts still make concurrent builders safe.
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    });
    this.function.node.addDependency(this.role);
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Pouch: build a checkpoint of the custody ledger',
      schedule: events.Schedule.rate(props.rate),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });
  }
}
