// Template tests for what an operator relies on: the stack outputs (`npm run seed` and docs/operations.md read
// them), the alarms on 5xx, throttles, Lambda errors and checkpoint failures with their SNS topic, and the
// security metric filter for a forked ledger.
import { beforeAll, describe, expect, it } from 'vitest';
import { stackNames, statefulOutputs, statelessOutputs } from '../../server/config/deployment-outputs.ts';
import { metricsNamespace } from '../../server/config/observability.ts';
import { tables } from '../../server/config/storage-definitions.ts';
import { type CfnResource, resourcesOf, type SynthesizedPouch, synthPouch } from './synth-app.ts';

let pouch: SynthesizedPouch;
beforeAll(() => {
  pouch = synthPouch();
});

const outputsOf = (template: SynthesizedPouch['statefulTemplate']) =>
  template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;

interface AlarmProps {
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Metrics?: unknown[];
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  AlarmDescription: string;
}

const alarms = (p: SynthesizedPouch): Record<string, AlarmProps> =>
  Object.fromEntries(
    Object.entries(resourcesOf(p.statelessTemplate, 'AWS::CloudWatch::Alarm')).map(([id, r]) => [
      id,
      r.Properties as unknown as AlarmProps,
    ]),
  );

/** The logical id of the Pouch function whose description matches. */
function functionId(p: SynthesizedPouch, test: (description: string) => boolean): string {
  const found = Object.entries(resourcesOf(p.statelessTemplate, 'AWS::Lambda::Function')).filter(
    ([, f]: [string, CfnResource]) =>
      (f.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.POUCH_MODE &&
      test(String(f.Properties.Description)),
  );
  expect(found).toHaveLength(1);
  return found[0]![0];
}

describe('stack outputs', () => {
  it('names the stacks as docs/operations.md and the outputs file do', () => {
    expect([pouch.stateful.stackName, pouch.edge.stackName, pouch.stateless.stackName]).toEqual([
      stackNames.stateful,
      stackNames.edge,
      stackNames.stateless,
    ]);
  });

  it('gives the region, every table and the evidence bucket from the stateful stack', () => {
    const outputs = outputsOf(pouch.statefulTemplate);
    expect(outputs[statefulOutputs.region]!.Value).toBe('eu-central-1');
    const bucket = Object.entries(resourcesOf(pouch.statefulTemplate, 'AWS::S3::Bucket')).find(
      ([, b]) => b.Properties.ObjectLockEnabled === true,
    )![0];
    expect(outputs[statefulOutputs.evidenceBucket]!.Value).toEqual({ Ref: bucket });
    const tableIds = Object.keys(resourcesOf(pouch.statefulTemplate, 'AWS::DynamoDB::Table'));
    for (const definition of tables) {
      const output = outputs[(statefulOutputs.tables as Record<string, string>)[definition.id]!];
      expect(output, definition.id).toBeDefined();
      const ref = (output!.Value as { Ref: string }).Ref;
      expect(tableIds).toContain(ref);
      expect(ref.startsWith(definition.id)).toBe(true);
    }
  });

  it('gives the API URL, the portal URL, the distribution domain and the alarm topic from the stateless stack', () => {
    const outputs = outputsOf(pouch.statelessTemplate);
    const domain = { 'Fn::GetAtt': [expect.stringMatching(/^EdgeDistribution/), 'DomainName'] };
    expect(outputs[statelessOutputs.apiUrl]!.Value).toEqual({ 'Fn::Join': ['', ['https://', domain]] });
    expect(outputs[statelessOutputs.portalUrl]!.Value).toEqual({
      'Fn::Join': ['', ['https://', domain, '/']],
    });
    expect(outputs[statelessOutputs.distributionDomainName]!.Value).toEqual(domain);
    const [topicId] = Object.keys(resourcesOf(pouch.statelessTemplate, 'AWS::SNS::Topic'));
    expect(outputs[statelessOutputs.alarmTopicArn]!.Value).toEqual({ Ref: topicId });
  });

  it('follows an explicit issuer in the API URL', () => {
    const custom = synthPouch({ context: { issuer: 'https://exchange.example.gov' } });
    expect(outputsOf(custom.statelessTemplate)[statelessOutputs.apiUrl]!.Value).toBe(
      'https://exchange.example.gov',
    );
  });
});

describe('alarms', () => {
  const topicRef = () => ({ Ref: Object.keys(resourcesOf(pouch.statelessTemplate, 'AWS::SNS::Topic'))[0] });

  it('alarms on the API 5xx, API errors and throttles, checkpoint errors and throttles, and table throttles', () => {
    const all = Object.values(alarms(pouch));
    const apiId = functionId(pouch, (d) => !d.includes('checkpoint') && !d.includes('clocks'));
    const checkpointId = functionId(pouch, (d) => d.includes('checkpoint'));
    const lambdaAlarm = (metric: string, fn: string) =>
      all.filter(
        (a) =>
          a.Namespace === 'AWS/Lambda' &&
          a.MetricName === metric &&
          JSON.stringify(a.Dimensions).includes(`"Ref":"${fn}"`),
      );
    expect(lambdaAlarm('Errors', apiId)).toHaveLength(1);
    expect(lambdaAlarm('Throttles', apiId)).toHaveLength(1);
    expect(lambdaAlarm('Errors', checkpointId)).toHaveLength(1);
    expect(lambdaAlarm('Throttles', checkpointId)).toHaveLength(1);

    const fivexx = all.filter((a) => a.Namespace === 'AWS/ApiGateway' && a.MetricName === '5xx');
    expect(fivexx).toHaveLength(1);
    expect(JSON.stringify(fivexx[0]!.Dimensions)).toMatch(/"Name":"ApiId".*"Ref":"HttpApi/);

    // DynamoDB throttles are a math expression over the table's operations, one alarm per table.
    const tableAlarms = all.filter((a) => JSON.stringify(a.Metrics ?? []).includes('ThrottledRequests'));
    expect(tableAlarms).toHaveLength(tables.length);
  });

  it('alarms on a forked ledger through a metric filter on both functions\u2019 logs', () => {
    const filters = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::Logs::MetricFilter'));
    expect(filters).toHaveLength(2);
    for (const f of filters) {
      expect(f.Properties.FilterPattern).toBe('{ $.event = "ledger.forked" }');
      expect(f.Properties.MetricTransformations).toEqual([
        expect.objectContaining({
          MetricNamespace: metricsNamespace,
          MetricName: 'LedgerForked',
          MetricValue: '1',
        }),
      ]);
    }
    const forked = Object.values(alarms(pouch)).filter(
      (a) => a.Namespace === metricsNamespace && a.MetricName === 'LedgerForked',
    );
    expect(forked).toHaveLength(1);
    expect(forked[0]!.Threshold).toBe(1);
    expect(forked[0]!.AlarmDescription).toMatch(/ERR_LEDGER_FORKED/);
  });

  it('sends every alarm and its recovery to the one SNS topic, and treats no data as no incident', () => {
    const all = Object.values(alarms(pouch));
    expect(all.length).toBeGreaterThanOrEqual(9);
    for (const a of all) {
      expect(a.AlarmActions).toEqual([topicRef()]);
      expect(a.OKActions).toEqual([topicRef()]);
      expect(a.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      expect(a.TreatMissingData).toBe('notBreaching');
      expect(a.AlarmDescription).toMatch(/docs\/operations\.md/);
    }
  });

  it('encrypts the topic with a rotated key CloudWatch may use, and refuses plain HTTP publishing', () => {
    const [, topic] = Object.entries(resourcesOf(pouch.statelessTemplate, 'AWS::SNS::Topic'))[0]!;
    const keyRef = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const key = resourcesOf(pouch.statelessTemplate, 'AWS::KMS::Key')[keyRef]!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        }),
      ]),
    );
    const policies = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::SNS::TopicPolicy'));
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
  });

  it('subscribes the alarm e-mail only when one is given', () => {
    expect(resourcesOf(pouch.statelessTemplate, 'AWS::SNS::Subscription')).toEqual({});
    const withEmail = synthPouch({ context: { alarmEmail: 'oncall@example.gov' } });
    const subs = Object.values(resourcesOf(withEmail.statelessTemplate, 'AWS::SNS::Subscription'));
    expect(subs.map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([
      ['email', 'oncall@example.gov'],
    ]);
    expect(() => synthPouch({ context: { alarmEmail: 'not-an-address' } })).toThrow(/alarmEmail/);
  });
});
