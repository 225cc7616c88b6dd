// Local mode infrastructure: makes the embedded S3 (s3rver 3.7) verify and report SHA-256 checksums as S3 does,
// so the local exchange confirms an upload by HeadObject's checksum exactly like on AWS. Installed by
// startEmbeddedServers; the record it keeps beside each object is what the exchange trusts, as AWS trusts S3.
//
// What S3 does, and what this reproduces:
//   - PutObject / UploadPart with `x-amz-checksum-sha256`: the body is hashed as it streams; another digest is
//     refused with 400 BadDigest and nothing is recorded. The response carries the checksum.
//   - CompleteMultipartUpload of an upload created with `x-amz-checksum-algorithm: SHA256`: every part must be
//     listed in ascending order with its ChecksumSHA256 and ETag, both equal to what the part upload recorded
//     (else 400 InvalidPart / InvalidPartOrder, and the upload stays); the object's checksum is the composite
//     base64(sha256(concat(raw part digests)))-N, returned in the result.
//   - Every completion (with checksums or without) is assembled here rather than by s3rver, without hashing the
//     whole object again (each part was hashed as it arrived), and the ETag is S3's multipart form,
//     hex(md5(concat(raw part MD5s)))-N, instead of s3rver's MD5 of the whole object. Parts must be listed in
//     ascending order with their ETags (S3's rule; s3rver checked neither). Like S3, a completion costs about the
//     same whatever the object's size: the parts were written into place as they arrived (s3-assembly.ts) and
//     the completion renames that file; when it cannot vouch for it, the kernel concatenates the part files.
//     The upload's folder (as many bytes again) is removed after the answer.
//   - UploadPart for an upload that does not exist (never created, or completed) is refused with NoSuchUpload
//     (s3rver would create the folder and keep the part).
//   - HeadObject / GetObject (whole object) with `x-amz-checksum-mode: ENABLED`: `x-amz-checksum-sha256` and
//     `x-amz-checksum-type` (FULL_OBJECT or COMPOSITE) when a checksum is recorded.
// Differences, kept on purpose: a refused PUT or part also removes what was at that key or part number before
// (S3 keeps it; s3rver has already truncated it when the digest is known), and GetObjectAttributes is not served.
//
// Why a client cannot set a record without sending matching bytes: the digest recorded is the one computed here
// over the bytes s3rver stored (never a header's value unchecked), every write to the store goes through
// the wrapped store methods below (which clear the record first), and each record is bound to the MD5 and size
// s3rver holds for the bytes: it is reported only while the object (or part) still has that MD5 and size.
// Writes to one key, and the parts of one upload against its completion, are serialized.
//
// On disk (survives a restart; s3-store-repair.ts checks it at start-up), written to a temp file then renamed:
//   <bucket>/<key dirs>/<name>._S3rver_checksum.json       {"sha256","type","md5","size"[,"partSizes"]}
//   <bucket>/._S3rver_uploads/<uploadId>/<n>.checksum.json {"sha256","md5","size"}
// Not trusted after a restart (the state that vouches for it is in memory): <uploadId>/assembly. A completion
// removes the upload's `key` before answering, the rest of its folder after: a kill in between leaves a folder
// without a key, which the start-up repair sets aside like any upload whose creation did not finish.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3rverContext, S3rverObject, S3rverStore } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { PartAssembler } from './s3-assembly.ts';
import { type DigestAlgorithm, HashingStream } from './s3-hashing.ts';

/** Suffix s3rver's getResourcePath gives the object checksum record (`<name>._S3rver_<resource>`). */
export const objectChecksumResource = 'checksum.json';
/** File name of a part's checksum record in its upload folder. */
export const partChecksumSuffix = '.checksum.json';

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

/** What the record says: these bytes (MD5 and size as s3rver stores them) have this SHA-256 checksum. */
export interface ChecksumRecord {
  /** Absent for a multipart upload made without checksums (the record then only holds its part sizes). */
  readonly sha256?: string;
  readonly type?: ChecksumType;
  /** s3rver's ETag for the bytes: their MD5, or S3's multipart form `<md5 of part MD5s>-N`. */
  readonly md5: string;
  readonly size: number;
  /** For a multipart ETag: the part sizes, so the start-up repair can check the bytes against it. */
  readonly partSizes?: readonly number[];
}

interface PartRecord {
  readonly sha256: string;
  readonly md5: string;
  readonly size: number;
}

const sha256Base64 = /^[A-Za-z0-9+/]{43}=$/;
const md5Hex = /^[0-9a-f]{32}$/;

/**
 * The request body as it streams to s3rver, hashed on the way (one pass, constant memory, off the event loop:
 * s3-hashing.ts). A part's body also gets its MD5 there, which the part's ETag needs.
 */
class Sha256Stream extends HashingStream {
  readonly expected: string;

  constructor(expected: string, algorithms: readonly ['sha256', ...DigestAlgorithm[]]) {
    super(algorithms);
    this.expected = expected;
  }

  /** The digest of every byte that passed, once the body ended; undefined before. */
  actual(): string | undefined {
    const hex = this.digest('sha256');
    return hex === undefined ? undefined : Buffer.from(hex, 'hex').toString('base64');
  }
}

interface RequestState {
  /** Set by the store when a checksummed write was verified and recorded: answered in the response. */
  recorded?: { readonly sha256: string; readonly type: ChecksumType };
  /** The request: the store reads the CompleteMultipartUpload body s3rver parsed (its per-part checksums). */
  readonly ctx: S3rverContext;
  /**
   * Set when the request is a part upload ({@link isPartUpload}) with a checksummed body: that body, whose own
   * pass takes the part's MD5 too, so storePart takes none of its own.
   */
  partMd5?: HashingStream;
}

/**
 * Whether s3rver routes the request to UploadPart, by its own rule (lib/routes.js): a PUT of a key whose query
 * names `uploadId`, with no `x-amz-copy-source`. The one place this is decided here: the checksum pass takes a
 * part's MD5 (its ETag) only then, and storePart relies on that pass only then. Decided before s3rver's router
 * runs (the body's hashing starts before routing), so it reads the request, not the route.
 */
function isPartUpload(ctx: S3rverContext): boolean {
  return (
    ctx.method === 'PUT' &&
    ctx.get('x-amz-copy-source') === '' &&
    new URLSearchParams(ctx.querystring).has('uploadId')
  );
}

/**
 * Install the checksum behaviour on an s3rver instance: wrap its store's write methods and return the HTTP
 * middleware to put first in its chain (before routing and authentication, which still run for every request).
 *
 * @example
 * const s3 = new S3rver({ directory, silent: true });
 * const checksums = installS3Checksums(s3.store);
 * s3.middleware.unshift(checksums);
 * // … and when closing: await checksums.drained();
 */
export function installS3Checksums(store: S3rverStore) {
  const keyLocks = new KeyedMutex();
  const uploads = new UploadGate();
  const assembler = new PartAssembler();
  /** Upload folders still being removed after their completion answered (see `drained`). */
  const removals = new Set<Promise<void>>();

  const objectRecordPath = (bucket: string, key: string) =>
    store.getResourcePath(bucket, key, objectChecksumResource);
  const uploadDir = (bucket: string, uploadId: string) =>
    join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);

  const original = {
    putObject: store.putObject.bind(store),
    putPart: store.putPart.bind(store),
    copyObject: store.copyObject.bind(store),
    deleteObject: store.deleteObject.bind(store),
  };

  // Each request's state is handed to the write methods explicitly: the middleware gives the request its own
  // store (`ctx.store`, which s3rver's controllers call) whose writes carry it. Not AsyncLocalStorage: that turns
  // on promise hooks for the whole process, about 3% of the local exchange's CPU under `npm run load` and some
  // of its garbage collection (the exchange and the embedded servers share that process).
  const putObject = (state: RequestState | undefined, object: S3rverObject) =>
    keyLocks.run(`${object.bucket}/${object.key}`, async () => {
      const recordPath = objectRecordPath(object.bucket, object.key);
      await removeIfPresent(recordPath);
      const result = await Promise.race([original.putObject(object), bodyCutShort(object.content)]);
      const content = object.content;
      if (!(content instanceof Sha256Stream)) return result;
      if (content.actual() !== content.expected) {
        await original.deleteObject(object.bucket, object.key);
        throw badDigest();
      }
      const record = {
        sha256: content.expected,
        type: 'FULL_OBJECT',
        md5: result.md5,
        size: result.size,
      } as const satisfies ChecksumRecord;
      await writeAtomically(recordPath, record);
      setRecorded(state, record);
      return result;
    });

  const putPart = (
    state: RequestState | undefined,
    bucket: string,
    uploadId: string,
    partNumber: string | number,
    content: unknown,
  ) =>
    uploads.part(uploadId, async () => {
      if (!(await exists(join(uploadDir(bucket, uploadId), 'key')))) {
        // s3rver would create the folder and keep the part: S3 knows no such upload (never created, completed).
        if (content instanceof Readable) content.resume();
        throw noSuchUpload();
      }
      const recordPath = join(uploadDir(bucket, uploadId), `${partNumber}${partChecksumSuffix}`);
      await removeIfPresent(recordPath);
      const declared = Number(state?.ctx.get('content-length') || Number.NaN);
      const assembling =
        content instanceof Readable
          ? assembler.begin(
              uploadId,
              uploadDir(bucket, uploadId),
              Number(partNumber),
              Number.isSafeInteger(declared) ? declared : undefined,
              content,
            )
          : undefined;
      const partPath = join(uploadDir(bucket, uploadId), String(partNumber));
      const partMd5 = state?.partMd5;
      let result: Awaited<ReturnType<typeof original.putPart>>;
      try {
        result = await Promise.race([
          content instanceof Readable && assembling
            ? storePart(partPath, assembling.body, partMd5 === content ? partMd5 : undefined)
            : original.putPart(bucket, uploadId, partNumber, content),
          bodyCutShort(content),
        ]);
      } catch (error) {
        await assembling?.settle();
        // A part cut short is no part: what was written of it goes, so a completion can never list it.
        await Promise.all([removeIfPresent(partPath), removeIfPresent(`${partPath}.md5`)]);
        throw error;
      }
      if (!(content instanceof Sha256Stream)) {
        await assembling?.settle(result);
        return result;
      }
      if (content.actual() !== content.expected) {
        await assembling?.settle();
        await Promise.all([removeIfPresent(partPath), removeIfPresent(`${partPath}.md5`)]);
        throw badDigest();
      }
      await assembling?.settle(result);
      const record: PartRecord = { sha256: content.expected, md5: result.md5, size: result.size };
      await writeAtomically(recordPath, record);
      setRecorded(state, { sha256: content.expected, type: 'FULL_OBJECT' });
      return result;
    });

  const putObjectMultipart = (
    state: RequestState | undefined,
    bucket: string,
    uploadId: string,
    parts: ReadonlyArray<S3rverPartRef>,
  ) =>
    uploads.complete(uploadId, async () => {
      const dir = uploadDir(bucket, uploadId);
      const [key, metadata] = await Promise.all([
        readFile(join(dir, 'key'), 'utf8').catch(() => undefined),
        readJson(join(dir, 'metadata')),
      ]);
      if (key === undefined) throw noSuchUpload();
      const wantsSha256 =
        String(metadataField(metadata, 'x-amz-checksum-algorithm')).toUpperCase() === 'SHA256';
      // Every multipart upload is assembled the same way (a plain one just records no checksum), so a plain
      // upload and a checksummed one cost the embedded S3 the same.
      const checked = wantsSha256
        ? await checkParts(dir, parts, givenPartChecksums(state))
        : await checkPlainParts(dir, parts);
      return keyLocks.run(`${bucket}/${key}`, async () => {
        const recordPath = objectRecordPath(bucket, key);
        await removeIfPresent(recordPath);
        const objectPath = store.getResourcePath(bucket, key, 'object');
        await mkdir(dirname(objectPath), { recursive: true });
        const assembled = await assembler.take(
          uploadId,
          dir,
          parts.map((p, i) => ({
            number: p.number,
            md5: checked.md5s[i] ?? '',
            size: checked.partSizes[i] ?? -1,
          })),
        );
        if (assembled !== undefined) await rename(assembled, objectPath);
        else
          await concatenate(
            objectPath,
            dir,
            parts.map((p) => String(p.number)),
          );
        const size = checked.partSizes.reduce((sum, n) => sum + n, 0);
        const record: ChecksumRecord = {
          ...(checked.composite === undefined
            ? {}
            : { sha256: checked.composite, type: 'COMPOSITE' as const }),
          md5: checked.etag,
          size,
          partSizes: checked.partSizes,
        };
        // Record before the MD5 and metadata: until those are written the object is not whole (repair sets it aside).
        await writeAtomically(recordPath, record);
        await store.putMetadata(bucket, key, isRecord(metadata) ? metadata : {}, checked.etag);
        // Without its key the upload is gone: no part and no completion finds it (NoSuchUpload). Its parts, as
        // many bytes again as the object, are removed after the answer: a completion costs what S3's does.
        await unlink(join(dir, 'key'));
        const removal: Promise<void> = removeFolder(dir)
          .catch(() => undefined)
          .then(() => {
            removals.delete(removal);
          });
        removals.add(removal);
        if (record.sha256 !== undefined) setRecorded(state, { sha256: record.sha256, type: 'COMPOSITE' });
        return { size, md5: checked.etag };
      });
    });

  // A call that comes with no request (s3rver 3.7's controllers all call `ctx.store`) has no state: nothing to
  // answer with, and a checksummed completion finds no part checksums given, so it lists no valid part.
  store.putObject = (object) => putObject(undefined, object);
  store.putPart = (bucket, uploadId, partNumber, content) =>
    putPart(undefined, bucket, uploadId, partNumber, content);
  store.putObjectMultipart = (bucket, uploadId, parts) =>
    putObjectMultipart(undefined, bucket, uploadId, parts);

  /** The store one request's controllers call: the shared store, with its writes bound to that request. */
  const storeFor = (state: RequestState): S3rverStore =>
    Object.create(store, {
      putObject: { value: (object: S3rverObject) => putObject(state, object) },
      putPart: {
        value: (bucket: string, uploadId: string, partNumber: string | number, content: unknown) =>
          putPart(state, bucket, uploadId, partNumber, content),
      },
      putObjectMultipart: {
        value: (bucket: string, uploadId: string, parts: ReadonlyArray<S3rverPartRef>) =>
          putObjectMultipart(state, bucket, uploadId, parts),
      },
    }) as S3rverStore;

  store.copyObject = (
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    ...rest: unknown[]
  ) =>
    keyLocks.run(`${destBucket}/${destKey}`, async () => {
      // A copy is not re-hashed here: the destination simply has no recorded checksum (confirm reads it).
      await removeIfPresent(objectRecordPath(destBucket, destKey));
      return original.copyObject(srcBucket, srcKey, destBucket, destKey, ...rest);
    });

  store.deleteObject = (bucket: string, key: string) =>
    keyLocks.run(`${bucket}/${key}`, async () => {
      await removeIfPresent(objectRecordPath(bucket, key));
      return original.deleteObject(bucket, key);
    });

  function setRecorded(
    state: RequestState | undefined,
    record: { sha256: string; type: ChecksumType },
  ): void {
    if (state) state.recorded = { sha256: record.sha256, type: record.type };
  }

  /** Per-part ChecksumSHA256 from the CompleteMultipartUpload body, as s3rver itself parsed it. */
  function givenPartChecksums(state: RequestState | undefined): Map<number, string | undefined> {
    const body = state?.ctx.request.body;
    const given = new Map<number, string | undefined>();
    const complete = isRecord(body) ? body.CompleteMultipartUpload : undefined;
    const listed = isRecord(complete) ? complete.Part : undefined;
    for (const part of Array.isArray(listed) ? listed : [listed]) {
      if (!isRecord(part)) continue;
      const checksum = part.ChecksumSHA256;
      given.set(Number(part.PartNumber), typeof checksum === 'string' ? checksum : undefined);
    }
    return given;
  }

  /** A plain upload's parts: listed in ascending order, each there with the ETag given. Their ETag and sizes. */
  async function checkPlainParts(
    dir: string,
    parts: ReadonlyArray<S3rverPartRef>,
  ): Promise<{ composite?: undefined; etag: string; md5s: string[]; partSizes: number[] }> {
    if (parts.length === 0) throw invalidPart();
    const md5s = createHash('md5');
    const partMd5s: string[] = [];
    const partSizes: number[] = [];
    let previous = 0;
    for (const part of parts) {
      if (!(part.number > previous)) {
        throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.');
      }
      previous = part.number;
      const path = join(dir, String(part.number));
      const [md5, info] = await Promise.all([
        readFile(`${path}.md5`, 'utf8').catch(() => undefined),
        stat(path).catch(() => undefined),
      ]);
      if (md5 === undefined || !md5Hex.test(md5) || info === undefined || part.etag !== md5)
        throw invalidPart();
      md5s.update(Buffer.from(md5, 'hex'));
      partMd5s.push(md5);
      partSizes.push(info.size);
    }
    return { etag: `${md5s.digest('hex')}-${parts.length}`, md5s: partMd5s, partSizes };
  }

  /** Check the listed parts against their records; their composite checksum, multipart ETag and sizes. */
  async function checkParts(
    dir: string,
    parts: ReadonlyArray<S3rverPartRef>,
    given: Map<number, string | undefined>,
  ): Promise<{ composite: string; etag: string; md5s: string[]; partSizes: number[] }> {
    if (parts.length === 0) throw invalidPart();
    const outer = createHash('sha256');
    const md5s = createHash('md5');
    const partMd5s: string[] = [];
    const partSizes: number[] = [];
    let previous = 0;
    for (const part of parts) {
      if (!(part.number > previous)) {
        throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.');
      }
      previous = part.number;
      const [record, md5] = await Promise.all([
        readPartRecord(join(dir, `${part.number}${partChecksumSuffix}`)),
        readFile(join(dir, `${part.number}.md5`), 'utf8').catch(() => undefined),
      ]);
      // The record must still describe the part's bytes, and the client must name that part exactly.
      if (
        record === undefined ||
        md5 !== record.md5 ||
        part.etag !== record.md5 ||
        given.get(part.number) !== record.sha256
      ) {
        throw invalidPart();
      }
      outer.update(Buffer.from(record.sha256, 'base64'));
      md5s.update(Buffer.from(record.md5, 'hex'));
      partMd5s.push(record.md5);
      partSizes.push(record.size);
    }
    return {
      composite: `${outer.digest('base64')}-${parts.length}`,
      etag: `${md5s.digest('hex')}-${parts.length}`,
      md5s: partMd5s,
      partSizes,
    };
  }

  async function s3Checksums(ctx: S3rverContext, next: () => Promise<void>): Promise<void> {
    const state: RequestState = { ctx };
    const header = ctx.get('x-amz-checksum-sha256');
    const isBodyPut = ctx.method === 'PUT' && ctx.get('x-amz-copy-source') === '';
    if (isBodyPut && header !== '') {
      if (!sha256Base64.test(header)) {
        throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-sha256 header is invalid.');
      }
      // A part's MD5 (its ETag) is taken in the same pass as its SHA-256 (see storePart).
      const part = isPartUpload(ctx);
      const hashed = new Sha256Stream(header, part ? ['sha256', 'md5'] : ['sha256']);
      if (part) state.partMd5 = hashed;
      const source = ctx.req as IncomingMessage;
      // A client that goes away ends the hashed body short too, which the store hears of (bodyCutShort).
      source.on('error', () => hashed.destroy());
      source.on('close', () => {
        if (!source.complete) hashed.destroy();
      });
      source.pipe(hashed);
      ctx.req = hashed;
    }
    ctx.store = storeFor(state);
    await next();
    if (state.recorded) {
      if (ctx.method === 'PUT') {
        ctx.set('x-amz-checksum-sha256', state.recorded.sha256);
      } else if (typeof ctx.body === 'string' && ctx.body.includes('</CompleteMultipartUploadResult>')) {
        ctx.body = ctx.body.replace(
          '</CompleteMultipartUploadResult>',
          `<ChecksumSHA256>${state.recorded.sha256}</ChecksumSHA256><ChecksumType>${state.recorded.type}</ChecksumType></CompleteMultipartUploadResult>`,
        );
      }
    }
    const wantsChecksum = ctx.get('x-amz-checksum-mode').toUpperCase() === 'ENABLED';
    if (
      wantsChecksum &&
      (ctx.method === 'HEAD' || ctx.method === 'GET') &&
      ctx.status === 200 &&
      ctx.get('range') === '' &&
      typeof ctx.params?.bucket === 'string' &&
      typeof ctx.params.key === 'string'
    ) {
      const record = await readObjectRecord(objectRecordPath(ctx.params.bucket, ctx.params.key));
      // Reported only while the object s3rver just described is the one the record was made for.
      const etag = ctx.response.get('ETag').replace(/"/g, '');
      const length = Number(ctx.response.get('Content-Length'));
      if (record?.sha256 !== undefined && record.md5 === etag && record.size === length) {
        ctx.set('x-amz-checksum-sha256', record.sha256);
        ctx.set('x-amz-checksum-type', record.type ?? 'FULL_OBJECT');
      }
    }
  }

  return Object.assign(s3Checksums, {
    /** Resolves once no completed upload's folder is still being removed (await it before a restart). */
    async drained(): Promise<void> {
      while (removals.size > 0) await Promise.all(removals);
    },
  });
}

/** A part as s3rver's CompleteMultipartUpload hands it to the store (ETag without quotes). */
export interface S3rverPartRef {
  readonly number: number;
  readonly etag: string;
}

/**
 * s3rver's putPart with its MD5 taken off the event loop (s3-hashing.ts): the part file and its `.md5` beside it,
 * as s3rver writes them (its listing, completion and the start-up repair read them). The MD5 comes from
 * `md5Taken`, the body's own pass when it takes one (a checksummed part: RequestState.partMd5), else from a pass
 * here. Resolves once the part file is written and closed (s3rver answered when the last chunk was handed to its
 * write stream).
 */
async function storePart(
  partPath: string,
  body: NodeJS.ReadableStream,
  md5Taken: HashingStream | undefined,
): Promise<{ size: number; md5: string }> {
  await mkdir(dirname(partPath), { recursive: true });
  const out = createWriteStream(partPath);
  const md5Pass = md5Taken ?? new HashingStream(['md5']);
  if (md5Taken) await pipeline(body, out);
  else await pipeline(body, md5Pass, out);
  const md5 = md5Pass.digest('md5');
  if (md5 === undefined) throw new Error('the part was stored without its MD5');
  await writeFile(`${partPath}.md5`, md5);
  return { size: out.bytesWritten, md5 };
}

/** Read an object's checksum record; undefined when there is none or it is not a whole record. */
export async function readObjectRecord(path: string): Promise<ChecksumRecord | undefined> {
  const parsed = await readJson(path);
  if (!isRecord(parsed)) return undefined;
  const { sha256, type, md5, size, partSizes } = parsed;
  if (typeof md5 !== 'string' || !/^[0-9a-f]{32}(-\d+)?$/.test(md5)) return undefined;
  if (!isSize(size)) return undefined;
  if (partSizes !== undefined && !(Array.isArray(partSizes) && partSizes.every(isSize))) return undefined;
  const base = { md5, size, ...(partSizes === undefined ? {} : { partSizes }) };
  if (sha256 === undefined && type === undefined) return base;
  if (typeof sha256 !== 'string' || !/^[A-Za-z0-9+/]{43}=(-\d+)?$/.test(sha256)) return undefined;
  if (type !== 'FULL_OBJECT' && type !== 'COMPOSITE') return undefined;
  return { ...base, sha256, type };
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Write the parts one after another into `target` (truncated first, as s3rver does). The kernel copies them:
 * coreutils `cat` moves bytes between regular files with copy_file_range, never through a user-space buffer.
 * Copying 1 GiB through this process's buffers cost a completion 2–3 s of CPU on the 2-core development machine
 * (the whole of a 1 GiB send's commit), the kernel copy about 0.3 s. Without `cat` the bytes go through here.
 */
async function concatenate(target: string, folder: string, names: readonly string[]): Promise<void> {
  const out = await open(target, 'w');
  try {
    if (await catInto(out.fd, folder, names)) return;
    let position = 0;
    for (const name of names) {
      for await (const chunk of createReadStream(join(folder, name), { highWaterMark: 1024 * 1024 })) {
        const bytes = chunk as Buffer;
        let written = 0;
        while (written < bytes.length) {
          written += (await out.write(bytes, written, bytes.length - written, position + written))
            .bytesWritten;
        }
        position += bytes.length;
      }
    }
  } finally {
    await out.close();
  }
}

/**
 * `cat -- <names>` run in `folder` with its output on `fd`. Resolves false when there is no `cat` to run (the
 * caller copies instead); rejects when it ran and failed. Names are relative (part numbers), so 10,000 parts
 * stay far below the command line's size limit.
 */
function catInto(fd: number, folder: string, names: readonly string[]): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('cat', ['--', ...names], { cwd: folder, stdio: ['ignore', fd, 'pipe'] });
    let errors = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      errors += text;
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') reject(error);
      else if (existsSync(folder)) resolve(false);
      else reject(noSuchUpload());
    });
    child.once('close', (code) => {
      if (code === 0) resolve(true);
      else reject(new Error(`assembling the parts failed (cat exited with ${code}): ${errors.trim()}`));
    });
  });
}

async function readPartRecord(path: string): Promise<PartRecord | undefined> {
  return asPartRecord(await readJson(path));
}

function asPartRecord(value: unknown): PartRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { sha256, md5, size } = value;
  if (typeof sha256 !== 'string' || !sha256Base64.test(sha256)) return undefined;
  if (typeof md5 !== 'string' || !md5Hex.test(md5)) return undefined;
  if (!isSize(size)) return undefined;
  return { sha256, md5, size };
}

function metadataField(metadata: unknown, name: string): unknown {
  return isRecord(metadata) ? metadata[name] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Temp file then rename: a kill leaves the old record, the new one, or no record, never half of one. */
async function writeAtomically(path: string, value: unknown): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  await writeFile(temp, JSON.stringify(value));
  await rename(temp, path);
}

/**
 * An upload's folder, one file at a time: freeing a part's cached pages takes a while, and a removal that took
 * every thread of libuv's pool at once held up the HeadObject that follows a completion (the exchange's confirm
 * took 0.4–0.6 s instead of about 0.1 s at 1 GiB, load 11, one run each).
 */
async function removeFolder(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => []);
  for (const name of names) await rm(join(dir, name), { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
}

async function removeIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * s3rver's store waits for the body's last byte and never hears of a client that went away mid-body (a killed send):
 * its write would wait forever, and with it the key's lock and the upload's completion. This settles, with S3's
 * IncompleteBody, the moment the body closes before its end; for anything else it never settles.
 */
function bodyCutShort(body: unknown): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (!(body instanceof Readable)) return;
    const refuse = () =>
      reject(new S3Error('IncompleteBody', 'The request body terminated before the expected length.'));
    if (body.destroyed && !body.readableEnded) {
      refuse();
      return;
    }
    let ended = false;
    body.once('end', () => {
      ended = true;
    });
    body.once('close', () => {
      if (!ended) refuse();
    });
  });
}

function badDigest(): Error {
  return new S3Error('BadDigest', 'The sha256 you specified did not match the calculated checksum.');
}

function noSuchUpload(): Error {
  return new S3Error('NoSuchUpload', 'The specified upload does not exist.');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function invalidPart(): Error {
  return new S3Error(
    'InvalidPart',
    'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag or checksum may not match the part.',
  );
}

/**
 * One operation at a time per key; different keys run in parallel. Not re-entrant, and need not be: no work run
 * under a key calls a wrapped write (the completion assembles the object itself instead of calling s3rver's
 * putObjectMultipart, which called putObject; s3rver's putObject, copyObject and deleteObject call no write).
 */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(work, work);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/**
 * Parts of one upload run in parallel; its completion waits for the parts in flight and refuses new ones, so
 * the part records it checks are the bytes it assembles.
 */
class UploadGate {
  private readonly state = new Map<
    string,
    {
      inFlight: number;
      completing: boolean;
      drained: Array<() => void>;
    }
  >();

  private entry(uploadId: string) {
    let entry = this.state.get(uploadId);
    if (!entry) {
      entry = { inFlight: 0, completing: false, drained: [] };
      this.state.set(uploadId, entry);
    }
    return entry;
  }

  private release(uploadId: string): void {
    const entry = this.state.get(uploadId);
    if (entry && entry.inFlight === 0 && !entry.completing) this.state.delete(uploadId);
  }

  async part<T>(uploadId: string, task: () => Promise<T>): Promise<T> {
    const entry = this.entry(uploadId);
    if (entry.completing) {
      throw new S3Error('NoSuchUpload', 'The specified upload is being completed.');
    }
    entry.inFlight++;
    try {
      return await task();
    } finally {
      entry.inFlight--;
      if (entry.inFlight === 0) for (const wake of entry.drained.splice(0)) wake();
      this.release(uploadId);
    }
  }

  async complete<T>(uploadId: string, task: () => Promise<T>): Promise<T> {
    const entry = this.entry(uploadId);
    if (entry.completing) {
      throw new S3Error('NoSuchUpload', 'The specified upload is being completed.');
    }
    entry.completing = true;
    try {
      if (entry.inFlight > 0) await new Promise<void>((resolve) => entry.drained.push(resolve));
      return await task();
    } finally {
      entry.completing = false;
      this.release(uploadId);
    }
  }
}
