// SDK (runtime-neutral): typed wrappers over the exchange HTTP API (wire types: shared/api/exchange.ts) and the
// directory entries the exchange workflows need — labels, messages, sealed documents, downloads, members' keys.

import type { AuthorityWire, MemberKeyWire } from '../../shared/api/directory.ts';
import type {
  CreateExchangeRequest,
  DeclareDocumentRequest,
  DeclaredDocument as DeclaredDocumentWire,
  Download,
  ExchangeDetail,
  ExchangeLabel as ExchangeLabelWire,
  ExchangeMessage as ExchangeMessageWire,
  ExchangePage,
  ListExchangesQuery as ListExchangesQueryWire,
  PostMessageRequest,
  PresignedPart,
  Receipt,
  SealedDocument,
  SentMessage,
} from '../../shared/api/exchange.ts';
import type { PrincipalWire } from '../../shared/api/identity.ts';
import type { PouchClient } from './pouch-client.ts';

export type { Urgency } from '../../shared/api/common.ts';
/** The routing label of an exchange, as the API answers it. */
export type ExchangeLabel = ExchangeLabelWire;
/** One message of an exchange, with its signed manifest (compact JWS). */
export type ExchangeMessage = ExchangeMessageWire;
/** A sealed document's server record (public view). */
export type SealedDocumentRecord = SealedDocument;
/** A presigned storage request; `headers` must be sent exactly as given. */
export type PresignedPartUrl = PresignedPart;
export type CreateExchangeInput = CreateExchangeRequest;
export type DeclareDocumentInput = DeclareDocumentRequest;
export type PostMessageInput = PostMessageRequest;
/** The list query; `limit` is coerced from the query string on the server, a number here. */
export type ListExchangesQuery = ListExchangesQueryWire;
/** The answer to a declaration: the document, how to upload it, and where. */
export type DeclaredDocument = DeclaredDocumentWire;

/** A public signing key of a member, with its life cycle. */
export type DirectoryMemberKey = MemberKeyWire;

/** An authority's public directory entry, with its members' public keys. */
export type DirectoryEntry = AuthorityWire;

const path = (...segments: string[]): string => `/${segments.map(encodeURIComponent).join('/')}`;

/** A fresh message id: `msg_` and 22 base64url characters (128 random bits). */
export function newMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `msg_${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/** A fresh Idempotency-Key (the API accepts 8-128 characters of A-Z a-z 0-9 _ -). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

/**
 * Open an exchange. Pass the same `idempotencyKey` on a retry to get the same exchange back.
 *
 * @example
 * const label = await createExchange(client, { kind: 'mla', urgency: 'normal', requestedId, requesterReference: 'NL-1' }, key);
 */
export function createExchange(
  client: PouchClient,
  input: CreateExchangeInput,
  idempotencyKey: string,
): Promise<ExchangeLabel> {
  return client.request<ExchangeLabel>('POST', '/v1/exchanges', { json: input, idempotencyKey });
}

/** One page of the caller's inbox or outbox, newest first. */
export function listExchanges(client: PouchClient, query: ListExchangesQuery = {}): Promise<ExchangePage> {
  return client.request('GET', '/v1/exchanges', { query: { ...query } });
}

/** One exchange with its messages. The recipient's first read records delivery. */
export function getExchange(client: PouchClient, exchangeId: string): Promise<ExchangeDetail> {
  return client.request('GET', path('v1', 'exchanges', exchangeId));
}

/** Declare a sealed document; the answer says how to upload it (single PUT or multipart) and where. */
export function declareDocument(
  client: PouchClient,
  exchangeId: string,
  input: DeclareDocumentInput,
  idempotencyKey: string,
): Promise<DeclaredDocument> {
  return client.request('POST', path('v1', 'exchanges', exchangeId, 'documents'), {
    json: input,
    idempotencyKey,
  });
}

/** Presign parts of a multipart upload again (resuming, or URLs close to expiry). */
export async function presignDocumentParts(
  client: PouchClient,
  exchangeId: string,
  documentId: string,
  partNumbers: readonly number[],
  /** A streamed upload: the SHA-256 (base64) of each part, in the order of `partNumbers`. */
  partSha256s?: readonly string[],
): Promise<readonly PresignedPartUrl[]> {
  const answer = await client.request<{ urls: readonly PresignedPartUrl[] }>(
    'POST',
    path('v1', 'exchanges', exchangeId, 'documents', documentId, 'parts'),
    { json: { partNumbers, ...(partSha256s ? { partSha256s } : {}) } },
  );
  return answer.urls;
}

/** Commit an uploaded document once storage holds all of it (the server confirms size and checksum). */
export function commitDocument(
  client: PouchClient,
  exchangeId: string,
  documentId: string,
  parts: ReadonlyArray<{ partNumber: number; etag: string; sha256?: string }>,
  /** A streamed upload names its part checksums and its whole-file sealed SHA-256 (hex) at commit. */
  streamed?: { readonly sealedSha256: string },
): Promise<SealedDocumentRecord> {
  return client.request('POST', path('v1', 'exchanges', exchangeId, 'documents', documentId, 'commit'), {
    json: streamed
      ? {
          parts: parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag, sha256: p.sha256 })),
          sealedSha256: streamed.sealedSha256,
        }
      : { parts: parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })) },
  });
}

/** Post a message with its signed manifest (409 when the exchange's state does not allow it). */
export function postMessage(
  client: PouchClient,
  exchangeId: string,
  input: PostMessageInput,
  idempotencyKey: string,
): Promise<SentMessage> {
  return client.request('POST', path('v1', 'exchanges', exchangeId, 'messages'), {
    json: input,
    idempotencyKey,
  });
}

/**
 * Record a retrieval in the ledger and get a presigned GET URL (valid at most 5 minutes). Ask again with the same
 * `idempotencyKey` for a fresh URL of the same retrieval (one event in the ledger, not two).
 */
export function requestDownload(
  client: PouchClient,
  exchangeId: string,
  documentId: string,
  idempotencyKey?: string,
): Promise<Download> {
  return client.request(
    'POST',
    path('v1', 'exchanges', exchangeId, 'documents', documentId, 'download'),
    idempotencyKey ? { idempotencyKey } : {},
  );
}

/** The exchange's signed receipts (submission, delivery, retrieval). */
export async function listReceipts(client: PouchClient, exchangeId: string): Promise<readonly Receipt[]> {
  const answer = await client.request<{ receipts: readonly Receipt[] }>(
    'GET',
    path('v1', 'exchanges', exchangeId, 'receipts'),
  );
  return answer.receipts;
}

/** One authority's public directory entry (recipients, members and their keys, profile). */
export function fetchDirectoryEntry(client: PouchClient, authorityId: string): Promise<DirectoryEntry> {
  return client.request('GET', path('v1', 'directory', 'authorities', authorityId));
}

/** Who the caller is (GET /v1/me). */
export function fetchMe(client: PouchClient): Promise<PrincipalWire> {
  return client.request('GET', '/v1/me');
}
