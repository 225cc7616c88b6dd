// Stateful building block: the customer-managed KMS keys (data at rest, custody signing, token signing), defaults
// set once.
import { aws_kms as kms, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The exchange's KMS keys. Both are retained on stack deletion: evidence and ledger items encrypted under the
 * data key, and receipts signed by the signing key, must stay verifiable for as long as they are kept.
 */
export class PouchKeys extends Construct {
  /** Symmetric key for S3 (SSE-KMS) and DynamoDB (CMK) encryption at rest. Rotated yearly by KMS. */
  readonly dataKey: kms.Key;
  /**
   * Asymmetric P-256 custody key: signs receipts and checkpoints (ES256); its public key is in every custody
   * bundle and is what auditors pin. The private half never leaves KMS.
   */
  readonly signingKey: kms.Key;
  /**
   * Asymmetric P-256 key that signs access tokens only (the published JWKS). A separate key, so a role or a bug
   * that can mint tokens cannot sign a receipt or a checkpoint, and the other way round.
   */
  readonly tokenSigningKey: kms.Key;

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
      description: 'Pouch: signs custody receipts and checkpoints (ES256)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.signingKey.addAlias('alias/pouch/receipt-signing');

    // Tokens live minutes, so this key may be replaced at will; it is retained like the others all the same.
    this.tokenSigningKey = new kms.Key(this, 'TokenSigningKey', {
      description: 'Pouch: signs access tokens (ES256)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.tokenSigningKey.addAlias('alias/pouch/token-signing');
  }
}
