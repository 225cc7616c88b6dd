// Local mode infrastructure: creates tables and buckets idempotently from server/config/storage-definitions.ts,
// the same definitions the CDK stacks use.
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createAwsClients, destroyAwsClients } from '../adapters/aws-clients.ts';
import type { Config } from '../config/config.ts';
import {
  type BucketDefinition,
  buckets,
  evidenceBucket,
  type KeyAttribute,
  ledgerTable,
  mainTable,
  replayTable,
  type TableDefinition,
  tables,
} from '../config/storage-definitions.ts';

/** Create every table and bucket that does not exist yet. Safe to run on every start. */
export async function bootstrapStorage(clients: { dynamo: DynamoDBClient; s3: S3Client }, config: Config) {
  const tableNames = new Map<TableDefinition, string>([
    [mainTable, config.tables.main],
    [ledgerTable, config.tables.ledger],
    [replayTable, config.tables.replay],
  ]);
  const bucketNames = new Map<BucketDefinition, string>([[evidenceBucket, config.evidenceBucket]]);
  for (const table of tables)
    await ensureTable(clients.dynamo, table, tableNames.get(table) ?? table.localName);
  for (const bucket of buckets) await ensureBucket(clients.s3, bucketNames.get(bucket) ?? bucket.localName);
}

/**
 * The local start's storage step, run before the composition root: bootstrap with clients of its own, released
 * at once, so composing never has to create anything.
 */
export async function bootstrapLocalStorage(
  config: Config,
  options: { browserOrigins?: readonly string[] } = {},
): Promise<void> {
  const clients = createAwsClients(config);
  try {
    await bootstrapStorage(clients, config);
    const origins = options.browserOrigins ?? [];
    if (origins.length > 0) await allowBrowserOrigins(clients.s3, config.evidenceBucket, origins);
  } finally {
    destroyAwsClients(clients);
  }
}

/** The CreateTable input for a definition; exported so tests can compare it with the CDK template. */
export function toCreateTableInput(def: TableDefinition, tableName: string) {
  const attributes = new Map<string, KeyAttribute>();
  const keySchema = (p: KeyAttribute, s?: KeyAttribute): KeySchemaElement[] => {
    attributes.set(p.name, p);
    const out: KeySchemaElement[] = [{ AttributeName: p.name, KeyType: 'HASH' }];
    if (s) {
      attributes.set(s.name, s);
      out.push({ AttributeName: s.name, KeyType: 'RANGE' });
    }
    return out;
  };
  const KeySchema = keySchema(def.partitionKey, def.sortKey);
  const GlobalSecondaryIndexes = def.globalIndexes.map((g) => ({
    IndexName: g.indexName,
    KeySchema: keySchema(g.partitionKey, g.sortKey),
    Projection: { ProjectionType: 'ALL' as const },
  }));
  const AttributeDefinitions: AttributeDefinition[] = [...attributes.values()].map((a) => ({
    AttributeName: a.name,
    AttributeType: a.type,
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema,
    AttributeDefinitions,
    ...(GlobalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes } : {}),
  };
}

async function ensureTable(dynamo: DynamoDBClient, def: TableDefinition, tableName: string): Promise<void> {
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await dynamo.send(new CreateTableCommand(toCreateTableInput(def, tableName)));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
}

async function ensureBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
    return;
  } catch {
    // Absent: create it below.
  }
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
  }
}

/**
 * Let the portal's origins (and no other) PUT and GET the evidence bucket through presigned URLs: the browser
 * uploads sealed parts and downloads sealed documents directly, and reads each part's ETag.
 */
async function allowBrowserOrigins(s3: S3Client, bucket: string, origins: readonly string[]): Promise<void> {
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [...origins],
            AllowedMethods: ['GET', 'PUT', 'HEAD'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag', 'Content-Length'],
            MaxAgeSeconds: 600,
          },
        ],
      },
    }),
  );
}
