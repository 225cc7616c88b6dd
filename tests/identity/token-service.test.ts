// Token service with a fake clock (real crypto, real dynalite): lifetimes and skew at their boundaries, and the
// shape of issued access tokens (RFC 9068), verified with jose against the exchange's public key.
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoReplayStore } from '../../server/adapters/dynamo-replay-store.ts';
import {
  ACCESS_TOKEN_SECONDS,
  CLOCK_SKEW_SECONDS,
  createTokenService,
  type TokenService,
} from '../../server/use-cases/identity/token-service.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { seedTestAuthority, signClientAssertion, type TestPrincipal } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

let exchange: Awaited<ReturnType<typeof startTestExchange>>;
let service: TokenService;
let clock = Date.UTC(2030, 0, 1, 12, 0, 0);
let officer: TestPrincipal;
const seconds = () => Math.floor(clock / 1000);

beforeAll(async () => {
  exchange = await startTestExchange();
  const { runtime } = exchange;
  service = createTokenService({
    signer: runtime.tokenSigner,
    directory: runtime.directory,
    replay: createDynamoReplayStore(runtime.clients.doc, runtime.config.tables.replay),
    issuer: runtime.config.issuer,
    now: () => clock,
  });
  officer = (
    await seedTestAuthority(runtime.directory, { members: [{ role: 'admin' }, { role: 'officer' }] })
  ).member('officer');
});

afterAll(async () => {
  await exchange?.stop();
});

const sign = (opts: { iat?: number; lifetimeSeconds?: number } = {}) =>
  signClientAssertion(officer, { audience: service.tokenEndpoint, iat: seconds(), ...opts });

const codeOf = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isPouchError(error) ? error.code : error;
};

describe('access tokens', () => {
  it('are at+jwt ES256 tokens with the RFC 9068 claims, verifiable with the exchange public key', async () => {
    const { accessToken, expiresIn, principal } = await service.exchangeAssertion(await sign());
    expect(expiresIn).toBe(ACCESS_TOKEN_SECONDS);
    expect(decodeProtectedHeader(accessToken)).toEqual({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: exchange.runtime.tokenSigner.kid,
    });
    const key = await importJWK(await exchange.runtime.tokenSigner.publicJwk(), 'ES256');
    const issuer = exchange.runtime.config.issuer;
    const { payload } = await jwtVerify(accessToken, key, {
      issuer,
      audience: issuer,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      currentDate: new Date(clock),
    });
    expect(payload).toMatchObject({
      sub: officer.clientId,
      client_id: officer.clientId,
      client_kid: officer.key.kid,
      authority: officer.authorityId,
      member: officer.memberId,
      role: 'officer',
      kind: 'member',
      iat: seconds(),
      exp: seconds() + ACCESS_TOKEN_SECONDS,
    });
    expect(String(payload.jti).length).toBeGreaterThanOrEqual(16);
    expect(principal.clientId).toBe(officer.clientId);
  });

  it('expire after their lifetime plus the tolerated skew, not before', async () => {
    const start = clock;
    const { accessToken } = await service.exchangeAssertion(await sign());
    clock = start + (ACCESS_TOKEN_SECONDS + CLOCK_SKEW_SECONDS - 1) * 1000;
    expect((await service.authenticateBearer(accessToken)).memberId).toBe(officer.memberId);
    clock = start + (ACCESS_TOKEN_SECONDS + CLOCK_SKEW_SECONDS + 1) * 1000;
    expect(await codeOf(service.authenticateBearer(accessToken))).toBe('ERR_TOKEN_EXPIRED');
    clock = start + 3_600_000;
  });
});

describe('assertion lifetime and skew boundaries', () => {
  it('accepts exactly 300 s, refuses 301 s', async () => {
    expect(await codeOf(service.exchangeAssertion(await sign({ lifetimeSeconds: 300 })))).toBeUndefined();
    expect(await codeOf(service.exchangeAssertion(await sign({ lifetimeSeconds: 301 })))).toBe(
      'ERR_TOKEN_INVALID',
    );
  });

  it('tolerates iat up to 60 s ahead, refuses more', async () => {
    expect(
      await codeOf(service.exchangeAssertion(await sign({ iat: seconds() + 59, lifetimeSeconds: 60 }))),
    ).toBeUndefined();
    expect(
      await codeOf(service.exchangeAssertion(await sign({ iat: seconds() + 61, lifetimeSeconds: 60 }))),
    ).toBe('ERR_TOKEN_INVALID');
  });

  it('an assertion past exp + skew is expired', async () => {
    const assertion = await sign({ lifetimeSeconds: 60 });
    clock += (60 + CLOCK_SKEW_SECONDS + 1) * 1000;
    expect(await codeOf(service.exchangeAssertion(assertion))).toBe('ERR_TOKEN_EXPIRED');
  });
});
