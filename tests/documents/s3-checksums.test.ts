// Tests (integration): the embedded S3 verifies and reports SHA-256 checksums as S3 does (server/local/
// s3-checksums.ts), driven by the real AWS SDK over HTTP against s3rver, including across a restart.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServers, startEmbeddedServers } from '../../server/local/embedded-servers.ts';
import { partsDigestOf, storageChecksumOfPartsDigest } from '../../shared/crypto/sealed-digest.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64');
/** The composite checksum S3 reports for a multipart upload of `parts`, as the client computes it. */
const compositeOf = (parts: Buffer[]): string =>
  storageChecksumOfPartsDigest(partsDigestOf(parts.map(sha256)));
const bucket = 'checksums';

/** The S3 error name of a rejected call, or 'resolved'. */
async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as { name?: string }).name ?? 'unknown';
  }
}

async function errorStatus(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  }
}

describe('embedded S3 checksums (real SDK over HTTP)', () => {
  let dataDir = '';
  let servers: EmbeddedServers;
  let s3: S3Client;
  let n = 0;
  const newKey = () => `docs/object-${++n}`;

  async function start(): Promise<void> {
    servers = await startEmbeddedServers({ dataDir, persistDynamo: false });
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: servers.s3Endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
  }

  async function stop(): Promise<void> {
    s3.destroy();
    await servers.close();
  }

  const head = (key: string) =>
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));

  /** A PutObject carrying the body's own SHA-256. */
  const putWithChecksum = (key: string, body: Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ChecksumSHA256: sha256(body) }));

  /** One UploadPart, with `checksum` as its SHA-256 header when given. */
  const uploadPart = (key: string, uploadId: string, partNumber: number, body: Buffer, checksum?: string) =>
    s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ...(checksum === undefined ? {} : { ChecksumSHA256: checksum }),
      }),
    );

  const objectBytes = async (key: string): Promise<Buffer> => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  };

  async function uploadParts(key: string, parts: Buffer[], checksums = parts.map(sha256)) {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ChecksumAlgorithm: 'SHA256',
        ChecksumType: 'COMPOSITE',
      }),
    );
    const uploaded = [];
    for (const [i, body] of parts.entries()) {
      const out = await uploadPart(key, UploadId!, i + 1, body, checksums[i]);
      uploaded.push({ PartNumber: i + 1, ETag: out.ETag, ChecksumSHA256: out.ChecksumSHA256 });
    }
    return { uploadId: UploadId!, uploaded };
  }

  const complete = (
    key: string,
    uploadId: string,
    parts: Array<{ PartNumber: number; ETag?: string | undefined; ChecksumSHA256?: string | undefined }>,
  ) =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pouch-s3-checksums-'));
    await start();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('records a PUT whose body matches its checksum and reports it on PutObject and HeadObject', async () => {
    const key = newKey();
    const body = randomBytes(200_000);
    const put = await putWithChecksum(key, body);
    expect(put.ChecksumSHA256).toBe(sha256(body));
    const described = await head(key);
    expect(described.ChecksumSHA256).toBe(sha256(body));
    expect(described.ChecksumType).toBe('FULL_OBJECT');
    // Not asked for, not given (as S3).
    const plain = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(plain.ChecksumSHA256).toBeUndefined();
  });

  it('refuses a PUT whose body differs from its checksum with 400 BadDigest, and records nothing', async () => {
    const key = newKey();
    const body = randomBytes(50_000);
    const claimed = sha256(randomBytes(50_000));
    const attempt = s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ChecksumSHA256: claimed }),
    );
    expect(await errorName(attempt)).toBe('BadDigest');
    expect(
      await errorStatus(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ChecksumSHA256: claimed })),
      ),
    ).toBe(400);
    expect(await errorName(head(key))).toBe('NotFound');
  });

  it('refuses a malformed checksum header with 400 InvalidRequest', async () => {
    const key = newKey();
    const attempt = s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: Buffer.from('x'),
        ChecksumSHA256: 'not-base64',
      }),
    );
    expect(await errorName(attempt)).toBe('InvalidRequest');
  });

  it('forgets the checksum when the object is overwritten without one, copied over or deleted', async () => {
    const key = newKey();
    const body = randomBytes(10_000);
    await putWithChecksum(key, body);
    expect((await head(key)).ChecksumSHA256).toBe(sha256(body));
    // The attacker's move: keep the recorded checksum, change the bytes.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(10_000) }));
    expect((await head(key)).ChecksumSHA256).toBeUndefined();

    await putWithChecksum(key, body);
    const other = newKey();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: other, Body: randomBytes(10_000) }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${other}` }));
    expect((await head(key)).ChecksumSHA256).toBeUndefined();

    await putWithChecksum(key, body);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    expect((await head(key)).ChecksumSHA256).toBeUndefined();
  });

  it('reports the composite checksum of a multipart upload, equal to the client computation', async () => {
    const key = newKey();
    const parts = [randomBytes(70_000), randomBytes(70_000), randomBytes(1234)];
    const { uploadId, uploaded } = await uploadParts(key, parts);
    expect(uploaded.map((p) => p.ChecksumSHA256)).toEqual(parts.map(sha256));
    const done = await complete(key, uploadId, uploaded);
    const expected = compositeOf(parts);
    expect(expected).toMatch(/-3$/);
    expect(done.ChecksumSHA256).toBe(expected);
    const described = await head(key);
    expect(described.ChecksumSHA256).toBe(expected);
    expect(described.ChecksumType).toBe('COMPOSITE');
    expect(described.ContentLength).toBe(70_000 * 2 + 1234);
    // Assembled without s3rver: the bytes are the parts in order, the ETag S3's multipart form.
    const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest();
    const etag = createHash('md5')
      .update(Buffer.concat(parts.map(md5)))
      .digest('hex');
    expect(done.ETag).toBe(`"${etag}-3"`);
    expect((await objectBytes(key)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('assembles a multipart upload made without checksums the same way, reporting no checksum', async () => {
    const key = newKey();
    const parts = [randomBytes(30_000), randomBytes(3)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const uploaded = [];
    for (const [i, body] of parts.entries()) {
      const out = await uploadPart(key, UploadId!, i + 1, body);
      uploaded.push({ PartNumber: i + 1, ETag: out.ETag });
    }
    const wrongTag = [uploaded[0]!, { PartNumber: 2, ETag: '"00000000000000000000000000000000"' }];
    expect(await errorName(complete(key, UploadId!, wrongTag))).toBe('InvalidPart');
    const done = await complete(key, UploadId!, uploaded);
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(done.ChecksumSHA256).toBeUndefined();
    const described = await head(key);
    expect(described.ChecksumSHA256).toBeUndefined();
    expect(described.ETag).toBe(done.ETag);
    expect((await objectBytes(key)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('assembles the same bytes by copying through the process when no `cat` program can be run', async () => {
    const key = newKey();
    const parts = [randomBytes(70_000), randomBytes(70_000), randomBytes(99)];
    const { uploadId, uploaded } = await uploadParts(key, parts);
    const path = process.env.PATH;
    const empty = await mkdtemp(join(tmpdir(), 'pouch-no-cat-'));
    // The embedded S3 runs in this process: with an empty PATH its completion cannot spawn `cat`.
    process.env.PATH = empty;
    try {
      const done = await complete(key, uploadId, uploaded);
      expect(done.ChecksumSHA256).toBe(compositeOf(parts));
    } finally {
      process.env.PATH = path;
      await rm(empty, { recursive: true, force: true });
    }
    expect((await objectBytes(key)).equals(Buffer.concat(parts))).toBe(true);
  });

  /** Parts sent in `order` (part numbers), without checksums; their ETags by part number. */
  async function uploadInOrder(key: string, bodies: Buffer[], order: number[]) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const etags = new Map<number, string | undefined>();
    for (const number of order) {
      const out = await uploadPart(key, UploadId!, number, bodies[number - 1]!);
      etags.set(number, out.ETag);
    }
    return { uploadId: UploadId!, etags };
  }

  /** The completion's part list: `numbers` (all parts sent, by default), each with the ETag it was last sent with. */
  const listed = (
    etags: Map<number, string | undefined>,
    numbers = [...etags.keys()].sort((a, b) => a - b),
  ) => numbers.map((number) => ({ PartNumber: number, ETag: etags.get(number) }));

  // The parts are assembled as they arrive (s3-assembly.ts); each case below would serve other bytes than the
  // parts listed if the completion trusted that assembly where it cannot.
  it('serves the listed parts when a part arrived before part 1 fixed the layout (copied in at completion)', async () => {
    const key = newKey();
    const bodies = Array.from({ length: 8 }, (_, i) => randomBytes(i === 7 ? 777 : 20_000));
    const { uploadId, etags } = await uploadInOrder(key, bodies, [2, 1, 3, 4, 5, 6, 7, 8]);
    await complete(key, uploadId, listed(etags));
    expect((await objectBytes(key)).equals(Buffer.concat(bodies))).toBe(true);
  });

  it('serves the listed parts when the parts are not all one size', async () => {
    const key = newKey();
    const bodies = [
      randomBytes(20_000),
      randomBytes(15_000),
      randomBytes(20_000),
      randomBytes(20_000),
      randomBytes(9),
    ];
    const { uploadId, etags } = await uploadInOrder(key, bodies, [1, 2, 3, 4, 5]);
    await complete(key, uploadId, listed(etags));
    expect((await objectBytes(key)).equals(Buffer.concat(bodies))).toBe(true);
  });

  it('serves only the listed parts when the list skips one', async () => {
    const key = newKey();
    const bodies = [randomBytes(20_000), randomBytes(20_000), randomBytes(20_000), randomBytes(5)];
    const { uploadId, etags } = await uploadInOrder(key, bodies, [1, 2, 3, 4]);
    await complete(key, uploadId, listed(etags, [1, 3, 4]));
    expect((await objectBytes(key)).equals(Buffer.concat([bodies[0]!, bodies[2]!, bodies[3]!]))).toBe(true);
  });

  it('serves the bytes of a part sent again, and cuts off parts sent but not listed', async () => {
    const key = newKey();
    const bodies = [randomBytes(20_000), randomBytes(20_000), randomBytes(20_000), randomBytes(20_000)];
    const { uploadId, etags } = await uploadInOrder(key, bodies, [1, 2, 3, 4]);
    const replaced = randomBytes(20_000);
    const again = await uploadPart(key, uploadId, 2, replaced);
    etags.set(2, again.ETag);
    await complete(key, uploadId, listed(etags, [1, 2, 3]));
    expect((await objectBytes(key)).equals(Buffer.concat([bodies[0]!, replaced, bodies[2]!]))).toBe(true);
  });

  it('refuses a part for an upload already completed (NoSuchUpload), as S3 does', async () => {
    const key = newKey();
    const bodies = [randomBytes(20_000), randomBytes(10)];
    const { uploadId, etags } = await uploadInOrder(key, bodies, [1, 2]);
    await complete(key, uploadId, listed(etags, [1, 2]));
    const late = uploadPart(key, uploadId, 3, randomBytes(10));
    expect(await errorName(late)).toBe('NoSuchUpload');
    expect((await objectBytes(key)).equals(Buffer.concat(bodies))).toBe(true);
  });

  it('refuses a part whose body differs from its checksum, and then refuses to complete with it', async () => {
    const key = newKey();
    const parts = [randomBytes(20_000), randomBytes(20_000)];
    const good = await uploadParts(key, [parts[0]!]);
    const attempt = uploadPart(key, good.uploadId, 2, parts[1]!, sha256(randomBytes(20_000)));
    expect(await errorName(attempt)).toBe('BadDigest');
    const claimed = [
      ...good.uploaded,
      { PartNumber: 2, ETag: '"00000000000000000000000000000000"', ChecksumSHA256: sha256(parts[1]!) },
    ];
    expect(await errorName(complete(key, good.uploadId, claimed))).toBe('InvalidPart');
    expect(await errorName(head(key))).toBe('NotFound');
  });

  it('refuses to complete when a listed part checksum is not the recorded one, or parts are out of order', async () => {
    const key = newKey();
    const parts = [randomBytes(10_000), randomBytes(10_000)];
    const { uploadId, uploaded } = await uploadParts(key, parts);
    const lying = uploaded.map((p, i) => (i === 1 ? { ...p, ChecksumSHA256: sha256(randomBytes(8)) } : p));
    expect(await errorName(complete(key, uploadId, lying))).toBe('InvalidPart');
    const withoutChecksum = uploaded.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag }));
    expect(await errorName(complete(key, uploadId, withoutChecksum))).toBe('InvalidPart');
    expect(await errorName(complete(key, uploadId, [...uploaded].reverse()))).toBe('InvalidPartOrder');
    // The upload survived the refusals, as on S3.
    const done = await complete(key, uploadId, uploaded);
    expect(done.ChecksumSHA256).toBe(compositeOf(parts));
  });

  it('forgets a part checksum when the part is uploaded again without one (bytes swapped after recording)', async () => {
    const key = newKey();
    const parts = [randomBytes(10_000), randomBytes(10_000)];
    const { uploadId, uploaded } = await uploadParts(key, parts);
    const swapped = await uploadPart(key, uploadId, 2, randomBytes(10_000));
    const claimed = [uploaded[0]!, { PartNumber: 2, ETag: swapped.ETag, ChecksumSHA256: sha256(parts[1]!) }];
    expect(await errorName(complete(key, uploadId, claimed))).toBe('InvalidPart');
    expect(await errorName(complete(key, uploadId, uploaded))).toBe('InvalidPart');
  });

  it('completes after a part whose client went away mid-body (a killed send), once the part is sent again', async () => {
    const key = newKey();
    const part = randomBytes(6 * 1024 * 1024);
    const { uploadId } = await uploadParts(key, []);
    // The client dies half-way through the body: its socket closes with the request unfinished.
    await new Promise<void>((resolve) => {
      const url = new URL(`${servers.s3Endpoint}/${bucket}/${key}?partNumber=1&uploadId=${uploadId}`);
      const req = request(url, {
        method: 'PUT',
        headers: { 'content-length': part.length, 'x-amz-checksum-sha256': sha256(part) },
      });
      req.on('error', () => resolve());
      req.write(part.subarray(0, part.length / 2), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
    });
    // The resumed send: the same part again, whole, then the completion, which must not wait for the dead one.
    const again = await uploadPart(key, uploadId, 1, part, sha256(part));
    const completed = await Promise.race([
      complete(key, uploadId, [{ PartNumber: 1, ETag: again.ETag, ChecksumSHA256: again.ChecksumSHA256 }]),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
    ]);
    expect(completed).not.toBe('hung');
    expect((await objectBytes(key)).equals(part)).toBe(true);
  }, 30_000);

  it('keeps object and part checksums across a restart of the embedded servers', async () => {
    const single = newKey();
    const body = randomBytes(30_000);
    await putWithChecksum(single, body);
    const multi = newKey();
    const parts = [randomBytes(10_000), randomBytes(5_000)];
    const { uploadId, uploaded } = await uploadParts(multi, parts);

    await stop();
    await start();
    expect(servers.s3Repair.actions).toEqual([]);
    expect((await head(single)).ChecksumSHA256).toBe(sha256(body));
    const done = await complete(multi, uploadId, uploaded);
    expect(done.ChecksumSHA256).toBe(compositeOf(parts));
    expect((await head(multi)).ChecksumSHA256).toBe(done.ChecksumSHA256);
  });

  it('sets aside at start-up a record made for other bytes, a record without its object and a half-written one', async () => {
    const key = newKey();
    const body = randomBytes(5_000);
    await putWithChecksum(key, body);
    await stop();
    const bucketDir = join(dataDir, 's3', bucket);
    const record = join(bucketDir, `${key}._S3rver_checksum.json`);
    const made = JSON.parse(await readFile(record, 'utf8')) as Record<string, unknown>;
    await writeFile(record, JSON.stringify({ ...made, md5: '0'.repeat(32) }));
    await writeFile(join(bucketDir, 'docs/gone._S3rver_checksum.json'), JSON.stringify(made));
    await writeFile(join(bucketDir, `${key}._S3rver_checksum.json.tmp-abc123`), '{"sha');
    await start();
    const reasons = servers.s3Repair.actions.map((a) => [a.path, a.action]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        [join(bucket, `${key}._S3rver_checksum.json`), 'quarantined'],
        [join(bucket, 'docs/gone._S3rver_checksum.json'), 'quarantined'],
        [join(bucket, `${key}._S3rver_checksum.json.tmp-abc123`), 'quarantined'],
      ]),
    );
    expect(servers.s3Repair.actions).toHaveLength(3);
    expect((await head(key)).ChecksumSHA256).toBeUndefined();
  });
});
