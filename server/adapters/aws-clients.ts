// Secondary adapters: the AWS SDK v3 clients, built once per process from the Config and shared by all adapters.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config/config.ts';

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly s3: S3Client;
  /** Absent in local mode: the embedded exchange signs with a key file. */
  readonly kms?: KMSClient;
}

/** Credentials for the embedded servers, which accept any. Never used when endpoints are absent. */
const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Build the SDK clients. In local mode they point at the embedded servers; S3 is set up for s3rver's quirks
 * (path-style addressing, checksums only when required: with the SDK's default mode s3rver stores stream
 * bodies with aws-chunked framing). Callers pass precomputed ChecksumSHA256 values instead.
 */
export function createAwsClients(config: Config): AwsClients {
  const local = config.mode === 'local';
  const common = {
    region: config.region,
    maxAttempts: 3,
    ...(local ? { credentials: localCredentials } : {}),
  };
  const dynamo = new DynamoDBClient({
    ...common,
    ...(config.endpoints.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
  });
  const doc = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  const s3 = new S3Client({
    ...common,
    ...(config.endpoints.s3 ? { endpoint: config.endpoints.s3, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const kms = config.signer.kind === 'kms' ? new KMSClient(common) : undefined;
  return { dynamo, doc, s3, ...(kms ? { kms } : {}) };
}

/** Release sockets (local mode and tests). */
export function destroyAwsClients(clients: AwsClients): void {
  clients.doc.destroy();
  clients.dynamo.destroy();
  clients.s3.destroy();
  clients.kms?.destroy();
}
