// Stateful building block: an S3 bucket with the secure defaults set once (no public access, TLS 1.2+ only,
// versioning, owner-enforced objects, retained), plus the options the evidence and log buckets differ in.

import type { aws_kms as kms } from 'aws-cdk-lib';
import { Duration, RemovalPolicy, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface SecureBucketProps {
  /** SSE-KMS with this key and an S3 Bucket Key. Without one, SSE-S3 (required for access-log targets). */
  readonly encryptionKey?: kms.IKey;
  /** Where this bucket's server access logs go. */
  readonly accessLogs?: { readonly bucket: s3.IBucket; readonly prefix: string };
  /** Object Lock default retention in COMPLIANCE mode, in days. Requires versioning, which is always on. */
  readonly objectLockRetentionDays?: number;
  readonly lifecycleRules?: s3.LifecycleRule[];
  readonly cors?: s3.CorsRule[];
  /**
   * Keep ACLs usable (bucket owner preferred) for a log target that only delivers through ACLs (CloudFront
   * standard logs). Public access stays blocked either way.
   */
  readonly aclLogDelivery?: boolean;
}

/** An S3 bucket that cannot be made public, rejects plain HTTP, and survives stack deletion. */
export class SecureBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);
    const lock = props.objectLockRetentionDays;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: props.aclLogDelivery
        ? s3.ObjectOwnership.BUCKET_OWNER_PREFERRED
        : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      ...(props.accessLogs
        ? { serverAccessLogsBucket: props.accessLogs.bucket, serverAccessLogsPrefix: props.accessLogs.prefix }
        : {}),
      ...(lock === undefined
        ? {}
        : {
            objectLockEnabled: true,
            objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(lock)),
          }),
      ...(props.lifecycleRules ? { lifecycleRules: props.lifecycleRules } : {}),
      ...(props.cors ? { cors: props.cors } : {}),
    });
  }
}
