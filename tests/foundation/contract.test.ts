// Contract: every operation of /openapi.json answers as the document says, on success and on error. Each
// response below goes through the contract observer (tests/support/contract.ts), which validates it against the
// document the app serves; this suite also checks that it exercised exactly the document's operations, that a
// wrong body is caught, and that the wire schemas (shared/api) import nothing a browser cannot load.

import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createRoute } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/http/app.ts';
import { ExchangeLabelSchema } from '../../shared/api/exchange.ts';
import { type ClaimedLabelView, signManifest } from '../../shared/custody/manifest.ts';
import { signedMemberKeyOf } from '../../shared/directory/statements.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import {
  assertNoContractViolations,
  type ContractCheck,
  type ContractViolation,
  createContractObserver,
  createContractValidator,
  drainContractRecord,
  listOperations,
} from '../support/contract.ts';
import {
  createTokenClient,
  generateMemberKey,
  loadLocalOperator,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { claimsFromLabel } from '../support/label-claims.ts';
import { createCapturingLogger, startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;
type Json = Record<string, unknown>;
type OpenApiDocument = Parameters<typeof listOperations>[0];

/** Statuses seen per operation, over the whole file. */
const seen = new Map<string, Set<number>>();

/** Take what the observer checked so far; fail on any violation. */
async function collect(): Promise<ContractCheck[]> {
  const { violations, checks } = await drainContractRecord();
  expect(violations).toEqual([]);
  for (const check of checks) {
    if (check.operation === undefined) continue;
    const statuses = seen.get(check.operation) ?? new Set<number>();
    statuses.add(check.status);
    seen.set(check.operation, statuses);
  }
  return checks;
}

describe('contract: every response matches /openapi.json', () => {
  let exchange: Exchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  let operator: TestPrincipal;
  let tokens: ReturnType<typeof createTokenClient>;
  const bearer = new Map<TestPrincipal, string>();

  async function call(who: TestPrincipal | undefined, method: string, path: string, body?: unknown) {
    if (who && !bearer.has(who)) bearer.set(who, await tokens.tokenFor(who));
    const res = await exchange.runtime.app.request(path, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${bearer.get(who)}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown =
      text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    return { status: res.status, body: parsed as Json };
  }

  beforeAll(async () => {
    exchange = await startTestExchange();
    const dir = exchange.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }, { role: 'auditor' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
    operator = await loadLocalOperator(exchange.runtime.operatorKeyFile!);
    tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('answers every operation successfully, each answer as documented', async () => {
    const ok = (r: { status: number }, status: number) => expect(r.status).toBe(status);
    ok(await call(undefined, 'GET', '/health'), 200);
    ok(await call(undefined, 'GET', '/.well-known/jwks.json'), 200);
    ok(await call(undefined, 'GET', '/.well-known/pouch-custody-keys.json'), 200);
    ok(await call(undefined, 'GET', '/v1/schemas/requirement-profile'), 200);
    ok(await call(undefined, 'GET', '/v1/schemas/no-such-schema'), 404);
    ok(await call(operator, 'GET', '/health/dependencies'), 200);
    const officer = a.member('officer');
    ok(await call(officer, 'GET', '/v1/me'), 200); // the token request above is POST /v1/token → 200

    // Directory: reads, then the operator registers an authority whose first admin manages it.
    ok(await call(officer, 'GET', '/v1/directory/authorities'), 200);
    ok(await call(officer, 'GET', `/v1/directory/authorities/${a.authorityId}`), 200);
    const adminKey = await generateMemberKey();
    const created = await call(operator, 'POST', '/v1/directory/authorities', {
      country: 'XC',
      name: 'Contract authority',
      roles: ['central-authority'],
      recipients: [a.recipient],
      languages: ['en'],
      treaties: ['budapest'],
      firstAdmin: { displayName: 'First admin', jwk: adminKey.publicJwk },
    });
    ok(created, 201);
    const authority = created.body.authority as { id: string };
    const firstAdmin = created.body.firstAdmin as { id: string; clientId: string };
    const admin: TestPrincipal = {
      clientId: firstAdmin.clientId,
      authorityId: authority.id,
      memberId: firstAdmin.id,
      role: 'admin',
      key: adminKey,
    };
    const base = `/v1/directory/authorities/${authority.id}`;
    ok(await call(operator, 'PATCH', base, { name: 'Contract authority, renamed' }), 200);
    const memberKey = await generateMemberKey();
    const added = await call(admin, 'POST', `${base}/members`, {
      displayName: 'Officer',
      role: 'officer',
      jwk: memberKey.publicJwk,
    });
    ok(added, 201);
    const memberId = String(added.body.id);
    const second = await generateMemberKey();
    ok(await call(admin, 'POST', `${base}/members/${memberId}/keys`, { jwk: second.publicJwk }), 201);
    ok(await call(admin, 'DELETE', `${base}/members/${memberId}/keys/${second.kid}`), 200);
    ok(
      await call(admin, 'PUT', `${base}/profile`, {
        languages: ['en'],
        acceptedBases: ['budapest'],
        notes: ['contract'],
      }),
      200,
    );
    ok(await call(admin, 'GET', `${base}/audit?limit=5`), 200);
    // Issue 12 finding 3: the operator registers the authority key once and nothing inside the authority (403);
    // its admins publish recipients only as a statement signed by that key (a bare list is 422), change details,
    // members' status and role, and read a member's key history.
    const authorityKey = await generateMemberKey();
    ok(await call(operator, 'PUT', `${base}/authority-key`, { jwk: authorityKey.publicJwk }), 200);
    const inside = await call(operator, 'PATCH', base, { recipients: [a.recipient] });
    expect([inside.status, inside.body.code]).toEqual([403, 'ERR_DIRECTORY_SCOPE']);
    const aAdmin = a.member('admin');
    const aBase = `/v1/directory/authorities/${a.authorityId}`;
    const bare = await call(aAdmin, 'PUT', `${aBase}/recipients`, { recipients: [a.recipient] });
    expect([bare.status, bare.body.code]).toEqual([422, 'ERR_STATEMENT_INVALID']);
    const statement = await a.signStatement('recipients', { recipients: [a.recipient] }, 2);
    ok(await call(aAdmin, 'PUT', `${aBase}/recipients`, { statement }), 200);
    ok(await call(admin, 'PATCH', `${base}/details`, { languages: ['en', 'fr'] }), 200);
    ok(await call(admin, 'PATCH', `${base}/members/${memberId}`, { status: 'deactivated' }), 200);
    ok(await call(admin, 'GET', `${base}/members/${memberId}/keys`), 200);
    // Member keys signed by the authority key; the directory log with its checkpoint proofs.
    const aOfficer = a.member('officer');
    const keysStatement = await a.signStatement(
      'member-keys',
      { memberId: aOfficer.memberId, keys: [await signedMemberKeyOf(aOfficer.key.publicJwk)] },
      2,
    );
    ok(
      await call(aAdmin, 'PUT', `${aBase}/members/${aOfficer.memberId}/keys-statement`, {
        statement: keysStatement,
      }),
      200,
    );
    ok(await call(officer, 'GET', '/v1/directory/log?limit=5'), 200);

    // Exchange: open, upload and commit a document, send it, the recipient downloads it.
    const opened = await call(officer, 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'urgent',
      requestedId: b.authorityId,
      requesterReference: 'CONTRACT-1',
    });
    ok(opened, 201);
    const exchangeId = String(opened.body.id);
    ok(await call(officer, 'GET', '/v1/exchanges?box=outbox'), 200);
    ok(await call(officer, 'GET', `/v1/exchanges/${exchangeId}`), 200);
    const bytes = randomBytes(64);
    const sealedSha256 = createHash('sha256').update(bytes).digest('hex');
    const declared = await call(officer, 'POST', `/v1/exchanges/${exchangeId}/documents`, {
      sealedSize: 64,
      sealedSha256,
    });
    ok(declared, 201);
    const documentId = (declared.body.document as { documentId: string }).documentId;
    const [url] = declared.body.urls as Array<{ url: string; headers: Record<string, string> }>;
    expect((await fetch(url!.url, { method: 'PUT', headers: url!.headers, body: bytes })).status).toBe(200);
    ok(
      await call(officer, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`, {
        parts: [],
      }),
      200,
    );
    const mib = 1024 * 1024;
    const multipart = await call(officer, 'POST', `/v1/exchanges/${exchangeId}/documents`, {
      sealedSize: 20 * mib,
      sealedSha256: 'c'.repeat(64),
      partSize: 8 * mib,
      partSha256s: ['A', 'B', 'C'].map((ch) => `${ch.repeat(43)}=`),
    });
    ok(multipart, 201);
    const multipartId = (multipart.body.document as { documentId: string }).documentId;
    ok(
      await call(officer, 'POST', `/v1/exchanges/${exchangeId}/documents/${multipartId}/parts`, {
        partNumbers: [2],
      }),
      200,
    );
    const messageId = `msg_${randomBytes(16).toString('base64url')}`;
    const served = await call(officer, 'GET', `/v1/exchanges/${exchangeId}`);
    const manifestPayload = {
      v: 1 as const,
      exchangeId,
      messageId,
      messageKind: 'request',
      sender: officer.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents: [
        {
          documentId,
          name: 'request.bin',
          mediaType: 'application/octet-stream',
          size: 10,
          plaintextSha256: 'b'.repeat(64),
          sealedSize: 64,
          sealedSha256,
        },
      ],
      label: claimsFromLabel(served.body.label as ClaimedLabelView, officer.authorityId),
    };
    const signed = () =>
      signManifest(manifestPayload, officer.key.privateKey, { alg: 'ES256', kid: officer.key.kid });
    const manifest = await signed();
    ok(
      await call(officer, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
        messageId,
        kind: 'request',
        documentIds: [documentId],
        manifest,
      }),
      201,
    );
    // The same message id with other contents (the same payload signed again: ES256 signatures differ).
    const rewritten = await call(officer, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
      messageId,
      kind: 'request',
      documentIds: [documentId],
      manifest: await signed(),
    });
    expect([rewritten.status, rewritten.body.code]).toEqual([409, 'ERR_MESSAGE_IMMUTABLE']);
    const recipient = b.member('officer');
    ok(await call(recipient, 'POST', `/v1/exchanges/${exchangeId}/documents/${documentId}/download`), 200);
    ok(await call(recipient, 'GET', `/v1/exchanges/${exchangeId}/receipts`), 200);

    // Custody: a checkpoint, its proofs, the auditor's timeline and the bundle.
    const built = await call(operator, 'POST', '/v1/checkpoints');
    ok(built, 200);
    const size = Number((built.body.checkpoint as { size: number }).size);
    ok(await call(officer, 'GET', '/v1/checkpoints/latest'), 200);
    ok(await call(officer, 'GET', `/v1/checkpoints/${size}`), 200);
    ok(await call(officer, 'GET', `/v1/checkpoints/consistency?first=${size}&second=${size}`), 200);
    ok(await call(officer, 'GET', `/v1/exchanges/${exchangeId}/inclusion-proof`), 200);
    const auditor = a.member('auditor');
    ok(await call(auditor, 'GET', `/v1/exchanges/${exchangeId}/timeline`), 200);
    ok(await call(auditor, 'GET', `/v1/exchanges/${exchangeId}/bundle`), 200);

    // Clocks (issue 14): lineage, clocks, the due list and the figures.
    ok(await call(officer, 'GET', `/v1/exchanges/${exchangeId}/lineage`), 200);
    ok(await call(officer, 'GET', `/v1/exchanges/${exchangeId}/clocks`), 200);
    ok(await call(recipient, 'GET', '/v1/clocks/due'), 200);
    ok(await call(auditor, 'GET', '/v1/figures'), 200);
    const subscribed = await call(aAdmin, 'POST', '/v1/subscriptions', {
      channel: 'email',
      target: 'desk@contract.example',
      topics: ['message'],
    });
    ok(subscribed, 201);
    ok(await call(aAdmin, 'GET', '/v1/subscriptions'), 200);
    ok(await call(aAdmin, 'DELETE', `/v1/subscriptions/${String(subscribed.body.id)}`), 200);

    const checks = await collect();
    expect(checks.filter((c) => c.status < 300).length).toBeGreaterThanOrEqual(30);
  });

  it('answers every operation with a documented problem on error', async () => {
    const document = (await (await exchange.runtime.app.request('/openapi.json')).json()) as OpenApiDocument;
    const sample = (path: string) =>
      path
        .replace('{exchangeId}', 'exch_AAAAAAAAAAAAAAAAAAAAAA')
        .replace('{documentId}', 'doc_AAAAAAAAAAAAAAAAAAAAAA')
        .replace('{id}', 'auth_AAAAAAAAAAAAAAAAAAAAAA')
        .replace('{memberId}', 'mem_AAAAAAAAAAAAAAAAAAAAAA')
        .replace('{kid}', 'kid-none')
        .replace('{size}', '1');
    for (const operation of listOperations(document)) {
      const [method, path] = operation.split(' ') as [string, string];
      const publicOperations = [
        'GET /health',
        'GET /.well-known/jwks.json',
        'GET /.well-known/pouch-custody-keys.json',
        'GET /v1/schemas/{name}',
        'POST /v1/token',
      ];
      if (publicOperations.includes(operation)) continue;
      // Without a bearer token every other route answers 401 problem+json.
      const res = await exchange.runtime.app.request(sample(path), { method });
      expect(res.status, operation).toBe(401);
    }
    const grant = await exchange.runtime.app.request('/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    });
    expect(grant.status).toBe(400);
    // A few more kinds of error, so the declared 400, 404, 409, 413, 415 and 422 answers are exercised too.
    const officer = a.member('officer');
    expect((await call(officer, 'GET', '/v1/exchanges?limit=0')).status).toBe(400);
    expect((await call(officer, 'GET', '/v1/exchanges/exch_AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    const huge = await exchange.runtime.app.request('/v1/exchanges', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await tokens.tokenFor(officer)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ pad: 'x'.repeat(exchange.runtime.config.maxBodyBytes + 1) }),
    });
    expect(huge.status).toBe(413);
    const text = await exchange.runtime.app.request('/v1/exchanges', {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokens.tokenFor(officer)}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    const opened = await call(officer, 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'CONTRACT-2',
    });
    const exchangeId = String(opened.body.id);
    const wrongState = await call(officer, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
      messageId: `msg_${randomBytes(16).toString('base64url')}`,
      kind: 'closure',
      documentIds: [],
      manifest: 'x'.repeat(40),
    });
    expect([409, 422]).toContain(wrongState.status);
    // Unknown paths and wrong methods answer the Problem schema too (no operation to match).
    expect((await exchange.runtime.app.request('/nowhere')).status).toBe(404);
    expect((await exchange.runtime.app.request('/health', { method: 'DELETE' })).status).toBe(405);
    await collect();
  });

  it('documents the error answers of the public routes (a failing dependency, a failing signer)', async () => {
    const observeResponse = createContractObserver();
    const failing = createApp({
      logger: createCapturingLogger(),
      maxBodyBytes: 1024,
      signer: {
        ...exchange.runtime.tokenSigner,
        publicJwk: async () => {
          throw new PouchError('ERR_SIGNER', 'The signer is unavailable');
        },
      },
      custodySigner: {
        ...exchange.runtime.signer,
        publicJwk: async () => {
          throw new PouchError('ERR_SIGNER', 'The signer is unavailable');
        },
      },
      observeResponse,
    });
    expect((await failing.request('/.well-known/jwks.json')).status).toBe(503);
    expect((await failing.request('/.well-known/pouch-custody-keys.json')).status).toBe(503);
    await collect();
  });

  it('exercised exactly the operations of /openapi.json, each with a success and an error', async () => {
    const document = (await (await exchange.runtime.app.request('/openapi.json')).json()) as OpenApiDocument;
    const operations = listOperations(document);
    expect(operations.length).toBe(46);
    expect([...seen.keys()].sort()).toEqual(operations);
    // Anonymous liveness has no failure of its own to provoke (it touches nothing); only its success is required.
    const withoutErrors = new Set(['GET /health']);
    const missing = operations.filter((op) => {
      const statuses = [...(seen.get(op) ?? [])];
      return !statuses.some((s) => s < 300) || (!withoutErrors.has(op) && !statuses.some((s) => s >= 400));
    });
    expect(missing).toEqual([]);
  });
});

describe('contract: a wrong answer is caught (negative controls)', () => {
  it('finds a label without its status, an undeclared status and a text error', async () => {
    const violations: ContractViolation[] = [];
    const app = createApp({
      logger: createCapturingLogger(),
      maxBodyBytes: 1024,
      observeResponse: createContractObserver({ onViolation: (v) => violations.push(v) }),
      modules: [
        (app) => {
          // Documented like a real route, then answered with bodies that break the document on purpose.
          app.openAPIRegistry.registerPath(
            createRoute({
              method: 'get',
              path: '/wrong/{mode}',
              responses: {
                200: {
                  description: 'A label',
                  content: { 'application/json': { schema: ExchangeLabelSchema } },
                },
              },
            }),
          );
          app.get('/wrong/:mode', (c) => {
            const mode = c.req.param('mode');
            if (mode === 'teapot') return c.json({}, 418);
            if (mode === 'text') return c.text('not a problem', 400);
            return c.json({ id: 'exch_x', kind: 'mla', urgency: 'normal' }, 200);
          });
        },
      ],
    });
    await app.request('/wrong/body');
    await app.request('/wrong/teapot');
    await app.request('/wrong/text');
    await drainContractRecord();
    expect(violations.map((v) => [v.operation, v.status])).toEqual([
      ['GET /wrong/{mode}', 200],
      ['GET /wrong/{mode}', 418],
      ['GET /wrong/{mode}', 400],
    ]);
    expect(violations[0]?.message).toContain("must have required property 'status'");
  });

  it('finds the same fault with the validator alone, against the document the exchange serves', async () => {
    const exchange = await startTestExchange();
    try {
      const document = (await (
        await exchange.runtime.app.request('/openapi.json')
      ).json()) as OpenApiDocument;
      const validator = createContractValidator(document);
      const label = { id: 'exch_x', kind: 'mla', urgency: 'normal', requesterId: 'a', requestedId: 'b' };
      const wrong = validator.check('POST', '/v1/exchanges', 201, 'application/json', JSON.stringify(label));
      expect(wrong.violation).toContain("must have required property 'status'");
      const undeclared = validator.check('POST', '/v1/exchanges', 418, 'application/problem+json', '{}');
      expect(undeclared.violation).toContain('status 418 is not declared');
      const problem = { type: 't', title: 'Conflict', status: 409, code: 'ERR_CONFLICT' };
      const right = validator.check(
        'POST',
        '/v1/exchanges',
        409,
        'application/problem+json',
        JSON.stringify(problem),
      );
      expect(right.violation).toBeUndefined();
    } finally {
      await exchange.stop();
      await drainContractRecord();
    }
  });

  it('turns a violation on the shared record into an error for the test that saw it', async () => {
    const app = createApp({
      logger: createCapturingLogger(),
      maxBodyBytes: 1024,
      observeResponse: createContractObserver(),
      modules: [(app) => app.get('/boom', (c) => c.text('plain text error', 500))],
    });
    await app.request('/boom');
    // What the afterEach hook of every suite runs: here it must throw, and the record is then empty again.
    await expect(assertNoContractViolations()).rejects.toThrow('do not match /openapi.json');
  });
});

describe('the wire schemas run anywhere', () => {
  it('shared/api imports nothing from the server, the client, Hono, the AWS SDK or node:*', async () => {
    const root = resolve(import.meta.dirname, '../..');
    const forbidden = /^(node:|hono|@hono\/|@aws-sdk\/)|\/(server|client)\//;
    const seenFiles = new Set<string>();
    const offenders: string[] = [];
    const visit = async (file: string) => {
      if (seenFiles.has(file)) return;
      seenFiles.add(file);
      const source = await readFile(file, 'utf8');
      for (const match of source.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
        const [, typeOnly, spec] = match;
        if (typeOnly || !spec) continue;
        const target = spec.startsWith('.') ? resolve(dirname(file), spec) : spec;
        if (forbidden.test(spec.startsWith('.') ? target.slice(root.length) : spec)) {
          offenders.push(`${file.slice(root.length + 1)} → ${spec}`);
        } else if (spec.startsWith('.')) await visit(target);
      }
    };
    for (const name of ['common', 'exchange', 'directory', 'custody', 'identity', 'system']) {
      await visit(join(root, 'shared', 'api', `${name}.ts`));
    }
    expect(offenders).toEqual([]);
  });
});
