// Stateless building block: the clocks on AWS. An EventBridge rule puts one message a minute on an encrypted SQS
// queue; a Lambda (functions/clocks.ts, set up by scheduled-function.ts) consumes it and runs the sweep over the due-time index, then delivers due
// notifications. A run that keeps failing goes to a dead-letter queue, and a CloudWatch alarm fires as soon as
// anything is there. Its role gets only what the stack grants it.
import { join } from 'node:path';
import {
  Annotations,
  Aws,
  aws_cloudwatch as cloudwatch,
  Duration,
  type aws_dynamodb as dynamodb,
  aws_events as events,
  aws_iam as iam,
  type aws_kms as kms,
  type aws_lambda as lambda,
  type aws_logs as logs,
  aws_sqs as sqs,
  aws_events_targets as targets,
  Validations,
} from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { ledgerTable, mainTable } from '../../server/config/storage-definitions.ts';
import { projectRoot } from '../bundle.ts';
import { acknowledgeWildcardResource } from '../nag.ts';
import {
  appendOnlyTableActions,
  custodyPublicKeyStatement,
  dataKeyStatement,
  mainTableActions,
  tableStatements,
  tokenPublicKeyStatement,
} from './grants.ts';
import { addScheduledFunction, bundledFunctionCode } from './scheduled-function.ts';

/** The clocks function's entry point. */
export const clocksEntry = join(projectRoot, 'functions', 'clocks.ts');

/** Bundle functions/clocks.ts into `outdir` (same options as the API) and wrap it as a Lambda asset. */
export function bundledClocksCode(outdir: string = join(projectRoot, 'dist', 'clocks')): lambda.Code {
  return bundledFunctionCode(clocksEntry, outdir);
}

export interface ClockScheduleProps {
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** How often the clocks run. */
  readonly rate: Duration;
  readonly code?: lambda.Code;
}

export class ClockSchedule extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly rule: events.Rule;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ClockScheduleProps) {
    super(scope, id);
    const timeout = Duration.minutes(2);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the clocks queue: it has no dead-letter queue of its own, and the ' +
        'alarm on its depth (DeadLetterAlarm) is how a failed run is noticed.',
    });
    this.queue = new sqs.Queue(this, 'Runs', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than a run, so a message in flight is not handed to a second consumer.
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'Pouch: a clock run (sweep and notification delivery) failed three times (docs/operations.md, "What to watch")',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const parts = addScheduledFunction(this, {
      description: 'Pouch: sweep the clocks (reminders, escalations, lapses) and deliver notifications',
      roleDescription: 'Pouch: clocks function (execution role)',
      environment: props.environment,
      logRetention: props.logRetention,
      timeout,
      code: props.code ?? bundledClocksCode(),
    });
    this.function = parts.function;
    this.role = parts.role;
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the runtime DESIGN.md fixes, as for the API and checkpoint functions.',
    });
    // Receiving and deleting the queue's messages: granted by the event source on this role only.
    this.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 1 }));
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Pouch: run the clocks (sweep and notification delivery)',
      schedule: events.Schedule.rate(props.rate),
      targets: [
        new targets.SqsQueue(this.queue, { message: events.RuleTargetInput.fromObject({ run: 'clocks' }) }),
      ],
    });
  }
}

export interface ClockWiring {
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly mainTable: dynamodb.ITable;
  readonly ledgerTable: dynamodb.ITable;
  readonly dataKey: kms.IKey;
  readonly signingKey: kms.IKey;
  readonly tokenSigningKey: kms.IKey;
  /** A verified SES sender for e-mail notifications (context `mailFrom`); unset: no e-mail is sent. */
  readonly mailFrom?: string | undefined;
  readonly code?: lambda.Code;
}

/** The id of the synth warning when no e-mail sender is configured. */
export const MAIL_FROM_UNSET_WARNING = 'pouch:mail-from-unset';

/**
 * The clocks with their grants, in one call from the stateless stack: the main table (tracks, due views,
 * figures, outbox: read, write, query its index), the ledger (append the clock stages: PutItem, GetItem, Query —
 * never an update), the data key, the custody and token keys' public halves (the runtime loads both; the clock
 * stages earn no receipt, so no kms:Sign), and SES only when a sender is configured.
 */
export function addClockSchedule(scope: Construct, wiring: ClockWiring): ClockSchedule {
  const clocks = new ClockSchedule(scope, 'Clocks', {
    environment: {
      ...wiring.environment,
      ...(wiring.mailFrom ? { POUCH_MAIL_FROM: wiring.mailFrom } : {}),
    },
    logRetention: wiring.logRetention,
    rate: Duration.minutes(1),
    ...(wiring.code ? { code: wiring.code } : {}),
  });
  const statements = [
    ...tableStatements(wiring.mainTable, mainTable, mainTableActions),
    ...tableStatements(wiring.ledgerTable, ledgerTable, appendOnlyTableActions),
    dataKeyStatement(wiring.dataKey),
    custodyPublicKeyStatement(wiring.signingKey),
    tokenPublicKeyStatement(wiring.tokenSigningKey),
  ];
  for (const statement of statements) clocks.role.addToPrincipalPolicy(statement);
  if (!wiring.mailFrom) {
    // Not an error: an exchange may run on webhooks alone. Said at synth so nobody expects e-mail that never comes.
    Annotations.of(clocks).addWarningV2(
      MAIL_FROM_UNSET_WARNING,
      'E-mail notifications are off: set the CDK context "mailFrom" to a sender verified in SES (docs/operations.md). Webhooks still deliver.',
    );
  }
  if (wiring.mailFrom) {
    const identities = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`;
    clocks.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendNotificationMail',
        actions: ['ses:SendEmail'],
        resources: [identities],
        conditions: { StringEquals: { 'ses:FromAddress': wiring.mailFrom } },
      }),
    );
    acknowledgeWildcardResource(
      clocks.role,
      identities,
      'SES authorises a send against the sender and recipient identities; recipients are subscribers known only at ' +
        'run time, so the identity wildcard is confined by the ses:FromAddress condition to the one configured sender.',
    );
  }
  return clocks;
}
