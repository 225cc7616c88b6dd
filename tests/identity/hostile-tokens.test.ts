// Hostile tokens (RFC 8725 checklist) against a real local exchange in-process: every one gets 401 with a stable
// problem code, never 500; plus fast-check mutations of valid tokens. Also checks that no token reaches the log.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSigner } from '../../server/adapters/file-signer.ts';
import { signCompactJws } from '../../shared/crypto/compact-jws.ts';
import type { Signer } from '../../shared/crypto/signer.ts';

/** A compact JWS with extra (hostile) header members, signed by the real exchange key. */
async function signWithHeader(
  signer: Signer,
  header: Record<string, unknown>,
  payload: object,
): Promise<string> {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ ...header, alg: signer.alg, kid: signer.kid })}.${b64(payload)}`;
  return `${input}.${Buffer.from(await signer.sign(new TextEncoder().encode(input))).toString('base64url')}`;
}

import { ACCESS_TOKEN_TYP, ASSERTION_TYP } from '../../server/use-cases/identity/token-service.ts';
import {
  createTokenClient,
  generateMemberKey,
  type SeededAuthority,
  seedTestAuthority,
  signClientAssertion,
  type TestPrincipal,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

let exchange: Awaited<ReturnType<typeof startTestExchange>>;
let tokens: ReturnType<typeof createTokenClient>;
let a: SeededAuthority;
let officer: TestPrincipal;
let other: TestPrincipal;
const seen = new Set<string>();

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  // This suite is about what the token checks refuse, not how often: its hundreds of assertions claiming one
  // client would otherwise meet the token rate limit (tests/identity/rate-limits.test.ts covers that).
  exchange = await startTestExchange({
    env: {
      POUCH_RATE_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: '100000',
      POUCH_RATE_TOKEN_REQUESTS_PER_AUTHORITY_PER_MINUTE: '100000',
      POUCH_RATE_API_REQUESTS_PER_MINUTE: '100000',
    },
  });
  tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  a = await seedTestAuthority(exchange.runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }, { role: 'officer', alg: 'EdDSA' }],
  });
  officer = a.member('officer');
  other = a.members[2]!;
});

afterAll(async () => {
  await exchange?.stop();
});

async function postAssertion(assertion: string) {
  seen.add(assertion);
  const res = await tokens.requestToken(assertion);
  return {
    status: res.status,
    body: (await res.json()) as { code?: string; error?: string; access_token?: string },
  };
}

async function getMe(token: string) {
  seen.add(token);
  const res = await exchange.runtime.app.request('/v1/me', { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { code?: string; error?: string } };
}

/** Sign an ES256 assertion with arbitrary header members, bypassing jose's own checks (raw WebCrypto). */
async function signByHand(who: TestPrincipal, extraHeader: Record<string, unknown>): Promise<string> {
  const header = { alg: 'ES256', typ: ASSERTION_TYP, kid: who.key.kid, ...extraHeader };
  const payload = {
    iss: who.clientId,
    sub: who.clientId,
    aud: tokens.audience,
    iat: now(),
    exp: now() + 60,
    jti: randomBytes(16).toString('hex'),
  };
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    who.key.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}

const assertion = (who: TestPrincipal, opts: Partial<Parameters<typeof signClientAssertion>[1]> = {}) =>
  signClientAssertion(who, { audience: tokens.audience, ...opts });

describe('client assertions at POST /v1/token', () => {
  it('a hand-signed assertion without hostile headers passes (control for signByHand)', async () => {
    expect((await postAssertion(await signByHand(officer, {}))).status).toBe(200);
  });

  it('accepts a valid ES256 and a valid EdDSA assertion', async () => {
    for (const who of [officer, other]) {
      const { status, body } = await postAssertion(await assertion(who));
      expect(status).toBe(200);
      seen.add(body.access_token!);
    }
  });

  const cases: Array<[string, () => Promise<string>, string]> = [
    [
      'alg none (unsigned)',
      async () =>
        `${b64({ alg: 'none', typ: ASSERTION_TYP, kid: officer.key.kid })}.${b64({ iss: officer.clientId, sub: officer.clientId, aud: tokens.audience, iat: now(), exp: now() + 60, jti: 'x'.repeat(20) })}.`,
      'ERR_TOKEN_INVALID',
    ],
    [
      'alg none with a fake signature',
      async () =>
        `${b64({ alg: 'none', typ: ASSERTION_TYP, kid: officer.key.kid })}.${b64({ iss: officer.clientId, sub: officer.clientId, aud: tokens.audience, iat: now(), exp: now() + 60, jti: 'x'.repeat(20) })}.${b64('sig')}`,
      'ERR_TOKEN_INVALID',
    ],
    [
      'HS256 keyed with the public key',
      async () =>
        new SignJWT({
          iss: officer.clientId,
          sub: officer.clientId,
          aud: tokens.audience,
          iat: now(),
          exp: now() + 60,
          jti: randomBytes(16).toString('hex'),
        })
          .setProtectedHeader({ alg: 'HS256', typ: ASSERTION_TYP, kid: officer.key.kid })
          .sign(new TextEncoder().encode(JSON.stringify(officer.key.publicJwk))),
      'ERR_TOKEN_INVALID',
    ],
    [
      'wrong aud',
      () => assertion(officer, { audience: `${exchange.runtime.config.issuer}/elsewhere` }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'aud = issuer (access-token audience)',
      () => assertion(officer, { audience: exchange.runtime.config.issuer }),
      'ERR_TOKEN_INVALID',
    ],
    ['wrong typ (JWT)', () => assertion(officer, { header: { typ: 'JWT' } }), 'ERR_TOKEN_INVALID'],
    ['typ at+jwt', () => assertion(officer, { header: { typ: ACCESS_TOKEN_TYP } }), 'ERR_TOKEN_INVALID'],
    [
      'iss differs from sub',
      () => assertion(officer, { claims: { iss: a.member('admin').clientId } }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'iss and sub of another member (my key)',
      () =>
        assertion(officer, { claims: { iss: a.member('admin').clientId, sub: a.member('admin').clientId } }),
      'ERR_KEY_UNKNOWN',
    ],
    [
      'iss not a client id',
      () => assertion(officer, { claims: { iss: 'https://evil.example', sub: 'https://evil.example' } }),
      'ERR_TOKEN_INVALID',
    ],
    ['missing iss', () => assertion(officer, { claims: { iss: undefined } }), 'ERR_TOKEN_INVALID'],
    ['missing sub', () => assertion(officer, { claims: { sub: undefined } }), 'ERR_TOKEN_INVALID'],
    ['missing aud', () => assertion(officer, { claims: { aud: undefined } }), 'ERR_TOKEN_INVALID'],
    ['missing exp', () => assertion(officer, { claims: { exp: undefined } }), 'ERR_TOKEN_INVALID'],
    ['missing iat', () => assertion(officer, { claims: { iat: undefined } }), 'ERR_TOKEN_INVALID'],
    ['missing jti', () => assertion(officer, { claims: { jti: undefined } }), 'ERR_TOKEN_INVALID'],
    ['short jti', () => assertion(officer, { jti: 'short' }), 'ERR_TOKEN_INVALID'],
    ['non-string jti', () => assertion(officer, { claims: { jti: 1234567890123456 } }), 'ERR_TOKEN_INVALID'],
    ['unknown kid', () => assertion(officer, { header: { kid: 'no-such-kid' } }), 'ERR_KEY_UNKNOWN'],
    [
      'kid path traversal',
      () => assertion(officer, { header: { kid: '../../etc/passwd' } }),
      'ERR_KEY_UNKNOWN',
    ],
    ['kid SQL-ish', () => assertion(officer, { header: { kid: "' OR '1'='1' --" } }), 'ERR_KEY_UNKNOWN'],
    [
      'kid very long (300)',
      () => assertion(officer, { header: { kid: 'k'.repeat(300) } }),
      'ERR_KEY_UNKNOWN',
    ],
    [
      'kid huge (10 000)',
      () => assertion(officer, { header: { kid: 'k'.repeat(10_000) } }),
      'ERR_TOKEN_INVALID',
    ],
    ['kid not a string', () => assertion(officer, { header: { kid: { $ne: null } } }), 'ERR_KEY_UNKNOWN'],
    [
      'jku header',
      () => assertion(officer, { header: { jku: 'https://evil.example/jwks.json' } }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'x5u header',
      () => assertion(officer, { header: { x5u: 'https://evil.example/cert.pem' } }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'embedded jwk header',
      () => assertion(officer, { header: { jwk: officer.key.publicJwk } }),
      'ERR_TOKEN_INVALID',
    ],
    ['x5c header', () => assertion(officer, { header: { x5c: ['MIIB'] } }), 'ERR_TOKEN_INVALID'],
    [
      'crit header (signed by hand: jose refuses to)',
      () => signByHand(officer, { crit: ['pouch'], pouch: 1 }),
      'ERR_TOKEN_INVALID',
    ],
    ['lifetime over 5 minutes', () => assertion(officer, { lifetimeSeconds: 301 }), 'ERR_TOKEN_INVALID'],
    [
      'exp far ahead with iat far ahead',
      () => assertion(officer, { iat: now() + 3600, lifetimeSeconds: 60 }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'iat in the future beyond skew',
      () => assertion(officer, { iat: now() + 120, lifetimeSeconds: 60 }),
      'ERR_TOKEN_INVALID',
    ],
    ['expired', () => assertion(officer, { iat: now() - 400, lifetimeSeconds: 200 }), 'ERR_TOKEN_EXPIRED'],
    [
      'signed by a key not in the directory',
      async () =>
        signClientAssertion(
          { ...officer, key: { ...(await generateMemberKey()), kid: officer.key.kid } },
          { audience: tokens.audience },
        ),
      'ERR_TOKEN_INVALID',
    ],
    [
      'EdDSA header on an ES256 key',
      async () =>
        signClientAssertion(
          { ...officer, key: { ...(await generateMemberKey('EdDSA')), kid: officer.key.kid } },
          { audience: tokens.audience },
        ),
      'ERR_TOKEN_INVALID',
    ],
    ['not a JWS at all', async () => 'not-a-token', 'ERR_TOKEN_INVALID'],
    [
      'non-canonical base64url',
      async () => `${await assertion(officer)}`.replace(/\.([A-Za-z0-9_-]+)$/, '.$1='),
      'ERR_TOKEN_INVALID',
    ],
  ];

  for (const [name, make, code] of cases) {
    it(`${name} → 401 ${code}`, async () => {
      const { status, body } = await postAssertion(await make());
      expect(status).toBe(401);
      expect(body.code).toBe(code);
      expect(body.error).toBe('invalid_client');
    });
  }

  it('a replayed jti → 401 ERR_TOKEN_REPLAYED', async () => {
    const once = await assertion(officer);
    expect((await postAssertion(once)).status).toBe(200);
    const again = await postAssertion(once);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('ERR_TOKEN_REPLAYED');
  });

  it('missing or wrong client_assertion_type → 401; wrong grant_type → 400', async () => {
    const app = exchange.runtime.app;
    const form = (p: Record<string, string>) =>
      app.request('/v1/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(p).toString(),
      });
    const valid = await assertion(officer);
    seen.add(valid);
    const noType = await form({ grant_type: 'client_credentials', client_assertion: valid });
    expect(noType.status).toBe(401);
    expect(((await noType.json()) as { code: string }).code).toBe('ERR_UNAUTHENTICATED');
    const grant = await form({ grant_type: 'password', client_assertion: valid });
    expect(grant.status).toBe(400);
    expect(((await grant.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('an access token presented as an assertion → 401', async () => {
    const access = await tokens.tokenFor(officer);
    const { status, body } = await postAssertion(access);
    expect(status).toBe(401);
    expect(body.code).toBe('ERR_TOKEN_INVALID');
  });
});

describe('access tokens at GET /v1/me', () => {
  const signer = createFileSigner(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  );

  const claims = () => ({
    iss: exchange.runtime.config.issuer,
    aud: exchange.runtime.config.issuer,
    sub: officer.clientId,
    client_id: officer.clientId,
    client_kid: officer.key.kid,
    authority: officer.authorityId,
    member: officer.memberId,
    role: 'officer',
    kind: 'member',
    iat: now(),
    exp: now() + 600,
    jti: `at_${randomBytes(16).toString('base64url')}`,
  });

  it('a token forged by the exchange key path with good claims passes (control)', async () => {
    const token = await signCompactJws(exchange.runtime.tokenSigner, ACCESS_TOKEN_TYP, claims());
    expect((await getMe(token)).status).toBe(200);
  });

  const cases: Array<[string, () => Promise<string>, string]> = [
    [
      'no such key (another ES256 key, its own kid)',
      async () => signCompactJws(signer, ACCESS_TOKEN_TYP, claims()),
      'ERR_KEY_UNKNOWN',
    ],
    [
      'another key claiming the exchange kid',
      async () => {
        const [h, p] = (await signCompactJws(signer, ACCESS_TOKEN_TYP, claims())).split('.');
        const header = {
          ...JSON.parse(Buffer.from(h!, 'base64url').toString()),
          kid: exchange.runtime.tokenSigner.kid,
        };
        const forged = await signer.sign(new TextEncoder().encode(`${b64(header)}.${p}`));
        return `${b64(header)}.${p}.${Buffer.from(forged).toString('base64url')}`;
      },
      'ERR_TOKEN_INVALID',
    ],
    [
      'wrong iss',
      () =>
        signCompactJws(exchange.runtime.tokenSigner, ACCESS_TOKEN_TYP, {
          ...claims(),
          iss: 'https://evil.example',
        }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'wrong aud',
      () =>
        signCompactJws(exchange.runtime.tokenSigner, ACCESS_TOKEN_TYP, { ...claims(), aud: tokens.audience }),
      'ERR_TOKEN_INVALID',
    ],
    ['wrong typ', () => signCompactJws(exchange.runtime.tokenSigner, 'JWT', claims()), 'ERR_TOKEN_INVALID'],
    [
      'jku header',
      () =>
        signWithHeader(
          exchange.runtime.tokenSigner,
          { typ: ACCESS_TOKEN_TYP, jku: 'https://evil.example' },
          claims(),
        ),
      'ERR_TOKEN_INVALID',
    ],
    [
      'missing client_kid',
      () =>
        signCompactJws(exchange.runtime.tokenSigner, ACCESS_TOKEN_TYP, {
          ...claims(),
          client_kid: undefined,
        }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'missing jti',
      () => signCompactJws(exchange.runtime.tokenSigner, ACCESS_TOKEN_TYP, { ...claims(), jti: undefined }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'sub ≠ client_id',
      () =>
        signCompactJws(exchange.runtime.tokenSigner, ACCESS_TOKEN_TYP, {
          ...claims(),
          client_id: a.member('admin').clientId,
        }),
      'ERR_TOKEN_INVALID',
    ],
    [
      'client_kid of another member',
      () =>
        signCompactJws(exchange.runtime.tokenSigner, ACCESS_TOKEN_TYP, {
          ...claims(),
          client_kid: a.member('admin').key.kid,
        }),
      'ERR_KEY_UNKNOWN',
    ],
    [
      'expired',
      () =>
        signCompactJws(exchange.runtime.tokenSigner, ACCESS_TOKEN_TYP, {
          ...claims(),
          iat: now() - 1000,
          exp: now() - 100,
        }),
      'ERR_TOKEN_EXPIRED',
    ],
    [
      'alg none',
      async () =>
        `${b64({ alg: 'none', typ: ACCESS_TOKEN_TYP, kid: exchange.runtime.tokenSigner.kid })}.${b64(claims())}.${b64('x')}`,
      'ERR_TOKEN_INVALID',
    ],
    [
      'HS256 keyed with the exchange public key',
      async () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYP, kid: exchange.runtime.tokenSigner.kid })
          .sign(new TextEncoder().encode(JSON.stringify(await exchange.runtime.tokenSigner.publicJwk()))),
      'ERR_TOKEN_INVALID',
    ],
    [
      'EdDSA-signed token with embedded jwk',
      async () => {
        const { privateKey, publicKey } = await generateKeyPair('EdDSA');
        return new SignJWT(claims())
          .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN_TYP, jwk: await exportJWK(publicKey) })
          .sign(privateKey);
      },
      'ERR_TOKEN_INVALID',
    ],
    ['a client assertion used as a bearer token', () => assertion(officer), 'ERR_TOKEN_INVALID'],
  ];

  for (const [name, make, code] of cases) {
    it(`${name} → 401 ${code}`, async () => {
      const { status, body } = await getMe(await make());
      expect(status).toBe(401);
      expect(body.code).toBe(code);
    });
  }

  it('malformed Authorization headers → 401 ERR_UNAUTHENTICATED', async () => {
    for (const value of ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer a b', `Token ${'x'.repeat(20)}`]) {
      const res = await exchange.runtime.app.request('/v1/me', { headers: { authorization: value } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('ERR_UNAUTHENTICATED');
    }
  });
});

/** Mutations of a compact JWS: characters, segments, and decoded JSON members. */
function mutations(token: string): fc.Arbitrary<string> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %';
  const [h, p, s] = token.split('.') as [string, string, string];
  const decode = (seg: string) =>
    JSON.parse(Buffer.from(seg, 'base64url').toString('utf8')) as Record<string, unknown>;
  const char = fc.integer({ min: 0, max: alphabet.length - 1 }).map((i) => alphabet[i]!);
  const index = fc.integer({ min: 0, max: token.length - 1 });
  return fc.oneof(
    fc.tuple(index, char).map(([i, c]) => token.slice(0, i) + c + token.slice(i + 1)),
    index.map((i) => token.slice(0, i) + token.slice(i + 1)),
    fc.tuple(index, char).map(([i, c]) => token.slice(0, i) + c + token.slice(i)),
    fc.constantFrom(
      `${h}.${p}`,
      `${h}.${p}.`,
      `${p}.${h}.${s}`,
      `${h}.${h}.${s}`,
      `${h}.${p}.${s}.${s}`,
      `.${p}.${s}`,
    ),
    fc
      .tuple(
        fc.constantFrom('header', 'payload'),
        fc.string({ maxLength: 12 }),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map(([which, key, value]) => {
        const obj = decode(which === 'header' ? h : p);
        const keys = Object.keys(obj);
        const target = key.length % 2 === 0 && keys.length > 0 ? keys[key.length % keys.length]! : key;
        const next = b64({ ...obj, [target]: value });
        return which === 'header' ? `${next}.${p}.${s}` : `${h}.${next}.${s}`;
      }),
    fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const sig = Buffer.from(s, 'base64url');
      sig[i % sig.length] = sig[i % sig.length]! ^ x;
      return `${h}.${p}.${sig.toString('base64url')}`;
    }),
  );
}

const stableCodes = [
  'ERR_UNAUTHENTICATED',
  'ERR_TOKEN_INVALID',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_REPLAYED',
  'ERR_KEY_UNKNOWN',
  'ERR_KEY_REVOKED',
];

describe('fast-check: mutated tokens', () => {
  it('1,000 mutations of a valid access token: all 401 with a stable code, none 500', async () => {
    const valid = await tokens.tokenFor(officer);
    seen.add(valid);
    await fc.assert(
      fc.asyncProperty(mutations(valid), async (mutated) => {
        // RFC 6750 allows 1*SP after "Bearer" and header values are trimmed: surrounding whitespace is no mutation.
        fc.pre(mutated.trim() !== valid);
        const res = await exchange.runtime.app.request('/v1/me', {
          headers: { authorization: `Bearer ${mutated}` },
        });
        expect(res.status).toBe(401);
        expect(stableCodes).toContain(((await res.json()) as { code: string }).code);
      }),
      { numRuns: 1000 },
    );
  });

  it('300 mutations of a valid client assertion: all 401, none 500', async () => {
    const valid = await assertion(officer);
    seen.add(valid);
    await fc.assert(
      fc.asyncProperty(mutations(valid), async (mutated) => {
        fc.pre(mutated !== valid);
        const res = await tokens.requestToken(mutated);
        expect(res.status).toBe(401);
        expect(stableCodes).toContain(((await res.json()) as { code: string }).code);
      }),
      { numRuns: 300 },
    );
  });
});

describe('security log', () => {
  it('records failures with reason codes and never contains a token or assertion', () => {
    const lines = exchange.logger.lines;
    const security = lines.filter((l) => l.message === 'security');
    expect(
      security.some((l) => l.fields.outcome === 'failure' && l.fields.reason === 'ERR_TOKEN_REPLAYED'),
    ).toBe(true);
    expect(
      security.some((l) => l.fields.outcome === 'success' && l.fields.clientId === officer.clientId),
    ).toBe(true);
    for (const l of security) expect(l.fields).toHaveProperty('sourceIp');
    const text = JSON.stringify(lines);
    expect(seen.size).toBeGreaterThan(40);
    for (const token of seen) {
      expect(text.includes(token)).toBe(false);
      const signature = token.split('.')[2];
      if (signature && signature.length > 20) expect(text.includes(signature)).toBe(false);
    }
  });
});
