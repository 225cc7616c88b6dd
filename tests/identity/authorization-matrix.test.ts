// Access-control matrix (route × caller → status), DEA style: every route the app registers is called as each
// kind of caller against a real local exchange. A route without rows fails the suite.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoReplayStore } from '../../server/adapters/dynamo-replay-store.ts';
import { buildAuditRecord } from '../../server/use-cases/identity/directory-model.ts';
import { createTokenService } from '../../server/use-cases/identity/token-service.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { signManifest } from '../../shared/custody/manifest.ts';
import { signedMemberKeyOf } from '../../shared/directory/statements.ts';
import type { AuthorityEntry } from '../../shared/domain/identity/types.ts';
import { canonicalJson } from '../../shared/domain/ledger/jcs.ts';
import {
  createTokenClient,
  generateMemberKey,
  loadLocalOperator,
  type SeededAuthority,
  seedTestAuthority,
  signClientAssertion,
  type TestPrincipal,
} from '../support/identity.ts';
import { claimsFromLabel } from '../support/label-claims.ts';
import { startTestExchange } from '../support/local-exchange.ts';

const callers = [
  'none',
  'expired',
  'otherAuthority',
  'party',
  'auditor',
  'thirdAuditor',
  'admin',
  'operator',
] as const;
type Caller = (typeof callers)[number];

interface Ctx {
  a: SeededAuthority;
  dId: string;
  /** An exchange from A (the party) to a fourth authority D, with a sent request and its document. */
  exchangeId: string;
  sentDocumentId: string;
  multipartDocumentId: string;
  /** A sealed document uploaded by A's officer and not yet committed. */
  uploadedDocumentId(): Promise<string>;
  /** A consultation note from A's officer, with its signed manifest. */
  consultation(): Promise<unknown>;
  who: Record<Exclude<Caller, 'none' | 'expired'>, TestPrincipal>;
  /** The admin of another authority (B): an admin, but not A's. */
  otherAdmin: TestPrincipal;
  audience: string;
  /** Put a fresh active key on A's spare member and return its kid (for the revoke route). */
  freshKid(): Promise<string>;
}

interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** The token route authenticates with an assertion instead of a bearer token. */
  assertionFor?: 'caller';
}

type Row = { route: string; build: (ctx: Ctx) => Promise<Call> | Call; expect: Record<Caller, number> };

const publicRoute = {
  none: 200,
  expired: 200,
  otherAuthority: 200,
  party: 200,
  auditor: 200,
  thirdAuditor: 200,
  admin: 200,
  operator: 200,
};
const anyAuthenticated = { ...publicRoute, none: 401, expired: 401 };
const denied = {
  none: 401,
  expired: 401,
  otherAuthority: 404,
  party: 404,
  auditor: 404,
  thirdAuditor: 404,
  admin: 404,
  operator: 404,
};
/** No hidden object at stake (operator-only routes, opening or listing exchanges): a role that falls short is told so. */
const forbidden = {
  ...denied,
  otherAuthority: 403,
  party: 403,
  auditor: 403,
  thirdAuditor: 403,
  admin: 403,
  operator: 403,
};
/** A's own entry or exchange: A's members whose role falls short get 403; everyone else the 404 of a miss. */
const deniedInA = { ...denied, party: 403, auditor: 403, admin: 403 };
const jwk = async () => (await generateMemberKey()).publicJwk;
/** A public key's members only (what an authority-key statement carries). */
const bareJwk = async () => {
  const { kty, crv, x, y } = (await generateMemberKey()).publicJwk;
  return { kty, crv, x, y } as { kty: 'EC'; crv: 'P-256'; x: string; y: string };
};
/** A recipients statement signed by A's authority key, with the version the exchange expects next. */
async function nextRecipientsStatement(x: Ctx, recipients: string[]): Promise<string> {
  const current = await exchange.runtime.directory.getAuthority(x.a.authorityId);
  return x.a.signStatement('recipients', { recipients }, (current?.recipientsVersion ?? 0) + 1);
}

/** The matrix, as data. `route` is `METHOD path` with OpenAPI-style parameters. */
const matrix: Row[] = [
  { route: 'GET /health', build: () => ({ method: 'GET', path: '/health' }), expect: publicRoute },
  // The per-dependency check fans out to every table, the bucket and the key: the operator's only.
  {
    route: 'GET /health/dependencies',
    build: () => ({ method: 'GET', path: '/health/dependencies' }),
    expect: { ...forbidden, operator: 200 },
  },
  {
    route: 'GET /openapi.json',
    build: () => ({ method: 'GET', path: '/openapi.json' }),
    expect: publicRoute,
  },
  { route: 'GET /docs', build: () => ({ method: 'GET', path: '/docs' }), expect: publicRoute },
  {
    route: 'GET /.well-known/jwks.json',
    build: () => ({ method: 'GET', path: '/.well-known/jwks.json' }),
    expect: publicRoute,
  },
  {
    route: 'GET /v1/schemas/{name}',
    build: () => ({ method: 'GET', path: '/v1/schemas/requirement-profile' }),
    expect: publicRoute,
  },
  {
    route: 'GET /.well-known/pouch-custody-keys.json',
    build: () => ({ method: 'GET', path: '/.well-known/pouch-custody-keys.json' }),
    expect: publicRoute,
  },
  {
    route: 'POST /v1/token',
    build: () => ({ method: 'POST', path: '/v1/token', assertionFor: 'caller' }),
    expect: anyAuthenticated,
  },
  { route: 'GET /v1/me', build: () => ({ method: 'GET', path: '/v1/me' }), expect: anyAuthenticated },
  {
    route: 'GET /v1/directory/authorities',
    build: () => ({ method: 'GET', path: '/v1/directory/authorities' }),
    expect: anyAuthenticated,
  },
  {
    route: 'GET /v1/directory/authorities/{id}',
    build: (x) => ({ method: 'GET', path: `/v1/directory/authorities/${x.a.authorityId}` }),
    expect: anyAuthenticated,
  },
  {
    route: 'POST /v1/directory/authorities',
    build: async (x) => ({
      method: 'POST',
      path: '/v1/directory/authorities',
      body: {
        country: 'XB',
        name: 'Matrix authority',
        roles: ['central-authority'],
        recipients: [x.a.recipient],
        languages: ['en'],
        treaties: ['budapest'],
        firstAdmin: { displayName: 'First admin', jwk: await jwk() },
      },
    }),
    expect: { ...forbidden, operator: 201 },
  },
  {
    route: 'PATCH /v1/directory/authorities/{id}',
    build: (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}`,
      body: { name: 'Renamed by the matrix' },
    }),
    expect: { ...forbidden, operator: 200 },
  },
  {
    route: 'PUT /v1/directory/authorities/{id}/recipients',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/recipients`,
      body: { statement: await nextRecipientsStatement(x, [x.a.recipient]) },
    }),
    // The authority's own admins only: never the operator (it would read what is sealed to the authority).
    expect: { ...deniedInA, admin: 200 },
  },
  {
    route: 'PUT /v1/directory/authorities/{id}/authority-key',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/authority-key`,
      // A rotation signed by a key that is not A's authority key: the admin passes the policy, not the check.
      body: {
        statement: await x.a.signStatement(
          'authority-key',
          { jwk: await bareJwk() },
          1,
          await generateMemberKey(),
        ),
      },
    }),
    expect: { ...deniedInA, admin: 422 },
  },
  {
    route: 'PATCH /v1/directory/authorities/{id}/details',
    build: () => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${ctx.a.authorityId}/details`,
      body: { languages: ['en'] },
    }),
    expect: { ...deniedInA, admin: 200 },
  },
  {
    route: 'POST /v1/directory/authorities/{id}/members',
    build: async (x) => ({
      method: 'POST',
      path: `/v1/directory/authorities/${x.a.authorityId}/members`,
      body: { displayName: 'New officer', role: 'officer', jwk: await jwk() },
    }),
    expect: { ...deniedInA, admin: 201 },
  },
  {
    route: 'PATCH /v1/directory/authorities/{id}/members/{memberId}',
    build: (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.a.member('contact-247').memberId}`,
      body: { displayName: 'Renamed 24/7 contact' },
    }),
    expect: { ...deniedInA, admin: 200 },
  },
  {
    route: 'GET /v1/directory/authorities/{id}/members/{memberId}/keys',
    build: (x) => ({
      method: 'GET',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.who.party.memberId}/keys`,
    }),
    // The member itself (here: the party officer), its authority's admins and auditors.
    expect: { ...deniedInA, party: 200, admin: 200, auditor: 200 },
  },
  {
    route: 'POST /v1/directory/authorities/{id}/members/{memberId}/keys',
    build: async (x) => ({
      method: 'POST',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.who.party.memberId}/keys`,
      body: { jwk: await jwk() },
    }),
    expect: { ...deniedInA, admin: 201 },
  },
  {
    route: 'DELETE /v1/directory/authorities/{id}/members/{memberId}/keys/{kid}',
    build: async (x) => ({
      method: 'DELETE',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.a.member('contact-247').memberId}/keys/${await x.freshKid()}`,
    }),
    expect: { ...deniedInA, admin: 200 },
  },
  {
    route: 'PUT /v1/directory/authorities/{id}/profile',
    build: async (x) => {
      const current = await exchange.runtime.directory.getAuthority(x.a.authorityId);
      const profile = { languages: ['en'], acceptedBases: ['budapest'], notes: ['matrix'] };
      return {
        method: 'PUT',
        path: `/v1/directory/authorities/${x.a.authorityId}/profile`,
        body: {
          statement: await x.a.signStatement('profile', { profile }, (current?.profile.version ?? 0) + 1),
        },
      };
    },
    expect: { ...deniedInA, admin: 200 },
  },
  {
    route: 'PUT /v1/directory/authorities/{id}/members/{memberId}/keys-statement',
    build: async (x) => {
      const member = x.who.party;
      const stored = await exchange.runtime.directory.getMember(x.a.authorityId, member.memberId);
      const keys = [await signedMemberKeyOf(member.key.publicJwk)];
      return {
        method: 'PUT',
        path: `/v1/directory/authorities/${x.a.authorityId}/members/${member.memberId}/keys-statement`,
        body: {
          statement: await x.a.signStatement(
            'member-keys',
            { memberId: member.memberId, keys },
            (stored?.keysVersion ?? 0) + 1,
          ),
        },
      };
    },
    expect: { ...deniedInA, admin: 200 },
  },
  {
    route: 'GET /v1/directory/log',
    build: () => ({ method: 'GET', path: '/v1/directory/log?limit=2' }),
    expect: anyAuthenticated,
  },
  {
    route: 'GET /v1/directory/authorities/{id}/audit',
    build: (x) => ({ method: 'GET', path: `/v1/directory/authorities/${x.a.authorityId}/audit` }),
    expect: { ...deniedInA, admin: 200, auditor: 200 },
  },
  {
    route: 'POST /v1/exchanges',
    build: (x) => ({
      method: 'POST',
      path: '/v1/exchanges',
      body: { kind: 'mla', urgency: 'normal', requestedId: x.dId, requesterReference: 'M-1' },
    }),
    // Any working member of any authority may open an exchange; auditors, admins and the operator may not.
    expect: { ...forbidden, party: 201, otherAuthority: 201 },
  },
  {
    route: 'GET /v1/exchanges',
    build: () => ({ method: 'GET', path: '/v1/exchanges' }),
    expect: { ...forbidden, party: 200, otherAuthority: 200, auditor: 200, thirdAuditor: 200 },
  },
  {
    route: 'GET /v1/exchanges/{exchangeId}',
    build: (x) => ({ method: 'GET', path: `/v1/exchanges/${x.exchangeId}` }),
    expect: { ...deniedInA, party: 200, auditor: 200 },
  },
  {
    route: 'POST /v1/exchanges/{exchangeId}/documents',
    build: (x) => ({
      method: 'POST',
      path: `/v1/exchanges/${x.exchangeId}/documents`,
      body: { sealedSize: 10, sealedSha256: 'a'.repeat(64) },
    }),
    expect: { ...deniedInA, party: 201 },
  },
  {
    route: 'POST /v1/exchanges/{exchangeId}/documents/{documentId}/parts',
    build: (x) => ({
      method: 'POST',
      path: `/v1/exchanges/${x.exchangeId}/documents/${x.multipartDocumentId}/parts`,
      body: { partNumbers: [2] },
    }),
    expect: { ...deniedInA, party: 200 },
  },
  {
    route: 'POST /v1/exchanges/{exchangeId}/documents/{documentId}/commit',
    build: async (x) => ({
      method: 'POST',
      path: `/v1/exchanges/${x.exchangeId}/documents/${await x.uploadedDocumentId()}/commit`,
      body: { parts: [] },
    }),
    expect: { ...deniedInA, party: 200 },
  },
  {
    route: 'POST /v1/exchanges/{exchangeId}/messages',
    build: async (x) => ({
      method: 'POST',
      path: `/v1/exchanges/${x.exchangeId}/messages`,
      body: await x.consultation(),
    }),
    expect: { ...deniedInA, party: 201 },
  },
  {
    route: 'POST /v1/exchanges/{exchangeId}/documents/{documentId}/download',
    build: (x) => ({
      method: 'POST',
      path: `/v1/exchanges/${x.exchangeId}/documents/${x.sentDocumentId}/download`,
    }),
    // Contents are for the parties' working members only: never auditors.
    expect: { ...deniedInA, party: 200 },
  },
  {
    route: 'GET /v1/exchanges/{exchangeId}/receipts',
    build: (x) => ({ method: 'GET', path: `/v1/exchanges/${x.exchangeId}/receipts` }),
    expect: { ...deniedInA, party: 200, auditor: 200 },
  },
  {
    route: 'POST /v1/checkpoints',
    build: () => ({ method: 'POST', path: '/v1/checkpoints' }),
    // Only the operator builds a checkpoint on demand; the log itself is public to every authenticated caller.
    expect: { ...forbidden, operator: 200 },
  },
  {
    route: 'GET /v1/checkpoints/latest',
    build: async () => {
      await exchange.runtime.checkpoints.build();
      return { method: 'GET', path: '/v1/checkpoints/latest' };
    },
    expect: anyAuthenticated,
  },
  {
    route: 'GET /v1/checkpoints/{size}',
    build: async () => {
      const { checkpoint } = await exchange.runtime.checkpoints.build();
      return { method: 'GET', path: `/v1/checkpoints/${checkpoint!.size}` };
    },
    expect: anyAuthenticated,
  },
  {
    route: 'GET /v1/checkpoints/consistency',
    build: async () => {
      const { checkpoint } = await exchange.runtime.checkpoints.build();
      return {
        method: 'GET',
        path: `/v1/checkpoints/consistency?first=${checkpoint!.size}&second=${checkpoint!.size}`,
      };
    },
    expect: anyAuthenticated,
  },
  {
    route: 'GET /v1/exchanges/{exchangeId}/inclusion-proof',
    build: async (x) => {
      await exchange.runtime.checkpoints.ensureCheckpointed(x.exchangeId);
      return { method: 'GET', path: `/v1/exchanges/${x.exchangeId}/inclusion-proof` };
    },
    expect: { ...deniedInA, party: 200, auditor: 200 },
  },
  {
    route: 'GET /v1/exchanges/{exchangeId}/timeline',
    build: (x) => ({ method: 'GET', path: `/v1/exchanges/${x.exchangeId}/timeline` }),
    // The ledger, receipts and manifests: the parties' working members and the parties' auditors.
    expect: { ...deniedInA, party: 200, auditor: 200 },
  },
  {
    route: 'GET /v1/exchanges/{exchangeId}/bundle',
    build: (x) => ({ method: 'GET', path: `/v1/exchanges/${x.exchangeId}/bundle` }),
    expect: { ...deniedInA, party: 200, auditor: 200 },
  },
  {
    route: 'GET /v1/exchanges/{exchangeId}/lineage',
    build: (x) => ({ method: 'GET', path: `/v1/exchanges/${x.exchangeId}/lineage` }),
    // Routing metadata like the label: the parties' working members and auditors.
    expect: { ...deniedInA, party: 200, auditor: 200 },
  },
  {
    route: 'GET /v1/exchanges/{exchangeId}/clocks',
    build: (x) => ({ method: 'GET', path: `/v1/exchanges/${x.exchangeId}/clocks` }),
    expect: { ...deniedInA, party: 200, auditor: 200 },
  },
  {
    route: 'GET /v1/clocks/due',
    build: () => ({ method: 'GET', path: '/v1/clocks/due' }),
    // Like the list of exchanges: each authority's own, for its working members and auditors.
    expect: { ...forbidden, party: 200, otherAuthority: 200, auditor: 200, thirdAuditor: 200 },
  },
  {
    route: 'POST /v1/subscriptions',
    build: () => ({
      method: 'POST',
      path: '/v1/subscriptions',
      body: { channel: 'email', target: 'desk@matrix.example', topics: ['message'] },
    }),
    // An authority's admins subscribe it (each admin its own authority): nobody else.
    expect: { ...forbidden, admin: 201 },
  },
  {
    route: 'GET /v1/subscriptions',
    build: () => ({ method: 'GET', path: '/v1/subscriptions' }),
    expect: { ...forbidden, admin: 200 },
  },
  {
    route: 'DELETE /v1/subscriptions/{subscriptionId}',
    build: async (x) => {
      const created = await exchange.runtime.clocks.notifications.subscribe(
        { kind: 'member', ...x.who.admin, role: 'admin' },
        { channel: 'email', target: 'desk@matrix.example', topics: ['message'] },
      );
      return { method: 'DELETE', path: `/v1/subscriptions/${created.id}` };
    },
    expect: { ...forbidden, admin: 200 },
  },
  {
    route: 'GET /v1/figures',
    build: () => ({ method: 'GET', path: '/v1/figures' }),
    // An authority's officers and auditors, each reading its own authority's figures only.
    expect: { ...forbidden, party: 200, otherAuthority: 200, auditor: 200, thirdAuditor: 200 },
  },
];

let exchange: Awaited<ReturnType<typeof startTestExchange>>;
let ctx: Ctx;
const bearer: Partial<Record<Caller | 'otherAdmin', string>> = {};

beforeAll(async () => {
  exchange = await startTestExchange();
  const { runtime } = exchange;
  const tokens = createTokenClient(runtime.app, runtime.config.issuer);
  const a = await seedTestAuthority(runtime.directory, {
    members: [{ role: 'admin' }, { role: 'officer' }, { role: 'auditor' }, { role: 'contact-247' }],
  });
  const b = await seedTestAuthority(runtime.directory, {
    country: 'XB',
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
  const c = await seedTestAuthority(runtime.directory, {
    country: 'XC',
    members: [{ role: 'admin' }, { role: 'auditor' }],
  });
  const d = await seedTestAuthority(runtime.directory, {
    country: 'XD',
    members: [{ role: 'admin' }, { role: 'officer' }],
  });
  const operator = await loadLocalOperator(runtime.operatorKeyFile!);
  const spare = a.member('contact-247');
  const officer = a.member('officer');
  const principal = { kind: 'member' as const, ...officer, role: 'officer' as const };
  const label = await runtime.exchanges.createExchange(principal, {
    kind: 'mla',
    urgency: 'normal',
    requestedId: d.authorityId,
    requesterReference: 'MATRIX-1',
  });
  const upload = async () => {
    const bytes = randomBytes(64);
    const sealedSha256 = createHash('sha256').update(bytes).digest('hex');
    const declared = await runtime.exchanges.declareDocument(principal, label.id, {
      sealedSize: 64,
      sealedSha256,
    });
    const [url] = declared.urls as Array<{ url: string; headers: Record<string, string> }>;
    await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: new Uint8Array(bytes) });
    return { documentId: declared.document.documentId, sealedSha256 };
  };
  const signed = async (kind: string, docs: Array<{ documentId: string; sealedSha256: string }>) => {
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    const manifest = await signManifest(
      {
        v: 1,
        exchangeId: label.id,
        messageId,
        messageKind: kind,
        sender: officer.clientId,
        iat: 1,
        documents: docs.map((doc) => ({
          documentId: doc.documentId,
          name: 'file.bin',
          mediaType: 'application/octet-stream',
          size: 10,
          plaintextSha256: 'b'.repeat(64),
          sealedSize: 64,
          sealedSha256: doc.sealedSha256,
        })),
        label: claimsFromLabel(label, officer.authorityId),
      },
      officer.key.privateKey,
      { alg: 'ES256', kid: officer.key.kid },
    );
    return { messageId, kind, documentIds: docs.map((doc) => doc.documentId), manifest };
  };
  const sentDoc = await upload();
  await runtime.exchanges.commitDocument(principal, label.id, sentDoc.documentId, []);
  await runtime.exchanges.postMessage(principal, label.id, {
    ...((await signed('request', [sentDoc])) as {
      messageId: string;
      documentIds: string[];
      manifest: string;
    }),
    kind: 'request',
  });
  const mib = 1024 * 1024;
  const multipart = await runtime.exchanges.declareDocument(principal, label.id, {
    sealedSize: 20 * mib,
    sealedSha256: 'c'.repeat(64),
    partSize: 8 * mib,
    partSha256s: ['A', 'B', 'C'].map((ch) => `${ch.repeat(43)}=`),
  });
  ctx = {
    a,
    dId: d.authorityId,
    exchangeId: label.id,
    sentDocumentId: sentDoc.documentId,
    multipartDocumentId: multipart.document.documentId,
    async uploadedDocumentId() {
      return (await upload()).documentId;
    },
    consultation: () => signed('consultation', []),
    audience: tokens.audience,
    who: {
      otherAuthority: b.member('officer'),
      party: a.member('officer'),
      auditor: a.member('auditor'),
      thirdAuditor: c.member('auditor'),
      admin: a.member('admin'),
      operator,
    },
    otherAdmin: b.member('admin'),
    async freshKid() {
      const key = await generateMemberKey();
      const current = (await runtime.directory.getMember(a.authorityId, spare.memberId))!;
      const at = new Date().toISOString();
      const audit = buildAuditRecord({
        actor: { kind: 'system', clientId: 'system:test' },
        origin: { sourceIp: 'test', requestId: 'test' },
        at,
        action: 'key.add',
        target: { authorityId: a.authorityId, memberId: spare.memberId, kids: [key.kid] },
      });
      await runtime.directory.putMember(
        {
          ...current,
          keys: [
            ...current.keys,
            {
              kid: key.kid,
              alg: 'ES256',
              jwk: { kty: 'EC', crv: 'P-256', x: key.publicJwk.x!, y: key.publicJwk.y! },
              status: 'active',
              createdAt: at,
            },
          ],
          version: current.version + 1,
          auditId: audit.id,
        },
        audit,
      );
      return key.kid;
    },
  };
  for (const [caller, who] of Object.entries(ctx.who)) bearer[caller as Caller] = await tokens.tokenFor(who);
  bearer.otherAdmin = await tokens.tokenFor(ctx.otherAdmin);
  // An access token that expired an hour ago: issued by the same exchange key, with the clock an hour back.
  const past = createTokenService({
    signer: runtime.tokenSigner,
    directory: runtime.directory,
    replay: createDynamoReplayStore(runtime.clients.doc, runtime.config.tables.replay),
    issuer: runtime.config.issuer,
    now: () => Date.now() - 3_600_000,
  });
  const assertion = await signClientAssertion(ctx.who.party, {
    audience: past.tokenEndpoint,
    iat: Math.floor(Date.now() / 1000) - 3600,
  });
  bearer.expired = (await past.exchangeAssertion(assertion)).accessToken;
});

afterAll(async () => {
  await exchange?.stop();
});

async function callAs(caller: Caller | 'otherAdmin', call: Call): Promise<Response> {
  const { app } = exchange.runtime;
  if (call.assertionFor) {
    const params = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    if (caller === 'expired') {
      const iat = Math.floor(Date.now() / 1000) - 600;
      params.set(
        'client_assertion',
        await signClientAssertion(ctx.who.party, { audience: ctx.audience, iat, lifetimeSeconds: 120 }),
      );
    } else if (caller !== 'none') {
      const who = caller === 'otherAdmin' ? ctx.otherAdmin : ctx.who[caller];
      params.set('client_assertion', await signClientAssertion(who, { audience: ctx.audience }));
    }
    return app.request(call.path, {
      method: call.method,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    });
  }
  const headers: Record<string, string> = {};
  const token = bearer[caller];
  if (token) headers.authorization = `Bearer ${token}`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  return app.request(call.path, {
    method: call.method,
    headers,
    ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
  });
}

describe('authorization matrix', () => {
  it('covers every route the app registers, and every caller on every row', () => {
    const registered = new Set(
      exchange.runtime.app.routes
        .filter((r) => r.method !== 'ALL' && r.path !== '*' && !r.path.endsWith('/*'))
        .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    const rows = new Set(matrix.map((r) => r.route));
    const missing = [...registered].filter((route) => !rows.has(route));
    expect(missing, 'routes without matrix rows').toEqual([]);
    const stale = [...rows].filter((route) => !registered.has(route));
    expect(stale, 'matrix rows for routes that do not exist').toEqual([]);
    for (const row of matrix) expect(Object.keys(row.expect).sort()).toEqual([...callers].sort());
  });

  it('matches the OpenAPI document: every documented operation has rows', async () => {
    const doc = (await (await exchange.runtime.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const rows = new Set(matrix.map((r) => r.route));
    expect(documented.filter((r) => !rows.has(r))).toEqual([]);
  });

  it('an unknown path answers 404 with or without a token (route names are public in /openapi.json)', async () => {
    for (const caller of ['none', 'party'] as const) {
      const res = await callAs(caller, { method: 'GET', path: '/v1/no-such-route' });
      expect(res.status).toBe(404);
    }
  });

  for (const row of matrix) {
    for (const caller of callers) {
      it(`${row.route} as ${caller} → ${row.expect[caller]}`, async () => {
        const res = await callAs(caller, await row.build(ctx));
        const body = await res.text();
        expect(res.status, body).toBe(row.expect[caller]);
        if (res.status === 401) expect(JSON.parse(body).code).toMatch(/^ERR_(UNAUTHENTICATED|TOKEN_|KEY_)/);
        if (res.status === 404) expect(JSON.parse(body).code).toBe('ERR_NOT_FOUND');
        if (res.status === 403) expect(JSON.parse(body).code).toBe('ERR_FORBIDDEN');
      });
    }
  }
});

// What a change does, not only who may call: each row is a change attempted by one caller, the answer it gets,
// and what A's directory entry holds afterwards. A refused change leaves the entry exactly as it was.
interface ChangeRow {
  readonly what: string;
  readonly caller: Caller | 'otherAdmin';
  build(ctx: Ctx): Promise<Call> | Call;
  readonly status: number;
  readonly code?: string;
  /** Checks on the entry after the change; absent means "exactly as before". */
  after?(before: AuthorityEntry, after: AuthorityEntry): void;
}

const operatorRecipient = async () => (await generateIdentity()).recipient;
const changeRows: ChangeRow[] = [
  {
    what: "the operator sets an authority's age recipients",
    caller: 'operator',
    build: async (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}`,
      body: { recipients: [await operatorRecipient()] },
    }),
    status: 403,
    code: 'ERR_DIRECTORY_SCOPE',
  },
  {
    what: 'the operator renames an authority and slips its recipients into the same change',
    caller: 'operator',
    build: async (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}`,
      body: { name: 'Renamed with keys', recipients: [await operatorRecipient()] },
    }),
    status: 403,
    code: 'ERR_DIRECTORY_SCOPE',
  },
  ...(['languages', 'treaties', 'profile', 'members', 'keys', 'authorityKey'] as const).map(
    (field): ChangeRow => ({
      what: `the operator sets an authority's ${field}`,
      caller: 'operator',
      build: (x) => ({
        method: 'PATCH',
        path: `/v1/directory/authorities/${x.a.authorityId}`,
        body: {
          [field]: field === 'profile' ? { note: 'operator' } : field === 'languages' ? ['fr'] : ['x'],
        },
      }),
      status: 403,
      code: 'ERR_DIRECTORY_SCOPE',
    }),
  ),
  {
    what: "the operator sets an authority's name, country, roles and status",
    caller: 'operator',
    build: (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}`,
      body: { name: 'Renamed by the operator', country: 'XE', roles: ['contact-247'], status: 'active' },
    }),
    status: 200,
    after(before, after) {
      expect(after.authority).toMatchObject({
        name: 'Renamed by the operator',
        country: 'XE',
        roles: ['contact-247'],
      });
      expect(after.authority.recipients).toEqual(before.authority.recipients);
      expect(after.authority.languages).toEqual(before.authority.languages);
      expect(after.members).toEqual(before.members);
    },
  },
  {
    what: "the operator publishes an authority's recipients through the admins' route",
    caller: 'operator',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/recipients`,
      body: { recipients: [await operatorRecipient()] },
    }),
    status: 404,
    code: 'ERR_NOT_FOUND',
  },
  {
    what: "the operator adds a key to an authority's officer",
    caller: 'operator',
    build: async (x) => ({
      method: 'POST',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.who.party.memberId}/keys`,
      body: { jwk: await jwk() },
    }),
    status: 404,
    code: 'ERR_NOT_FOUND',
  },
  {
    what: "another authority's admin publishes A's recipients",
    caller: 'otherAdmin',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/recipients`,
      body: { recipients: [await operatorRecipient()] },
    }),
    status: 404,
    code: 'ERR_NOT_FOUND',
  },
  {
    what: "A's officer publishes A's recipients",
    caller: 'party',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/recipients`,
      body: { recipients: [await operatorRecipient()] },
    }),
    status: 403,
    code: 'ERR_FORBIDDEN',
  },
  {
    what: "A's admin renames A through the operator's route",
    caller: 'admin',
    build: (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}`,
      body: { name: 'Renamed by its admin' },
    }),
    status: 403,
    code: 'ERR_FORBIDDEN',
  },
  {
    what: "A's admin publishes recipients that A's authority key did not sign (a bare list)",
    caller: 'admin',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/recipients`,
      body: { recipients: [await operatorRecipient()] },
    }),
    status: 422,
    code: 'ERR_STATEMENT_INVALID',
  },
  {
    what: "A's admin publishes recipients signed by its own member key, not the authority key",
    caller: 'admin',
    build: async (x) => {
      const current = await exchange.runtime.directory.getAuthority(x.a.authorityId);
      return {
        method: 'PUT',
        path: `/v1/directory/authorities/${x.a.authorityId}/recipients`,
        body: {
          statement: await x.a.signStatement(
            'recipients',
            { recipients: [await operatorRecipient()] },
            (current?.recipientsVersion ?? 0) + 1,
            x.who.admin.key,
          ),
        },
      };
    },
    status: 422,
    code: 'ERR_STATEMENT_INVALID',
  },
  {
    what: "A's admin replays A's current recipients statement (same version)",
    caller: 'admin',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/recipients`,
      body: {
        statement: (await exchange.runtime.directory.getAuthority(x.a.authorityId))!.recipientsStatement,
      },
    }),
    status: 422,
    code: 'ERR_STATEMENT_INVALID',
  },
  {
    what: "A's admin publishes B's signed recipients statement as A's",
    caller: 'admin',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/recipients`,
      body: {
        statement: (await exchange.runtime.directory.getAuthority(x.otherAdmin.authorityId))!
          .recipientsStatement,
      },
    }),
    status: 422,
    code: 'ERR_STATEMENT_INVALID',
  },
  {
    what: "the operator replaces A's authority key",
    caller: 'operator',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/authority-key`,
      body: { jwk: await jwk() },
    }),
    status: 403,
    code: 'ERR_DIRECTORY_SCOPE',
  },
  {
    what: "A's admin replaces A's authority key without the previous key's signature",
    caller: 'admin',
    build: async (x) => ({
      method: 'PUT',
      path: `/v1/directory/authorities/${x.a.authorityId}/authority-key`,
      body: { jwk: await jwk() },
    }),
    status: 403,
    code: 'ERR_FORBIDDEN',
  },
  {
    what: "the operator rotates A's authority key with a statement signed by a key of its own",
    caller: 'operator',
    build: async (x) => {
      const own = await generateMemberKey();
      return {
        method: 'PUT',
        path: `/v1/directory/authorities/${x.a.authorityId}/authority-key`,
        body: { statement: await x.a.signStatement('authority-key', { jwk: await bareJwk() }, 1, own) },
      };
    },
    status: 404,
    code: 'ERR_NOT_FOUND',
  },
  {
    what: "the operator deactivates an authority's officer",
    caller: 'operator',
    build: (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.who.party.memberId}`,
      body: { status: 'deactivated' },
    }),
    status: 404,
    code: 'ERR_NOT_FOUND',
  },
  {
    what: "another authority's admin promotes A's officer to admin",
    caller: 'otherAdmin',
    build: (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.who.party.memberId}`,
      body: { role: 'admin' },
    }),
    status: 404,
    code: 'ERR_NOT_FOUND',
  },
  {
    what: "A's officer promotes itself to admin",
    caller: 'party',
    build: (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.who.party.memberId}`,
      body: { role: 'admin' },
    }),
    status: 403,
    code: 'ERR_FORBIDDEN',
  },
  {
    what: "A's admin adds a key of its own to A's officer without a keys statement: held, pending (no sign-in)",
    caller: 'admin',
    build: async (x) => ({
      method: 'POST',
      path: `/v1/directory/authorities/${x.a.authorityId}/members/${x.who.party.memberId}/keys`,
      body: { jwk: await jwk() },
    }),
    status: 201,
    after(before, after) {
      const officerOf = (entry: typeof before) => entry.members.find((m) => m.id === ctx.who.party.memberId)!;
      const known = new Set(officerOf(before).keys.map((k) => k.kid));
      const added = officerOf(after).keys.filter((k) => !known.has(k.kid));
      expect(added.map((k) => k.pending)).toEqual([true]);
      expect(officerOf(after).keysStatement).toBe(officerOf(before).keysStatement);
    },
  },
  {
    what: "A's admin publishes A's languages and treaties",
    caller: 'admin',
    build: (x) => ({
      method: 'PATCH',
      path: `/v1/directory/authorities/${x.a.authorityId}/details`,
      body: { languages: ['en', 'fr'], treaties: ['budapest', 'bilateral:XA-XB'] },
    }),
    status: 200,
    after(before, after) {
      expect(after.authority.languages).toEqual(['en', 'fr']);
      expect(after.authority.treaties).toEqual(['budapest', 'bilateral:XA-XB']);
      expect(after.authority.recipients).toEqual(before.authority.recipients);
    },
  },
];

describe('authorization matrix: what a change does', () => {
  const entryOf = async () => (await exchange.runtime.directory.getAuthorityEntry(ctx.a.authorityId))!;
  for (const row of changeRows) {
    it(`${row.what} → ${row.status}${row.code ? ` ${row.code}` : ''}`, async () => {
      const before = await entryOf();
      const res = await callAs(row.caller, await row.build(ctx));
      const body = await res.text();
      expect(res.status, body).toBe(row.status);
      if (row.code) expect(JSON.parse(body).code).toBe(row.code);
      const after = await entryOf();
      if (row.after) row.after(before, after);
      else expect(after).toEqual(before);
    });
  }

  it("A's admin publishes A's recipients; the audit record keeps the old and new recipients' SHA-256", async () => {
    const before = await entryOf();
    const next = await operatorRecipient();
    const statement = await nextRecipientsStatement(ctx, [next]);
    const res = await callAs('admin', {
      method: 'PUT',
      path: `/v1/directory/authorities/${ctx.a.authorityId}/recipients`,
      body: { statement },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await entryOf()).authority.recipients).toEqual([next]);
    const { records } = await exchange.runtime.directory.listAudit(ctx.a.authorityId, { limit: 1 });
    const sha = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');
    expect(records[0]).toMatchObject({
      action: 'authority.recipients',
      outcome: 'succeeded',
      actor: { clientId: ctx.who.admin.clientId },
      summary: {
        changes: [
          { field: 'recipients', fromSha256: sha(before.authority.recipients), toSha256: sha([next]) },
          {
            field: 'recipientsStatement',
            fromSha256: sha(before.authority.recipientsStatement),
            toSha256: sha(statement),
          },
        ],
      },
    });
  });

  it("the operator's change is audited with the old and new values of each field", async () => {
    const before = await entryOf();
    const res = await callAs('operator', {
      method: 'PATCH',
      path: `/v1/directory/authorities/${ctx.a.authorityId}`,
      body: { name: 'Audited rename', status: 'suspended' },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const { records } = await exchange.runtime.directory.listAudit(ctx.a.authorityId, { limit: 1 });
    expect(records[0]).toMatchObject({
      action: 'authority.update',
      summary: {
        changes: [
          { field: 'name', from: before.authority.name, to: 'Audited rename' },
          { field: 'status', from: 'active', to: 'suspended' },
        ],
      },
    });
    // Put it back, so the order of these tests does not matter to others.
    await callAs('operator', {
      method: 'PATCH',
      path: `/v1/directory/authorities/${ctx.a.authorityId}`,
      body: { status: 'active' },
    });
  });
});
