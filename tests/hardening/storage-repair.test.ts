// Hardening: what a kill leaves half-written in the embedded S3 server's folder (s3rver 3.7 files under
// <data>/s3) is repaired or set aside at the next start, reported in the start-up summary and a log line, and
// /health does not depend on listing objects (one unreadable object used to fail it for good).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repairS3Store } from '../../server/local/s3-store-repair.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Started = Awaited<ReturnType<typeof startTestExchange>>;

const objectFile = (bucketDir: string, key: string, suffix: string) =>
  join(bucketDir, `${key}._S3rver_${suffix}`);

describe('embedded storage after a kill', () => {
  let dataDir = '';
  let exchange: Started | undefined;
  let bucket = '';
  let bucketDir = '';
  const bodies = new Map<string, Buffer>();

  async function put(running: Started, key: string): Promise<void> {
    const body = randomBytes(3000);
    bodies.set(key, body);
    await running.runtime.clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'application/octet-stream',
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      }),
    );
  }

  async function health(running: Started) {
    const res = await running.runtime.app.request('/health');
    return { status: res.status, body: (await res.json()) as { status: string } };
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pouch-repair-'));
    exchange = await startTestExchange({ dataDir });
    bucket = exchange.runtime.config.evidenceBucket;
    bucketDir = join(dataDir, 's3', bucket);
    for (const key of ['whole', 'empty-meta', 'cut-bytes', 'no-meta', 'no-md5'])
      await put(exchange, `t/${key}`);
  });
  afterAll(async () => {
    await exchange?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps /health ok while an object is unreadable (HeadBucket does not list)', async () => {
    const meta = objectFile(bucketDir, 't/whole', 'metadata.json');
    const original = await readFile(meta);
    await writeFile(meta, '');
    try {
      const { status, body } = await health(exchange!);
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
    } finally {
      await writeFile(meta, original);
    }
  });

  it('repairs or quarantines every half-written object at the next start, and says so', async () => {
    await exchange!.close();
    // What a kill leaves behind, case by case (see server/local/s3-store-repair.ts).
    await writeFile(objectFile(bucketDir, 't/empty-meta', 'metadata.json'), ''); // cut during the metadata write
    await truncate(objectFile(bucketDir, 't/cut-bytes', 'object'), 1000); // overwrite cut short
    await unlink(objectFile(bucketDir, 't/no-meta', 'metadata.json')); // killed before the metadata
    await unlink(objectFile(bucketDir, 't/no-md5', 'object.md5'));
    await writeFile(objectFile(bucketDir, 't/orphan', 'metadata.json'), '{}'); // object never written
    const upload = join(bucketDir, '._S3rver_uploads', 'upload-1');
    await mkdir(upload, { recursive: true });
    await writeFile(join(upload, 'key'), 't/multi');
    await writeFile(join(upload, 'metadata'), '{}');
    await writeFile(join(upload, '1'), randomBytes(100));
    await writeFile(
      join(upload, '1.md5'),
      createHash('md5')
        .update(await readFile(join(upload, '1')))
        .digest('hex'),
    );
    await writeFile(join(upload, '2'), randomBytes(100)); // its MD5 never written
    const halfCreated = join(bucketDir, '._S3rver_uploads', 'upload-2');
    await mkdir(halfCreated, { recursive: true });
    await writeFile(join(halfCreated, 'key'), '');

    exchange = await startTestExchange({ dataDir });
    const summary = exchange.embedded.s3Repair;
    const byPath = new Map(summary.actions.map((a) => [a.path, a.action]));
    const rel = (key: string, suffix: string) => join(bucket, `${key}._S3rver_${suffix}`);
    expect(byPath.get(rel('t/empty-meta', 'metadata.json'))).toBe('metadata-rebuilt');
    for (const key of ['t/cut-bytes', 't/no-meta', 't/no-md5']) {
      expect(byPath.get(rel(key, 'object')), key).toBe('quarantined');
    }
    expect(byPath.get(rel('t/orphan', 'metadata.json'))).toBe('quarantined');
    expect(byPath.get(join(bucket, '._S3rver_uploads', 'upload-1', '2'))).toBe('quarantined');
    expect(byPath.has(join(bucket, '._S3rver_uploads', 'upload-1', '1'))).toBe(false);
    expect(byPath.get(join(bucket, '._S3rver_uploads', 'upload-2'))).toBe('quarantined');
    expect(byPath.has(rel('t/whole', 'object'))).toBe(false);

    // Nothing deleted: the set-aside files are in the quarantine folder, bytes intact.
    const cut = await readFile(join(summary.quarantineDir!, rel('t/cut-bytes', 'object')));
    expect(cut.equals(bodies.get('t/cut-bytes')!.subarray(0, 1000))).toBe(true);
    expect(
      exchange.logger.lines.some(
        (l) => l.level === 'warn' && l.message === 'local storage repaired after an unclean stop',
      ),
    ).toBe(true);

    // Storage answers: the whole objects read back, the set-aside ones are simply absent, /health is ok.
    const s3 = exchange.runtime.clients.s3;
    for (const key of ['t/whole', 't/empty-meta']) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(Buffer.from(await out.Body!.transformToByteArray()).equals(bodies.get(key)!)).toBe(true);
    }
    for (const key of ['t/cut-bytes', 't/no-meta', 't/no-md5']) {
      await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
        name: 'NoSuchKey',
      });
    }
    expect((await health(exchange)).status).toBe(200);
  }, 60_000);

  it('changes nothing on a healthy folder', async () => {
    const before = await readdir(bucketDir, { recursive: true });
    const summary = await repairS3Store({ s3Dir: join(dataDir, 's3'), quarantineDir: join(dataDir, 'q2') });
    expect(summary.actions).toEqual([]);
    expect(summary.objectsChecked).toBeGreaterThanOrEqual(2);
    expect(await readdir(bucketDir, { recursive: true })).toEqual(before);
  });
});
