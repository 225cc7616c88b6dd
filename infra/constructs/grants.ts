// Least-privilege IAM statements, written out action by action rather than through grant*() helpers, so a
// reviewer (and tests/infra) can read exactly what each function may do. Reused by every function we add.

import type { aws_dynamodb as dynamodb, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { Aws, aws_iam as iam } from 'aws-cdk-lib';
import { objectPrefixes, type TableDefinition } from '../../server/config/storage-definitions.ts';

/**
 * The only actions any role gets on an append-only table (the custody ledger): conditional put of the next
 * event, and reads. No UpdateItem, DeleteItem, BatchWriteItem or PartiQL: history cannot be rewritten.
 */
export const appendOnlyTableActions = ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'] as const;

/** Main table: directory, exchanges, messages and idempotency records are created, updated and read. */
export const mainTableActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;

/** Replay store: a conditional put of each `jti`, and a read. */
export const replayTableActions = ['dynamodb:PutItem', 'dynamodb:GetItem'] as const;

/**
 * Evidence objects: presigned single and multipart PUT (CreateMultipartUpload, UploadPart and
 * CompleteMultipartUpload are all s3:PutObject), GET and HEAD, listing and aborting multipart parts.
 */
export const evidenceObjectActions = [
  's3:PutObject',
  's3:GetObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
] as const;

/** Statements for a table, its actions on the table and (for Query only) on its declared GSIs. */
export function tableStatements(
  table: dynamodb.ITable,
  definition: TableDefinition,
  actions: readonly string[],
): iam.PolicyStatement[] {
  if (
    definition.appendOnly &&
    actions.some((a) => !(appendOnlyTableActions as readonly string[]).includes(a))
  ) {
    throw new Error(`Table ${definition.id} is append-only; refusing to grant ${actions.join(', ')}`);
  }
  const statements = [
    new iam.PolicyStatement({
      sid: `${definition.id}Table`,
      actions: [...actions],
      resources: [table.tableArn],
    }),
  ];
  if (definition.globalIndexes.length > 0 && actions.includes('dynamodb:Query')) {
    // Index ARNs named one by one from the definitions, so no wildcard is needed.
    statements.push(
      new iam.PolicyStatement({
        sid: `${definition.id}Indexes`,
        actions: ['dynamodb:Query'],
        resources: definition.globalIndexes.map((i) => `${table.tableArn}/index/${i.indexName}`),
      }),
    );
  }
  return statements;
}

/** The object ARN pattern of one evidence-bucket prefix (objectPrefixes, the same the object keys start with). */
export function evidenceObjectArns(bucket: s3.IBucket, prefix: keyof typeof objectPrefixes): string {
  return bucket.arnForObjects(`${objectPrefixes[prefix]}*`);
}

/** Statement for the API's evidence objects: documents and bundle exports, all under `exchanges/`. */
export function evidenceObjectStatement(bucket: s3.IBucket): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'EvidenceObjects',
    actions: [...evidenceObjectActions],
    resources: [evidenceObjectArns(bucket, 'exchanges')],
  });
}

/**
 * Use of the data key, only through S3 and DynamoDB in this region (kms:ViaService): presigned transfers
 * made with the function's credentials need GenerateDataKey (PUT) and Decrypt (GET, multipart).
 */
export function dataKeyStatement(key: kms.IKey): iam.PolicyStatement {
  // Cross-stack references only work within one region, so the consumer's region is the key's region.
  return new iam.PolicyStatement({
    sid: 'DataKeyViaS3AndDynamoDB',
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
    resources: [key.keyArn],
    conditions: {
      StringEquals: {
        'kms:ViaService': [`s3.${Aws.REGION}.amazonaws.com`, `dynamodb.${Aws.REGION}.amazonaws.com`],
      },
    },
  });
}

/** Signing with one key: ES256 only (kms:Sign), plus its public key (the kid and the published key set). */
function signWithKey(key: kms.IKey, sid: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: `Sign${sid}`,
      actions: ['kms:Sign'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } },
    }),
    publicKeyStatement(key, sid),
  ];
}

function publicKeyStatement(key: kms.IKey, sid: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: `Read${sid}PublicKey`,
    actions: ['kms:GetPublicKey'],
    resources: [key.keyArn],
  });
}

/** Custody signing (receipts and checkpoints) with the custody key only. */
export function signingKeyStatements(key: kms.IKey): iam.PolicyStatement[] {
  return signWithKey(key, 'Custody');
}

/** Access-token signing with the token key only. */
export function tokenSigningKeyStatements(key: kms.IKey): iam.PolicyStatement[] {
  return signWithKey(key, 'AccessTokens');
}

/**
 * The token key's public half only: every function composes the same runtime, which loads both signers' public
 * keys at start; a function that issues no token gets no kms:Sign on the token key.
 */
export function tokenPublicKeyStatement(key: kms.IKey): iam.PolicyStatement {
  return publicKeyStatement(key, 'AccessTokens');
}

/** The custody key's public half only (the clocks function loads it and signs nothing). */
export function custodyPublicKeyStatement(key: kms.IKey): iam.PolicyStatement {
  return publicKeyStatement(key, 'Custody');
}

/** Checkpoint function, main table: list exchanges (Query), write CKPT items once (PutItem), read one back. */
export const checkpointMainTableActions = ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem'] as const;

/**
 * Statement for publishing checkpoints under `checkpoints/`: PutObject, and GetObject, which HeadObject needs to
 * find a checkpoint whose publication failed.
 */
export function checkpointObjectStatement(bucket: s3.IBucket): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'PublishCheckpoints',
    actions: ['s3:GetObject', 's3:PutObject'],
    resources: [evidenceObjectArns(bucket, 'checkpoints')],
  });
}

/** Checkpoint signing: ES256 only (kms:Sign), plus the public key for the kid. */
export function checkpointSigningStatements(key: kms.IKey): iam.PolicyStatement[] {
  return signingKeyStatements(key);
}
