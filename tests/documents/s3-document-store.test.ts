// Tests (integration): the S3 DocumentStore adapter against a real s3rver, which verifies and reports SHA-256
// checksums like S3 (server/local/s3-checksums.ts), and its HeadObject-checksum path against a mocked S3 client.
import { createHash, randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCompositeSha256, createS3DocumentStore } from '../../server/adapters/s3-document-store.ts';
import { objectKeys } from '../../server/config/storage-definitions.ts';
import type { DocumentStore } from '../../server/ports/document-store.ts';
import { isPouchError } from '../../shared/domain/errors.ts';
import { settledCode } from '../support/document-store-harness.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64');

async function detailsOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return isPouchError(error) ? error.details : error;
  }
  return undefined;
}

/** PUT through a presigned request exactly as a client would (signed headers included). */
async function putPresigned(
  request: { url: string; headers: Readonly<Record<string, string>> },
  body: Uint8Array,
) {
  const response = await fetch(request.url, {
    method: 'PUT',
    headers: request.headers,
    body: new Uint8Array(body),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response.headers.get('etag')!;
}

describe('S3 document store on s3rver', () => {
  let exchange: Exchange;
  let s3: S3Client;
  let bucket: string;
  let store: DocumentStore;
  let n = 0;
  const newKey = () => objectKeys.document('ex-test', `doc-${++n}`);

  beforeAll(async () => {
    exchange = await startTestExchange();
    s3 = exchange.runtime.clients.s3;
    bucket = exchange.runtime.config.evidenceBucket;
    store = createS3DocumentStore(s3, {
      bucket,
      presignSeconds: exchange.runtime.config.presignSeconds,
      verifyByReadingWhenNoChecksum: exchange.runtime.config.mode === 'local',
    });
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('presigns a single PUT bound to content-length and SHA-256, and confirms it by the reported checksum', async () => {
    const key = newKey();
    const body = randomBytes(100_000);
    const put = await store.presignSinglePut({ key, size: body.length, sha256: sha256(body) });
    expect(put.method).toBe('PUT');
    expect(put.headers).toEqual({
      'content-length': String(body.length),
      'content-type': 'application/octet-stream',
      'x-amz-checksum-sha256': sha256(body),
    });
    const signed = new URL(put.url).searchParams.get('X-Amz-SignedHeaders');
    expect(signed?.split(';')).toEqual(expect.arrayContaining(['content-length', 'x-amz-checksum-sha256']));
    expect(new URL(put.url).searchParams.has('x-amz-checksum-sha256')).toBe(false);
    expect(Date.parse(put.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    await putPresigned(put, body);

    const confirmed = await store.confirmObject({
      key,
      size: body.length,
      expected: { kind: 'single', sha256: sha256(body) },
    });
    expect(confirmed).toMatchObject({
      key,
      size: body.length,
      checksum: sha256(body),
      verifiedBy: 'head-checksum',
    });
  });

  it('uploads 3 parts with per-part checksums and confirms the composite checksum storage reports', async () => {
    const key = newKey();
    const partSize = 64 * 1024;
    const body = randomBytes(partSize * 2 + 1000);
    const slices = [
      body.subarray(0, partSize),
      body.subarray(partSize, 2 * partSize),
      body.subarray(2 * partSize),
    ];
    const partSha256s = slices.map(sha256);
    const { uploadId } = await store.createMultipart({ key, size: body.length, partSize, partSha256s });
    const presigned = await store.presignParts({
      key,
      uploadId,
      parts: slices.map((s, i) => ({ partNumber: i + 1, size: s.length, sha256: partSha256s[i]! })),
    });
    expect(presigned.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(presigned[2]!.headers['x-amz-checksum-sha256']).toBe(partSha256s[2]);
    const etags = await Promise.all(presigned.map((p, i) => putPresigned(p, slices[i]!)));
    await store.completeMultipart({
      key,
      uploadId,
      parts: etags.map((etag, i) => ({ partNumber: i + 1, etag, sha256: partSha256s[i]! })),
    });

    const confirmed = await store.confirmObject({
      key,
      size: body.length,
      expected: { kind: 'multipart', partSha256s, partSize },
    });
    expect(confirmed.verifiedBy).toBe('head-checksum');
    expect(confirmed.checksum).toBe(computeCompositeSha256(partSha256s));
    expect(confirmed.checksum).toMatch(/^[A-Za-z0-9+/]{43}=-3$/);
    // Hashing the slices differently must not confirm: a single-object expectation differs from the composite.
    expect(
      await settledCode(
        store.confirmObject({
          key,
          size: body.length,
          expected: { kind: 'single', sha256: partSha256s[0]! },
        }),
      ),
    ).toBe('ERR_HASH_MISMATCH');
  });

  it('fails confirm with ERR_HASH_MISMATCH when the object was overwritten with other bytes (read: no checksum left)', async () => {
    const key = newKey();
    const body = randomBytes(50_000);
    await putPresigned(await store.presignSinglePut({ key, size: body.length, sha256: sha256(body) }), body);
    const tampered = Buffer.from(body);
    tampered[12_345] = tampered[12_345]! ^ 0xff;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: tampered }));

    const attempt = store.confirmObject({
      key,
      size: body.length,
      expected: { kind: 'single', sha256: sha256(body) },
    });
    expect(await detailsOf(attempt)).toEqual({
      field: 'sha256',
      expected: sha256(body),
      actual: sha256(tampered),
    });
    expect(
      await settledCode(
        store.confirmObject({ key, size: body.length, expected: { kind: 'single', sha256: sha256(body) } }),
      ),
    ).toBe('ERR_HASH_MISMATCH');
  });

  it('fails confirm with ERR_HASH_MISMATCH on a wrong size, and ERR_NOT_FOUND on a missing object', async () => {
    const key = newKey();
    const body = randomBytes(1000);
    await putPresigned(await store.presignSinglePut({ key, size: body.length, sha256: sha256(body) }), body);
    const wrongSize = store.confirmObject({
      key,
      size: 999,
      expected: { kind: 'single', sha256: sha256(body) },
    });
    expect(await detailsOf(wrongSize)).toEqual({ field: 'size', expected: 999, actual: 1000 });
    expect(
      await settledCode(
        store.confirmObject({ key, size: 1001, expected: { kind: 'single', sha256: sha256(body) } }),
      ),
    ).toBe('ERR_HASH_MISMATCH');
    expect(
      await settledCode(
        store.confirmObject({ key: newKey(), size: 1, expected: { kind: 'single', sha256: sha256(body) } }),
      ),
    ).toBe('ERR_NOT_FOUND');
  });

  it('with the read fallback off (as on AWS), a missing checksum is ERR_HASH_MISMATCH, never a pass', async () => {
    const strict = createS3DocumentStore(s3, {
      bucket,
      presignSeconds: 300,
      verifyByReadingWhenNoChecksum: false,
    });
    const key = newKey();
    const body = randomBytes(1000);
    // Written around the presigned URLs, without a checksum: storage has none to report.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const attempt = strict.confirmObject({
      key,
      size: body.length,
      expected: { kind: 'single', sha256: sha256(body) },
    });
    expect(await detailsOf(attempt)).toEqual({ field: 'sha256', expected: sha256(body), actual: null });
  });

  it('with the read fallback on (local), an object stored without a checksum is confirmed by reading it', async () => {
    const key = newKey();
    const body = randomBytes(1000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const confirmed = await store.confirmObject({
      key,
      size: body.length,
      expected: { kind: 'single', sha256: sha256(body) },
    });
    expect(confirmed.verifiedBy).toBe('read');
  });

  it('presigns GETs for at most 300 seconds and refuses longer', async () => {
    const key = newKey();
    const body = randomBytes(2000);
    await putPresigned(await store.presignSinglePut({ key, size: body.length, sha256: sha256(body) }), body);
    const get = await store.presignGet({ key, expiresInSeconds: 300 });
    expect(new URL(get.url).searchParams.get('X-Amz-Expires')).toBe('300');
    const response = await fetch(get.url);
    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
    expect(await settledCode(store.presignGet({ key, expiresInSeconds: 301 }))).toBe('ERR_VALIDATION');
    expect(await settledCode(store.presignGet({ key, expiresInSeconds: 0 }))).toBe('ERR_VALIDATION');
  });

  it('rejects inconsistent part lists before calling storage', async () => {
    const key = newKey();
    const digest = sha256(Buffer.from('x'));
    const { uploadId } = await store.createMultipart({
      key,
      size: 10,
      partSize: 5,
      partSha256s: [digest, digest],
    });
    expect(
      await settledCode(store.createMultipart({ key, size: 10, partSize: 5, partSha256s: [digest] })),
    ).toBe('ERR_VALIDATION');
    expect(
      await settledCode(
        store.completeMultipart({ key, uploadId, parts: [{ partNumber: 2, etag: '"e"', sha256: digest }] }),
      ),
    ).toBe('ERR_VALIDATION');
  });
});

/** A fake S3 client answering HeadObject like real S3 does (with ChecksumSHA256); records every command. */
function mockS3(head: { ContentLength: number; ChecksumSHA256?: string; ETag?: string }) {
  const sent: string[] = [];
  const client = {
    async send(command: object) {
      sent.push(command.constructor.name);
      if (command instanceof HeadObjectCommand) {
        expect(command.input.ChecksumMode).toBe('ENABLED');
        return head;
      }
      throw Object.assign(new Error('unexpected command'), { name: 'Unexpected' });
    },
  };
  return { client: client as unknown as S3Client, sent };
}

describe('confirmObject with a HeadObject checksum (S3 client mocked: s3rver returns no checksums)', () => {
  const parts = [randomBytes(300), randomBytes(300), randomBytes(7)];
  const partSha256s = parts.map(sha256);
  const whole = sha256(Buffer.concat(parts));
  const options = { bucket: 'b', presignSeconds: 300, verifyByReadingWhenNoChecksum: false };

  it('accepts a single-PUT checksum equal to the expected SHA-256 without reading the object', async () => {
    const { client, sent } = mockS3({ ContentLength: 607, ChecksumSHA256: whole, ETag: '"e"' });
    const store = createS3DocumentStore(client, options);
    const confirmed = await store.confirmObject({
      key: 'k',
      size: 607,
      expected: { kind: 'single', sha256: whole },
    });
    expect(confirmed).toMatchObject({ verifiedBy: 'head-checksum', checksum: whole });
    expect(sent).toEqual(['HeadObjectCommand']);
  });

  it('accepts the composite `base64(sha256(part digests))-N` form for multipart', async () => {
    const outer = createHash('sha256');
    for (const p of parts) outer.update(createHash('sha256').update(p).digest());
    const composite = `${outer.digest('base64')}-3`;
    expect(computeCompositeSha256(partSha256s)).toBe(composite);
    const { client, sent } = mockS3({ ContentLength: 607, ChecksumSHA256: composite });
    const store = createS3DocumentStore(client, options);
    const confirmed = await store.confirmObject({
      key: 'k',
      size: 607,
      expected: { kind: 'multipart', partSha256s, partSize: 300 },
    });
    expect(confirmed).toMatchObject({ verifiedBy: 'head-checksum', checksum: composite });
    expect(sent).toEqual(['HeadObjectCommand']);
  });

  it('rejects a different checksum, a wrong part count and a missing checksum (ERR_HASH_MISMATCH)', async () => {
    const composite = computeCompositeSha256(partSha256s);
    const wrongCount = composite.replace(/-3$/, '-2');
    for (const reported of [sha256(randomBytes(8)), wrongCount, undefined]) {
      const { client } = mockS3({ ContentLength: 607, ...(reported ? { ChecksumSHA256: reported } : {}) });
      const store = createS3DocumentStore(client, options);
      const attempt = store.confirmObject({
        key: 'k',
        size: 607,
        expected: { kind: 'multipart', partSha256s, partSize: 300 },
      });
      expect(await detailsOf(attempt)).toEqual({
        field: 'sha256',
        expected: composite,
        actual: reported ?? null,
      });
    }
  });

  it('aborts an unfinished multipart upload (s3rver answers AbortMultipartUpload with MethodNotAllowed)', async () => {
    const sent: object[] = [];
    const client = {
      send: async (command: object) => {
        sent.push(command);
        return {};
      },
    } as unknown as S3Client;
    await createS3DocumentStore(client, options).abortMultipart({ key: 'k', uploadId: 'u-1' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(AbortMultipartUploadCommand);
    expect((sent[0] as AbortMultipartUploadCommand).input).toEqual({
      Bucket: 'b',
      Key: 'k',
      UploadId: 'u-1',
    });
  });

  it('translates NotFound from HeadObject to ERR_NOT_FOUND', async () => {
    const client = {
      send: async () => {
        throw Object.assign(new Error('nf'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
      },
    } as unknown as S3Client;
    const store = createS3DocumentStore(client, options);
    expect(
      await settledCode(
        store.confirmObject({ key: 'k', size: 1, expected: { kind: 'single', sha256: whole } }),
      ),
    ).toBe('ERR_NOT_FOUND');
  });
});
