// Integration: the post's manifest check reuses the member record its own request's bearer check read
// (server/use-cases/identity/caller-records.ts). That reuse must never outlive the request: a manifest key revoked
// between two requests made with the same access token is refused on the second, whatever the first remembered.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerMemberOf } from '../../server/use-cases/identity/caller-records.ts';
import { buildAuditRecord } from '../../server/use-cases/identity/directory-model.ts';
import { signManifest } from '../../shared/custody/manifest.ts';
import type { Member, MemberKey, PublicSigningJwk } from '../../shared/domain/identity/types.ts';
import {
  createTokenClient,
  generateMemberKey,
  type MemberKeyPair,
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
    const repo = exchange.runtime.directory;
    const member = (await repo.getMember(a.authorityId, a.member('officer').memberId))!;
    const audit = buildAuditRecord({
      actor: { kind: 'system', clientId: 'system:test' },
      origin: { sourceIp: 'test', requestId: 'r' },
      at: new Date().toISOString(),
      action: 'key.add',
      target: { authorityId: a.authorityId, memberId: member.id },
    });
    await repo.putMember({ ...change(member), version: member.version + 1, auditId: audit.id }, audit);
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
    await changeOfficer((m) => ({ ...m, keys: [...m.keys, memberKeyOf(second, 'active')] }));
    const tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
    const bearer = await tokens.tokenFor(officer);
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
      requesterReference: 'XA-SCOPE',
    });
    expect(created.status).toBe(201);
    const exchangeId = created.body.id as string;
    const postSignedBySecond = async () => {
      const messageId = `msg_${randomBytes(16).toString('base64url')}`;
      const manifest = await signManifest(
        {
          v: 1,
          exchangeId,
          messageId,
          messageKind: 'request',
          sender: officer.clientId,
          iat: Math.floor(Date.now() / 1000),
          documents: [],
        },
        second.privateKey,
        { alg: 'ES256', kid: second.kid },
      );
      return call(`/v1/exchanges/${exchangeId}/messages`, {
        messageId,
        kind: 'request',
        documentIds: [],
        manifest,
      });
    };

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
