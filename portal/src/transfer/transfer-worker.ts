// Portal transfer worker: seals a file with age on every core (seal workers seal and hash upload parts, two
// hash workers hash the plaintext and the sealed file) into the origin-private file system; fetches a sealed
// document, checks its sealed digests, opens it with the non-extractable X25519 key and checks the plaintext
// digest.
// Nothing unverified is kept: a failed check deletes what was written.
import { base64, hex } from '@scure/base';
import { openWebStream, sealedSizeOf, startPayloadSeal } from '../../../shared/crypto/age-portable.ts';
import { partsDigestOf } from '../../../shared/crypto/sealed-digest.ts';
import { isPouchError, PouchError } from '../../../shared/domain/errors.ts';
import { planUpload } from '../../../shared/domain/upload-plan.ts';
import { createParallelHasher, type ParallelHasher } from './parallel-hasher.ts';
import { createSealPool, type SealedRange } from './seal-pool.ts';
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

/** Ranges sealed apart when the file goes up in one PUT (no part digests needed): enough to spread the work. */
const SINGLE_PUT_RANGE_BYTES = 4 * 1024 * 1024;

/** Where sealing spent its time, for the bench (milliseconds; worker times are summed over the workers). */
export type SealProfile = {
  readonly sealWorkers: number;
  readonly totalMs: number;
  readonly readMs: number;
  readonly chachaMs: number;
  readonly partSha256Ms: number;
  readonly waitSealedMs: number;
  readonly opfsWriteMs: number;
  readonly waitWholeHashMs: number;
  readonly waitDigestsMs: number;
};

/**
 * Seal on every core. Seal workers each seal ranges of the file (one upload part each) read straight from the
 * file and hash them natively; this worker writes the ranges into OPFS in order and moves them (no copy) to a
 * hash worker for the whole sealed SHA-256, while another hash worker reads and hashes the plaintext itself.
 * The two whole-file SHA-256s are the only sequential work left; everything else scales with the cores.
 */
async function seal(
  request: Extract<TransferRequest, { type: 'seal' }>,
): Promise<{ digests: SealedDigests; profile: SealProfile }> {
  const started = performance.now();
  const file = request.file;
  const sealer = await startPayloadSeal(request.recipients);
  const plaintextSize = file.size;
  const sealedSize = sealedSizeOf(sealer.prefix.length, plaintextSize);
  const plan = planUpload(sealedSize, Number.MAX_SAFE_INTEGER);
  const multipart = plan.kind === 'multipart';
  const rangeBytes = multipart ? plan.partSize : SINGLE_PUT_RANGE_BYTES;
  const rangeCount = Math.max(1, Math.ceil(sealedSize / rangeBytes));
  // Closed with the rest below, so a failed seal does not leave it reading the whole file.
  const plain = createParallelHasher(Number.POSITIVE_INFINITY);
  const plainDigests = plain.digestBlob(file);
  // Its rejection is read below; until then it must not count as unhandled.
  plainDigests.catch(() => undefined);
  const pool = createSealPool(file, sealer, request.sealWorkers);
  const whole = createParallelHasher(Number.POSITIVE_INFINITY, (pool.size + 1) * rangeBytes);
  const times = { read: 0, chacha: 0, partSha: 0, waitSealed: 0, write: 0, waitWhole: 0 };
  try {
    const partSha256s: string[] = [];
    const { access } = await openTarget(request.target);
    try {
      // A bounded window: each seal worker has one range in hand and one queued.
      const window: Promise<SealedRange>[] = [];
      let next = 0;
      let written = 0;
      let reported = 0;
      while (next < rangeCount || window.length > 0) {
        while (next < rangeCount && window.length < 2 * pool.size) {
          const range = pool.seal(
            next * rangeBytes,
            Math.min(sealedSize, (next + 1) * rangeBytes),
            multipart,
          );
          range.catch(() => undefined);
          window.push(range);
          next++;
        }
        const t0 = performance.now();
        const sealed = await (window.shift() as Promise<SealedRange>);
        const t1 = performance.now();
        access.write(sealed.bytes, { at: sealed.start });
        const t2 = performance.now();
        written += sealed.bytes.length;
        if (multipart) {
          if (!sealed.digest) throw new PouchError('ERR_INTERNAL', 'A seal worker gave no part digest');
          partSha256s.push(base64.encode(sealed.digest));
        }
        // Written already: the buffer moves to the hash worker without a copy.
        await whole.update(sealed.bytes, { transfer: true });
        const t3 = performance.now();
        times.waitSealed += t1 - t0;
        times.write += t2 - t1;
        times.waitWhole += t3 - t2;
        times.read += sealed.readMs;
        times.chacha += sealed.sealMs;
        times.partSha += sealed.digestMs;
        if (written - reported >= PROGRESS_STEP || written === sealedSize) {
          reported = written;
          scope.postMessage({
            type: 'progress',
            id: request.id,
            stage: 'seal',
            done: written,
            total: sealedSize,
          });
        }
      }
      access.flush();
      if (written !== sealedSize)
        throw new PouchError('ERR_INTERNAL', 'The sealed size is not the one planned');
    } finally {
      access.close();
    }
    const t4 = performance.now();
    const [plainResult, wholeResult] = await Promise.all([plainDigests, whole.digest()]);
    const waitDigestsMs = performance.now() - t4;
    if (plainResult.size !== plaintextSize || wholeResult.size !== sealedSize) {
      throw new PouchError('ERR_INTERNAL', 'A hash worker saw other bytes than were sealed');
    }
    return {
      digests: {
        plaintextSize,
        plaintextSha256: hex.encode(plainResult.whole),
        sealedSize,
        sealedSha256: hex.encode(wholeResult.whole),
        ...(plan.kind === 'multipart' ? { parts: { partSize: plan.partSize, partSha256s } } : {}),
      },
      profile: {
        sealWorkers: pool.size,
        totalMs: performance.now() - started,
        readMs: times.read,
        chachaMs: times.chacha,
        partSha256Ms: times.partSha,
        waitSealedMs: times.waitSealed,
        opfsWriteMs: times.write,
        waitWholeHashMs: times.waitWhole,
        waitDigestsMs,
      },
    };
  } finally {
    pool.close();
    whole.close();
    plain.close();
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
      ? seal(request).then(({ digests, profile }) =>
          scope.postMessage({ type: 'sealed', id: request.id, digests, profile }),
        )
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
