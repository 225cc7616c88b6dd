// Portal keys: the page's side of the keystore unlock worker. One short-lived worker per unlock, ended as soon
// as it answers, so no passphrase or decrypted keystore outlives the call in any thread.
import { PouchError, type PouchErrorCode } from '../../../shared/domain/errors.ts';
import type { StoredMember } from './key-store.ts';
import type { UnlockAnswer, UnlockRequest } from './unlock-protocol.ts';

/** Open a member keystore with its passphrase in a worker; resolves to non-extractable keys. */
export function unlockInWorker(file: string, passphrase: string): Promise<StoredMember> {
  const worker = new Worker(new URL('./unlock-worker.ts', import.meta.url), {
    type: 'module',
    name: 'pouch-unlock',
  });
  return new Promise<StoredMember>((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent<UnlockAnswer>) => {
      const answer = event.data;
      worker.terminate();
      if (answer.type === 'unlocked') resolve(answer.member);
      else reject(new PouchError(answer.code as PouchErrorCode, answer.message));
    });
    worker.addEventListener('error', (event) => {
      worker.terminate();
      reject(new PouchError('ERR_INTERNAL', event.message || 'The keystore worker failed to start'));
    });
    const request: UnlockRequest = { id: 1, file, passphrase };
    worker.postMessage(request);
  });
}
