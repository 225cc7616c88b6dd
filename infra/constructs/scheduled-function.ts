// Stateless building block: the one Lambda set-up every scheduled function shares (checkpoint, clocks): the bundle
// of its entry point with the API's esbuild options (infra/bundle.ts), its retained log group, its own role that
// may write only that log group (further statements added by the stack), and the function itself.
import {
  type Duration,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { apiHandler, lambdaBuildOptions } from '../bundle.ts';

/** Bundle `entry` into `outdir` (same options as the API) and wrap it as a Lambda asset. */
export function bundledFunctionCode(entry: string, outdir: string): lambda.Code {
  buildSync(lambdaBuildOptions(entry, outdir));
  return lambda.Code.fromAsset(outdir);
}

export interface ScheduledFunctionProps {
  /** The function's description in the console. */
  readonly description: string;
  /** The execution role's description. */
  readonly roleDescription: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly timeout: Duration;
  readonly code: lambda.Code;
}

export interface ScheduledFunctionParts {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * Add the log group ('Logs'), role ('Role') and function ('Function') to `scope`. The ids stay those the two
 * constructs always used, so the logical ids in the templates do not move.
 */
export function addScheduledFunction(
  scope: Construct,
  props: ScheduledFunctionProps,
): ScheduledFunctionParts {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const fn = new lambda.Function(scope, 'Function', {
    description: props.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: apiHandler,
    code: props.code,
    memorySize: 1024,
    timeout: props.timeout,
    // One run at a time from the schedule: each function's writes are safe when repeated, but there is no reason
    // for a second concurrent run.
    reservedConcurrentExecutions: 1,
    role,
    logGroup,
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
  });
  fn.node.addDependency(role);
  return { function: fn, role, logGroup };
}
