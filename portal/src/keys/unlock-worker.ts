// Portal keys worker: opens a member keystore off the main thread. age's scrypt (work factor 18, about 5 s in a
// browser) would otherwise freeze the page; here it runs in a dedicated worker, which imports the keys as
// non-extractable CryptoKeys and posts only those (structured clones) back to the page — no key bytes cross.
import { isPouchError } from '../../../shared/domain/errors.ts';
import { importMemberKeystore } from './key-import.ts';
import type { UnlockAnswer, UnlockRequest } from './unlock-protocol.ts';

/** The slice of a dedicated worker's global scope this file uses (the DOM lib types `self` as a Window). */
interface WorkerScope {
  postMessage(message: UnlockAnswer): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<UnlockRequest>) => void): void;
}
const scope: WorkerScope = globalThis as WorkerScope;

scope.addEventListener('message', (event) => {
  const { id, file, passphrase } = event.data;
  importMemberKeystore(file, passphrase).then(
    (member) => scope.postMessage({ id, type: 'unlocked', member }),
    (error: unknown) =>
      scope.postMessage({
        id,
        type: 'failed',
        code: isPouchError(error) ? error.code : 'ERR_INTERNAL',
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
