// Hardening: hostile input against a real local exchange. Generated bodies, path parameters, query strings and
// headers for every route of /openapi.json (authenticated and not) never get a 5xx and always get problem+json;
// hostile document names never reach storage keys; oversize and chunked bodies get 413; forged manifests, revoked
// keys and mismatched bytes are refused with stable codes; hostile sealed files fail cleanly in bounded memory.

import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusByCode } from '../../server/http/problem.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { openStream } from '../../shared/crypto/age-native.ts';
import { signedMemberKeyOf } from '../../shared/directory/statements.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { asPrincipal } from '../custody/custody-fixture.ts';
import {
  createTokenClient,
  generateMemberKey,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import { claimsFromExchanges } from '../support/label-claims.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { manifestEntry, newMessageId, sha256Hex, signTestManifest } from './fault-harness.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;
interface Reply {
  status: number;
  contentType: string;
  text: string;
}

const KNOWN_CODES = new Set(Object.keys(statusByCode));
const runs = Number(process.env.HOSTILE_RUNS ?? 30);

let exchange: Exchange;
let a: SeededAuthority;
let b: SeededAuthority;
const bearer = new Map<TestPrincipal, string>();
let tokens: ReturnType<typeof createTokenClient>;
let realExchangeId = '';
let realDocumentId = '';

async function raw(path: string, init: RequestInit = {}): Promise<Reply> {
  const res = await exchange.runtime.app.request(path, init);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function call(who: TestPrincipal, method: string, path: string, body?: unknown, headers = {}) {
  const res = await raw(path, {
    method,
    headers: {
      authorization: `Bearer ${bearer.get(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { ...res, body: JSON.parse(res.text) as Record<string, unknown> };
}

/** The invariant: never a 5xx, and every error is a complete problem+json with a stable code. */
function problemViolation(what: string, reply: Reply): string | undefined {
  if (reply.status >= 500) return `${what}: ${reply.status} ${reply.text.slice(0, 200)}`;
  if (reply.status < 400) return undefined;
  if (!reply.contentType.startsWith('application/problem+json')) {
    return `${what}: ${reply.status} with ${reply.contentType}`;
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(reply.text) as Record<string, unknown>;
  } catch {
    return `${what}: problem body is not JSON`;
  }
  const ok =
    typeof body.type === 'string' &&
    typeof body.title === 'string' &&
    body.status === reply.status &&
    typeof body.code === 'string' &&
    KNOWN_CODES.has(body.code);
  return ok ? undefined : `${what}: incomplete problem ${reply.text.slice(0, 200)}`;
}

const printable = fc.string({
  unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@AZaz[\\]^_`{|}~'.split('')),
});
const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '../../etc/passwd',
    '..%2F..%2F',
    '%00',
    'exch_AAAAAAAAAAAAAAAAAAAAAA',
    'doc_AAAAAAAAAAAAAAAAAAAAAA',
    "' OR 1=1 --",
    '{"$ne":null}',
    'a'.repeat(5000),
    '\u202e\u0000\u0007',
    'EXCH#x',
    'PARTY#',
  ),
);
const paramValue = fc.oneof(hostileText, fc.constant('REAL_EXCHANGE'), fc.constant('REAL_DOCUMENT'));
const jsonBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constantFrom('{', '[]', 'null', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}'),
  fc
    .record(
      {
        kind: fc.oneof(fc.constant('mla'), hostileText),
        urgency: fc.oneof(fc.constant('urgent'), hostileText),
        requestedId: hostileText,
        requesterReference: hostileText,
        sealedSize: fc.oneof(
          fc.integer(),
          fc.double(),
          fc.constant(Number.MAX_SAFE_INTEGER),
          fc.constant(-1),
        ),
        sealedSha256: hostileText,
        partSize: fc.oneof(fc.integer(), fc.constant(0)),
        partSha256s: fc.array(hostileText, { maxLength: 4 }),
        partNumbers: fc.array(fc.integer(), { maxLength: 4 }),
        parts: fc.array(fc.record({ partNumber: fc.integer(), etag: hostileText }), { maxLength: 3 }),
        messageId: hostileText,
        documentIds: fc.array(hostileText, { maxLength: 3 }),
        manifest: hostileText,
        links: fc.array(hostileText, { maxLength: 3 }),
        grant_type: hostileText,
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/problem+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
);

interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: string }>;
}

function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = values[name] ?? 'x';
    if (v === 'REAL_EXCHANGE') return realExchangeId;
    if (v === 'REAL_DOCUMENT') return realDocumentId;
    return encodeURIComponent(v);
  });
}

describe('hostile input', () => {
  beforeAll(async () => {
    exchange = await startTestExchange();
    const dir = exchange.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
    tokens = createTokenClient(exchange.runtime.app, exchange.runtime.config.issuer);
    for (const who of [a.member('officer'), a.member('admin'), b.member('officer')]) {
      bearer.set(who, await tokens.tokenFor(who));
    }
    const created = await call(a.member('officer'), 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'urgent',
      requestedId: b.authorityId,
      requesterReference: 'HOSTILE-1',
    });
    realExchangeId = created.body.id as string;
    const sealed = randomBytes(100);
    realDocumentId = (await uploadDocument(realExchangeId, sealed)).documentId;
  });
  afterAll(async () => {
    await exchange.stop();
  });

  async function uploadDocument(exchangeId: string, sealed: Uint8Array, stored: Uint8Array = sealed) {
    const declared = await call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/documents`, {
      sealedSize: sealed.length,
      sealedSha256: sha256Hex(sealed),
    });
    expect(declared.status).toBe(201);
    const [url] = declared.body.urls as Array<{ url: string; headers: Record<string, string> }>;
    // A hostile client may send other bytes than it declared. The presigned PUT carries the declared SHA-256 as
    // x-amz-checksum-sha256, so storage refuses them (400 BadDigest, as S3 does; the embedded S3 checks it too).
    const headers = { ...url!.headers };
    if (stored.length !== sealed.length) delete headers['content-length'];
    const put = await fetch(url!.url, { method: 'PUT', headers, body: Buffer.from(stored) });
    if (sha256Hex(stored) === sha256Hex(sealed)) expect(put.status).toBe(200);
    else {
      expect(put.status).toBe(400);
      expect(await put.text()).toContain('BadDigest');
    }
    const documentId = (declared.body.document as { documentId: string }).documentId;
    const committed = await call(
      a.member('officer'),
      'POST',
      `/v1/exchanges/${exchangeId}/documents/${documentId}/commit`,
      { parts: [] },
    );
    return { documentId, committed };
  }

  it('never answers 5xx and always answers problem+json, on every OpenAPI route, with or without a token', async () => {
    const spec = JSON.parse((await raw('/openapi.json')).text) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          path: path.replace(/\{([^}]+)\}/g, '{$1}'),
          params: op.parameters ?? [],
        })),
    );
    expect(operations.length).toBeGreaterThan(10);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toContain(
      'POST /v1/exchanges/{exchangeId}/messages',
    );
    const violations: string[] = [];
    const statuses = new Set<number>();
    for (const op of operations) {
      const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            who: fc.constantFrom<'officer' | 'admin' | 'none' | 'garbage'>(
              'officer',
              'admin',
              'none',
              'garbage',
            ),
            values: fc.dictionary(fc.constantFrom(...(names.length > 0 ? names : ['-'])), paramValue),
            query: fc.dictionary(
              fc.oneof(
                fc.constantFrom('box', 'status', 'limit', 'cursor', 'from', 'to', 'kind', 'counterpart'),
                printable,
              ),
              hostileText,
              { maxKeys: 4 },
            ),
            body: fc.option(jsonBody, { nil: undefined }),
            type: contentType,
            idempotencyKey: fc.option(printable, { nil: undefined }),
            accept: fc.constantFrom('application/json', '*/*', 'text/html', ''),
          }),
          async (input) => {
            const query = new URLSearchParams(input.query).toString();
            const url = `${fillPath(op.path, input.values)}${query ? `?${query}` : ''}`;
            const headers: Record<string, string> = {};
            if (input.who === 'officer') headers.authorization = `Bearer ${bearer.get(a.member('officer'))}`;
            if (input.who === 'admin') headers.authorization = `Bearer ${bearer.get(a.member('admin'))}`;
            if (input.who === 'garbage')
              headers.authorization = `Bearer ${randomBytes(40).toString('base64')}`;
            if (input.type) headers['content-type'] = input.type;
            if (input.accept) headers.accept = input.accept;
            if (input.idempotencyKey !== undefined) headers['idempotency-key'] = input.idempotencyKey;
            const body = op.method !== 'GET' ? input.body : undefined;
            const reply = await raw(url, {
              method: op.method,
              headers,
              ...(body === undefined ? {} : { body }),
            });
            const violation = problemViolation(`${op.method} ${url.slice(0, 120)}`, reply);
            if (violation) violations.push(violation);
            statuses.add(reply.status);
            return true;
          },
        ),
        { numRuns: runs, seed: Number(process.env.HOSTILE_SEED ?? 20_261_128) },
      );
    }
    expect(violations).toEqual([]);
    // The generators reach past the front door: validation, auth, not-found and method answers all occur.
    for (const status of [400, 401, 404]) expect(statuses).toContain(status);
  });

  it('keeps document names out of storage keys and output paths', async () => {
    const names = [
      '../../../etc/passwd',
      '..\\..\\windows\\system32',
      '/absolute/path.txt',
      'nul\u0000byte.pdf',
      'ctrl\u0001\u001b[2J.txt',
      'rtl\u202eexe.pdf',
      'CON',
      'x/../../y',
      '\u2215fake-slash\u2044.pdf',
      `${'é'.repeat(100)}.pdf`,
    ];
    const created = await call(a.member('officer'), 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'NAMES-1',
    });
    const exchangeId = created.body.id as string;
    const entries = [];
    for (const name of names) {
      const sealed = randomBytes(64);
      const { documentId, committed } = await uploadDocument(exchangeId, sealed);
      expect(committed.status).toBe(200);
      entries.push(manifestEntry(documentId, sealed, name));
    }
    const messageId = newMessageId();
    const label = await claimsFromExchanges(
      exchange.runtime.exchanges,
      asPrincipal(a.member('officer')),
      exchangeId,
    );
    const manifest = await signTestManifest(
      a.member('officer'),
      exchangeId,
      messageId,
      'request',
      entries,
      label,
    );
    const sent = await call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/messages`, {
      messageId,
      kind: 'request',
      documentIds: entries.map((e) => e.documentId),
      manifest,
    });
    expect(sent.status).toBe(201);
    const listed = await exchange.runtime.clients.s3.send(
      new ListObjectsV2Command({
        Bucket: exchange.runtime.config.evidenceBucket,
        Prefix: `exchanges/${exchangeId}/`,
      }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    expect(keys.sort()).toEqual(
      entries.map((e) => `exchanges/${exchangeId}/documents/${e.documentId}.age`).sort(),
    );
    for (const key of keys)
      expect(key).toMatch(/^exchanges\/exch_[A-Za-z0-9_-]{22}\/documents\/doc_[A-Za-z0-9_-]{22}\.age$/);
    for (const e of entries) {
      const download = await call(
        b.member('officer'),
        'POST',
        `/v1/exchanges/${exchangeId}/documents/${e.documentId}/download`,
      );
      expect(download.status).toBe(200);
      expect(new URL(download.body.url as string).pathname).toBe(
        `/${exchange.runtime.config.evidenceBucket}/exchanges/${exchangeId}/documents/${e.documentId}.age`,
      );
    }
  });

  it('answers 413 to oversize bodies, declared or chunked', async () => {
    const max = exchange.runtime.config.maxBodyBytes;
    const big = JSON.stringify({ kind: 'mla', pad: 'x'.repeat(max + 10) });
    const declared = await raw('/v1/exchanges', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer.get(a.member('officer'))}`,
        'content-type': 'application/json',
        'content-length': String(big.length),
      },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(problemViolation('declared', declared)).toBeUndefined();
    // Chunked over a real socket: no Content-Length, the limit must still hold while reading.
    for (const who of ['officer', 'none'] as const) {
      const reply = await new Promise<Reply>((resolve, reject) => {
        const req = httpRequest(`${exchange.url}/v1/exchanges`, {
          method: 'POST',
          // A fresh connection each time: the server rightly closes one whose body it refused to read.
          agent: false,
          headers: {
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
            ...(who === 'officer' ? { authorization: `Bearer ${bearer.get(a.member('officer'))}` } : {}),
          },
        });
        let answered = false;
        req.on('response', (res) => {
          answered = true;
          let text = '';
          res.on('data', (d: Buffer) => {
            text += d.toString();
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text }),
          );
        });
        // The server may answer and close before the client has finished writing: that is the point.
        req.on('error', (error) => {
          if (!answered) reject(error);
        });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < max * 2) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(reply.status, who).toBe(who === 'officer' ? 413 : reply.status === 401 ? 401 : 413);
      expect(problemViolation(`chunked ${who}`, reply)).toBeUndefined();
    }
  });

  it('refuses forged manifests, manifests under a revoked key, and bytes that do not match their digests', async () => {
    const officer = a.member('officer');
    const created = await call(officer, 'POST', '/v1/exchanges', {
      kind: 'mla',
      urgency: 'normal',
      requestedId: b.authorityId,
      requesterReference: 'FORGED-1',
    });
    const exchangeId = created.body.id as string;

    // Bytes that do not hash to the declaration (same size, or shorter) are refused by storage at the PUT, so the
    // commit finds no object, and nothing is recorded. (Bytes written around the presigned URL, with no checksum,
    // are refused at commit with ERR_HASH_MISMATCH: tests/documents/s3-document-store.test.ts.)
    const declaredBytes = randomBytes(80);
    const wrong = await uploadDocument(exchangeId, declaredBytes, randomBytes(80));
    expect(wrong.committed.status).toBe(404);
    expect(wrong.committed.body.code).toBe('ERR_NOT_FOUND');
    const shorter = await uploadDocument(exchangeId, declaredBytes, declaredBytes.subarray(0, 40));
    expect(shorter.committed.status).toBe(404);
    expect(shorter.committed.body.code).toBe('ERR_NOT_FOUND');

    const sealed = randomBytes(90);
    const { documentId } = await uploadDocument(exchangeId, sealed);
    const entry = manifestEntry(documentId, sealed);
    const post = (messageId: string, manifest: string) =>
      call(officer, 'POST', `/v1/exchanges/${exchangeId}/messages`, {
        messageId,
        kind: 'request',
        documentIds: [documentId],
        manifest,
      });

    // Forged: the payload swapped under a valid signature; a bare `alg: none`; a manifest for another exchange.
    const id1 = newMessageId();
    const label = await claimsFromExchanges(exchange.runtime.exchanges, asPrincipal(officer), exchangeId);
    const genuine = await signTestManifest(officer, exchangeId, id1, 'request', [entry], label);
    const [h, , s] = genuine.split('.');
    const payload = Buffer.from(
      JSON.stringify({
        v: 1,
        exchangeId,
        messageId: id1,
        messageKind: 'request',
        sender: officer.clientId,
        iat: 1,
        documents: [{ ...entry, sealedSha256: 'e'.repeat(64) }],
      }),
    ).toString('base64url');
    const swapped = await post(id1, `${h}.${payload}.${s}`);
    expect(swapped.status).toBe(422);
    expect(swapped.body.code).toBe('ERR_SIGNATURE_INVALID');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'pouch-manifest+jwt', kid: officer.key.kid })).toString('base64url')}.${payload}.`;
    expect((await post(id1, none)).body.code).toBe('ERR_SIGNATURE_INVALID');
    const elsewhere = await signTestManifest(officer, realExchangeId, id1, 'request', [entry], label);
    expect((await post(id1, elsewhere)).body.code).toBe('ERR_MANIFEST_INVALID');

    // Rotate the officer's key, revoking the old one; a manifest signed with the old key is then refused.
    const oldKey = officer.key;
    const newKey = await generateMemberKey();
    const rotated = await call(
      a.member('admin'),
      'POST',
      `/v1/directory/authorities/${a.authorityId}/members/${officer.memberId}/keys`,
      { jwk: newKey.publicJwk, revoke: [oldKey.kid] },
    );
    expect(rotated.status).toBeLessThan(300);
    // The new key signs in only once the authority key lists it (issue 12 finding 3).
    const signed = await call(
      a.member('admin'),
      'PUT',
      `/v1/directory/authorities/${a.authorityId}/members/${officer.memberId}/keys-statement`,
      {
        statement: await a.signStatement(
          'member-keys',
          {
            memberId: officer.memberId,
            keys: [
              await signedMemberKeyOf(oldKey.publicJwk, new Date().toISOString()),
              await signedMemberKeyOf(newKey.publicJwk),
            ],
          },
          2,
        ),
      },
    );
    expect(signed.status).toBe(200);
    officer.key = newKey;
    bearer.set(officer, await tokens.tokenFor(officer));
    const id2 = newMessageId();
    const revoked = await signTestManifest(
      { clientId: officer.clientId, key: oldKey },
      exchangeId,
      id2,
      'request',
      [entry],
      label,
    );
    const refused = await post(id2, revoked);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('ERR_SIGNATURE_INVALID');
    // Nothing was sent by any of these: the exchange is still open, and the genuine manifest under the new key works.
    const events = await exchange.runtime.ledger.read(exchangeId);
    expect(events.filter((e) => e.action === 'message.sent')).toHaveLength(0);
    const good = await post(id2, await signTestManifest(officer, exchangeId, id2, 'request', [entry], label));
    expect(good.status).toBe(201);
  });

  it('fails cleanly and in bounded memory on hostile sealed files', async () => {
    const { identity } = await generateIdentity();
    const header = 'age-encryption.org/v1\n';
    const cases: Array<[string, () => AsyncIterable<Uint8Array>]> = [
      ['not age at all', () => Readable.from([randomBytes(4096)])],
      [
        'bad version line',
        () => Readable.from([Buffer.from('age-encryption.org/v9\n-> X25519 AAAA\n\n--- AAAA\n')]),
      ],
      ['truncated header', () => Readable.from([Buffer.from(`${header}-> X25519 `)])],
      [
        'huge stanza count',
        () =>
          Readable.from([
            Buffer.from(
              `${header}${'-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAAA\n'.repeat(10_000)}--- AAAA\n`,
            ),
          ]),
      ],
      ['empty', () => Readable.from([])],
    ];
    for (const [name, source] of cases) {
      const error = await drain(openStream(source(), [identity])).catch((e: unknown) => e);
      expect(isPouchError(error), name).toBe(true);
      expect((error as { code: string }).code, name).toMatch(/^ERR_SEAL_(FORMAT|INTEGRITY|NO_IDENTITY)$/);
    }
    // 64 MiB of header-looking garbage, generated lazily: the opener must give up early, not buffer it.
    let produced = 0;
    async function* garbage() {
      yield Buffer.from(header);
      const line = Buffer.from('-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n'.repeat(1300));
      while (produced < 64 * 1024 * 1024) {
        produced += line.length;
        yield line;
      }
    }
    global.gc?.();
    const before = memory();
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, memory());
    }, 5);
    const error = await drain(openStream(garbage(), [identity])).catch((e: unknown) => e);
    clearInterval(timer);
    peak = Math.max(peak, memory());
    expect(isPouchError(error, 'ERR_SEAL_FORMAT')).toBe(true);
    expect(peak - before).toBeLessThan(32 * 1024 * 1024);
    expect(produced).toBeLessThan(16 * 1024 * 1024);
  });
});

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of stream) {
    // discard
  }
}
