// Portal keys: the messages between the sign-in page and the keystore unlock worker (unlock-worker.ts).
import type { StoredMember } from './key-store.ts';

export interface UnlockRequest {
  readonly id: number;
  /** The keystore file's text (armored age, scrypt recipient). */
  readonly file: string;
  readonly passphrase: string;
}

export type UnlockAnswer =
  | { readonly id: number; readonly type: 'unlocked'; readonly member: StoredMember }
  | { readonly id: number; readonly type: 'failed'; readonly code: string; readonly message: string };
