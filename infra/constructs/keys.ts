// Stateful building block: the two customer-managed KMS keys (data at rest, receipt signing), defaults set once.
import { aws_kms as kms, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The exchange's KMS keys. Both are retained on stack deletion: evidence and ledger items encrypted under the
 * data key, and receipts signed by the signing key, must stay verifiable for as long as they are kept.
 */
export class PouchKeys extends Construct {
  /** Symmetric key for S3 (SSE-KMS) and DynamoDB (CMK) encryption at rest. Rotated yearly by KMS. */
  readonly dataKey: kms.Key;
  /** Asymmetric P-256 key that signs receipts (ES256); the private half never leaves KMS. */
  readonly signingKey: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: 'Pouch: encryption at rest for the evidence bucket and the DynamoDB tables',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.dataKey.addAlias('alias/pouch/data');

    // Asymmetric keys cannot be rotated by KMS; a new signing key would be a new `kid` in the published JWKS.
    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'Pouch: signs custody receipts (ES256)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.signingKey.addAlias('alias/pouch/receipt-signing');
  }
}
