// Stateless building block: the scheduled checkpoint function. functions/checkpoint.ts set up as every scheduled
// function is (scheduled-function.ts: bundle, log group, own role with statements added by the stack), and an
// EventBridge rule that invokes it on a fixed rate.
import { join } from 'node:path';
import {
  Duration,
  aws_events as events,
  type aws_iam as iam,
  type aws_lambda as lambda,
  type aws_logs as logs,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { projectRoot } from '../bundle.ts';
import { addScheduledFunction, bundledFunctionCode } from './scheduled-function.ts';

/** The checkpoint function's entry point. */
export const checkpointEntry = join(projectRoot, 'functions', 'checkpoint.ts');

/** Bundle functions/checkpoint.ts into `outdir` (same options as the API) and wrap it as a Lambda asset. */
export function bundledCheckpointCode(outdir: string = join(projectRoot, 'dist', 'checkpoint')): lambda.Code {
  return bundledFunctionCode(checkpointEntry, outdir);
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
    const parts = addScheduledFunction(this, {
      description: 'Pouch: append changed chain heads to the checkpoint log, sign and publish',
      roleDescription: 'Pouch: scheduled checkpoint function (execution role)',
      environment: props.environment,
      logRetention: props.logRetention,
      timeout: Duration.minutes(2),
      // Conditional puts keep a second, concurrent builder safe; the schedule starts one at a time anyway.
      code: props.code ?? bundledCheckpointCode(),
    });
    this.function = parts.function;
    this.role = parts.role;
    this.logGroup = parts.logGroup;
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Pouch: build a checkpoint of the custody ledger',
      schedule: events.Schedule.rate(props.rate),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });
  }
}
