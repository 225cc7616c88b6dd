// Unit tests: configuration is validated once and names the variable that is missing or wrong.
import { describe, expect, it } from 'vitest';
import { loadConfig, localDefaults } from '../../server/config/config.ts';
import { isPouchError } from '../../shared/domain/errors.ts';

const local = localDefaults('/tmp/x', { http: 8787, dynamodb: 1, s3: 2 });

function configError(env: Record<string, string | undefined>): { code: string; variables: unknown } {
  try {
    loadConfig(env);
  } catch (error) {
    if (!isPouchError(error)) throw error;
    return { code: error.code, variables: error.details?.variables };
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('accepts the explicit local defaults', () => {
    const config = loadConfig(local);
    expect(config.mode).toBe('local');
    expect(config.tables).toEqual({ main: 'pouch-main', ledger: 'pouch-ledger', replay: 'pouch-replay' });
    expect(config.signer).toEqual({ kind: 'file', path: '/tmp/x/exchange-signing-key.jwk.json' });
    expect(config.tokenSigner).toEqual({ kind: 'file', path: '/tmp/x/exchange-token-key.jwk.json' });
    expect(config.endpoints.s3).toBe('http://127.0.0.1:2');
    expect(config.presignSeconds).toBe(300);
  });

  it('names a missing variable', () => {
    const { POUCH_MAIN_TABLE: _omit, ...env } = local;
    expect(configError(env)).toEqual({ code: 'ERR_CONFIG', variables: ['POUCH_MAIN_TABLE'] });
  });

  it('treats an empty value as missing', () => {
    expect(configError({ ...local, POUCH_ISSUER: '' }).variables).toEqual(['POUCH_ISSUER']);
  });

  it('names an invalid value', () => {
    expect(configError({ ...local, POUCH_MAX_BODY_BYTES: '-5' }).variables).toEqual(['POUCH_MAX_BODY_BYTES']);
    expect(configError({ ...local, POUCH_MODE: 'cloud' }).variables).toEqual(['POUCH_MODE']);
  });

  it('refuses presigned URLs that live longer than 5 minutes', () => {
    expect(configError({ ...local, POUCH_PRESIGN_SECONDS: '301' }).variables).toEqual([
      'POUCH_PRESIGN_SECONDS',
    ]);
  });

  it('requires both KMS key ids when the signer is KMS: custody and tokens never share a key', () => {
    const env = { ...local, POUCH_MODE: 'aws', POUCH_SIGNER: 'kms' };
    expect(configError(env).variables).toEqual(['POUCH_SIGNING_KEY_ID', 'POUCH_TOKEN_SIGNING_KEY_ID']);
    expect(
      configError({ ...env, POUCH_SIGNING_KEY_ID: 'alias/x', POUCH_TOKEN_SIGNING_KEY_ID: 'alias/x' })
        .variables,
    ).toEqual(['POUCH_TOKEN_SIGNING_KEY_ID']);
    const config = loadConfig({
      ...env,
      POUCH_SIGNING_KEY_ID: 'alias/x',
      POUCH_TOKEN_SIGNING_KEY_ID: 'alias/t',
    });
    expect(config.signer).toEqual({ kind: 'kms', keyId: 'alias/x' });
    expect(config.tokenSigner).toEqual({ kind: 'kms', keyId: 'alias/t' });
  });

  it('has no hidden defaults for the AWS path: an empty environment names every required variable', () => {
    const { variables } = configError({});
    expect(variables).toEqual(
      expect.arrayContaining([
        'POUCH_MODE',
        'AWS_REGION',
        'POUCH_MAIN_TABLE',
        'POUCH_EVIDENCE_BUCKET',
        'POUCH_ISSUER',
      ]),
    );
  });
});
