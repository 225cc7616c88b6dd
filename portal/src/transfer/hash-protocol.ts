// Portal transfer: the messages between the transfer worker and a hash worker (hash-worker.ts), which hashes one
// byte stream (plaintext or sealed) or one file beside the sealing, on another core.

export type HashRequest =
  | { readonly type: 'start'; readonly partSize: number }
  | { readonly type: 'chunk'; readonly chunk: Uint8Array }
  /** Hash a whole file, read here in large slices (after `start`, instead of chunks). */
  | { readonly type: 'blob'; readonly blob: Blob }
  | { readonly type: 'digest' };

export type HashAnswer =
  | { readonly type: 'ack'; readonly bytes: number }
  | {
      readonly type: 'digest';
      readonly size: number;
      readonly parts: readonly Uint8Array[];
      readonly whole: Uint8Array | undefined;
    }
  | { readonly type: 'failed'; readonly message: string };
