// Stateful building block: a DynamoDB table built from its definition in server/config/storage-definitions.ts, with
// the secure defaults set once (CMK encryption, PITR, deletion protection, retained, on-demand billing).

import type { aws_kms as kms } from 'aws-cdk-lib';
import { aws_dynamodb as dynamodb, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { KeyAttribute, TableDefinition } from '../../server/config/storage-definitions.ts';

export interface SecureTableProps {
  readonly definition: TableDefinition;
  readonly encryptionKey: kms.IKey;
}

function toAttribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}

/** A table whose keys and GSIs come only from its shared definition, so CDK and local bootstrap agree. */
export class SecureTable extends Construct {
  readonly table: dynamodb.Table;
  readonly definition: TableDefinition;

  constructor(scope: Construct, id: string, props: SecureTableProps) {
    super(scope, id);
    const def = props.definition;
    this.definition = def;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: toAttribute(def.partitionKey),
      ...(def.sortKey ? { sortKey: toAttribute(def.sortKey) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
    });
    Validations.of(this.table).acknowledge({
      id: 'NIST.800.53.R5-DynamoDBInBackupPlan',
      reason:
        'Point-in-time recovery (35 days), deletion protection and RETAIN protect the table; the ledger is also ' +
        'anchored by signed checkpoints under Object Lock. An AWS Backup plan for longer-term copies is an ' +
        "operator's choice of vault and retention, described in docs/operations.md.",
    });
    for (const index of def.globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: toAttribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: toAttribute(index.sortKey) } : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
