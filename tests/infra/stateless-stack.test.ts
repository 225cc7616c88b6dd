// Template tests for the stateless stack: runtime and architecture, the least-privilege policy (above all,
// that no statement lets the Lambda update or delete ledger items) and the HTTP API stage settings.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/config.ts';
import { ledgerTable, tables } from '../../server/config/storage-definitions.ts';
import { resourcesOf, type SynthesizedPouch, synthPouch } from './synth-app.ts';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

let pouch: SynthesizedPouch;
beforeAll(() => {
  pouch = synthPouch();
});

/** Every statement of every IAM policy (standalone and inline) in both stacks. */
function allStatements(): Statement[] {
  const out: Statement[] = [];
  for (const template of [pouch.statefulTemplate, pouch.statelessTemplate]) {
    for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
      out.push(...(policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    }
    for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
      const inline = (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
      for (const p of inline) out.push(...p.PolicyDocument.Statement);
    }
    for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy'))) {
      out.push(...(policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    }
  }
  return out;
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/**
 * The Pouch functions of the stateless stack by role: the API and the scheduled checkpoint function (CDK's
 * deployment-time provider functions, which carry no Pouch configuration, are not among them).
 */
function functionsByRole() {
  const all = Object.entries(resourcesOf(pouch.statelessTemplate, 'AWS::Lambda::Function')).filter(
    ([, f]) => (f.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.POUCH_MODE,
  );
  const checkpoint = all.filter(([, f]) => String(f.Properties.Description).includes('checkpoint'));
  // The clocks function has its own suite (clock-schedule.test.ts).
  const clocks = all.filter(([, f]) => String(f.Properties.Description).includes('sweep the clocks'));
  const api = all.filter(([id]) => ![...checkpoint, ...clocks].some(([other]) => other === id));
  return { api, checkpoint, clocks };
}

/** The statements of the policy attached to the role of a function. */
function statementsOfFunction(logicalId: string): Statement[] {
  const fn = resourcesOf(pouch.statelessTemplate, 'AWS::Lambda::Function')[logicalId]!;
  const roleRef = JSON.stringify((fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
  const out: Statement[] = [];
  for (const policy of Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::IAM::Policy'))) {
    if (JSON.stringify(policy.Properties.Roles).includes(roleRef)) {
      out.push(...(policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    }
  }
  return out;
}

/** The output name the stateless stack reads the ledger table's ARN through (weak cross-stack reference). */
function ledgerMarkers(): string[] {
  const ledgerLogicalId = Object.entries(resourcesOf(pouch.statefulTemplate, 'AWS::DynamoDB::Table')).find(
    ([, t]) => JSON.stringify(t.Properties.KeySchema).includes(`"${ledgerTable.partitionKey.name}"`),
  )?.[0];
  expect(ledgerLogicalId).toBeDefined();
  // Either a same-stack GetAtt/Ref, or an output named after the logical id (GetStackOutput / ImportValue).
  return [ledgerLogicalId!];
}

describe('API Lambda', () => {
  it('runs Node.js 22 on arm64 with source maps, explicit timeout and memory', () => {
    const functions = functionsByRole().api.map(([, f]) => f);
    expect(functions).toHaveLength(1);
    const props = functions[0]!.Properties;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Handler).toBe('index.handler');
    expect(props.Timeout).toBe(29);
    expect(props.MemorySize).toBe(1024);
    expect(props.LoggingConfig).toMatchObject({ LogGroup: expect.anything() });
    const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('sets every variable server/config/config.ts needs, so the AWS config validates', () => {
    const props = functionsByRole().api[0]![1].Properties;
    const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const def of tables) expect(env[def.envVar], def.envVar).toBeDefined();
    // Tokens (table names, ARNs, the endpoint) become plausible literals; literals are checked as they are.
    const literal: Record<string, string> = { AWS_REGION: 'eu-central-1' };
    for (const [key, value] of Object.entries(env)) {
      literal[key] =
        typeof value === 'string'
          ? value
          : key === 'POUCH_ISSUER'
            ? 'https://x.example'
            : `tok-${key}-`.padEnd(48, 'x');
    }
    const config = loadConfig(literal);
    expect(config.mode).toBe('aws');
    expect(config.signer.kind).toBe('kms');
    expect(config.endpoints).toEqual({});
  });

  it('has no managed policies on its role (only CDK deployment providers have AWSLambdaBasicExecutionRole)', () => {
    const pouchRoles = new Set(
      Object.values(functionsByRole())
        .flat()
        .map(([, f]) => (f.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]),
    );
    // The API, the checkpoint and the clocks functions.
    expect(pouchRoles.size).toBe(3);
    for (const [id, role] of Object.entries(resourcesOf(pouch.statelessTemplate, 'AWS::IAM::Role'))) {
      if (pouchRoles.has(id)) {
        expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
      } else {
        // CDK's BucketDeployment and AwsCustomResource providers: deployment-time only.
        expect(id).toMatch(/^(CustomCDKBucketDeployment|AWS679f53fac002430cb0da5b7982bd2287)/);
      }
    }
  });
});

describe('IAM', () => {
  it('never grants Action "*" or "*:*", nor a service-wide wildcard', () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements.filter((x) => x.Effect === 'Allow')) {
      for (const action of actionsOf(s)) {
        expect(action).not.toBe('*');
        expect(action).not.toBe('*:*');
        expect(action).not.toMatch(/:\*$/);
      }
    }
  });

  it('lets nobody update or delete ledger items: only PutItem, GetItem and Query', () => {
    const markers = ledgerMarkers();
    const mentioning = allStatements().filter((s) =>
      markers.some((m) => JSON.stringify(s.Resource).includes(m)),
    );
    expect(mentioning.length).toBeGreaterThan(0);
    const allowed = new Set(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    for (const s of mentioning) {
      expect(s.Effect).toBe('Allow');
      for (const action of actionsOf(s)) {
        expect(allowed.has(action), `ledger action ${action}`).toBe(true);
        expect(action).not.toMatch(/UpdateItem|DeleteItem|BatchWriteItem|PartiQL|\*/);
      }
    }
  });

  it('signs only with ECDSA_SHA_256 and uses the data key only through S3 and DynamoDB', () => {
    const statements = allStatements();
    // Custody signing for both functions, token signing for the API only; each pinned to ECDSA_SHA_256.
    const sign = statements.filter((s) => actionsOf(s).includes('kms:Sign'));
    expect(sign).toHaveLength(3);
    for (const s of sign) {
      expect(s.Condition).toEqual({ StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } });
    }
    // The data key for the API, the checkpoint and the clocks functions.
    const data = statements.filter((s) => actionsOf(s).includes('kms:GenerateDataKey'));
    expect(data).toHaveLength(3);
    for (const s of data) expect(JSON.stringify(s.Condition)).toContain('kms:ViaService');
  });

  it('confines evidence object access to the exchanges/ prefix, and checkpoint publication to checkpoints/', () => {
    const apiId = functionsByRole().api[0]![0];
    const s3 = statementsOfFunction(apiId).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3).toHaveLength(2);
    const evidence = s3.find((s) => JSON.stringify(s.Resource).includes('/exchanges/*'));
    expect(actionsOf(evidence!).sort()).toEqual(
      ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'].sort(),
    );
    const checkpoints = s3.find((s) => JSON.stringify(s.Resource).includes('/checkpoints/*'));
    expect(actionsOf(checkpoints!).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
  });
});

describe('checkpoint function', () => {
  it('runs Node.js 22 on arm64, one at a time, with the same configuration as the API', () => {
    const { api, checkpoint } = functionsByRole();
    expect(checkpoint).toHaveLength(1);
    const props = checkpoint[0]![1].Properties;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.ReservedConcurrentExecutions).toBe(1);
    const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    const apiEnv = (api[0]![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual(Object.keys(apiEnv).sort());
    expect(props.Role).not.toEqual(api[0]![1].Properties.Role);
  });

  it('is invoked by an EventBridge schedule every 5 minutes', () => {
    const rules = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::Events::Rule')).filter((r) =>
      String(r.Properties.Description).includes('checkpoint'),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const fnId = functionsByRole().checkpoint[0]![0];
    expect(JSON.stringify(rules[0]!.Properties.Targets)).toContain(fnId);
    pouch.statelessTemplate.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
    });
  });

  it('gets least privilege: Query/GetItem/PutItem on main, Query on the ledger, Get/PutObject on checkpoints/, kms:Sign', () => {
    const fnId = functionsByRole().checkpoint[0]![0];
    const statements = statementsOfFunction(fnId);
    const actions = new Set(statements.flatMap(actionsOf));
    expect([...actions].sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:GetPublicKey',
        'kms:Sign',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:PutObject',
      ].sort(),
    );
    const ledger = statements.filter((s) => markersIn(s, ledgerMarkers()));
    expect(ledger.flatMap(actionsOf)).toEqual(['dynamodb:Query']);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3).toHaveLength(1);
    expect(actionsOf(s3[0]!)).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(JSON.stringify(s3[0]!.Resource)).toContain('/checkpoints/*');
    expect(JSON.stringify(s3[0]!.Resource)).not.toContain('/exchanges/');
  });
});

function markersIn(s: Statement, markers: string[]): boolean {
  return markers.some((m) => JSON.stringify(s.Resource).includes(m));
}

describe('HTTP API', () => {
  it('proxies the $default route to the Lambda', () => {
    pouch.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    pouch.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles the stage and writes JSON access logs', () => {
    const stages = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const props = stages[0]!.Properties;
    expect(props.StageName).toBe('$default');
    expect(props.DefaultRouteSettings).toEqual({ ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 });
    const logSettings = props.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(logSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    const format = JSON.parse(logSettings.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(format.status).toBe('$context.status');
  });
});
