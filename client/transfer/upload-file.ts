// Client transfer engine: uploads a sealed file straight to storage through presigned URLs (one PUT, or
// concurrent checksum-bound part PUTs), streaming from disk with constant memory and resuming after a crash.
import { stat } from 'node:fs/promises';
import type { PartToPresign, PresignedPart, UploadedPart } from '../../shared/api/exchange.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import { listPartRanges, type UploadPlan } from '../../shared/domain/upload-plan.ts';
import { type FileHashes, hashFileParts } from './hash-file.ts';
import { createPartSender, createStateWriter, createUrlCache, type RetryPolicy } from './part-sender.ts';
import { deleteResumeState, type ResumeState, readResumeState, writeResumeState } from './resume-state.ts';

export type { RetryPolicy };

/** Which server-side upload the bytes belong to; stored in the resume state. */
export interface UploadTarget {
  readonly documentId: string;
  readonly key?: string;
  /** The multipart upload id the API created; absent for a single PUT. */
  readonly uploadId?: string;
}

export interface UploadProgress {
  /** Bytes sent or already stored (parts skipped on resume count as done). Can step back on a retry. */
  readonly bytesDone: number;
  readonly totalBytes: number;
  readonly partsDone: number;
  readonly partCount: number;
}

export interface UploadFileOptions {
  readonly path: string;
  readonly plan: UploadPlan;
  readonly target: UploadTarget;
  /** Digests from {@link hashFileParts} with the plan's part size; computed here when absent. */
  readonly hashes?: FileHashes;
  /** Ask the API for presigned URLs of these parts (part 1 of a single plan is the single PUT). */
  readonly presign: (parts: readonly PartToPresign[]) => Promise<readonly PresignedPart[]>;
  /** Tell the API every part is stored (all parts, 1..N, with their ETags and checksums). */
  readonly complete: (parts: readonly UploadedPart[]) => Promise<void>;
  /** Where to keep the resume state; without it an interrupted upload starts over. */
  readonly resumeStatePath?: string;
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Parts in flight at once (default 4). */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /** Parts presigned per API call (default 8). URLs close to expiry are presigned again. */
  readonly presignBatchSize?: number;
  /** The fetch used for storage requests (tests inject faults through it). */
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

export interface UploadResult {
  readonly size: number;
  readonly sha256: string;
  readonly sha256Hex: string;
  readonly parts: readonly UploadedPart[];
  /** Parts sent by this call; the others were already stored according to the resume state. */
  readonly partsUploaded: number;
  readonly partsSkipped: number;
}

/**
 * Upload a file according to `plan`. Parts are streamed from disk (no part is held in memory), sent
 * `concurrency` at a time with bounded, jittered retries. With `resumeStatePath`, each finished part is
 * recorded; a later call with the same target skips the recorded parts. The state is deleted once
 * `complete` succeeds.
 *
 * @example
 * const hashes = await hashFileParts(file, plan.kind === 'multipart' ? plan.partSize : plan.size);
 * await uploadFile({
 *   path: file, plan, hashes, target: { documentId, uploadId },
 *   presign: (parts) => api.presignParts(documentId, parts),
 *   complete: (parts) => api.completeUpload(documentId, parts),
 *   resumeStatePath: `${file}.pouch-upload.json`,
 * });
 */
export async function uploadFile(options: UploadFileOptions): Promise<UploadResult> {
  const { path, plan, target } = options;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const batchSize = Math.max(1, options.presignBatchSize ?? 8);
  const signal = options.signal;
  if (plan.kind === 'multipart' && !target.uploadId) {
    throw new PouchError('ERR_VALIDATION', 'A multipart plan needs the upload id', {
      details: { field: 'uploadId' },
    });
  }
  const partSize = plan.kind === 'multipart' ? plan.partSize : Math.max(plan.size, 1);
  const ranges = listPartRanges(plan);

  const file = await stat(path);
  if (file.size !== plan.size) {
    throw new PouchError('ERR_CONFLICT', 'The file size differs from the planned upload', {
      details: { planned: plan.size, actual: file.size },
    });
  }
  const previous = options.resumeStatePath ? await readResumeState(options.resumeStatePath) : undefined;
  const resumable = previous !== undefined && sameUpload(previous, target, plan, partSize, ranges.length);
  if (resumable && (previous.file.size !== file.size || previous.file.mtimeMs !== file.mtimeMs)) {
    throw fileChanged();
  }
  const hashes = options.hashes ?? (await hashFileParts(path, partSize));
  if (
    hashes.size !== plan.size ||
    hashes.partSize !== partSize ||
    hashes.partSha256s.length !== ranges.length
  ) {
    throw new PouchError('ERR_VALIDATION', 'The hashes were not made for this plan', {
      details: { field: 'hashes' },
    });
  }
  if (resumable && previous.file.sha256 !== hashes.sha256) throw fileChanged();

  const done = new Map<number, UploadedPart>();
  if (resumable) {
    for (const part of previous.completedParts) {
      if (part.sha256 === hashes.partSha256s[part.partNumber - 1]) done.set(part.partNumber, part);
    }
  }
  const partsSkipped = done.size;
  const state = createStateWriter<ResumeState>(options.resumeStatePath, writeResumeState, () => ({
    version: 1,
    kind: plan.kind,
    documentId: target.documentId,
    ...(target.key ? { key: target.key } : {}),
    ...(target.uploadId ? { uploadId: target.uploadId } : {}),
    partSize,
    partCount: ranges.length,
    file: { path, size: file.size, mtimeMs: file.mtimeMs, sha256: hashes.sha256 },
    completedParts: [...done.values()].sort((a, b) => a.partNumber - b.partNumber),
    updatedAt: new Date().toISOString(),
  }));
  state.schedule();
  await state.flush();

  const queue = ranges.filter((r) => !done.has(r.partNumber));
  const inFlightBytes = new Map<number, number>();
  let storedBytes = ranges.filter((r) => done.has(r.partNumber)).reduce((n, r) => n + r.size, 0);
  const report = (): void => {
    if (!options.onProgress) return;
    let sending = 0;
    for (const n of inFlightBytes.values()) sending += n;
    options.onProgress({
      bytesDone: storedBytes + sending,
      totalBytes: plan.size,
      partsDone: done.size,
      partCount: ranges.length,
    });
  };
  report();

  const urls = createUrlCache({
    presign: options.presign,
    batchSize,
    upcoming: () => queue.map((r) => r.partNumber),
    describe: (partNumber) => {
      const range = ranges[partNumber - 1]!;
      return { partNumber, size: range.size, sha256: hashes.partSha256s[partNumber - 1]! };
    },
  });

  const sendPart = createPartSender({
    path,
    urls,
    fetch: options.fetch,
    retry: options.retry,
    signal,
    onBytes: (partNumber, n) => {
      inFlightBytes.set(partNumber, (inFlightBytes.get(partNumber) ?? 0) + n);
      report();
    },
    onRetry: (partNumber) => inFlightBytes.delete(partNumber),
  });

  let failure: unknown;
  async function worker(): Promise<void> {
    while (failure === undefined) {
      const range = queue.shift();
      if (!range) return;
      urls.warm();
      try {
        const etag = await sendPart(range);
        const sha256 = hashes.partSha256s[range.partNumber - 1]!;
        done.set(range.partNumber, { partNumber: range.partNumber, etag, sha256 });
        inFlightBytes.delete(range.partNumber);
        storedBytes += range.size;
        state.schedule();
        report();
      } catch (error) {
        failure ??= error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(queue.length, 1)) }, () => worker()));
  await state.flush();
  if (failure !== undefined) throw failure;

  const parts = [...done.values()].sort((a, b) => a.partNumber - b.partNumber);
  await options.complete(parts);
  if (options.resumeStatePath) await deleteResumeState(options.resumeStatePath);
  return {
    size: hashes.size,
    sha256: hashes.sha256,
    sha256Hex: hashes.sha256Hex,
    parts,
    partsUploaded: parts.length - partsSkipped,
    partsSkipped,
  };
}

/** Whether a saved state belongs to this very upload (same target and layout). */
function sameUpload(
  state: ResumeState,
  target: UploadTarget,
  plan: UploadPlan,
  partSize: number,
  partCount: number,
): boolean {
  return (
    state.documentId === target.documentId &&
    state.uploadId === target.uploadId &&
    state.kind === plan.kind &&
    state.partSize === partSize &&
    state.partCount === partCount
  );
}

function fileChanged(): PouchError {
  return new PouchError('ERR_CONFLICT', 'The file changed since this upload started; start a new upload', {
    details: { reason: 'file-changed' },
  });
}
