// Stateless building block: a Node.js 22 Lambda on arm64 running the esbuild bundle from infra/bundle.ts, with
// its own log group and a role that starts empty (no managed policies): callers add explicit statements.
import { Duration, aws_iam as iam, aws_lambda as lambda, aws_logs as logs, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { apiHandler, bundleApiSync, defaultApiOutdir } from '../bundle.ts';

export interface ApiFunctionProps {
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logRetention: logs.RetentionDays;
  /** Prebuilt code; defaults to bundling functions/api.ts now with {@link bundledApiCode}. */
  readonly code?: lambda.Code;
}

/**
 * Bundle functions/api.ts with the shared esbuild options and wrap the output folder as a Lambda asset.
 * Synchronous because CDK constructs are; esbuild takes well under a second.
 */
export function bundledApiCode(outdir: string = defaultApiOutdir): lambda.Code {
  return lambda.Code.fromAsset(bundleApiSync(outdir).outdir);
}

/** The API function and the pieces a stack wires to it. */
export class ApiFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Function logs carry audit detail (actor, outcome); they go with the stack only if it is destroyed on
      // purpose, and even then they are kept.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A bare role instead of AWSLambdaBasicExecutionRole: that managed policy allows CreateLogGroup and
    // writing to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new lambda.Function(this, 'Function', {
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: apiHandler,
      code: props.code ?? bundledApiCode(),
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    });
    // The log-writing statement must exist before the function can start, not merely before the stack ends.
    this.function.node.addDependency(this.role);
  }
}
