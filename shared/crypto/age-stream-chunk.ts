// Crypto layer: opens one age STREAM chunk. Self-contained on purpose: the file pipeline runs its source in a worker.

/** What the chunk opener needs of node:crypto (passed in, so the function's source runs unchanged in a worker). */
export interface ChunkCrypto {
  createDecipheriv(
    algorithm: 'chacha20-poly1305',
    key: Uint8Array,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): {
    setAuthTag(tag: Uint8Array): unknown;
    update(data: Uint8Array): Uint8Array;
    final(): unknown;
  };
}

/**
 * Open the STREAM chunk number `index` of a payload (ChaCha20-Poly1305 under the payload key, nonce = 11-byte
 * big-endian counter then the last-chunk flag) and return its plaintext. Enforces age's final-chunk rules: a
 * final chunk holds at least its tag, and is empty only when it is the payload's only chunk.
 *
 * It closes over nothing and calls only its arguments, because the file pipeline evaluates its source in a
 * worker thread; failures are plain Errors with `code` ERR_SEAL_INTEGRITY and a short `reason`, so they cross
 * the thread boundary and become PouchErrors on the calling side. The plaintext it returns is the decipher's own
 * fresh buffer, which the opener's worker frees once it has copied it (RELEASE_SOURCE in file-pipeline.ts).
 */
export function openStreamChunk(
  crypto: ChunkCrypto,
  key: Uint8Array,
  chunk: Uint8Array,
  index: number,
  last: boolean,
): Uint8Array {
  // No inner functions or classes: a bundler's keep-names pass would wrap them in a helper the worker lacks.
  const tagSize = 16;
  let reason: string | undefined;
  let plaintext: Uint8Array | undefined;
  if (last && chunk.length === 0) reason = 'the final chunk is missing';
  else if (chunk.length < tagSize) reason = 'the final chunk is truncated';
  else {
    const nonce = new Uint8Array(12);
    for (let i = 10, n = index; i >= 0 && n > 0; i--) {
      nonce[i] = n % 256;
      n = Math.floor(n / 256);
    }
    nonce[11] = last ? 1 : 0;
    const decipher = crypto.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: tagSize });
    decipher.setAuthTag(chunk.subarray(chunk.length - tagSize));
    plaintext = decipher.update(chunk.subarray(0, chunk.length - tagSize));
    try {
      decipher.final();
    } catch {
      reason = last ? 'final chunk failed authentication' : 'chunk failed authentication';
    }
    if (reason === undefined && last && plaintext.length === 0 && index > 0) {
      reason = 'empty final chunk after data';
    }
  }
  if (reason === undefined && plaintext !== undefined) return plaintext;
  throw Object.assign(new Error(`Sealed file failed verification: ${reason}`), {
    code: 'ERR_SEAL_INTEGRITY',
    reason,
  });
}
