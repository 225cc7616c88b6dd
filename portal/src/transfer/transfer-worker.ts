// Portal transfer worker: seals a file with age as it streams from disk (plaintext, sealed bytes and upload
// parts hashed on the way, in two hash workers) into the origin-private file system; fetches a sealed document,
// checks its sealed digests, opens it with the non-extractable X25519 key and checks the plaintext digest.
// Nothing unverified is kept: a failed check deletes what was written.
import { base64, hex } from '@scure/base';
import { openWebStream, sealWebStream } from '../../../shared/crypto/age-portable.ts';
import { partsDigestOf } from '../../../shared/crypto/sealed-digest.ts';
import { isPouchError, PouchError } from '../../../shared/domain/errors.ts';
import { planUpload } from '../../../shared/domain/upload-plan.ts';
import { createParallelHasher, type ParallelHasher } from './parallel-hasher.ts';
import type { ExpectedDocument, SealedDigests, TransferEvent, TransferRequest } from './transfer-protocol.ts';

/** The slice of a dedicated worker's global scope this file uses (the DOM lib types `self` as a Window). */
interface WorkerScope {
  postMessage(message: TransferEvent): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<TransferRequest>) => void): void;
}
const scope: WorkerScope = globalThis as WorkerScope;

/** The synchronous OPFS handle (workers only); typed here as the DOM lib lacks it. */
interface SyncAccessHandle {
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
  truncate(size: number): void;
}
interface SyncFileHandle extends FileSystemFileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}

const PROGRESS_STEP = 4 * 1024 * 1024;

async function openTarget(name: string): Promise<{ handle: SyncFileHandle; access: SyncAccessHandle }> {
  const root = await navigator.storage.getDirectory();
  const handle = (await root.getFileHandle(name, { create: true })) as SyncFileHandle;
  const access = await handle.createSyncAccessHandle();
  access.truncate(0);
  return { handle, access };
}

async function removeTarget(name: string): Promise<void> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(name).catch(() => undefined);
}

/**
 * Copy a stream into an OPFS file, handing each chunk to `see` once written (it may keep the chunk: nothing here
 * reads it again) and reporting progress.
 */
async function drainInto(
  stream: ReadableStream<Uint8Array>,
  access: SyncAccessHandle,
  see: (chunk: Uint8Array) => void | Promise<void>,
  progress: (done: number) => void,
): Promise<number> {
  let offset = 0;
  let reported = 0;
  const reader = stream.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    const length = next.value.length;
    access.write(next.value, { at: offset });
    await see(next.value);
    offset += length;
    if (offset - reported >= PROGRESS_STEP) {
      reported = offset;
      progress(offset);
    }
  }
  access.flush();
  progress(offset);
  return offset;
}

/**
 * Seal in three threads: this worker runs age (ChaCha20-Poly1305 in JS, the costliest step), and two hash
 * workers hash the plaintext and the sealed bytes beside it (profiling showed the two SHA-256 streams took
 * longer than the sealing itself when they ran here, in turn with it).
 */
async function seal(request: Extract<TransferRequest, { type: 'seal' }>): Promise<SealedDigests> {
  const plain = createParallelHasher(Number.POSITIVE_INFINITY);
  let sealedHasher: ParallelHasher | undefined;
  try {
    let plaintextSize = 0;
    const counted = request.file.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        async transform(chunk, controller) {
          plaintextSize += chunk.length;
          // Copied: the chunk goes on to age.
          await plain.update(chunk);
          controller.enqueue(chunk);
        },
      }),
    );
    const sealed = await sealWebStream(counted, request.recipients);
    const sealedSize = sealed.size(request.file.size);
    const plan = planUpload(sealedSize, Number.MAX_SAFE_INTEGER);
    const partSize = plan.kind === 'multipart' ? plan.partSize : Number.POSITIVE_INFINITY;
    const hasher = createParallelHasher(partSize);
    sealedHasher = hasher;
    const { access } = await openTarget(request.target);
    try {
      const written = await drainInto(
        sealed,
        access,
        // Written already: the buffer moves to the hash worker without a copy.
        (chunk) => hasher.update(chunk, { transfer: true }),
        (done) =>
          scope.postMessage({ type: 'progress', id: request.id, stage: 'seal', done, total: sealedSize }),
      );
      if (written !== sealedSize)
        throw new PouchError('ERR_INTERNAL', 'The sealed size is not the one planned');
    } finally {
      access.close();
    }
    const [plainDigests, digests] = await Promise.all([plain.digest(), hasher.digest()]);
    if (plainDigests.size !== plaintextSize || digests.size !== sealedSize) {
      throw new PouchError('ERR_INTERNAL', 'A hash worker saw other bytes than were sealed');
    }
    return {
      plaintextSize,
      plaintextSha256: hex.encode(plainDigests.whole),
      sealedSize,
      sealedSha256: hex.encode(digests.whole),
      ...(plan.kind === 'multipart'
        ? { parts: { partSize: plan.partSize, partSha256s: digests.parts.map((p) => base64.encode(p)) } }
        : {}),
    };
  } finally {
    plain.close();
    sealedHasher?.close();
  }
}

/** Download (sealed bytes hashed in one hash worker), verify, open (plaintext hashed in another), verify. */
async function fetchAndOpen(request: Extract<TransferRequest, { type: 'fetch' }>): Promise<number> {
  const expected: ExpectedDocument = request.expected;
  const hasher = createParallelHasher(expected.partSize ?? Number.POSITIVE_INFINITY);
  const plain = createParallelHasher(Number.POSITIVE_INFINITY);
  try {
    return await downloadAndOpen(request, expected, hasher, plain);
  } finally {
    hasher.close();
    plain.close();
  }
}

async function downloadAndOpen(
  request: Extract<TransferRequest, { type: 'fetch' }>,
  expected: ExpectedDocument,
  hasher: ParallelHasher,
  plain: ParallelHasher,
): Promise<number> {
  const response = await fetch(request.url, {
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  if (!response.ok || !response.body) {
    throw new PouchError('ERR_DEPENDENCY_UNAVAILABLE', `Storage answered HTTP ${response.status}`);
  }
  const sealedFile = await openTarget(request.sealedTarget);
  let sealedSize: number;
  try {
    sealedSize = await drainInto(
      response.body,
      sealedFile.access,
      (chunk) => hasher.update(chunk, { transfer: true }),
      (done) =>
        scope.postMessage({
          type: 'progress',
          id: request.id,
          stage: 'download',
          done,
          total: expected.sealedSize,
        }),
    );
  } finally {
    sealedFile.access.close();
  }
  const digests = await hasher.digest();
  const sealedSha256 = hex.encode(digests.whole);
  const partsOk =
    expected.sealedPartsSha256 === undefined ||
    partsDigestOf(digests.parts.map((p) => base64.encode(p))) === expected.sealedPartsSha256;
  if (sealedSize !== expected.sealedSize || sealedSha256 !== expected.sealedSha256 || !partsOk) {
    await removeTarget(request.sealedTarget);
    throw new PouchError('ERR_HASH_MISMATCH', 'The downloaded sealed file does not match its signed digests');
  }
  const opened = await openWebStream((await sealedFile.handle.getFile()).stream(), [request.identity]);
  const openedFile = await openTarget(request.openedTarget);
  let size: number;
  try {
    size = await drainInto(
      opened,
      openedFile.access,
      (chunk) => plain.update(chunk, { transfer: true }),
      (done) =>
        scope.postMessage({ type: 'progress', id: request.id, stage: 'open', done, total: expected.size }),
    );
  } catch (error) {
    openedFile.access.close();
    await removeTarget(request.openedTarget);
    throw error;
  }
  openedFile.access.close();
  if (size !== expected.size || hex.encode((await plain.digest()).whole) !== expected.plaintextSha256) {
    await removeTarget(request.openedTarget);
    throw new PouchError('ERR_HASH_MISMATCH', 'The opened file does not match the sender’s signed digest');
  }
  return size;
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  const run =
    request.type === 'seal'
      ? seal(request).then((digests) => scope.postMessage({ type: 'sealed', id: request.id, digests }))
      : fetchAndOpen(request).then((size) => scope.postMessage({ type: 'fetched', id: request.id, size }));
  run.catch((error: unknown) => {
    scope.postMessage({
      type: 'failed',
      id: request.id,
      code: isPouchError(error) ? error.code : 'ERR_INTERNAL',
      message: error instanceof Error ? error.message : String(error),
    });
  });
});
