// Stateful stack: keys, buckets and tables, everything that holds evidence or custody data. Deployed rarely,
// termination-protected and retained; the stateless stack receives these resources through props.

import type { aws_dynamodb as dynamodb, aws_kms as kms } from 'aws-cdk-lib';
import { Duration, Stack, type StackProps, aws_s3 as s3, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
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

/**
 * Headers a browser or CLI sends with a presigned PUT/GET (the signature, not CORS, is the access control;
 * the SDK adds varying x-amz-* headers, hence the prefix wildcard S3 supports).
 */
const corsAllowedHeaders = ['content-type', 'content-length', 'content-md5', 'x-amz-*'];
/** Response headers the client must read: ETag for multipart completion, the checksum to verify the upload. */
const corsExposedHeaders = ['ETag', 'x-amz-checksum-sha256', 'x-amz-version-id'];

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
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
          allowedOrigins: [...settings.corsAllowedOrigins],
          allowedHeaders: corsAllowedHeaders,
          exposedHeaders: corsExposedHeaders,
          maxAge: 3000,
        },
      ],
    });
    this.evidenceBucket = evidence.bucket;

    const built = new Map<string, DefinedTable>();
    for (const definition of tables) {
      const { table } = new SecureTable(this, definition.id, { definition, encryptionKey: this.dataKey });
      built.set(definition.id, { definition, table });
    }
    this.tables = built;
  }

  /** The table built from `definition`; throws if the definitions and the stack ever disagree. */
  table(definition: TableDefinition): DefinedTable {
    const found = this.tables.get(definition.id);
    if (!found) throw new Error(`No table built for definition ${definition.id}`);
    return found;
  }
}
