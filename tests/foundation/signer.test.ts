// Adapter tests: both Signer implementations produce ES256 JWS signatures that jose verifies.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { p256 } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createFileSigner, loadOrCreateFileSigner } from '../../server/adapters/file-signer.ts';
import { createKmsSigner, derToJose } from '../../server/adapters/kms-signer.ts';
import type { Signer } from '../../shared/crypto/signer.ts';

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

async function signCompact(signer: Signer, payload: object): Promise<string> {
  const input = `${b64u(JSON.stringify({ alg: signer.alg, kid: signer.kid }))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${b64u(await signer.sign(new TextEncoder().encode(input)))}`;
}

async function expectVerifies(signer: Signer) {
  const jws = await signCompact(signer, { hello: 'court' });
  const key = await importJWK(await signer.publicJwk(), 'ES256');
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['ES256'] });
  expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ hello: 'court' });
  expect(protectedHeader.kid).toBe(signer.kid);
  const tampered = `${jws.slice(0, 10)}${jws[10] === 'A' ? 'B' : 'A'}${jws.slice(11)}`;
  await expect(compactVerify(tampered, key, { algorithms: ['ES256'] })).rejects.toThrow();
}

describe('file signer', () => {
  it('creates a 0600 key file once, reloads the same key, and signs verifiable ES256 JWS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pouch-signer-'));
    try {
      const path = join(dir, 'nested', 'key.jwk.json');
      const first = await loadOrCreateFileSigner(path);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const again = await loadOrCreateFileSigner(path);
      expect(again.kid).toBe(first.kid);
      expect(await readFile(path, 'utf8')).toContain('"d"');
      expect(JSON.stringify(await first.publicJwk())).not.toContain('"d"');
      await expectVerifies(first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key that is not a private P-256 key', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createFileSigner(publicKey.export({ format: 'jwk' }))).toThrow(
      expect.objectContaining({ code: 'ERR_SIGNER' }),
    );
  });
});

describe('KMS signer (KMS client mocked: the embedded servers have no KMS)', () => {
  function fakeKms(): KMSClient {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return {
      send: async (command: unknown) => {
        if (command instanceof GetPublicKeyCommand) {
          return { KeySpec: 'ECC_NIST_P256', PublicKey: publicKey.export({ format: 'der', type: 'spki' }) };
        }
        if (command instanceof SignCommand) {
          const input = command.input;
          expect(input.MessageType).toBe('DIGEST');
          expect(input.SigningAlgorithm).toBe('ECDSA_SHA_256');
          // KMS signs the given digest without hashing again (MessageType DIGEST); noble's p256 with
          // prehash off does exactly that, and its DER output is what KMS returns.
          const secret = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
          const der = p256.sign(input.Message as Uint8Array, secret, { prehash: false, format: 'der' });
          return { Signature: der };
        }
        throw new Error('unexpected command');
      },
    } as unknown as KMSClient;
  }

  it('produces JWS signatures that verify against the KMS public key', async () => {
    await expectVerifies(await createKmsSigner(fakeKms(), 'alias/pouch-signing'));
  });

  it('refuses a key that is not ECC_NIST_P256', async () => {
    const kms = {
      send: async () => ({ KeySpec: 'RSA_2048', PublicKey: new Uint8Array(4) }),
    } as unknown as KMSClient;
    await expect(createKmsSigner(kms, 'k')).rejects.toMatchObject({ code: 'ERR_SIGNER' });
  });
});

describe('derToJose', () => {
  it('matches node:crypto IEEE P1363 encoding for any message (property)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (message) => {
        const der = sign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
        const jose = derToJose(der, 32);
        expect(jose.length).toBe(64);
        expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects malformed DER', () => {
    for (const bad of [
      new Uint8Array([]),
      new Uint8Array([0x30, 0x02, 0x02, 0x00]),
      new Uint8Array([0x31, 0]),
    ]) {
      expect(() => derToJose(bad, 32)).toThrow(expect.objectContaining({ code: 'ERR_SIGNER' }));
    }
  });
});
