// Secondary adapter: publishes each signed checkpoint to the evidence bucket under checkpoints/<size:12>.jws
// (the Object Lock bucket on AWS, so a published tree head can never be withdrawn). Implements
// CheckpointPublisher (server/ports/checkpoint-store.ts).
import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StorageError } from '../../shared/domain/errors.ts';
import { objectKeys } from '../config/storage-definitions.ts';
import type { CheckpointPublisher } from '../ports/checkpoint-store.ts';

/** Build the publisher over the S3 client and the evidence bucket's name. */
export function createS3CheckpointPublisher(s3: S3Client, bucket: string): CheckpointPublisher {
  return {
    async publish(checkpoint) {
      const body = Buffer.from(checkpoint.jws, 'ascii');
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: objectKeys.checkpoint(checkpoint.size),
            Body: body,
            ContentType: 'application/jose',
            // Object Lock buckets require an integrity checksum; s3rver needs it precomputed (DESIGN.md).
            ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
          }),
        );
      } catch (error) {
        throw new StorageError('publish checkpoint failed', error);
      }
    },
    async isPublished(size) {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKeys.checkpoint(size) }));
        return true;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
          return false;
        throw new StorageError('checking a published checkpoint failed', error);
      }
    },
  };
}
