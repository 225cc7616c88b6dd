// Integration: the post's manifest check reuses the member record its own request's bearer check read
// (server/use-cases/identity/caller-records.ts). That reuse must never outlive the request: a manifest key revoked
// between two requests made with the same access token is refused on the second, whatever the first remembered.
// And the manifest check follows the sign-in rule: a key the authority key has not signed signs no manifest.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerMemberOf } from '../../server/use-cases/identity/caller-records.ts';
import { signManifest } from '../../shared/custody/manifest.ts';
import { signedMemberKeyOf } from '../../shared/directory/statements.ts';
import type { Member, MemberKey, PublicSigningJwk } from '../../shared/domain/identity/types.ts';
import {
  createTokenClient,
  generateMemberKey,
  type MemberKeyPair,
  rewriteMember,
  type SeededAuthority,
  seedTestAuthority,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

describe('the member record a request reuses', () => {
  let exchange: Exchange;
  let a: SeededAuthority;
  let b: SeededAuthority;

  beforeAll(async () => {
    exchange = await startTestExchange();
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
    a = await seedTestAuthority(exchange.runtime.directory, { country: 'XA', members });
    b = await seedTestAuthority(exchange.runtime.directory, { country: 'XB', members });
  }, 60_000);
  afterAll(async () => {
    await exchange?.stop();
  });

  /** Write the officer's member item with `change` applied (as a directory write, audited). */
  async function changeOfficer(change: (m: Member) => Member): Promise<void> {
    await rewriteMember(exchange.runtime.directory, a.authorityId, a.member('officer').memberId, change);
  }

  const memberKeyOf = (pair: MemberKeyPair, status: MemberKey['status']): MemberKey => ({
    kid: pair.kid,
    alg: 'ES256',
    jwk: pair.publicJwk as unknown as PublicSigningJwk,
    status,
    createdAt: new Date().toISOString(),
  });

  it('refuses, on the next request with the same token, a manifest key revoked after the previous one', async () => {
    const officer = a.member('officer');
    const second = await generateMemberKey();
    const statement = await a.signStatement(
      'member-keys',
      {
        memberId: officer.memberId,
        keys: [await signedMemberKeyOf(officer.key.publicJwk), await signedMemberKeyOf(second.publicJwk)],
      },
      2,
    );
    await changeOfficer((m) => ({
      ...m,
      keys: [...m.keys, memberKeyOf(second, 'active')],
      keysStatement: statement,
    }));
    const { call, exchangeId } = await openExchangeAs(officer, 'XA-SCOPE');
    const postSignedBySecond = () => postSignedBy(call, exchangeId, officer.clientId, second);

    // While the second key is active its signature passes (the post is refused later, for its missing label claims).
    const first = await postSignedBySecond();
    expect(first.body.code).not.toBe('ERR_SIGNATURE_INVALID');
    expect(first.body.code).toBe('ERR_LABEL_MISMATCH');

    await changeOfficer((m) => ({
      ...m,
      keys: m.keys.map((k) =>
        k.kid === second.kid ? { ...k, status: 'revoked', revokedAt: new Date().toISOString() } : k,
      ),
    }));
    const after = await postSignedBySecond();
    expect(after.status).toBe(422);
    expect(after.body.code).toBe('ERR_SIGNATURE_INVALID');
  }, 60_000);

  it('refuses a manifest signed by a key the authority key never signed (written into the member item around the statement)', async () => {
    const officer = a.member('officer');
    const planted = await generateMemberKey();
    // Active in the member item, as an operator writing the table (or an admin adding a key still to be signed)
    // would leave it, but absent from the member-keys statement the authority key signed.
    await changeOfficer((m) => ({ ...m, keys: [...m.keys, memberKeyOf(planted, 'active')] }));
    const { call, exchangeId } = await openExchangeAs(officer, 'XA-PLANTED');
    const posted = await postSignedBy(call, exchangeId, officer.clientId, planted);
    expect(posted.status).toBe(422);
    expect(posted.body.code).toBe('ERR_SIGNATURE_INVALID');
    // The officer's own, signed key still passes the signature check (and stops at the label claims).
    const own = await postSignedBy(call, exchangeId, officer.clientId, officer.key);
    expect(own.body.code).toBe('ERR_LABEL_MISMATCH');
  }, 60_000);

  /** A bearer for `who` and an exchange it opened towards b. */
  async function openExchangeAs(who: SeededAuthority['members'][number], reference: string) {
    const tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
    const bearer = await tokens.tokenFor(who);
    const call = async (path: string, body: unknown) => {
      const res = await exchange.runtime.app.request(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> & { code?: string } };
    };
    const created = await call('/v1/exchanges', {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: reference,
    });
    expect(created.status).toBe(201);
    return { call, exchangeId: created.body.id as string };
  }

  type Call = Awaited<ReturnType<typeof openExchangeAs>>['call'];

  /** Post a request message whose manifest `key` signed. */
  async function postSignedBy(call: Call, exchangeId: string, sender: string, key: MemberKeyPair) {
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    const manifest = await signManifest(
      {
        v: 1,
        exchangeId,
        messageId,
        messageKind: 'request',
        sender,
        iat: Math.floor(Date.now() / 1000),
        documents: [],
      },
      key.privateKey,
      { alg: 'ES256', kid: key.kid },
    );
    return call(`/v1/exchanges/${exchangeId}/messages`, {
      messageId,
      kind: 'request',
      documentIds: [],
      manifest,
    });
  }

  it('gives each bearer check a record of its own, read afresh', async () => {
    const officer = a.member('officer');
    const tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
    const bearer = await tokens.tokenFor(officer);
    const one = await exchange.runtime.tokens.authenticateBearer(bearer);
    await changeOfficer((m) => ({ ...m, displayName: 'Renamed between two requests' }));
    const two = await exchange.runtime.tokens.authenticateBearer(bearer);
    expect(two).not.toBe(one);
    expect(callerMemberOf(two)?.displayName).toBe('Renamed between two requests');
    expect(callerMemberOf(one)?.displayName).not.toBe('Renamed between two requests');
    // A principal the bearer check did not make has no record: its use cases read the directory.
    expect(callerMemberOf({ ...two })).toBeUndefined();
  }, 60_000);
});
