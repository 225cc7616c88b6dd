// Infra policy: properties of the synthesized templates that must hold for every role, bucket and table — no
// unexplained IAM wildcard, TLS-only + Block Public Access + KMS on buckets, CMK + PITR + deletion protection on
// tables, the ledger append-only for every principal, short-lived presigned URLs, and every grant of every
// function asserted exactly (actions x resources), with separate custody and token signing keys.
import { describe, expect, it } from 'vitest';
import { objectKeys } from '../../server/config/storage-definitions.ts';
import { resourcesOf, type SynthesizedPouch, synthPouch } from './synth-app.ts';

/**
 * Every IAM statement that grants a wildcard, with the written reason it is acceptable. The key is
 * `<action>|<resource pattern>` where the pattern is the resource with references flattened (see `render`).
 */
const WILDCARD_ALLOW_LIST: ReadonlyArray<{ action: RegExp; resource: RegExp; reason: string }> = [
  {
    action:
      /^s3:(GetObject|PutObject|AbortMultipartUpload|ListMultipartUploadParts|GetObjectVersion|GetObjectAttributes)$/,
    resource: /EvidenceBucket.*\/exchanges\/\*$/,
    reason:
      'Object keys are server-generated ids under exchanges/; the grant is scoped to that prefix of one bucket',
  },
  {
    action: /^s3:(GetObject|PutObject|GetObjectRetention|PutObjectRetention|GetObjectVersion)$/,
    resource: /Bucket.*\/checkpoints\/\*$/,
    reason: 'Checkpoint heads are written under checkpoints/ with numbered keys; scoped to that prefix',
  },
  {
    action: /^dynamodb:(Query|GetItem|PutItem)$/,
    resource: /Table.*\/index\/\*$/,
    reason: 'Queries on the main table GSIs; index names are defined once in storage-definitions.ts',
  },
  {
    action: /^kms:(GenerateDataKey\*|ReEncrypt\*)$/,
    resource: /Key/,
    reason:
      'CDK grant idiom for SSE-KMS: the action family is needed by S3/DynamoDB envelope encryption, on one key',
  },
  {
    action: /^s3:(GetBucket\*|GetObject\*|List\*)$/,
    resource: /^arn:aws:s3:::.*cdk-hnb659fds-assets-.*$/,
    reason:
      "CDK's BucketDeployment provider reads the portal build (an asset) from the bootstrap asset bucket during deploys",
  },
  {
    action:
      /^s3:(Abort\*|DeleteObject\*|GetBucket\*|GetObject\*|List\*|PutObject|PutObjectLegalHold|PutObjectRetention|PutObjectTagging|PutObjectVersionTagging)$/,
    resource: /^EdgePortalBucket[0-9A-F]+\.Arn(\/\*)?$/,
    reason:
      "CDK's BucketDeployment provider replaces the portal's files (prune) in the portal bucket only, never the evidence bucket",
  },
  {
    action: /^cloudfront:(CreateInvalidation|GetInvalidation)$/,
    resource: /^\*$/,
    reason:
      'The BucketDeployment provider invalidates the distribution after a deploy; CDK grants it on any distribution',
  },
  {
    action: /^(logs:|xray:|cloudwatch:PutMetricData)/,
    resource: /^\*$/,
    reason: 'Lambda logging/tracing actions do not support resource-level permissions',
  },
];

/** Buckets that cannot use SSE-KMS, with the reason. Anything else must be KMS-encrypted. */
const SSE_S3_BUCKETS: ReadonlyArray<{ id: RegExp; reason: string }> = [
  {
    id: /^AccessLogsBucket/,
    reason:
      'S3 server access logs can only be delivered to a bucket encrypted with SSE-S3 (AES256), not SSE-KMS',
  },
  {
    id: /^EdgeLogsBucket/,
    reason:
      'CloudFront standard logs and S3 server access logs of the portal bucket: SSE-S3 delivery targets',
  },
  {
    id: /^EdgePortalBucket/,
    reason:
      'The built portal is public app code served to every visitor through CloudFront origin access control',
  },
];

interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Flatten intrinsic functions into a readable string (`Fn::GetAtt` → logical id, `Fn::Join` → joined). */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join(',');
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    if ('Fn::GetAtt' in v) return (v['Fn::GetAtt'] as string[]).join('.');
    if ('Ref' in v) return String(v.Ref);
    if ('Fn::ImportValue' in v) return render(v['Fn::ImportValue']);
    if ('Fn::Select' in v) return render((v['Fn::Select'] as unknown[])[1]);
    if ('Fn::Split' in v) return render((v['Fn::Split'] as unknown[])[1]);
    return JSON.stringify(v);
  }
  return String(value);
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function statementsOf(pouch: SynthesizedPouch) {
  const out: Array<{ where: string; statement: Statement }> = [];
  for (const template of [pouch.statefulTemplate, pouch.statelessTemplate]) {
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const [id, r] of Object.entries(resourcesOf(template, type))) {
        const doc = r.Properties.PolicyDocument as { Statement: Statement[] };
        for (const statement of doc.Statement) out.push({ where: id, statement });
      }
    }
    for (const [id, r] of Object.entries(resourcesOf(template, 'AWS::IAM::Role'))) {
      for (const p of (r.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>) ??
        []) {
        for (const statement of p.PolicyDocument.Statement) out.push({ where: id, statement });
      }
    }
  }
  return out;
}

describe('infrastructure policy (synthesized templates)', () => {
  const pouch = synthPouch();
  const templates = [pouch.statefulTemplate, pouch.statelessTemplate];
  const statements = statementsOf(pouch);

  it('grants no IAM wildcard action or resource without a written reason', () => {
    expect(statements.length).toBeGreaterThan(0);
    const unexplained: string[] = [];
    for (const { where, statement } of statements) {
      if (statement.Effect !== 'Allow') continue;
      expect(statement.NotAction, where).toBeUndefined();
      const actions = list(statement.Action);
      const resources = list(statement.Resource as unknown[]).map(render);
      for (const action of actions) {
        for (const resource of resources) {
          if (!action.includes('*') && !resource.includes('*')) continue;
          const allowed = WILDCARD_ALLOW_LIST.find((w) => w.action.test(action) && w.resource.test(resource));
          if (!allowed || allowed.reason.length < 20) unexplained.push(`${where}: ${action} on ${resource}`);
        }
      }
      expect(
        actions.filter((a) => a === '*' || /^[a-z0-9-]+:\*$/.test(a)),
        where,
      ).toEqual([]);
    }
    expect(unexplained).toEqual([]);
  });

  it('keeps the ledger append-only for every principal in the templates', () => {
    const ledgerIds = templates.flatMap((t) =>
      Object.entries(resourcesOf(t, 'AWS::DynamoDB::Table'))
        .filter(([, r]) =>
          (r.Properties.KeySchema as Array<{ AttributeName: string }>).some(
            (k) => k.AttributeName === 'chain',
          ),
        )
        .map(([id]) => id),
    );
    expect(ledgerIds).toHaveLength(1);
    const ledgerId = ledgerIds[0] as string;
    const forbidden =
      /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQL.*|DeleteTable|UpdateTable|RestoreTable.*|\*)$/;
    const grants: string[] = [];
    for (const { where, statement } of statements) {
      if (statement.Effect !== 'Allow') continue;
      const resources = list(statement.Resource as unknown[]).map(render);
      const touchesLedger = resources.some((r) => r.includes(ledgerId) || r === '*');
      if (!touchesLedger) continue;
      for (const action of list(statement.Action)) {
        if (forbidden.test(action)) grants.push(`${where}: ${action}`);
      }
    }
    expect(grants).toEqual([]);
    // And somebody can append to it (otherwise this test proves nothing).
    const appenders = statements.filter(
      ({ statement }) =>
        list(statement.Action).includes('dynamodb:PutItem') &&
        list(statement.Resource as unknown[])
          .map(render)
          .some((r) => r.includes(ledgerId)),
    );
    expect(appenders.length).toBeGreaterThan(0);
  });

  it('gives every bucket a TLS-only policy, Block Public Access and KMS encryption', () => {
    for (const template of templates) {
      const buckets = resourcesOf(template, 'AWS::S3::Bucket');
      const policies = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy'));
      for (const [id, bucket] of Object.entries(buckets)) {
        const pab = bucket.Properties.PublicAccessBlockConfiguration as Record<string, boolean> | undefined;
        expect(pab, id).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        const rules = (
          bucket.Properties.BucketEncryption as {
            ServerSideEncryptionConfiguration: Array<{
              ServerSideEncryptionByDefault: Record<string, unknown>;
            }>;
          }
        ).ServerSideEncryptionConfiguration;
        const algorithms = rules.map((r) => r.ServerSideEncryptionByDefault.SSEAlgorithm);
        const exception = SSE_S3_BUCKETS.find((e) => e.id.test(id));
        if (exception) {
          expect(exception.reason.length).toBeGreaterThan(20);
          expect(algorithms, id).toEqual(['AES256']);
        } else {
          expect(algorithms, id).toEqual(['aws:kms']);
          expect(rules[0]?.ServerSideEncryptionByDefault.KMSMasterKeyID, id).toBeDefined();
        }
        const own = policies.filter((p) => render(p.Properties.Bucket) === id);
        const tlsOnly = own.some((p) =>
          (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some(
            (s) =>
              s.Effect === 'Deny' &&
              list(s.Action).includes('s3:*') &&
              s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          ),
        );
        expect(tlsOnly, `${id} TLS-only policy`).toBe(true);
      }
    }
    expect(templates.flatMap((t) => Object.keys(resourcesOf(t, 'AWS::S3::Bucket'))).length).toBeGreaterThan(
      0,
    );
  });

  it('gives every table a customer-managed key, point-in-time recovery and deletion protection', () => {
    const tables = templates.flatMap((t) => Object.entries(resourcesOf(t, 'AWS::DynamoDB::Table')));
    expect(tables.length).toBeGreaterThanOrEqual(3);
    for (const [id, table] of tables) {
      expect(table.Properties.SSESpecification, id).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect((table.Properties.SSESpecification as Record<string, unknown>).KMSMasterKeyId, id).toBeDefined();
      expect(table.Properties.PointInTimeRecoverySpecification, id).toMatchObject({
        PointInTimeRecoveryEnabled: true,
      });
      expect(table.Properties.DeletionProtectionEnabled, id).toBe(true);
    }
    expect(templates.flatMap((t) => Object.keys(resourcesOf(t, 'AWS::DynamoDB::GlobalTable')))).toEqual([]);
  });

  it('keeps presigned URLs short-lived: every function has POUCH_PRESIGN_SECONDS of at most 300', () => {
    const functions = templates.flatMap((t) => Object.entries(resourcesOf(t, 'AWS::Lambda::Function')));
    const pouchFunctions = functions.filter(
      ([, f]) =>
        (f.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.POUCH_MAIN_TABLE,
    );
    expect(pouchFunctions.length).toBeGreaterThan(0);
    for (const [id, f] of pouchFunctions) {
      const value = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables
        .POUCH_PRESIGN_SECONDS;
      expect(Number(value), id).toBeGreaterThan(0);
      expect(Number(value), id).toBeLessThanOrEqual(300);
    }
  });

  describe('every grant each function needs, and nothing else (issue 12, finding 9)', () => {
    // Object prefixes derived from the keys the code writes (storage-definitions objectKeys), not retyped.
    const exchangesPrefix = `${objectKeys.document('x', 'y').split('/')[0]}/*`;
    const checkpointsPrefix = `${objectKeys.checkpoint(1).split('/')[0]}/*`;
    const readable = (resource: unknown): string => {
      const text = JSON.stringify(resource);
      const names: Array<[RegExp, string]> = [
        [/KeysTokenSigningKey/, 'token key'],
        [/KeysSigningKey/, 'custody key'],
        [/KeysDataKey/, 'data key'],
        [/MainTable.*index\/gsi1/, 'main table index gsi1'],
        [/MainTable/, 'main table'],
        [/LedgerTable/, 'ledger table'],
        [/ReplayTable/, 'replay table'],
        [/(Api|Checkpoint)Logs/, 'own log group'],
      ];
      const bucket = /EvidenceBucket.*?"\/([a-z]+\/\*)"/.exec(text);
      if (bucket) return `evidence bucket ${bucket[1]}`;
      return names.find(([pattern]) => pattern.test(text))?.[1] ?? text;
    };
    const grantsOf = (roleId: RegExp): string[] => {
      const policies = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::IAM::Policy')).filter((p) =>
        roleId.test(JSON.stringify(p.Properties.Roles)),
      );
      expect(policies.length).toBeGreaterThan(0);
      return policies
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) =>
          list(s.Action).flatMap((action) =>
            list(s.Resource as unknown[]).map((r) => `${action} on ${readable(r)}`),
          ),
        )
        .sort();
    };
    const dataKey = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'].map((a) => `${a} on data key`);
    const logs = ['logs:CreateLogStream on own log group', 'logs:PutLogEvents on own log group'];

    it('the API function: its tables, exchanges/ and checkpoints/, and each signing key for its own purpose', () => {
      expect(grantsOf(/ApiRole/)).toEqual(
        [
          ...logs,
          ...['BatchGetItem', 'ConditionCheckItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'].map(
            (a) => `dynamodb:${a} on main table`,
          ),
          'dynamodb:Query on main table index gsi1',
          ...['GetItem', 'PutItem', 'Query'].map((a) => `dynamodb:${a} on ledger table`),
          ...['GetItem', 'PutItem'].map((a) => `dynamodb:${a} on replay table`),
          ...['AbortMultipartUpload', 'GetObject', 'ListMultipartUploadParts', 'PutObject'].map(
            (a) => `s3:${a} on evidence bucket ${exchangesPrefix}`,
          ),
          // A bundle export checkpoints the chain first and publishes that checkpoint, as the schedule does.
          ...['GetObject', 'PutObject'].map((a) => `s3:${a} on evidence bucket ${checkpointsPrefix}`),
          ...dataKey,
          'kms:Sign on custody key',
          'kms:GetPublicKey on custody key',
          'kms:Sign on token key',
          'kms:GetPublicKey on token key',
        ].sort(),
      );
    });

    it('the checkpoint function: no token signing, no evidence objects, no ledger writes', () => {
      expect(grantsOf(/CheckpointRole/)).toEqual(
        [
          ...logs,
          ...['GetItem', 'PutItem', 'Query'].map((a) => `dynamodb:${a} on main table`),
          'dynamodb:Query on main table index gsi1',
          'dynamodb:Query on ledger table',
          ...['GetObject', 'PutObject'].map((a) => `s3:${a} on evidence bucket ${checkpointsPrefix}`),
          ...dataKey,
          'kms:Sign on custody key',
          'kms:GetPublicKey on custody key',
          // The runtime loads both public keys at start; reading the token key's public half signs nothing.
          'kms:GetPublicKey on token key',
        ].sort(),
      );
    });

    it('keeps custody and token signing on two distinct asymmetric keys, each kms:Sign on exactly one key', () => {
      const keys = Object.entries(resourcesOf(pouch.statefulTemplate, 'AWS::KMS::Key')).filter(
        ([, k]) => k.Properties.KeyUsage === 'SIGN_VERIFY',
      );
      expect(keys.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
        'KeysSigningKey',
        'KeysTokenSigningKey',
      ]);
      for (const { statement } of statements) {
        if (!list(statement.Action).includes('kms:Sign')) continue;
        expect(list(statement.Resource as unknown[])).toHaveLength(1);
        expect(statement.Condition).toEqual({ StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } });
      }
      const env = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::Lambda::Function'))
        .map((f) => (f.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables)
        .filter((v): v is Record<string, unknown> => Boolean(v?.POUCH_SIGNING_KEY_ID));
      expect(env.length).toBe(3); // the API, the checkpoint and the clocks functions
      for (const v of env) {
        expect(readable(v.POUCH_SIGNING_KEY_ID)).toBe('custody key');
        expect(readable(v.POUCH_TOKEN_SIGNING_KEY_ID)).toBe('token key');
      }
    });
  });
});
