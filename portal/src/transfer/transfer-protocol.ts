// Portal transfer: the messages between the page and the transfer worker (transfer-worker.ts). The worker seals
// and opens with age, hashes, and keeps sealed and opened files in the origin-private file system (OPFS), so
// memory stays bounded at any size and the page stays responsive.

/** Digests of a file sealed in the browser: what the declaration and the manifest need. */
export interface SealedDigests {
  readonly plaintextSize: number;
  readonly plaintextSha256: string;
  readonly sealedSize: number;
  readonly sealedSha256: string;
  /** Multipart uploads only: the part size and each part's SHA-256 (base64, storage's checksum form). */
  readonly parts?: { readonly partSize: number; readonly partSha256s: readonly string[] };
}

/** What a downloaded document must match before it is opened, and after. */
export interface ExpectedDocument {
  readonly size: number;
  readonly plaintextSha256: string;
  readonly sealedSize: number;
  readonly sealedSha256: string;
  readonly sealedPartsSha256?: string;
  readonly partSize?: number;
}

export type TransferRequest =
  | {
      readonly type: 'seal';
      readonly id: number;
      readonly file: Blob;
      readonly recipients: readonly string[];
      /** OPFS file name of the sealed copy. */
      readonly target: string;
      /** How many seal workers (tests and the bench); by default one per core the hash workers leave. */
      readonly sealWorkers?: number;
    }
  | {
      readonly type: 'fetch';
      readonly id: number;
      readonly url: string;
      readonly expected: ExpectedDocument;
      readonly identity: CryptoKey;
      /** OPFS file names: the verified sealed copy, then the opened file. */
      readonly sealedTarget: string;
      readonly openedTarget: string;
    };

export type TransferEvent =
  | {
      readonly type: 'progress';
      readonly id: number;
      readonly stage: 'seal' | 'download' | 'open';
      readonly done: number;
      readonly total: number;
    }
  | {
      readonly type: 'sealed';
      readonly id: number;
      readonly digests: SealedDigests;
      /** Where the time went (milliseconds by stage), for the bench. */
      readonly profile?: Readonly<Record<string, number>>;
    }
  | { readonly type: 'fetched'; readonly id: number; readonly size: number }
  | { readonly type: 'failed'; readonly id: number; readonly code: string; readonly message: string };
