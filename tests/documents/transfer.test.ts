// Tests (integration): the client transfer engine (hash, upload with resume, verified download) against a
// real s3rver through the real S3 DocumentStore adapter. Faults are injected only through `fetch`.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { downloadFile } from '../../client/transfer/download-file.ts';
import { hashFileParts } from '../../client/transfer/hash-file.ts';
import { readResumeState } from '../../client/transfer/resume-state.ts';
import { type UploadProgress, uploadFile } from '../../client/transfer/upload-file.ts';
import { objectKeys } from '../../server/config/storage-definitions.ts';
import type { PartToPresign } from '../../server/ports/document-store.ts';
import { planUpload, type UploadPlan } from '../../shared/domain/upload-plan.ts';
import { settledCode, useDocumentStore } from '../support/document-store-harness.ts';

const KiB = 1024;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64');

/** A fetch that counts storage PUTs and lets a test fail some of them. */
function countingFetch(failWhen: (putNumber: number) => boolean = () => false) {
  const counter = { puts: 0 };
  const wrapped: typeof fetch = async (input, init) => {
    if (init?.method === 'PUT') {
      counter.puts++;
      if (failWhen(counter.puts)) throw new TypeError('fetch failed (fault injected)');
    }
    return fetch(input, init);
  };
  return { fetch: wrapped, counter };
}

describe('client transfer engine on s3rver', () => {
  const docs = useDocumentStore({ prefix: 'files-' });
  let n = 0;
  const maxBytes = 1024 ** 3;

  async function writeRandomFile(size: number): Promise<{ path: string; bytes: Buffer }> {
    const bytes = randomBytes(size);
    const path = join(docs.dir, `file-${++n}.age`);
    await writeFile(path, bytes);
    return { path, bytes };
  }

  /** What the API does for a multipart document, wired straight to the adapter. */
  async function startMultipart(path: string, plan: Extract<UploadPlan, { kind: 'multipart' }>) {
    const key = objectKeys.document('ex-transfer', `doc-${++n}`);
    const hashes = await hashFileParts(path, plan.partSize);
    const { uploadId } = await docs.store.createMultipart({
      key,
      size: plan.size,
      partSize: plan.partSize,
      partSha256s: hashes.partSha256s,
    });
    const presigned: number[] = [];
    return {
      key,
      hashes,
      uploadId,
      presigned,
      presign: async (parts: readonly PartToPresign[]) => {
        presigned.push(...parts.map((p) => p.partNumber));
        return docs.store.presignParts({ key, uploadId, parts });
      },
    };
  }

  it('hashes the whole file and each part in one pass, matching in-memory hashes', async () => {
    const { path, bytes } = await writeRandomFile(3 * 100 * KiB + 17);
    for (const partSize of [100 * KiB, 999, 5000, bytes.length, bytes.length + 1]) {
      const hashes = await hashFileParts(path, partSize);
      const expected: string[] = [];
      for (let at = 0; at < bytes.length; at += partSize)
        expected.push(sha256(bytes.subarray(at, at + partSize)));
      expect(hashes.partSha256s).toEqual(expected);
      expect(hashes.sha256).toBe(sha256(bytes));
      expect(hashes.sha256Hex).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(hashes.size).toBe(bytes.length);
    }
    const empty = join(docs.dir, 'empty.age');
    await writeFile(empty, '');
    expect((await hashFileParts(empty, 10)).partSha256s).toEqual([sha256(Buffer.alloc(0))]);
  });

  it('uploads a small file in one checksum-bound PUT, then the server confirms it', async () => {
    const { path, bytes } = await writeRandomFile(200 * KiB);
    const plan = planUpload(bytes.length, maxBytes);
    expect(plan.kind).toBe('single');
    const key = objectKeys.document('ex-transfer', `doc-${++n}`);
    const progress: UploadProgress[] = [];
    const statePath = `${path}.upload.json`;
    const result = await uploadFile({
      path,
      plan,
      target: { documentId: `doc-${n}`, key },
      presign: async ([part]) => [
        {
          ...(await docs.store.presignSinglePut({ key, size: part!.size, sha256: part!.sha256 })),
          partNumber: 1,
        },
      ],
      complete: async () => {
        await docs.store.confirmObject({
          key,
          size: bytes.length,
          expected: { kind: 'single', sha256: sha256(bytes) },
        });
      },
      resumeStatePath: statePath,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({
      size: bytes.length,
      sha256: sha256(bytes),
      partsUploaded: 1,
      partsSkipped: 0,
    });
    expect(progress.at(-1)).toEqual({
      bytesDone: bytes.length,
      totalBytes: bytes.length,
      partsDone: 1,
      partCount: 1,
    });
    expect(await readResumeState(statePath)).toBeUndefined();
  });

  it('uploads 3 parts concurrently and the store confirms the composite checksum', async () => {
    const { path, bytes } = await writeRandomFile(2 * 64 * KiB + 1234);
    const plan = planUpload(bytes.length, maxBytes, { testOnlyForcePartSize: 64 * KiB });
    if (plan.kind !== 'multipart') throw new Error('expected a multipart plan');
    expect(plan.partCount).toBe(3);
    const upload = await startMultipart(path, plan);
    const result = await uploadFile({
      path,
      plan,
      hashes: upload.hashes,
      target: { documentId: `doc-${n}`, key: upload.key, uploadId: upload.uploadId },
      presign: upload.presign,
      complete: async (parts) => {
        expect(parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
        await docs.store.completeMultipart({ key: upload.key, uploadId: upload.uploadId, parts });
      },
      concurrency: 4,
    });
    expect(result.parts.map((p) => p.sha256)).toEqual(upload.hashes.partSha256s);
    const confirmed = await docs.store.confirmObject({
      key: upload.key,
      size: bytes.length,
      expected: { kind: 'multipart', partSha256s: upload.hashes.partSha256s, partSize: plan.partSize },
    });
    expect(confirmed.checksum).toMatch(/-3$/);
  });

  it('resumes after an interruption and uploads only the missing parts (fault injected)', async () => {
    const { path, bytes } = await writeRandomFile(5 * 32 * KiB);
    const plan = planUpload(bytes.length, maxBytes, { testOnlyForcePartSize: 32 * KiB });
    if (plan.kind !== 'multipart') throw new Error('expected a multipart plan');
    const upload = await startMultipart(path, plan);
    const statePath = join(docs.dir, `resume-${n}.json`);
    const target = { documentId: `doc-${n}`, key: upload.key, uploadId: upload.uploadId };
    let completed = 0;
    const complete = async (parts: readonly { partNumber: number; etag: string; sha256: string }[]) => {
      completed++;
      await docs.store.completeMultipart({ key: upload.key, uploadId: upload.uploadId, parts });
    };

    // First run: PUTs 1 and 2 succeed, every later PUT fails (the network went away).
    const first = countingFetch((put) => put > 2);
    const interrupted = uploadFile({
      path,
      plan,
      target,
      presign: upload.presign,
      complete,
      resumeStatePath: statePath,
      concurrency: 1,
      retry: { attempts: 2, baseDelayMs: 1 },
      fetch: first.fetch,
    });
    expect(await settledCode(interrupted)).toBe('ERR_STORAGE');
    expect(completed).toBe(0);
    const saved = await readResumeState(statePath);
    expect(saved).toMatchObject({
      version: 1,
      kind: 'multipart',
      documentId: target.documentId,
      uploadId: upload.uploadId,
      partSize: 32 * KiB,
      partCount: 5,
      file: { size: bytes.length, sha256: sha256(bytes) },
    });
    expect(saved?.completedParts.map((p) => p.partNumber)).toEqual([1, 2]);

    // Second run, same state file: only parts 3..5 go up.
    upload.presigned.length = 0;
    const second = countingFetch();
    const result = await uploadFile({
      path,
      plan,
      target,
      presign: upload.presign,
      complete,
      resumeStatePath: statePath,
      fetch: second.fetch,
    });
    expect(second.counter.puts).toBe(3);
    expect([...new Set(upload.presigned)].sort()).toEqual([3, 4, 5]);
    expect(result).toMatchObject({ partsUploaded: 3, partsSkipped: 2 });
    expect(completed).toBe(1);
    expect(await readResumeState(statePath)).toBeUndefined();
    const confirmed = await docs.store.confirmObject({
      key: upload.key,
      size: bytes.length,
      expected: { kind: 'multipart', partSha256s: upload.hashes.partSha256s, partSize: plan.partSize },
    });
    expect(confirmed.verifiedBy).toBe('head-checksum');
  });

  it('refuses to resume when the file changed since the interrupted run (fault injected)', async () => {
    const { path, bytes } = await writeRandomFile(3 * 16 * KiB);
    const plan = planUpload(bytes.length, maxBytes, { testOnlyForcePartSize: 16 * KiB });
    if (plan.kind !== 'multipart') throw new Error('expected a multipart plan');
    const upload = await startMultipart(path, plan);
    const statePath = join(docs.dir, `resume-${n}.json`);
    const options = {
      path,
      plan,
      target: { documentId: `doc-${n}`, key: upload.key, uploadId: upload.uploadId },
      presign: upload.presign,
      complete: async () => undefined,
      resumeStatePath: statePath,
      concurrency: 1,
      retry: { attempts: 1 },
    };
    expect(await settledCode(uploadFile({ ...options, fetch: countingFetch((put) => put > 1).fetch }))).toBe(
      'ERR_STORAGE',
    );
    const before = await stat(path);
    const changed = Buffer.from(bytes);
    changed[0] = changed[0]! ^ 1;
    await writeFile(path, changed);
    await utimes(path, before.atime, before.mtime); // same size and mtime: only the SHA-256 tells
    const sameMtime = countingFetch();
    expect(await settledCode(uploadFile({ ...options, fetch: sameMtime.fetch }))).toBe('ERR_CONFLICT');
    await utimes(path, before.atime, new Date(before.mtimeMs + 5000));
    expect(await settledCode(uploadFile({ ...options, fetch: sameMtime.fetch }))).toBe('ERR_CONFLICT');
    expect(sameMtime.counter.puts).toBe(0);
  });

  it('retries a part that storage answers with 503 once', async () => {
    const { path, bytes } = await writeRandomFile(2 * 16 * KiB);
    const plan = planUpload(bytes.length, maxBytes, { testOnlyForcePartSize: 16 * KiB });
    if (plan.kind !== 'multipart') throw new Error('expected a multipart plan');
    const upload = await startMultipart(path, plan);
    let puts = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && ++puts === 1)
        return new Response('<Error><Code>SlowDown</Code></Error>', { status: 503 });
      return fetch(input, init);
    };
    const result = await uploadFile({
      path,
      plan,
      target: { documentId: `doc-${n}`, uploadId: upload.uploadId },
      presign: upload.presign,
      complete: (parts) =>
        docs.store.completeMultipart({ key: upload.key, uploadId: upload.uploadId, parts }),
      retry: { baseDelayMs: 1 },
      fetch: flaky,
    });
    expect(puts).toBe(3);
    expect(result.partsUploaded).toBe(2);
  });

  it('downloads to the output path only after size and SHA-256 match', async () => {
    const { bytes } = await writeRandomFile(150 * KiB);
    const key = objectKeys.document('ex-transfer', `doc-${++n}`);
    const put = await docs.store.presignSinglePut({ key, size: bytes.length, sha256: sha256(bytes) });
    await (
      await fetch(put.url, { method: 'PUT', headers: put.headers, body: new Uint8Array(bytes) })
    ).arrayBuffer();
    const outDir = await mkdtemp(join(docs.dir, 'out-'));
    const outputPath = join(outDir, 'evidence.age');

    const { url } = await docs.store.presignGet({ key, expiresInSeconds: 60 });
    const hex = createHash('sha256').update(bytes).digest('hex');
    const result = await downloadFile({ url, outputPath, expectedSize: bytes.length, expectedSha256: hex });
    expect(result).toMatchObject({ size: bytes.length, sha256: sha256(bytes), sha256Hex: hex });
    expect((await readFile(outputPath)).equals(bytes)).toBe(true);
    // Without overwrite an existing output is never replaced.
    expect(
      await settledCode(
        downloadFile({ url, outputPath, expectedSize: bytes.length, expectedSha256: sha256(bytes) }),
      ),
    ).toBe('ERR_CONFLICT');
  });

  it('leaves nothing at the output path when the object was tampered with or is missing', async () => {
    const { bytes } = await writeRandomFile(120 * KiB);
    const key = objectKeys.document('ex-transfer', `doc-${++n}`);
    const tampered = Buffer.from(bytes);
    tampered[777] = tampered[777]! ^ 0x80;
    await docs.exchange.runtime.clients.s3.send(
      new PutObjectCommand({ Bucket: docs.exchange.runtime.config.evidenceBucket, Key: key, Body: tampered }),
    );
    const outDir = await mkdtemp(join(docs.dir, 'out-'));
    const outputPath = join(outDir, 'evidence.age');
    const { url } = await docs.store.presignGet({ key, expiresInSeconds: 60 });
    const expect_ = { expectedSize: bytes.length, expectedSha256: sha256(bytes) };

    expect(await settledCode(downloadFile({ url, outputPath, ...expect_ }))).toBe('ERR_HASH_MISMATCH');
    expect(
      await settledCode(downloadFile({ url, outputPath, ...expect_, expectedSize: bytes.length - 1 })),
    ).toBe('ERR_HASH_MISMATCH');
    const missing = await docs.store.presignGet({ key: `${key}.missing`, expiresInSeconds: 60 });
    expect(await settledCode(downloadFile({ url: missing.url, outputPath, ...expect_ }))).toBe(
      'ERR_NOT_FOUND',
    );
    expect(await readdir(outDir)).toEqual([]);
  });
});

describe('upload requests (against a plain HTTP server that records them)', () => {
  it('sends content-length and the checksum header, never chunked encoding (S3 needs the length)', async () => {
    const seen: { headers: IncomingHttpHeaders; bytes: number }[] = [];
    const server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on('end', () => {
        seen.push({ headers: req.headers, bytes });
        res.writeHead(200, { etag: '"abc"' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'pouch-transfer-'));
    try {
      const path = join(dir, 'f.age');
      const bytes = randomBytes(3 * 1024 * 1024 + 5);
      await writeFile(path, bytes);
      const plan = planUpload(bytes.length, 1024 ** 3);
      await uploadFile({
        path,
        plan,
        target: { documentId: 'd' },
        presign: async ([part]) => [
          {
            method: 'PUT',
            partNumber: 1,
            url: `${base}/put`,
            headers: { 'content-length': String(part!.size), 'x-amz-checksum-sha256': part!.sha256 },
            expiresAt: new Date(Date.now() + 300_000).toISOString(),
          },
        ],
        complete: async () => undefined,
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.headers['content-length']).toBe(String(bytes.length));
      expect(seen[0]!.headers['transfer-encoding']).toBeUndefined();
      expect(seen[0]!.headers['x-amz-checksum-sha256']).toBe(sha256(bytes));
      expect(seen[0]!.bytes).toBe(bytes.length);
    } finally {
      server.closeAllConnections();
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
