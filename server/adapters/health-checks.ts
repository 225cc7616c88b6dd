// Secondary adapters: the HealthCheck port (server/ports/health.ts) for each dependency GET /health probes. The
// composition root wires these; the SDK commands stay here, on the adapter side of the boundary.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Signer } from '../../shared/crypto/signer.ts';
import type { HealthCheck } from '../ports/health.ts';

/** A table answers DescribeTable (named `dynamodb:<name>`, e.g. `dynamodb:main`). */
export function createTableHealthCheck(dynamo: DynamoDBClient, name: string, tableName: string): HealthCheck {
  return {
    name: `dynamodb:${name}`,
    check: async () => {
      await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    },
  };
}

/**
 * A bucket answers HeadBucket (named `s3:<name>`). Deliberately not a listing: HeadBucket is one cheap request
 * whatever the bucket holds, and needs no s3:ListBucket grant.
 */
export function createBucketHealthCheck(s3: S3Client, name: string, bucket: string): HealthCheck {
  return {
    name: `s3:${name}`,
    check: async () => {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    },
  };
}

/** The exchange's signer answers its own liveness check (named `signer:<kind>`). */
export function createSignerHealthCheck(signer: Signer, kind: string, role?: string): HealthCheck {
  return { name: role ? `signer:${role}:${kind}` : `signer:${kind}`, check: () => signer.check() };
}
