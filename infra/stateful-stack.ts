// Stateful stack: keys, buckets and tables, everything that holds evidence or custody data. Deployed rarely,
// termination-protected and retained; the stateless stack receives these resources through props.

import type { aws_dynamodb as dynamodb, aws_kms as kms } from 'aws-cdk-lib';
import { CfnOutput, Duration, Stack, type StackProps, type aws_s3 as s3, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { statefulOutputs } from '../server/config/deployment-outputs.ts';
import { evidenceBucket, type TableDefinition, tables } from '../server/config/storage-definitions.ts';
import { PouchKeys } from './constructs/keys.ts';
import { SecureBucket } from './constructs/secure-bucket.ts';
import { SecureTable } from './constructs/secure-table.ts';
import type { PouchSettings } from './settings.ts';

export interface StatefulStackProps extends StackProps {
  readonly settings: PouchSettings;
}

/** A table together with the definition it was built from, for the grants and environment downstream. */
export interface DefinedTable {
  readonly definition: TableDefinition;
  readonly table: dynamodb.ITable;
}

export class StatefulStack extends Stack {
  readonly dataKey: kms.IKey;
  /** The custody key: receipts and checkpoints. */
  readonly signingKey: kms.IKey;
  /** The access-token key. */
  readonly tokenSigningKey: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  readonly accessLogBucket: s3.IBucket;
  /** Tables by definition id (`Main`, `Ledger`, `Replay`). */
  readonly tables: ReadonlyMap<string, DefinedTable>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { settings } = props;

    const keys = new PouchKeys(this, 'Keys');
    this.dataKey = keys.dataKey;
    this.signingKey = keys.signingKey;
    this.tokenSigningKey = keys.tokenSigningKey;

    const accessLogs = new SecureBucket(this, 'AccessLogs');
    this.accessLogBucket = accessLogs.bucket;
    Validations.of(accessLogs.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the server access log destination; logging it to itself would create a log loop, ' +
        'and S3 delivers logs to it with its own service principal under the bucket policy.',
    });
    Validations.of(accessLogs.bucket).acknowledge({
      id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
      reason:
        'S3 server access logs can only be delivered to a bucket encrypted with SSE-S3; they hold request ' +
        'metadata, never object contents.',
    });

    const evidence = new SecureBucket(this, evidenceBucket.id, {
      encryptionKey: this.dataKey,
      accessLogs: { bucket: accessLogs.bucket, prefix: 'evidence/' },
      ...(evidenceBucket.objectLock ? { objectLockRetentionDays: settings.objectLockRetentionDays } : {}),
      lifecycleRules: [
        {
          id: 'abort-incomplete-multipart-uploads',
          enabled: true,
          abortIncompleteMultipartUploadAfter: Duration.days(evidenceBucket.abortIncompleteMultipartDays),
        },
      ],
      // No CORS rule here: the portal's origin is the distribution's domain, known only to the stateless stack,
      // which sets the one rule (StatelessStack.evidenceCors).
    });
    this.evidenceBucket = evidence.bucket;

    const built = new Map<string, DefinedTable>();
    for (const definition of tables) {
      const { table } = new SecureTable(this, definition.id, { definition, encryptionKey: this.dataKey });
      built.set(definition.id, { definition, table });
    }
    this.tables = built;

    new CfnOutput(this, statefulOutputs.region, {
      description: 'Region of the data and the API',
      value: this.region,
    });
    new CfnOutput(this, statefulOutputs.evidenceBucket, {
      description: 'Evidence bucket (sealed documents, checkpoints; Object Lock COMPLIANCE)',
      value: this.evidenceBucket.bucketName,
    });
    for (const [id, { table }] of built) {
      const outputId = (statefulOutputs.tables as Readonly<Record<string, string>>)[id];
      if (!outputId) throw new Error(`No output named for table ${id}`);
      new CfnOutput(this, outputId, { description: `DynamoDB table ${id}`, value: table.tableName });
    }
  }

  /** The table built from `definition`; throws if the definitions and the stack ever disagree. */
  table(definition: TableDefinition): DefinedTable {
    const found = this.tables.get(definition.id);
    if (!found) throw new Error(`No table built for definition ${definition.id}`);
    return found;
  }
}
