// Auth (use case + jose): the token endpoint's logic and the bearer check. Verifies client assertions
// (private_key_jwt, RFC 7523) per RFC 8725, issues access tokens (RFC 9068 at+jwt) signed by the exchange's
// Signer, and turns a bearer token back into a Principal with one directory read per request.
import { createHash } from 'node:crypto';
import { type CryptoKey, decodeJwt, importJWK, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { signCompactJws } from '../../../shared/crypto/compact-jws.ts';
import type { Signer } from '../../../shared/crypto/signer.ts';
import { verifyStoredStatement } from '../../../shared/directory/statements.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import { AuthenticationError } from '../../../shared/domain/identity/errors.ts';
import {
  formatClientId,
  generateTokenId,
  kidPattern,
  parseClientId,
} from '../../../shared/domain/identity/ids.ts';
import {
  type Authority,
  type Member,
  type MemberKey,
  OPERATOR_ID,
  type Principal,
} from '../../../shared/domain/identity/types.ts';
import { canonicalJson } from '../../../shared/domain/ledger/jcs.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import type { ReplayStore } from '../../ports/replay-store.ts';
import { rememberCaller } from './caller-records.ts';
import { isKeySigned } from './directory-model.ts';

/** `typ` of client assertions (draft-ietf-oauth-rfc7523bis); access tokens use `at+jwt` (RFC 9068). */
export const ASSERTION_TYP = 'client-authentication+jwt';
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** An assertion may live at most this long (exp - iat), in seconds. */
export const MAX_ASSERTION_SECONDS = 300;
/** Clock skew tolerated on exp, nbf and iat, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;
/** Access token lifetime, in seconds. */
export const ACCESS_TOKEN_SECONDS = 600;
/** Longest token accepted at all; longer input is refused before any parsing. */
const MAX_TOKEN_CHARS = 8192;
/** Header members that point at keys or change processing: never followed, always refused. */
const refusedHeaders = ['jku', 'x5u', 'jwk', 'x5c', 'x5t', 'x5t#S256', 'crit', 'b64', 'zip', 'enc'] as const;
const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface TokenServiceDeps {
  readonly signer: Signer;
  readonly directory: DirectoryRepository;
  readonly replay: ReplayStore;
  /** The exchange's public URL: `iss` and `aud` of access tokens; assertions go to `<issuer>/v1/token`. */
  readonly issuer: string;
  /** Epoch milliseconds; injected so tests can move the clock. */
  readonly now?: () => number;
  readonly accessTokenSeconds?: number;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly principal: Principal;
}

/** Claims of an access token issued by this exchange. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  aud: string;
  sub: string;
  client_id: string;
  /** The kid of the member key that authenticated; the bearer check requires it still active. */
  client_kid: string;
  authority: string;
  member: string;
  role: string;
  kind: 'member' | 'operator';
  exp: number;
  iat: number;
  jti: string;
}

const fail = (
  code: ConstructorParameters<typeof AuthenticationError>[0],
  message: string,
  clientId?: string,
) => new AuthenticationError(code, message, clientId === undefined ? {} : { clientId });

/** Read and police the protected header before anything else: shape, refused members, alg, typ, kid. */
function readHeader(token: string, typ: string, algs: readonly string[]): { alg: string; kid: string } {
  if (token.length > MAX_TOKEN_CHARS || !compactJws.test(token)) {
    throw fail('ERR_TOKEN_INVALID', 'Not a compact JWS');
  }
  // Canonical base64url only: a segment that re-encodes differently (stray padding bits) is a malleated token.
  for (const segment of token.split('.')) {
    if (Buffer.from(segment, 'base64url').toString('base64url') !== segment) {
      throw fail('ERR_TOKEN_INVALID', 'Not a canonical compact JWS');
    }
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    throw fail('ERR_TOKEN_INVALID', 'Unreadable token header');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw fail('ERR_TOKEN_INVALID', 'Unreadable token header');
  }
  const h = header as Record<string, unknown>;
  for (const name of refusedHeaders) {
    if (name in h) throw fail('ERR_TOKEN_INVALID', `Header "${name}" is not accepted`);
  }
  if (typeof h.alg !== 'string' || !algs.includes(h.alg))
    throw fail('ERR_TOKEN_INVALID', 'Algorithm not allowed');
  if (h.typ !== typ) throw fail('ERR_TOKEN_INVALID', `Token typ must be ${typ}`);
  if (typeof h.kid !== 'string' || !kidPattern.test(h.kid)) throw fail('ERR_KEY_UNKNOWN', 'Unknown key');
  return { alg: h.alg, kid: h.kid };
}

/** Map jose's failures to stable codes; anything that is not jose's (storage) passes through. */
function translateJoseError(error: unknown, clientId?: string): unknown {
  if (error instanceof joseErrors.JWTExpired) return fail('ERR_TOKEN_EXPIRED', 'Token expired', clientId);
  if (error instanceof joseErrors.JOSEError) return fail('ERR_TOKEN_INVALID', 'Token rejected', clientId);
  if (error instanceof TypeError) return fail('ERR_TOKEN_INVALID', 'Token rejected', clientId);
  return error;
}

function principalOf(member: Member): Principal {
  return {
    kind: member.authorityId === OPERATOR_ID ? 'operator' : 'member',
    clientId: formatClientId(member.authorityId, member.id),
    authorityId: member.authorityId,
    memberId: member.id,
    role: member.role,
  };
}

/**
 * A usable key of a member, or the reason why not. Members of the operator must hold role `operator`; members of
 * an authority the operator suspended do not authenticate (ERR_AUTHORITY_SUSPENDED); a key the authority key has
 * not signed does not either (ERR_KEY_UNSIGNED, isKeySigned).
 */
function activeKey(
  member: Member | undefined,
  authority: Pick<Authority, 'id' | 'status' | 'authorityKey'> | undefined,
  kid: string,
  clientId: string,
): MemberKey {
  const key = member?.keys.find((k) => k.kid === kid);
  if (!member || !key) throw fail('ERR_KEY_UNKNOWN', 'Unknown client or key', clientId);
  if ((member.authorityId === OPERATOR_ID) !== (member.role === 'operator')) {
    throw fail('ERR_KEY_UNKNOWN', 'Unknown client or key', clientId);
  }
  if (key.status !== 'active') throw fail('ERR_KEY_REVOKED', 'The key has been revoked', clientId);
  // Read on every request (assertion and bearer alike), so a deactivation takes effect at once.
  if (member.status === 'deactivated') {
    throw fail('ERR_MEMBER_DEACTIVATED', 'The member has been deactivated by its authority', clientId);
  }
  if (member.authorityId !== OPERATOR_ID && authority?.status !== 'active') {
    throw fail('ERR_AUTHORITY_SUSPENDED', 'The authority has been suspended by the operator', clientId);
  }
  if (!isKeySigned(authority, member, key)) {
    throw fail(
      'ERR_KEY_UNSIGNED',
      'The authority key has not signed this key (member-keys statement)',
      clientId,
    );
  }
  return key;
}

/** How many verified member-keys statements the token check remembers (per process). */
const VERIFIED_STATEMENTS_CACHED = 1024;

/**
 * The stored member-keys statement's signature, checked against the stored authority-key chain before the token
 * check relies on it: the table alone (an operator writing it, a bug) cannot make a key authenticate. Verified
 * once per statement and chain (cached by their digest), since the check runs on every request.
 */
function createStatementCheck() {
  const verified = new Set<string>();
  return async (
    authority: Pick<Authority, 'id' | 'authorityKey'> | undefined,
    member: Member | undefined,
    clientId: string,
  ): Promise<void> => {
    const chain = authority?.authorityKey;
    const statement = member?.keysStatement;
    if (!chain || !statement || !member) return;
    const digest = createHash('sha256')
      .update(canonicalJson([authority.id, statement, chain.initial, chain.rotations]))
      .digest('hex');
    if (verified.has(digest)) return;
    try {
      await verifyStoredStatement(statement, chain, { authorityId: authority.id, kind: 'member-keys' });
    } catch (error) {
      if (!(error instanceof PouchError)) throw error;
      throw fail(
        'ERR_KEY_UNSIGNED',
        "The member's keys statement is not signed by its authority key: no key of this member authenticates",
        clientId,
      );
    }
    if (verified.size >= VERIFIED_STATEMENTS_CACHED) verified.clear();
    verified.add(digest);
  };
}

/**
 * Build the token service.
 *
 * @example
 * const tokens = createTokenService({ signer, directory, replay, issuer: config.issuer });
 * const { accessToken } = await tokens.exchangeAssertion(clientAssertion);
 * const principal = await tokens.authenticateBearer(accessToken);
 */
export function createTokenService(deps: TokenServiceDeps) {
  const now = deps.now ?? Date.now;
  const issuer = deps.issuer.replace(/\/+$/, '');
  const tokenEndpoint = `${issuer}/v1/token`;
  const checkStatement = createStatementCheck();
  const lifetime = deps.accessTokenSeconds ?? ACCESS_TOKEN_SECONDS;
  let signerKey: Promise<CryptoKey | Uint8Array> | undefined;
  const exchangeKey = () => {
    signerKey ??= deps.signer.publicJwk().then((jwk) => importJWK({ ...jwk }, 'ES256'));
    return signerKey;
  };

  /** The member and its authority (read together on every request, so a suspension takes effect at once). */
  const readCaller = async (parsed: {
    authorityId: string;
    memberId: string;
  }): Promise<[Member | undefined, Authority | undefined]> => {
    const { member, authority } = await deps.directory.getCaller(parsed.authorityId, parsed.memberId);
    return [member, parsed.authorityId === OPERATOR_ID ? undefined : authority];
  };

  /** Verify a client assertion and return the member and key it authenticates; consumes its jti. */
  async function verifyAssertion(assertion: string): Promise<{ member: Member; key: MemberKey }> {
    const { kid } = readHeader(assertion, ASSERTION_TYP, ['ES256', 'EdDSA']);
    let claimed: JWTPayload;
    try {
      claimed = decodeJwt(assertion);
    } catch {
      throw fail('ERR_TOKEN_INVALID', 'Unreadable assertion claims');
    }
    if (typeof claimed.iss !== 'string' || claimed.iss !== claimed.sub) {
      throw fail('ERR_TOKEN_INVALID', 'iss and sub must both be the client id');
    }
    const clientId = claimed.iss;
    const parsed = parseClientId(clientId);
    if (!parsed) throw fail('ERR_TOKEN_INVALID', 'iss is not a client id');
    const [member, authority] = await readCaller(parsed);
    const key = activeKey(member, authority, kid, clientId);
    await checkStatement(authority, member, clientId);
    const nowSeconds = Math.floor(now() / 1000);
    let payload: JWTPayload;
    try {
      const verificationKey = await importJWK({ ...key.jwk }, key.alg);
      ({ payload } = await jwtVerify(assertion, verificationKey, {
        algorithms: [key.alg],
        typ: ASSERTION_TYP,
        issuer: clientId,
        subject: clientId,
        audience: tokenEndpoint,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(nowSeconds * 1000),
      }));
    } catch (error) {
      throw translateJoseError(error, clientId);
    }
    const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown };
    if (iat > nowSeconds + CLOCK_SKEW_SECONDS)
      throw fail('ERR_TOKEN_INVALID', 'iat is in the future', clientId);
    if (exp - iat > MAX_ASSERTION_SECONDS || exp > nowSeconds + MAX_ASSERTION_SECONDS + CLOCK_SKEW_SECONDS) {
      throw fail('ERR_TOKEN_INVALID', `Assertions live at most ${MAX_ASSERTION_SECONDS} s`, clientId);
    }
    if (typeof jti !== 'string' || jti.length < 16 || jti.length > 256) {
      throw fail('ERR_TOKEN_INVALID', 'jti must be 16-256 characters', clientId);
    }
    const fresh = await deps.replay.consume(`jti:${clientId}:${jti}`, exp + CLOCK_SKEW_SECONDS, nowSeconds);
    if (!fresh) throw fail('ERR_TOKEN_REPLAYED', 'The assertion was already used', clientId);
    return { member: member!, key };
  }

  return {
    tokenEndpoint,

    /** POST /v1/token: verify a client assertion and issue an access token. Throws AuthenticationError. */
    async exchangeAssertion(assertion: string): Promise<IssuedToken> {
      const { member, key } = await verifyAssertion(assertion);
      const principal = principalOf(member);
      const iat = Math.floor(now() / 1000);
      const claims: AccessTokenClaims = {
        iss: issuer,
        aud: issuer,
        sub: principal.clientId,
        client_id: principal.clientId,
        client_kid: key.kid,
        authority: principal.authorityId,
        member: principal.memberId,
        role: principal.role,
        kind: principal.kind,
        iat,
        exp: iat + lifetime,
        jti: generateTokenId(),
      };
      const accessToken = await signCompactJws(deps.signer, ACCESS_TOKEN_TYP, claims);
      return { accessToken, expiresIn: lifetime, principal };
    },

    /**
     * Check a bearer access token and return the principal, read fresh from the directory (one GetItem): a
     * revoked key or a removed member stops working at once. Throws AuthenticationError.
     */
    async authenticateBearer(token: string): Promise<Principal> {
      const { kid } = readHeader(token, ACCESS_TOKEN_TYP, ['ES256']);
      if (kid !== deps.signer.kid) throw fail('ERR_KEY_UNKNOWN', 'Unknown key');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await exchangeKey(), {
          algorithms: ['ES256'],
          typ: ACCESS_TOKEN_TYP,
          issuer,
          audience: issuer,
          requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'client_kid'],
          clockTolerance: CLOCK_SKEW_SECONDS,
          currentDate: new Date(now()),
        }));
      } catch (error) {
        throw translateJoseError(error);
      }
      const clientId = payload.sub;
      const keyId = payload.client_kid;
      const parsed = typeof clientId === 'string' ? parseClientId(clientId) : undefined;
      if (!parsed || payload.client_id !== clientId || typeof keyId !== 'string') {
        throw fail('ERR_TOKEN_INVALID', 'Malformed access token claims');
      }
      const [member, authority] = await readCaller(parsed);
      activeKey(member, authority, keyId, clientId!);
      await checkStatement(authority, member, clientId!);
      const principal = principalOf(member!);
      rememberCaller(principal, { member: member!, authority });
      return principal;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
