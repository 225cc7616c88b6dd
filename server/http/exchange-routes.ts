// HTTP layer (primary adapter): the sealed exchange API — exchanges, sealed documents, messages, downloads and
// receipts. Thin: validation from the wire schemas (shared/api/exchange.ts, which also give the OpenAPI
// document), then one use case call; each answer is checked by the compiler against its declared schema.
import { createRoute } from '@hono/zod-openapi';
import {
  CommitDocumentSchema,
  CreateExchangeSchema,
  DeclareDocumentSchema,
  DeclaredDocumentSchema,
  DocumentParamsSchema,
  DownloadSchema,
  ExchangeDetailSchema,
  ExchangeLabelSchema,
  ExchangePageSchema,
  ExchangeParamsSchema,
  IdempotencyHeadersSchema,
  ListExchangesQuerySchema,
  PostMessageSchema,
  PresignedPartsSchema,
  PresignPartsSchema,
  ReceiptListSchema,
  type SealedDocument,
  SealedDocumentSchema,
  SentMessageSchema,
} from '../../shared/api/exchange.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { IdempotencyStore } from '../ports/idempotency-store.ts';
import type { ExchangeService } from '../use-cases/exchange/exchange-service.ts';
import type { PouchApp } from './app-env.ts';
import { requirePrincipal } from './auth-middleware.ts';
import { effectIdsOf, keyedReadIds, recordingIds, runIdempotent } from './idempotency.ts';
import {
  bodyErrors,
  idempotencyErrors,
  jsonResponse,
  problemResponse,
  secured,
  securedErrors,
  validationErrors,
} from './openapi-responses.ts';

/** Writes race other writers of the same exchange (or a retry holding the same Idempotency-Key). */
const conflict = { 409: problemResponse('A concurrent change or retry holds the exchange; try again') };

export interface ExchangeRouteDeps {
  readonly exchanges: ExchangeService;
  readonly idempotency: IdempotencyStore;
}

/** Register the exchange routes (behind the auth middleware). */
export function registerExchangeRoutes(deps: ExchangeRouteDeps) {
  return (app: PouchApp) => {
    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges',
        operationId: 'createExchange',
        tags: ['exchanges'],
        summary: 'Open an exchange with a requested authority',
        ...secured,
        request: {
          headers: IdempotencyHeadersSchema,
          body: { required: true, content: { 'application/json': { schema: CreateExchangeSchema } } },
        },
        responses: {
          201: jsonResponse(ExchangeLabelSchema, 'Created'),
          ...bodyErrors,
          ...securedErrors,
          ...conflict,
          ...idempotencyErrors,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const body = c.req.valid('json');
        return runIdempotent(
          c,
          deps.idempotency,
          principal,
          body,
          recordingIds({ exchangeId: newId('exch') }),
          { status: 201, schema: ExchangeLabelSchema },
          async (ids) =>
            deps.exchanges.createExchange(principal, body, {
              ...effectIdsOf(ids),
              ...(ids.exchangeId === undefined ? {} : { exchangeId: ids.exchangeId }),
            }),
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges',
        operationId: 'listExchanges',
        tags: ['exchanges'],
        summary: 'Inbox and outbox of the caller’s authority, filtered and paginated',
        ...secured,
        request: { query: ListExchangesQuerySchema },
        responses: {
          200: jsonResponse(ExchangePageSchema, 'A page of exchanges, newest first'),
          ...validationErrors,
          ...securedErrors,
        },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const page = await deps.exchanges.listExchanges(requirePrincipal(c), {
          limit: q.limit,
          ...(q.box ? { box: q.box } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.kind ? { kind: q.kind } : {}),
          ...(q.counterpart ? { counterpart: q.counterpart } : {}),
          ...(q.from ? { from: q.from } : {}),
          ...(q.to ? { to: q.to } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
        return c.json(
          { items: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
          200,
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}',
        operationId: 'getExchange',
        tags: ['exchanges'],
        summary: 'One exchange with its messages (the recipient’s first read records delivery)',
        ...secured,
        request: { params: ExchangeParamsSchema },
        responses: {
          200: jsonResponse(ExchangeDetailSchema, 'The exchange'),
          ...validationErrors,
          ...securedErrors,
          ...conflict,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const { label, messages } = await deps.exchanges.getExchange(
          principal,
          c.req.valid('param').exchangeId,
          keyedReadIds(c, principal),
        );
        return c.json({ label, messages }, 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/documents',
        operationId: 'declareDocument',
        tags: ['documents'],
        summary: 'Declare a sealed document and get presigned upload URLs (413 above the maximum size)',
        ...secured,
        request: {
          params: ExchangeParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: { required: true, content: { 'application/json': { schema: DeclareDocumentSchema } } },
        },
        responses: {
          201: jsonResponse(
            DeclaredDocumentSchema,
            'Declared; upload the sealed bytes to the URLs, then commit',
          ),
          ...bodyErrors,
          413: problemResponse('Larger than the configured maximum (the document, or the request body)'),
          ...securedErrors,
          ...conflict,
          ...idempotencyErrors,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const { exchangeId } = c.req.valid('param');
        const body = c.req.valid('json');
        return runIdempotent(
          c,
          deps.idempotency,
          principal,
          body,
          { documentId: newId('doc') },
          { status: 201, schema: DeclaredDocumentSchema, rederive: true },
          async (ids) => {
            const documentId = ids.documentId ?? newId('doc');
            const result = await deps.exchanges.declareDocument(principal, exchangeId, body, documentId);
            return { plan: result.plan, urls: result.urls, document: publicDocument(result.document) };
          },
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/documents/{documentId}/parts',
        operationId: 'presignDocumentParts',
        tags: ['documents'],
        summary: 'Presign parts of a multipart upload again, to resume it',
        ...secured,
        request: {
          params: DocumentParamsSchema,
          body: { required: true, content: { 'application/json': { schema: PresignPartsSchema } } },
        },
        responses: {
          200: jsonResponse(PresignedPartsSchema, 'Presigned part URLs'),
          ...bodyErrors,
          ...securedErrors,
          ...conflict,
        },
      }),
      async (c) => {
        const { exchangeId, documentId } = c.req.valid('param');
        const { partNumbers, partSha256s } = c.req.valid('json');
        const urls = await deps.exchanges.presignParts(
          requirePrincipal(c),
          exchangeId,
          documentId,
          partNumbers,
          partSha256s,
        );
        return c.json({ urls }, 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/documents/{documentId}/commit',
        operationId: 'commitDocument',
        tags: ['documents'],
        summary: 'Commit an uploaded document once its size and checksum are confirmed',
        ...secured,
        request: {
          params: DocumentParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: { required: true, content: { 'application/json': { schema: CommitDocumentSchema } } },
        },
        responses: {
          200: jsonResponse(SealedDocumentSchema, 'Committed'),
          ...bodyErrors,
          ...securedErrors,
          ...conflict,
          422: problemResponse(
            'Size or checksum does not match the declaration, or the Idempotency-Key was used with another request',
          ),
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const { exchangeId, documentId } = c.req.valid('param');
        const body = c.req.valid('json');
        return runIdempotent(
          c,
          deps.idempotency,
          principal,
          body,
          recordingIds(),
          { status: 200, schema: SealedDocumentSchema },
          async (ids) =>
            publicDocument(
              await deps.exchanges.commitDocument(
                principal,
                exchangeId,
                documentId,
                body.parts,
                effectIdsOf(ids),
                body.sealedSha256,
              ),
            ),
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/messages',
        operationId: 'postMessage',
        tags: ['messages'],
        summary: 'Post a message with its signed manifest (409 when the exchange’s state does not allow it)',
        ...secured,
        request: {
          params: ExchangeParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: { required: true, content: { 'application/json': { schema: PostMessageSchema } } },
        },
        responses: {
          201: jsonResponse(SentMessageSchema, 'Sent'),
          ...bodyErrors,
          ...securedErrors,
          409: problemResponse(
            'Not allowed in the current state (ERR_INVALID_STATE, the problem names it), the message id was already ' +
              'sent with other contents (ERR_MESSAGE_IMMUTABLE: a sent message never changes), or a concurrent change',
          ),
          422: problemResponse(
            'The manifest does not verify or does not match the uploads, its signed label claims differ from the label ' +
              '(ERR_LABEL_MISMATCH), or the Idempotency-Key was used with another request',
          ),
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const { exchangeId } = c.req.valid('param');
        const body = c.req.valid('json');
        return runIdempotent(
          c,
          deps.idempotency,
          principal,
          body,
          recordingIds(),
          { status: 201, schema: SentMessageSchema },
          async (ids) => {
            const { message, status, seq } = await deps.exchanges.postMessage(
              principal,
              exchangeId,
              body,
              effectIdsOf(ids),
            );
            return { message, status, seq };
          },
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/documents/{documentId}/download',
        operationId: 'requestDownload',
        tags: ['documents'],
        summary: 'Record a retrieval in the ledger and get a presigned download URL (at most 5 minutes)',
        ...secured,
        request: { params: DocumentParamsSchema, headers: IdempotencyHeadersSchema },
        responses: {
          200: jsonResponse(DownloadSchema, 'Download URL'),
          ...bodyErrors,
          ...securedErrors,
          ...conflict,
          ...idempotencyErrors,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const { exchangeId, documentId } = c.req.valid('param');
        // With a key, a retried download records one retrieval, not two (the recorder knows its event by id), and
        // gets a fresh URL: a stored one may be expired or point at a restarted local server's old port.
        return runIdempotent(
          c,
          deps.idempotency,
          principal,
          null,
          recordingIds(),
          { status: 200, schema: DownloadSchema, rederive: true },
          async (ids) => {
            const result = await deps.exchanges.presignDownload(
              principal,
              exchangeId,
              documentId,
              effectIdsOf(ids),
            );
            return { ...result, document: publicDocument(result.document) };
          },
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}/receipts',
        operationId: 'listReceipts',
        tags: ['custody'],
        summary: 'The exchange’s signed receipts (submission, delivery, retrieval)',
        ...secured,
        request: { params: ExchangeParamsSchema },
        responses: {
          200: jsonResponse(ReceiptListSchema, 'Receipts (compact JWS, typ pouch-receipt+jwt)'),
          ...validationErrors,
          ...securedErrors,
        },
      }),
      async (c) => {
        const receipts = await deps.exchanges.listReceipts(
          requirePrincipal(c),
          c.req.valid('param').exchangeId,
        );
        return c.json(
          { receipts: receipts.map((r) => ({ seq: r.seq, evidence: r.evidence, jws: r.jws })) },
          200,
        );
      },
    );
  };
}

/** The public view of a document record: what the server keeps about its upload stays on the server. */
function publicDocument(doc: SealedDocument): SealedDocument {
  return {
    exchangeId: doc.exchangeId,
    documentId: doc.documentId,
    state: doc.state,
    sealedSize: doc.sealedSize,
    sealedSha256: doc.sealedSha256,
    createdAt: doc.createdAt,
    ...(doc.committedAt ? { committedAt: doc.committedAt } : {}),
    ...(doc.messageId ? { messageId: doc.messageId } : {}),
  };
}
