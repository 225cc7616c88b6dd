// Hardening (issue 12, finding 7): what the label says is what the pouch holds. The sender signs the label it
// sealed under in its manifest (recipient, kind, urgency, deadline, references); the exchange refuses a post whose
// claims differ from its label (422 ERR_LABEL_MISMATCH); the requested authority's reference is taken from its
// signed claim, recorded in `message.sent`, projected onto the label and carried into the custody bundle, whose
// verifier checks the label against the ledger. Against a real local exchange with real signatures.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../shared/custody/bundle.ts';
import { describeLabelMismatch, type ManifestLabel, signManifest } from '../../shared/custody/manifest.ts';
import { describeRequestLabelMismatch } from '../../shared/domain/requests/request-label.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { manifestEntry, newMessageId, sha256Hex } from './fault-harness.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

describe('label claims (finding 7)', () => {
  let exchange: Exchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  let c: SeededAuthority;
  let tokens: ReturnType<typeof createTokenClient>;
  const bearer = new Map<TestPrincipal, string>();

  async function call(who: TestPrincipal, method: string, path: string, body?: unknown) {
    if (!bearer.has(who)) bearer.set(who, await tokens.tokenFor(who));
    const res = await exchange.runtime.app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${bearer.get(who)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').includes('json') && !path.endsWith('/bundle');
    return {
      status: res.status,
      text,
      // Problem details (RFC 9457) carry the error's details as extension members, e.g. `field`.
      body: (isJson && text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown> & {
        code?: string;
        field?: string;
      },
    };
  }

  /** A message of `kind` with one opaque sealed document, its manifest signed with `label` claims (or none). */
  async function post(
    who: TestPrincipal,
    exchangeId: string,
    kind: string,
    label: ManifestLabel | undefined,
    extra: Record<string, unknown> = {},
  ) {
    const sealed = randomBytes(120);
    const declared = await call(who, 'POST', `/v1/exchanges/${exchangeId}/documents`, {
      sealedSize: sealed.length,
      sealedSha256: sha256Hex(sealed),
    });
    expect(declared.status, declared.text).toBe(201);
    const [url] = declared.body.urls as Array<{ url: string; headers: Record<string, string> }>;
    await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: sealed });
    const documentId = (declared.body.document as { documentId: string }).documentId;
    const committed = await call(who, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`, {
      parts: [],
    });
    expect(committed.status, committed.text).toBe(200);
    const messageId = newMessageId();
    const manifest = await signManifest(
      {
        v: 1,
        exchangeId,
        messageId,
        messageKind: kind,
        sender: who.clientId,
        iat: Math.floor(Date.now() / 1000),
        documents: [manifestEntry(documentId, sealed)],
        ...(label ? { label } : {}),
      },
      who.key.privateKey,
      { alg: 'ES256', kid: who.key.kid },
    );
    return call(who, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
      messageId,
      kind,
      documentIds: [documentId],
      manifest,
      ...extra,
    });
  }

  async function open(deadline?: string) {
    const created = await call(a.member('officer'), 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'urgent',
      requestedId: b.authorityId,
      requesterReference: `LC-${randomBytes(3).toString('hex')}`,
      ...(deadline === undefined ? {} : { deadline }),
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const honest: ManifestLabel = {
      recipientId: b.authorityId,
      kind: 'mla',
      urgency: 'urgent',
      ...(deadline === undefined ? {} : { deadline }),
      requesterReference: created.body.requesterReference as string,
    };
    return { id, honest };
  }

  beforeAll(async () => {
    exchange = await startTestExchange();
    const dir = exchange.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
    c = await seedTestAuthority(dir, { country: 'XC', members });
    tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('takes a request-form deadline (a date) onto the label as given', async () => {
    const { id } = await open('2026-05-01');
    const read = await call(a.member('officer'), 'GET', `/v1/exchanges/${id}`);
    expect((read.body.label as { deadline?: string }).deadline).toBe('2026-05-01');
  });

  it('refuses a post whose signed label claims differ from the label, field by field, with a stable code', async () => {
    const { id, honest } = await open('2026-05-01');
    const bent: Array<[string, ManifestLabel]> = [
      ['recipient', { ...honest, recipientId: c.authorityId }],
      ['kind', { ...honest, kind: 'preservation' }],
      ['urgency', { ...honest, urgency: 'normal' }],
      ['deadline', { ...honest, deadline: '2026-06-01' }],
      ['requesterReference', { ...honest, requesterReference: 'LC-OTHER' }],
      ['requestedReference', { ...honest, requestedReference: 'SM-BY-REQUESTER' }],
    ];
    for (const [field, claims] of bent) {
      const refused = await post(a.member('officer'), id, 'request', claims);
      expect(refused.status, field).toBe(422);
      expect(refused.body.code, field).toBe('ERR_LABEL_MISMATCH');
      expect(refused.body.field, field).toBe(`manifest.label.${field}`);
    }
    const { deadline: _dropped, ...withoutDeadline } = honest;
    expect((await post(a.member('officer'), id, 'request', withoutDeadline)).body.code).toBe(
      'ERR_LABEL_MISMATCH',
    );
    const events = await exchange.runtime.ledger.read(id);
    expect(events.filter((e) => e.action === 'message.sent')).toHaveLength(0);

    const sent = await post(a.member('officer'), id, 'request', honest);
    expect(sent.status, sent.text).toBe(201);
  });

  it('records the requested reference: only from the requested side, as signed, in the ledger, on the label and in the bundle', async () => {
    const { id, honest } = await open();
    expect((await post(a.member('officer'), id, 'request', honest)).status).toBe(201);
    const replyClaims: ManifestLabel = { ...honest, recipientId: a.authorityId };

    // The requester has no requested reference to give (it used to be dropped without a word).
    const fromRequester = await post(a.member('officer'), id, 'consultation', honest, {
      requestedReference: 'NL-NOT-MINE',
    });
    expect(fromRequester.status).toBe(400);
    expect(fromRequester.body.code).toBe('ERR_VALIDATION');

    // The body must say what the manifest signs.
    const differs = await post(
      b.member('officer'),
      id,
      'acknowledgement',
      { ...replyClaims, requestedReference: 'SM-2026-17' },
      { requestedReference: 'SM-2026-99' },
    );
    expect(differs.status).toBe(422);
    expect(differs.body.code).toBe('ERR_LABEL_MISMATCH');

    const acked = await post(
      b.member('officer'),
      id,
      'acknowledgement',
      { ...replyClaims, requestedReference: 'SM-2026-17' },
      { requestedReference: 'SM-2026-17' },
    );
    expect(acked.status, acked.text).toBe(201);

    const sent = (await exchange.runtime.ledger.read(id)).filter((e) => e.action === 'message.sent');
    expect(sent.map((e) => e.details?.requestedReference ?? null)).toEqual([null, 'SM-2026-17']);
    for (const who of [a.member('officer'), b.member('officer'), a.member('auditor')]) {
      const read = await call(who, 'GET', `/v1/exchanges/${id}`);
      expect((read.body.label as { requestedReference?: string }).requestedReference).toBe('SM-2026-17');
    }
    const listed = await call(b.member('officer'), 'GET', '/v1/exchanges?box=inbox');
    const item = (listed.body.items as Array<{ id: string; requestedReference?: string }>).find(
      (i) => i.id === id,
    );
    expect(item?.requestedReference).toBe('SM-2026-17');

    // The bundle carries it, and its verifier holds the label to the ledger.
    const jwk = await exchange.runtime.signer.publicJwk();
    const bundle = await call(a.member('auditor'), 'GET', `/v1/exchanges/${id}/bundle`);
    expect(bundle.status).toBe(200);
    const lines = bundle.text.split('\n').filter(Boolean);
    const verify = async (records: readonly string[]) => {
      const verdict = await verifyBundle(Readable.from([`${records.join('\n')}\n`]), {
        trustedExchangeKeys: [jwk],
      });
      return verdict.ok ? verdict : verdict.broken.pointer;
    };
    const verdict = await verify(lines);
    expect(typeof verdict === 'string' ? verdict : verdict.label?.requestedReference).toBe('SM-2026-17');

    const labelIndex = lines.findIndex((l) => l.startsWith('{"type":"label"'));
    const relabel = (change: Record<string, unknown>) => {
      const record = JSON.parse(lines[labelIndex]!) as { label: Record<string, unknown> };
      const copy = [...lines];
      copy[labelIndex] = JSON.stringify({ ...record, label: { ...record.label, ...change } });
      return copy;
    };
    expect(await verify(relabel({ requestedReference: 'SM-FORGED' }))).toBe('label: requestedReference');
    expect(await verify(relabel({ requestedReference: undefined }))).toBe('label: requestedReference');
    expect(await verify(relabel({ urgency: 'emergency' }))).toBe('label: urgency');
    expect(await verify(relabel({ requesterReference: 'LC-FORGED' }))).toBe('label: requesterReference');
  });

  it('refuses a manifest with its label claims stripped (422 ERR_LABEL_MISMATCH), from either side, and records nothing', async () => {
    const { id, honest } = await open();
    // The attack: a sender (or an older client) signs no label, so a bent label would pass unseen.
    const stripped = await post(a.member('officer'), id, 'request', undefined);
    expect(stripped.status, stripped.text).toBe(422);
    expect(stripped.body.code).toBe('ERR_LABEL_MISMATCH');
    expect(stripped.body.field).toBe('manifest.label');
    expect((await exchange.runtime.ledger.read(id)).some((e) => e.action === 'message.sent')).toBe(false);
    expect((await post(a.member('officer'), id, 'request', honest)).status).toBe(201);
    // The requested side cannot slip an unsigned reference in either.
    const acked = await post(b.member('officer'), id, 'acknowledgement', undefined, {
      requestedReference: 'SM-OLD-1',
    });
    expect(acked.status, acked.text).toBe(422);
    expect(acked.body.code).toBe('ERR_LABEL_MISMATCH');
    const sent = (await exchange.runtime.ledger.read(id)).filter((e) => e.action === 'message.sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.details?.requestedReference).toBeUndefined();
  });
});

describe('the one comparison of label claims and of an opened request with a label', () => {
  const label = {
    requesterId: 'auth_requester_0001',
    requestedId: 'auth_requested_0001',
    kind: 'mla',
    urgency: 'urgent',
    deadline: '2026-04-01',
    requesterReference: 'NL-1',
  };
  const claims: ManifestLabel = {
    recipientId: label.requestedId,
    kind: 'mla',
    urgency: 'urgent',
    deadline: '2026-04-01',
    requesterReference: 'NL-1',
  };

  it('names the first field where signed claims and a label differ', () => {
    expect(describeLabelMismatch(claims, label, 'requester')).toBeUndefined();
    expect(describeLabelMismatch(claims, label, 'requested')).toBe('recipient');
    expect(
      describeLabelMismatch(
        { ...claims, recipientId: label.requesterId, requestedReference: 'SM-1' },
        label,
        'requested',
      ),
    ).toBeUndefined();
    expect(describeLabelMismatch({ ...claims, urgency: 'normal' }, label, 'requester')).toBe('urgency');
    expect(describeLabelMismatch(claims, { ...label, deadline: undefined }, 'requester')).toBe('deadline');
  });

  it('names the first field where a request contradicts its label', () => {
    const request = {
      kind: 'mla',
      caseReference: { reference: 'NL-1' },
      urgency: { level: 'urgent', deadline: '2026-04-01' },
      requestedAuthority: { authorityId: label.requestedId, name: 'Southmark', country: 'XB' },
    };
    const as = { ...claims, recipientCountry: 'XB' };
    expect(describeRequestLabelMismatch(request, as)).toBeUndefined();
    expect(describeRequestLabelMismatch(request, { ...as, recipientId: 'auth_eastmere_0001' })).toBe(
      'recipient',
    );
    const { authorityId: _id, ...byCountry } = request.requestedAuthority;
    expect(
      describeRequestLabelMismatch(
        { ...request, requestedAuthority: byCountry },
        { ...as, recipientCountry: 'XC' },
      ),
    ).toBe('recipient');
    expect(describeRequestLabelMismatch({ ...request, urgency: undefined }, as)).toBe('urgency');
    expect(describeRequestLabelMismatch(request, { ...as, deadline: undefined })).toBe('deadline');
    expect(describeRequestLabelMismatch(request, { ...as, requesterReference: 'NL-2' })).toBe('reference');
  });
});
