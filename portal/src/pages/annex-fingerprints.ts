// Portal request form: the SHA-256 of each annex the officer attaches, for the letter's list of annexes (the same
// list, from the same renderer, as `pouch send --draft`). Each file streams from disk through the transfer's hash
// worker (parallel-hasher.ts), so the page stays responsive and memory stays bounded at any size; the digest is of
// the plaintext, the very one the sent manifest signs for that document.
import { useEffect, useState } from 'react';
import type { LetterAnnex } from '../../../shared/domain/requests/render-html.ts';
import { createParallelHasher } from '../transfer/parallel-hasher.ts';

/** The part size the worker's hasher keeps per-part digests for; only the whole-file digest is used here. */
const PART_SIZE = 8 * 1024 * 1024;
/** At most this many bytes wait in the hash worker's queue. */
const MAX_IN_FLIGHT = 8 * 1024 * 1024;

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The plaintext SHA-256 of one file, hashed in a worker from the file's stream; `signal` stops it. */
export async function fingerprintFile(file: Blob, signal?: AbortSignal): Promise<string> {
  const hasher = createParallelHasher(PART_SIZE, MAX_IN_FLIGHT);
  const reader = file.stream().getReader();
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      await hasher.update(value, { transfer: true });
    }
    return hex((await hasher.digest()).whole);
  } finally {
    // Stops reading the file when cancelled midway; harmless once it was read to the end.
    await reader.cancel().catch(() => {});
    hasher.close();
  }
}

/** Where the fingerprints of the attached annexes stand. */
export interface AnnexFingerprints {
  /** Every annex with its digest, in the order attached; undefined while any is still being computed. */
  readonly annexes: readonly LetterAnnex[] | undefined;
  /** Names still being fingerprinted. */
  readonly pending: readonly string[];
  readonly error: unknown;
}

/** Fingerprint `files` one after the other (one worker at a time); a new selection cancels the running one. */
export function useAnnexFingerprints(files: readonly File[]): AnnexFingerprints {
  const [state, setState] = useState<AnnexFingerprints>({ annexes: [], pending: [], error: undefined });
  useEffect(() => {
    const abort = new AbortController();
    setState({ annexes: files.length ? undefined : [], pending: files.map((f) => f.name), error: undefined });
    (async () => {
      const done: LetterAnnex[] = [];
      for (const file of files) {
        const sha256 = await fingerprintFile(file, abort.signal);
        if (abort.signal.aborted) return;
        done.push({ name: file.name, size: file.size, sha256 });
        setState({
          annexes: done.length === files.length ? [...done] : undefined,
          pending: files.slice(done.length).map((f) => f.name),
          error: undefined,
        });
      }
    })().catch((error: unknown) => {
      if (!abort.signal.aborted) setState({ annexes: undefined, pending: [], error });
    });
    return () => abort.abort();
  }, [files]);
  return state;
}
