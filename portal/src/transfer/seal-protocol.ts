// Portal transfer: the messages between the transfer worker and a seal worker (seal-worker.ts), which seals
// ranges of one file's age payload (and hashes each range natively when it is an upload part) on another core.

export type SealRequest =
  | {
      readonly type: 'start';
      readonly file: Blob;
      readonly prefix: Uint8Array;
      readonly payloadKey: Uint8Array;
    }
  | {
      readonly type: 'range';
      readonly index: number;
      readonly start: number;
      readonly end: number;
      /** Hash the sealed range (it is one upload part). */
      readonly digest: boolean;
    };

export type SealAnswer =
  | {
      readonly type: 'sealed';
      readonly index: number;
      readonly bytes: Uint8Array;
      readonly digest: Uint8Array | undefined;
      /** Time spent reading the plaintext, sealing and hashing, for the bench's profile. */
      readonly readMs: number;
      readonly sealMs: number;
      readonly digestMs: number;
    }
  | { readonly type: 'failed'; readonly index: number; readonly message: string };
