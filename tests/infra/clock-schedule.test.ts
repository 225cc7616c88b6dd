// Template tests for the clocks on AWS: the schedule puts a message on an encrypted queue once a minute, the clocks
// function consumes it, a run failing three times lands in the dead-letter queue and its alarm fires on the first
// message; the function's role appends to the ledger but can neither rewrite it nor sign.
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourcesOf, type SynthesizedPouch, synthPouch } from './synth-app.ts';

let pouch: SynthesizedPouch;
beforeAll(() => {
  pouch = synthPouch();
});

const ref = (id: string) => ({ Ref: id });
const idOf = (type: string, match: (p: Record<string, unknown>) => boolean): string => {
  const found = Object.entries(resourcesOf(pouch.statelessTemplate, type)).filter(([, r]) =>
    match(r.Properties),
  );
  expect(found, type).toHaveLength(1);
  return found[0]![0];
};

describe('clocks on AWS', () => {
  it('schedules a run every minute onto an encrypted queue whose dead-letter queue alarms', () => {
    const t = pouch.statelessTemplate;
    const dlq = idOf('AWS::SQS::Queue', (p) => p.MessageRetentionPeriod === 14 * 24 * 3600);
    const queue = idOf('AWS::SQS::Queue', (p) => p.RedrivePolicy !== undefined);
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 3 },
    });
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] } })]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
    });
    // TLS only on both queues.
    const policies = Object.values(resourcesOf(t, 'AWS::SQS::QueuePolicy'));
    for (const q of [queue, dlq]) {
      const policy = policies.find((p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([ref(q)]));
      expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    }
  });

  it('feeds the clocks function from the queue, one run at a time', () => {
    const t = pouch.statelessTemplate;
    const fn = idOf('AWS::Lambda::Function', (p) => String(p.Description).includes('sweep the clocks'));
    const queue = idOf('AWS::SQS::Queue', (p) => p.RedrivePolicy !== undefined);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(fn),
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: 1,
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('sweep the clocks'),
      ReservedConcurrentExecutions: 1,
      Runtime: 'nodejs22.x',
    });
  });

  it('lets the clocks append to the ledger, never rewrite it, and sign nothing', () => {
    const roles = resourcesOf(pouch.statelessTemplate, 'AWS::IAM::Policy');
    const clockPolicies = Object.entries(roles).filter(([id]) => id.startsWith('Clocks'));
    expect(clockPolicies.length).toBeGreaterThan(0);
    const actions = clockPolicies.flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]),
      ),
    );
    expect(actions).not.toContain('kms:Sign');
    expect(actions).not.toContain('dynamodb:DeleteItem');
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'sqs:ReceiveMessage', 'kms:GetPublicKey']),
    );
    const ledger = clockPolicies.flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: { Sid?: string; Action: string[] }[] }).Statement.filter(
        (s) => s.Sid === 'LedgerTable',
      ),
    );
    expect(ledger.flatMap((s) => s.Action).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });
});

describe('the e-mail sender (CDK context mailFrom)', () => {
  const clockFunction = (t: SynthesizedPouch['statelessTemplate']) =>
    Object.values(resourcesOf(t, 'AWS::Lambda::Function')).find((r) =>
      String(r.Properties.Description).includes('sweep the clocks'),
    );
  const clockActions = (t: SynthesizedPouch['statelessTemplate']) =>
    Object.entries(resourcesOf(t, 'AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('Clocks'))
      .flatMap(([, p]) =>
        (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
          (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]),
        ),
      );
  const warnings = (p: SynthesizedPouch) =>
    p.app
      .synth()
      .getStackArtifact(p.stateless.artifactId)
      .messages.filter((m) => m.level === 'warning')
      .map((m) => String(m.entry.data));

  it('unset: the synth warns that e-mail is off, and the clocks may not send mail', () => {
    expect(warnings(pouch).some((w) => w.includes('"mailFrom"'))).toBe(true);
    expect(clockActions(pouch.statelessTemplate)).not.toContain('ses:SendEmail');
    const env = (clockFunction(pouch.statelessTemplate)?.Properties.Environment ?? {}) as {
      Variables?: Record<string, unknown>;
    };
    expect(env.Variables?.POUCH_MAIL_FROM).toBeUndefined();
  });

  it('set: the clocks send as that one sender only, and the synth does not warn', () => {
    const withMail = synthPouch({ context: { mailFrom: 'notify@pouch.example.gov' } });
    const t = withMail.statelessTemplate;
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('sweep the clocks'),
      Environment: { Variables: Match.objectLike({ POUCH_MAIL_FROM: 'notify@pouch.example.gov' }) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'SendNotificationMail',
            Action: 'ses:SendEmail',
            Condition: { StringEquals: { 'ses:FromAddress': 'notify@pouch.example.gov' } },
          }),
        ]),
      },
    });
    expect(warnings(withMail).some((w) => w.includes('"mailFrom"'))).toBe(false);
  });

  it('refuses a sender that is not a bare e-mail address, naming the context key', () => {
    for (const bad of ['Pouch <notify@pouch.example.gov>', 'notify', 42]) {
      expect(() => synthPouch({ context: { mailFrom: bad } })).toThrow(/CDK context "mailFrom"/);
    }
  });
});
