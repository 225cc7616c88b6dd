// Hardening (issue 16): a streamed multipart upload (declared without part checksums, so the client can seal
// while it uploads) is not a weaker upload. Against a real local exchange (dynalite + s3rver, real adapters,
// multipart forced at a tiny part size): every part URL is still bound to a checksum the client names, the
// commit must name every part and the whole-file digest, a checksum that is not the stored part's is refused
// with nothing recorded, and only the uploader can presign or commit.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partsDigestOf } from '../../shared/crypto/sealed-digest.ts';
import {
  createTokenClient,
  type SeededAuthority,
  seedTestAuthority,
  type TestPrincipal,
} from '../support/identity.ts';
import {
  cutParts,
  type FaultyExchange,
  sha256Base64,
  sha256Hex,
  startFaultyExchange,
} from './fault-harness.ts';

const PART_SIZE = 64;

let x: FaultyExchange;
let a: SeededAuthority;
let b: SeededAuthority;
const bearer = new Map<TestPrincipal, string>();

async function call(who: TestPrincipal, method: string, path: string, body?: unknown) {
  if (!bearer.has(who)) {
    bearer.set(who, await createTokenClient(x.runtime.app, x.runtime.config.issuer).tokenFor(who));
  }
  const res = await x.runtime.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${bearer.get(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  return { status: res.status, body: parsed as Record<string, unknown> & { code?: string } };
}

async function createExchange(): Promise<string> {
  const res = await call(a.member('officer'), 'POST', '/v1/exchanges', {
    kind: 'mla',
    urgency: 'normal',
    requestedId: b.authorityId,
    requesterReference: 'STREAMED-1',
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Declare a streamed upload of `sealed` and PUT its parts to URLs bound to their real checksums. */
async function streamParts(exchangeId: string, sealed: Uint8Array) {
  const officer = a.member('officer');
  const declared = await call(officer, 'POST', `/v1/exchanges/${exchangeId}/documents`, {
    sealedSize: sealed.length,
  });
  expect(declared.status).toBe(201);
  expect(declared.body.urls).toEqual([]);
  const document = declared.body.document as { documentId: string; sealedSha256: string; state: string };
  expect(document).toMatchObject({ state: 'pending', sealedSha256: '' });
  const base = `/v1/exchanges/${exchangeId}/documents/${document.documentId}`;
  const { slices, sha256s } = cutParts(sealed, PART_SIZE);
  const presigned = await call(officer, 'POST', `${base}/parts`, {
    partNumbers: sha256s.map((_, i) => i + 1),
    partSha256s: sha256s,
  });
  expect(presigned.status).toBe(200);
  const parts: Array<{ partNumber: number; etag: string; sha256: string }> = [];
  for (const [i, url] of (
    presigned.body.urls as Array<{ url: string; headers: Record<string, string> }>
  ).entries()) {
    const put = await fetch(url.url, { method: 'PUT', headers: url.headers, body: Buffer.from(slices[i]!) });
    expect(put.status).toBe(200);
    parts.push({ partNumber: i + 1, etag: put.headers.get('etag') ?? '', sha256: sha256s[i]! });
  }
  return { documentId: document.documentId, base, parts, sha256s };
}

describe('streamed multipart uploads (issue 16)', () => {
  beforeAll(async () => {
    x = await startFaultyExchange({ partSize: PART_SIZE });
    const dir = x.runtime.directory;
    const members = [{ role: 'admin' as const }, { role: 'officer' as const }];
    a = await seedTestAuthority(dir, { country: 'XA', members });
    b = await seedTestAuthority(dir, { country: 'XB', members });
  });
  afterAll(async () => {
    await x?.stop();
  });

  it('binds each part to the checksum named at presign, and records the composite storage verified at commit', async () => {
    const exchangeId = await createExchange();
    const sealed = randomBytes(PART_SIZE * 3 + 9);
    const { base, parts, sha256s, documentId } = await streamParts(exchangeId, sealed);
    const officer = a.member('officer');

    const unnamed = await call(officer, 'POST', `${base}/parts`, { partNumbers: [1] });
    expect(unnamed).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
    const noWhole = await call(officer, 'POST', `${base}/commit`, { parts });
    expect(noWhole).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
    const missing = await call(officer, 'POST', `${base}/commit`, {
      parts: parts.slice(0, -1),
      sealedSha256: sha256Hex(sealed),
    });
    expect(missing).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });

    const committed = await call(officer, 'POST', `${base}/commit`, {
      parts,
      sealedSha256: sha256Hex(sealed),
    });
    expect(committed.status).toBe(200);
    expect(committed.body).toMatchObject({ state: 'committed', sealedSha256: sha256Hex(sealed) });
    const uploaded = (await x.runtime.ledger.read(exchangeId)).find((e) => e.action === 'document.uploaded');
    expect(uploaded?.subject?.documentId).toBe(documentId);
    expect(uploaded?.details).toMatchObject({
      sealedPartsSha256: partsDigestOf(sha256s),
      partSize: PART_SIZE,
    });
  });

  it('refuses a commit naming a checksum that is not the stored part’s, and records nothing', async () => {
    const exchangeId = await createExchange();
    const sealed = randomBytes(PART_SIZE * 2 + 1);
    const { base, parts } = await streamParts(exchangeId, sealed);
    const lie = parts.map((p, i) => (i === 1 ? { ...p, sha256: sha256Base64(randomBytes(8)) } : p));
    const refused = await call(a.member('officer'), 'POST', `${base}/commit`, {
      parts: lie,
      sealedSha256: sha256Hex(sealed),
    });
    // Storage refuses the completion (InvalidPart, on S3 and on the embedded S3): the caller's error, not a fault.
    expect(refused).toMatchObject({ status: 422, body: { code: 'ERR_HASH_MISMATCH' } });
    expect((await x.runtime.ledger.read(exchangeId)).some((e) => e.action === 'document.uploaded')).toBe(
      false,
    );
  });

  it('lets only the uploader presign or commit a streamed upload', async () => {
    const exchangeId = await createExchange();
    const sealed = randomBytes(PART_SIZE + 5);
    const { base, parts, sha256s } = await streamParts(exchangeId, sealed);
    const other = b.member('officer');
    const presign = await call(other, 'POST', `${base}/parts`, {
      partNumbers: [1],
      partSha256s: [sha256s[0]],
    });
    expect(presign).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
    const commit = await call(other, 'POST', `${base}/commit`, { parts, sealedSha256: sha256Hex(sealed) });
    expect(commit).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
  });

  it('still requires the sealed SHA-256 for a declaration that names its parts', async () => {
    const exchangeId = await createExchange();
    const sealed = randomBytes(PART_SIZE + 5);
    const declared = await call(a.member('officer'), 'POST', `/v1/exchanges/${exchangeId}/documents`, {
      sealedSize: sealed.length,
      partSize: PART_SIZE,
      partSha256s: cutParts(sealed, PART_SIZE).sha256s,
    });
    expect(declared).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
  });
});
