// Tests for the RFC 7523 client assertion: exact headers and claims, verifiable with the public key.
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { type SigningAlgorithm, signClientAssertion } from '../../client/sdk/client-assertion.ts';

describe('signClientAssertion', () => {
  it.each<SigningAlgorithm>(['ES256', 'EdDSA'])(
    'signs %s assertions exactly as the protocol says',
    async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      const now = Date.UTC(2030, 0, 1, 12, 0, 0, 500);
      const jwt = await signClientAssertion(
        { clientId: 'FR-MOJ:alice', kid: 'kid-1', privateKey, alg },
        'http://127.0.0.1:8787/',
        now,
      );

      expect(decodeProtectedHeader(jwt)).toEqual({ alg, typ: 'client-authentication+jwt', kid: 'kid-1' });
      const claims = decodeJwt(jwt);
      expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
      expect(claims.iss).toBe('FR-MOJ:alice');
      expect(claims.sub).toBe('FR-MOJ:alice');
      expect(claims.aud).toBe('http://127.0.0.1:8787/v1/token');
      expect(claims.iat).toBe(Math.floor(now / 1000));
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(300);
      // 128 random bits, base64url without padding.
      expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);

      const verifyKey = await importJWK(await exportJWK(publicKey), alg);
      await expect(
        jwtVerify(jwt, verifyKey, {
          algorithms: [alg],
          typ: 'client-authentication+jwt',
          issuer: 'FR-MOJ:alice',
          audience: 'http://127.0.0.1:8787/v1/token',
          currentDate: new Date(now),
        }),
      ).resolves.toBeTruthy();
    },
  );

  it('uses a fresh jti every time', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const credentials = { clientId: 'A:b', kid: 'k', privateKey, alg: 'ES256' as const };
    const first = decodeJwt(await signClientAssertion(credentials, 'http://x'));
    const second = decodeJwt(await signClientAssertion(credentials, 'http://x'));
    expect(first.jti).not.toBe(second.jti);
  });

  it('unlocks a lazy private key only when signing', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    let unlocks = 0;
    const jwt = await signClientAssertion(
      {
        clientId: 'A:b',
        kid: 'k',
        alg: 'ES256',
        privateKey: async () => {
          unlocks++;
          return privateKey;
        },
      },
      'http://x',
    );
    expect(unlocks).toBe(1);
    expect(decodeProtectedHeader(jwt).alg).toBe('ES256');
  });
});
