// Secondary adapter: the AWS Signer, an ECC_NIST_P256 SIGN_VERIFY key that never leaves KMS.
import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { publicMembersOf, type Signer } from '../../shared/crypto/signer.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import { thumbprint } from './file-signer.ts';

/** Build a Signer over a KMS asymmetric key. The public key is fetched once and cached. */
export async function createKmsSigner(kms: KMSClient, keyId: string): Promise<Signer> {
  let pub: JsonWebKey;
  try {
    const res = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (res.KeySpec !== 'ECC_NIST_P256' || !res.PublicKey) {
      throw new PouchError('ERR_SIGNER', `KMS key ${keyId} is not an ECC_NIST_P256 signing key`);
    }
    pub = createPublicKey({ key: Buffer.from(res.PublicKey), format: 'der', type: 'spki' }).export({
      format: 'jwk',
    });
  } catch (error) {
    if (error instanceof PouchError) throw error;
    throw new PouchError('ERR_SIGNER', 'Cannot read the KMS signing key', { cause: error });
  }
  const kid = thumbprint(pub);
  return {
    alg: 'ES256',
    kid,
    async sign(data) {
      const digest = createHash('sha256').update(data).digest();
      try {
        const res = await kms.send(
          new SignCommand({
            KeyId: keyId,
            Message: digest,
            MessageType: 'DIGEST',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        );
        if (!res.Signature) throw new Error('KMS returned no signature');
        return derToJose(res.Signature, 32);
      } catch (error) {
        throw new PouchError('ERR_SIGNER', 'KMS signing failed', { cause: error });
      }
    },
    async publicJwk() {
      return { ...publicMembersOf(pub), kid, alg: 'ES256', use: 'sig' };
    },
    async check() {
      await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    },
  };
}

/**
 * Convert an ASN.1 DER ECDSA signature (SEQUENCE of two INTEGERs, as KMS returns it) to the fixed-width
 * r||s form JWS requires (RFC 7518 §3.4).
 */
export function derToJose(der: Uint8Array, size: number): Uint8Array {
  const fail = (): never => {
    throw new PouchError('ERR_SIGNER', 'Malformed DER ECDSA signature');
  };
  let offset = 0;
  const byte = (): number => (offset < der.length ? der[offset++]! : fail());
  const length = (): number => {
    const first = byte();
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count !== 1) fail();
    return byte();
  };
  if (byte() !== 0x30) fail();
  if (length() !== der.length - offset) fail();
  const out = new Uint8Array(size * 2);
  for (let i = 0; i < 2; i++) {
    if (byte() !== 0x02) fail();
    const len = length();
    let int = der.subarray(offset, offset + len);
    offset += len;
    while (int.length > size && int[0] === 0) int = int.subarray(1);
    if (int.length > size || int.length === 0) fail();
    out.set(int, i * size + (size - int.length));
  }
  if (offset !== der.length) fail();
  return out;
}
