// Stateless building block: what an operator must be woken for. CloudWatch alarms on the API's 5xx, throttling
// (Lambda and DynamoDB), Lambda errors, and checkpoint failures, including the security alarm the checkpoint
// service logs when a chain no longer extends its logged head (ERR_LEDGER_FORKED). All go to one SNS topic,
// encrypted with a key CloudWatch may use. docs/operations.md says what to do for each.
import type { aws_apigatewayv2 as apigwv2, aws_lambda as lambda } from 'aws-cdk-lib';
import {
  aws_cloudwatch_actions as actions,
  aws_cloudwatch as cloudwatch,
  Duration,
  aws_dynamodb as dynamodb,
  aws_iam as iam,
  type aws_kms as kms,
  aws_logs as logs,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { metricsNamespace } from '../../server/config/observability.ts';

/** The metric the `ledger.forked` security log line increments (server/use-cases/custody/checkpoint-service.ts). */
export const ledgerForkedMetric = 'LedgerForked';

export interface PouchAlarmsProps {
  readonly httpApi: apigwv2.HttpApi;
  readonly api: { readonly function: lambda.IFunction; readonly logGroup: logs.ILogGroup };
  readonly checkpoint: { readonly function: lambda.IFunction; readonly logGroup: logs.ILogGroup };
  readonly tables: readonly dynamodb.ITable[];
  readonly alarmEmail: string | undefined;
  /** Encrypts the topic; CloudWatch is allowed to use it below. */
  readonly topicKey: kms.IKey;
}

export class PouchAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PouchAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Pouch alarms',
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    // CloudWatch publishes to an encrypted topic only if it may use the topic's key.
    props.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.topic);
    const fiveMinutes = Duration.minutes(5);

    const alarm = (
      name: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold = 1,
      evaluationPeriods = 1,
    ) => {
      const a = new cloudwatch.Alarm(this, name, {
        alarmDescription: `Pouch: ${description} (docs/operations.md, "What to watch")`,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No traffic is not an outage; a missing datapoint means nothing happened.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    alarm(
      'Api5xx',
      'the API answered 5xx (an unexpected error or an unavailable dependency)',
      props.httpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      5,
    );
    alarm(
      'ApiErrors',
      'the API function failed (unhandled error, timeout or out of memory)',
      props.api.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
    );
    alarm(
      'ApiThrottles',
      'the API function was throttled (account or reserved concurrency reached)',
      props.api.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
    );
    alarm(
      'CheckpointErrors',
      'a scheduled checkpoint failed: custody heads are not being logged and signed',
      props.checkpoint.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
    );
    alarm(
      'CheckpointThrottles',
      'the checkpoint function was throttled',
      props.checkpoint.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
    );
    props.tables.forEach((table, i) => {
      alarm(
        `TableThrottles${i}`,
        'DynamoDB throttled requests on a Pouch table',
        table.metricThrottledRequestsForOperations({
          operations: [
            dynamodb.Operation.GET_ITEM,
            dynamodb.Operation.PUT_ITEM,
            dynamodb.Operation.UPDATE_ITEM,
            dynamodb.Operation.QUERY,
          ],
          period: fiveMinutes,
        }),
      );
    });

    // The security alarm: one `ledger.forked` line in either function's log is one too many.
    const forked = new cloudwatch.Metric({
      namespace: metricsNamespace,
      metricName: ledgerForkedMetric,
      period: fiveMinutes,
      statistic: 'Sum',
    });
    for (const [name, group] of [
      ['Api', props.api.logGroup],
      ['Checkpoint', props.checkpoint.logGroup],
    ] as const) {
      new logs.MetricFilter(this, `LedgerForked${name}`, {
        logGroup: group,
        filterPattern: logs.FilterPattern.stringValue('$.event', '=', 'ledger.forked'),
        metricNamespace: metricsNamespace,
        metricName: ledgerForkedMetric,
        metricValue: '1',
        defaultValue: 0,
      });
    }
    alarm(
      'LedgerForked',
      'SECURITY: a custody chain no longer extends its logged head (ERR_LEDGER_FORKED); ledger items were deleted or rewritten',
      forked,
    );
  }
}
