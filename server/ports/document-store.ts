// Port: where sealed document bytes live. The API's upload and download use cases hand out presigned URLs
// through it and confirm an upload (size and SHA-256) before committing the document to the ledger; large
// custody bundle exports are written here too and handed out the same way. The part shapes are wire shapes
// (the client sends and receives them): they are defined once in shared/api/exchange.ts.
import type { PartToPresign, PresignedPart, UploadedPart } from '../../shared/api/exchange.ts';

export type { PartToPresign, PresignedPart, UploadedPart };

/** A request the client makes straight to storage. `headers` must be sent exactly as given (they are signed). */
export interface PresignedRequest {
  readonly url: string;
  readonly method: 'PUT' | 'GET';
  readonly headers: Readonly<Record<string, string>>;
  /** ISO 8601 UTC instant after which storage refuses the URL. */
  readonly expiresAt: string;
}

/**
 * What the object must hash to. `single`: SHA-256 of the whole object. `multipart`: the SHA-256 of each part,
 * in order, with the part size that cut them (S3 reports a composite checksum over those digests).
 */
export type ExpectedChecksum =
  | { readonly kind: 'single'; readonly sha256: string }
  | { readonly kind: 'multipart'; readonly partSha256s: readonly string[]; readonly partSize: number };

/** A confirmed object, and how it was confirmed. */
export interface ConfirmedObject {
  readonly key: string;
  readonly size: number;
  /** The checksum as S3 reports it: base64 SHA-256, or `base64(sha256(digests))-N` for multipart. */
  readonly checksum: string;
  /** `head-checksum`: storage reported the checksum. `read`: the adapter read and hashed every byte. */
  readonly verifiedBy: 'head-checksum' | 'read';
  readonly etag: string | undefined;
}

export interface DocumentStore {
  /** Presign one PUT that storage accepts only with exactly `size` bytes hashing to `sha256` (base64). */
  presignSinglePut(input: {
    key: string;
    size: number;
    sha256: string;
  }): Promise<PresignedRequest & { readonly method: 'PUT' }>;
  /** Start a multipart upload with per-part SHA-256 checksums; resolves the upload id. */
  createMultipart(input: {
    key: string;
    size: number;
    partSize: number;
    partSha256s: readonly string[];
  }): Promise<{ uploadId: string }>;
  /** Presign UploadPart requests, each bound to its part's size and SHA-256. */
  presignParts(input: {
    key: string;
    uploadId: string;
    parts: readonly PartToPresign[];
  }): Promise<PresignedPart[]>;
  /** Assemble the uploaded parts (numbered 1..N, no gaps) into the object. */
  completeMultipart(input: { key: string; uploadId: string; parts: readonly UploadedPart[] }): Promise<void>;
  /** Abandon an unfinished multipart upload and free its parts. Committed objects are never deleted. */
  abortMultipart(input: { key: string; uploadId: string }): Promise<void>;
  /**
   * Check that the stored object has `size` bytes and the expected checksum. Rejects with ERR_HASH_MISMATCH
   * (details: field, expected, actual) or ERR_NOT_FOUND.
   */
  confirmObject(input: { key: string; size: number; expected: ExpectedChecksum }): Promise<ConfirmedObject>;
  /** Presign a GET valid for `expiresInSeconds` (at most 300; more is refused with ERR_VALIDATION). */
  presignGet(input: { key: string; expiresInSeconds: number }): Promise<PresignedRequest>;
  /** Store an object the exchange writes itself (a large custody bundle), with its SHA-256 (hex) as checksum. */
  putObject(input: { key: string; body: Uint8Array; sha256: string; contentType: string }): Promise<void>;
}
