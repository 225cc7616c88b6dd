// Tests for the local keystore: file modes, passphrase protection (age scrypt), profiles and the token cache.
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armor, Decrypter } from 'age-encryption';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileTokenCache } from '../../client/keystore/file-token-cache.ts';
import { type Keystore, openKeystore, type PassphraseSource } from '../../client/keystore/keystore.ts';
import { isKeystoreError, type KeystoreError } from '../../client/keystore/keystore-error.ts';
import { signClientAssertion } from '../../client/sdk/client-assertion.ts';

const fastScrypt = 10; // age's default is 18 (~1 s per attempt); the format is the same.
const passphraseOf =
  (value: string): PassphraseSource =>
  async () =>
    value;

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function caught(promise: Promise<unknown>): Promise<KeystoreError> {
  try {
    await promise;
  } catch (error) {
    if (isKeystoreError(error)) return error;
    throw error;
  }
  throw new Error('expected a KeystoreError');
}

describe('keystore', () => {
  let home: string;
  let keystore: Keystore;

  beforeEach(async () => {
    home = join(await mkdtemp(join(tmpdir(), 'pouch-keystore-')), 'home');
    keystore = openKeystore({ home });
  });
  afterEach(async () => {
    await rm(join(home, '..'), { recursive: true, force: true });
  });

  it('creates folders 0700 and key, profile and token files 0600', async () => {
    await keystore.createSigningKey({ name: 'alice', alg: 'ES256' });
    await keystore.createSealingKey({ name: 'seal' });
    await keystore.saveProfile({
      name: 'fr',
      baseUrl: 'http://127.0.0.1:1',
      clientId: 'FR:alice',
      key: 'alice',
    });
    const cache = createFileTokenCache(home, 'fr');
    await cache.set('k', { accessToken: 'secret-token', expiresAt: Date.now() + 60_000 });

    for (const dir of [home, join(home, 'keys'), join(home, 'profiles'), join(home, 'tokens')]) {
      expect(await modeOf(dir)).toBe(0o700);
    }
    for (const file of ['keys/alice.json', 'keys/seal.json', 'profiles/fr.json', 'tokens/fr.json']) {
      expect(await modeOf(join(home, file))).toBe(0o600);
    }
  });

  it('stores a signing key whose public JWK has an RFC 7638 kid and no private members', async () => {
    const key = await keystore.createSigningKey({ name: 'alice', alg: 'EdDSA' });
    expect(key.publicJwk).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
      kid: key.kid,
    });
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(JSON.stringify(await keystore.listKeys())).not.toContain('"d"');
    const { privateKey } = await keystore.unlockSigningKey('alice');
    expect(privateKey.extractable).toBe(false);
  });

  it('refuses to overwrite an existing key', async () => {
    await keystore.createSigningKey({ name: 'alice', alg: 'ES256' });
    const error = await caught(keystore.createSigningKey({ name: 'alice', alg: 'ES256' }));
    expect([error.code, error.reason]).toEqual(['ERR_CONFLICT', 'key-exists']);
  });

  it('rejects names that could escape the keystore folder', async () => {
    const error = await caught(keystore.createSealingKey({ name: '../evil' }));
    expect([error.code, error.reason]).toEqual(['ERR_VALIDATION', 'invalid-name']);
  });

  it('round-trips a passphrase-protected signing key and refuses a wrong passphrase', async () => {
    const created = await keystore.createSigningKey({
      name: 'alice',
      alg: 'ES256',
      passphrase: passphraseOf('correct horse battery staple'),
      scryptWorkFactor: fastScrypt,
    });
    expect(created.protection).toBe('age-scrypt');
    const file = await readFile(join(home, 'keys', 'alice.json'), 'utf8');
    expect(file).toContain('-----BEGIN AGE ENCRYPTED FILE-----');
    expect(file).not.toMatch(/"d"\s*:/);

    const wrong = await caught(keystore.unlockSigningKey('alice', passphraseOf('wrong')));
    expect([wrong.code, wrong.reason]).toEqual(['ERR_SEAL_NO_IDENTITY', 'passphrase-wrong']);
    const missing = await caught(keystore.unlockSigningKey('alice'));
    expect([missing.code, missing.reason]).toEqual(['ERR_CONFIG', 'passphrase-required']);

    const { privateJwk, info } = await keystore.unlockSigningKey(
      'alice',
      passphraseOf('correct horse battery staple'),
    );
    expect(privateJwk).toMatchObject({ kty: 'EC', kid: created.kid });
    expect(typeof privateJwk.d).toBe('string');
    expect(info.kid).toBe(created.kid);
  });

  it('protects a sealing identity as a standard age scrypt file', async () => {
    await keystore.createSealingKey({
      name: 'seal',
      passphrase: passphraseOf('pw-123456'),
      scryptWorkFactor: fastScrypt,
    });
    const record = JSON.parse(await readFile(join(home, 'keys', 'seal.json'), 'utf8')) as { secret: string };
    // Any age implementation opens it with the passphrase: it is not a format of ours.
    const decrypter = new Decrypter();
    decrypter.addPassphrase('pw-123456');
    const identity = await decrypter.decrypt(armor.decode(record.secret), 'text');
    expect(identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
    expect(await keystore.unlockSealingIdentity('seal', passphraseOf('pw-123456'))).toBe(identity);
    const wrong = await caught(keystore.unlockSealingIdentity('seal', passphraseOf('nope')));
    expect(wrong.reason).toBe('passphrase-wrong');
  });

  it('refuses a key file that other users can read', async () => {
    await keystore.createSigningKey({ name: 'alice', alg: 'ES256' });
    await chmod(join(home, 'keys', 'alice.json'), 0o644);
    const error = await caught(keystore.unlockSigningKey('alice'));
    expect([error.code, error.reason]).toEqual(['ERR_CONFIG', 'permissions-too-open']);
  });

  it('unlocks a profile into credentials that sign assertions', async () => {
    const key = await keystore.createSigningKey({ name: 'alice', alg: 'ES256' });
    await keystore.saveProfile({
      name: 'fr',
      baseUrl: 'http://127.0.0.1:1',
      clientId: 'FR:alice',
      key: 'alice',
    });
    const profile = await keystore.unlockProfile('fr');
    expect(profile).toMatchObject({ name: 'fr', clientId: 'FR:alice', kid: key.kid, alg: 'ES256' });
    await expect(signClientAssertion(profile.credentials, profile.baseUrl)).resolves.toMatch(/^ey/);
    const error = await caught(keystore.readProfile('nope'));
    expect([error.code, error.reason]).toEqual(['ERR_NOT_FOUND', 'profile-not-found']);
  });

  it('keeps a cached token per profile and ignores it for another exchange key', async () => {
    const cache = createFileTokenCache(home, 'fr');
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('a', { accessToken: 'tok', expiresAt: 1234 });
    expect(await cache.get('a')).toEqual({ accessToken: 'tok', expiresAt: 1234 });
    expect(await cache.get('b')).toBeUndefined();
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
  });
});
