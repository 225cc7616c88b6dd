// Offline `pouch verify` checks who signed each manifest against the sender's pinned authority key (issue 12,
// finding 3): the bundle carries each sender authority's key chain and its senders' `member-keys` statements,
// and a verifier that pinned the authority refuses a manifest signed with a key no statement lists. The attack:
// an admin plants a key on an officer (the exchange holds it as the officer's, pending), and a manifest signed
// with it reaches the ledger; the exported bundle must fail offline with the stable check `sender-key`.
// The exchange itself now refuses such a manifest at the post (isKeySigned; tests/identity/request-scoped-member),
// so here it reaches the ledger the way only an operator writing around the exchange could: for the planted post
// alone, the member item holds a statement the planted key signed itself, and the real one is put back before export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleVerification, verifyBundle } from '../../shared/custody/bundle.ts';
import { authorityKeyFingerprint, signedMemberKeyOf } from '../../shared/directory/statements.ts';
import type { Member } from '../../shared/domain/identity/types.ts';
import {
  createTokenClient,
  generateMemberKey,
  rewriteMember,
  type SeededAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { asPrincipal, createCaller, runExchange, seedParties, type TestExchange } from './custody-fixture.ts';

async function* fromText(text: string): AsyncGenerator<string> {
  yield text;
}
const pointerOf = (v: BundleVerification) => (v.ok ? 'ok' : v.broken.pointer);

describe('offline verification of manifest keys against the pinned authority key', () => {
  let exchange: TestExchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  let call: ReturnType<typeof createCaller>;
  let honestBundle: string;
  let plantedBundle: string;

  const exportBundle = async (exchangeId: string) => {
    const res = await call(a.member('auditor'), 'GET', `/v1/exchanges/${exchangeId}/bundle`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const pins = () => new Map([[a.authorityId, a.authorityKey.kid]]);

  beforeAll(async () => {
    exchange = await startTestExchange();
    ({ a, b } = await seedParties(exchange));
    call = createCaller(exchange);
    const officer = a.member('officer');
    honestBundle = await exportBundle(await runExchange(exchange, officer, b.authorityId, { messages: 1 }));

    // The admin adds a key of its own to the officer: the exchange lists it (pending), no statement signs it.
    const planted = await generateMemberKey();
    const admin = a.member('admin');
    const res = await exchange.runtime.app.request(
      `/v1/directory/authorities/${a.authorityId}/members/${officer.memberId}/keys`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer).tokenFor(admin)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ jwk: planted.publicJwk }),
      },
    );
    expect(res.status).toBe(201);
    const asOfficer: TestPrincipal = { ...officer, key: planted };
    const writeOfficer = (change: (m: Member) => Member) =>
      rewriteMember(exchange.runtime.directory, a.authorityId, officer.memberId, change);
    const forged = await a.signStatement(
      'member-keys',
      {
        memberId: officer.memberId,
        keys: [await signedMemberKeyOf(officer.key.publicJwk), await signedMemberKeyOf(planted.publicJwk)],
      },
      99,
      planted,
    );
    const before = await writeOfficer((m) => ({ ...m, keysStatement: forged }));
    const plantedExchange = await runExchange(exchange, asOfficer, b.authorityId, { messages: 1 });
    await writeOfficer((m) => ({ ...m, keysStatement: before.keysStatement! }));
    plantedBundle = await exportBundle(plantedExchange);
    expect(asPrincipal(asOfficer).memberId).toBe(officer.memberId);
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('accepts a manifest signed with a key the pinned authority signed, and counts it as checked', async () => {
    const verdict = await verifyBundle(fromText(honestBundle), { authorityPins: pins() });
    expect(pointerOf(verdict)).toBe('ok');
    expect(verdict.senderKeys?.checked).toBe(1);
    expect(verdict.senderKeys?.unchecked).toEqual([]);
  });

  it('refuses a manifest signed with a key the authority never signed (check sender-key)', async () => {
    const verdict = await verifyBundle(fromText(plantedBundle), { authorityPins: pins() });
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? undefined : verdict.broken.check).toBe('sender-key');
  });

  it('refuses the authority record when its key chain does not contain the pin (check pin)', async () => {
    const other = await generateMemberKey();
    const verdict = await verifyBundle(fromText(honestBundle), {
      authorityPins: new Map([[a.authorityId, await authorityKeyFingerprint(other.publicJwk)]]),
    });
    expect(verdict.ok ? 'ok' : verdict.broken.check).toBe('pin');
  });

  it('says which manifests it could not check when the authority is not pinned, and fails closed in strict mode', async () => {
    const lenient = await verifyBundle(fromText(plantedBundle));
    expect(pointerOf(lenient)).toBe('ok');
    expect(lenient.senderKeys?.checked).toBe(0);
    expect(lenient.senderKeys?.unchecked).toHaveLength(1);
    expect(lenient.senderKeys?.unchecked[0]?.reason).toContain('not pinned');
    const strict = await verifyBundle(fromText(honestBundle), { requireSignedSenderKeys: true });
    expect(strict.ok ? 'ok' : strict.broken.check).toBe('sender-key-unchecked');
  });

  it('fails closed when a pinned sender authority has no signed keys in the bundle (an older export)', async () => {
    const stripped = honestBundle
      .split('\n')
      .filter((line) => !line.startsWith('{"type":"authority"'))
      .join('\n');
    const verdict = await verifyBundle(fromText(stripped), { authorityPins: pins() });
    expect(verdict.ok ? 'ok' : verdict.broken.check).toBe('sender-key');
  });
});
