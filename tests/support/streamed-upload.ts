// Test support: a sealed document put in storage as the API does for a streamed upload (multipart, parts
// presigned with the checksums the client names), wired straight to the DocumentStore adapter, the manifest's
// description of it that a fetch checks against, and the faults that interrupt a streamed fetch.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SealUploadOptions, SealUploadResult } from '../../client/transfer/seal-upload.ts';
import type { DocumentStore } from '../../server/ports/document-store.ts';
import { partsDigestOf } from '../../shared/crypto/sealed-digest.ts';

/**
 * What the API does for a streamed document: a multipart upload created without checksums, parts presigned with
 * the checksums the client names, completed with them. `calls` counts what the sender asked for.
 */
export function streamedTarget(store: DocumentStore, key: string, partSize: number) {
  let uploadId: string | undefined;
  const calls = { declared: 0, presigned: [] as number[], completed: 0 };
  const options: Pick<SealUploadOptions, 'declare' | 'presign' | 'complete'> = {
    declare: async (sealedSize) => {
      calls.declared++;
      uploadId ??= (await store.createMultipart({ key, size: sealedSize, partSize, partSha256s: [] }))
        .uploadId;
      return { documentId: key, uploadId, partSize };
    },
    presign: async (_documentId, parts) => {
      calls.presigned.push(...parts.map((p) => p.partNumber));
      return store.presignParts({ key, uploadId: uploadId as string, parts });
    },
    complete: async (_documentId, parts) => {
      calls.completed++;
      await store.completeMultipart({ key, uploadId: uploadId as string, parts });
    },
  };
  return { options, calls };
}

/** The signed manifest's digests of a sealed upload: what `fetchAndOpen` checks as `expected`. */
export function manifestExpectation(result: SealUploadResult) {
  return {
    sealedSize: result.sealedSize,
    sealedSha256: result.sealedSha256,
    sealedPartsSha256: partsDigestOf(result.partSha256s),
    partSize: result.partSize,
    plaintextSha256: result.plaintextSha256,
    plaintextSize: result.plaintextSize,
  };
}

/**
 * A fetch (for `fetchAndOpen`'s ranged GETs) whose GETs past the `pass`-th wait for the call's abort: the opener
 * stops where the bytes do, as when storage goes silent. `ranges` records every Range asked for.
 */
export function stallingGets(pass: number) {
  const ranges: string[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    ranges.push(new Headers(init?.headers).get('range') ?? '');
    if (ranges.length <= pass) return fetch(input, init);
    return new Promise<Response>((_, reject) => {
      const signal = init?.signal;
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
  return { fetch: wrapped, ranges };
}

/** The journal of an interrupted streamed fetch once it names a durable plaintext (polled: syncs are async). */
export async function journalNamingPlaintext(workDir: string): Promise<{ plaintext: string; bytes: number }> {
  for (let tries = 0; tries < 400; tries++) {
    const text = await readFile(join(workDir, 'fetch.json'), 'utf8').catch(() => '');
    const opened = text
      ? (JSON.parse(text) as { opened?: { plaintext: string; bytes: number } }).opened
      : undefined;
    if (opened) return opened;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the journal never named a durable plaintext');
}
