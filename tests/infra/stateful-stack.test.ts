// Template tests for the stateful stack: the protections no local server has (Object Lock, SSE-KMS, CMK on
// tables, PITR, deletion protection), checked on the synthesized CloudFormation.
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { evidenceBucket, replayTable, tables } from '../../server/config/storage-definitions.ts';
import { resourcesOf, type SynthesizedPouch, synthPouch } from './synth-app.ts';

let pouch: SynthesizedPouch;
beforeAll(() => {
  pouch = synthPouch({ context: { objectLockRetentionDays: 3650 } });
});

const evidenceProps = () => {
  const buckets = Object.values(resourcesOf(pouch.statefulTemplate, 'AWS::S3::Bucket'));
  const evidence = buckets.filter((b) => b.Properties.ObjectLockEnabled === true);
  expect(evidence).toHaveLength(1);
  return evidence[0]!;
};

describe('evidence bucket', () => {
  it('has Object Lock with a COMPLIANCE default retention of the context days', () => {
    expect(evidenceProps().Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3650 } },
      },
    });
  });

  it('is encrypted with SSE-KMS under the data key, with an S3 Bucket Key', () => {
    const [keyId] = Object.keys(
      pouch.statefulTemplate.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } }),
    );
    expect(evidenceProps().Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
          },
        },
      ],
    });
  });

  it('aborts incomplete multipart uploads after the defined days', () => {
    const rules = (evidenceProps().Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: evidenceBucket.abortIncompleteMultipartDays },
      }),
    );
  });

  it('sends server access logs to the log bucket', () => {
    const logBuckets = Object.keys(
      pouch.statefulTemplate.findResources('AWS::S3::Bucket', {
        Properties: { ObjectLockEnabled: Match.absent() },
      }),
    );
    expect(logBuckets).toHaveLength(1);
    expect(evidenceProps().Properties.LoggingConfiguration).toMatchObject({
      DestinationBucketName: { Ref: logBuckets[0] },
    });
  });

  it('declares no CORS rule: the stateless stack sets the one rule for the portal origin (tests/infra/edge.test.ts)', () => {
    expect(evidenceProps().Properties.CorsConfiguration).toBeUndefined();
  });
});

describe('every bucket', () => {
  it('blocks all public access, is versioned and retained', () => {
    const buckets = Object.values(resourcesOf(pouch.statefulTemplate, 'AWS::S3::Bucket'));
    expect(buckets.length).toBeGreaterThanOrEqual(2);
    for (const bucket of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.DeletionPolicy).toBe('Retain');
    }
  });

  it('has a bucket policy denying requests without TLS', () => {
    const buckets = Object.keys(pouch.statefulTemplate.findResources('AWS::S3::Bucket'));
    const policies = Object.values(resourcesOf(pouch.statefulTemplate, 'AWS::S3::BucketPolicy'));
    for (const logicalId of buckets) {
      const policy = policies.find(
        (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: logicalId }),
      );
      expect(policy, `bucket policy for ${logicalId}`).toBeDefined();
      const statements = (policy!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });
});

describe('KMS keys', () => {
  it('has a rotated symmetric data key and a P-256 signing key, both retained', () => {
    pouch.statefulTemplate.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, KeySpec: Match.absent() },
      DeletionPolicy: 'Retain',
    });
    pouch.statefulTemplate.hasResource('AWS::KMS::Key', {
      Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('tables', () => {
  const allTables = () => Object.values(resourcesOf(pouch.statefulTemplate, 'AWS::DynamoDB::Table'));

  it('builds exactly the defined tables', () => {
    expect(allTables()).toHaveLength(tables.length);
  });

  it('encrypts each with the KMS CMK, with PITR, deletion protection and Retain', () => {
    for (const table of allTables()) {
      expect(table.Properties.SSESpecification).toMatchObject({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: expect.anything(),
      });
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });

  it.each(tables.map((d) => [d.id, d] as const))(
    '%s has the keys, GSIs and TTL of its definition',
    (_id, def) => {
      const keySchema = [
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
      ];
      const matches = allTables().filter(
        (t) => JSON.stringify(t.Properties.KeySchema) === JSON.stringify(keySchema),
      );
      expect(matches).toHaveLength(1);
      const props = matches[0]!.Properties;
      const indexes = (props.GlobalSecondaryIndexes ?? []) as { IndexName: string; KeySchema: unknown }[];
      expect(indexes.map((i) => i.IndexName).sort()).toEqual(
        def.globalIndexes.map((i) => i.indexName).sort(),
      );
      for (const index of def.globalIndexes) {
        expect(indexes.find((i) => i.IndexName === index.indexName)?.KeySchema).toEqual([
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
        ]);
      }
      const declared = [
        def.partitionKey,
        def.sortKey,
        ...def.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
      ]
        .filter((k) => k !== undefined)
        .map((k) => ({ AttributeName: k.name, AttributeType: k.type }));
      expect(props.AttributeDefinitions).toEqual(expect.arrayContaining(declared));
      expect((props.AttributeDefinitions as unknown[]).length).toBe(
        new Set(declared.map((d) => d.AttributeName)).size,
      );
      // TTL only where the definition asks for it: the ledger must never expire.
      expect(props.TimeToLiveSpecification).toEqual(
        def.timeToLiveAttribute ? { AttributeName: def.timeToLiveAttribute, Enabled: true } : undefined,
      );
    },
  );

  it('expires old replay ids and rate-limit counters by TTL, and never the ledger', () => {
    expect(replayTable.timeToLiveAttribute).toBe('expiresAt');
    expect(tables.filter((t) => t.timeToLiveAttribute !== undefined).map((t) => t.id)).toEqual([
      'Main',
      'Replay',
    ]);
  });
});
