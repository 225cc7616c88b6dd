// HTTP layer (primary adapter): the sealed exchange API — exchanges, sealed documents, messages, downloads and
// receipts. Thin: validation from zod schemas (which also give the OpenAPI document), then one use case call.
import { createRoute, z } from '@hono/zod-openapi';
import { EXCHANGE_STATES, MESSAGE_KINDS } from '../../shared/domain/exchange/state-machine.ts';
import { newId } from '../../shared/domain/ids.ts';
import { REQUEST_KINDS } from '../../shared/domain/requests/instruments.ts';
import type { IdempotencyStore } from '../ports/idempotency-store.ts';
import type { ExchangeService } from '../use-cases/exchange/exchange-service.ts';
import type { PouchApp } from './app-env.ts';
import { requirePrincipal } from './auth-middleware.ts';
import { effectIdsOf, keyedReadIds, recordingIds, runIdempotent } from './idempotency.ts';

const problemContent = {
  'application/problem+json': {
    schema: z.object({ code: z.string(), title: z.string(), status: z.number() }),
  },
};
const errors = {
  400: { description: 'Invalid request', content: problemContent },
  401: { description: 'Missing or invalid access token', content: problemContent },
  404: { description: 'Not found (or not yours)', content: problemContent },
};

const Id = z.string().min(10).max(64);
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 digest');
const Base64Sha256 = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 SHA-256 digest');

const LabelSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    urgency: z.enum(['normal', 'urgent', 'emergency']),
    requesterId: z.string(),
    requestedId: z.string(),
    requesterReference: z.string(),
    requestedReference: z.string().optional(),
    links: z.array(z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
    status: z.enum(EXCHANGE_STATES),
    ledgerSeq: z.number(),
    updatedAt: z.string(),
    deadline: z.string().optional(),
  })
  .openapi('ExchangeLabel');

const MessageSchema = z
  .object({
    exchangeId: z.string(),
    messageId: z.string(),
    kind: z.enum(MESSAGE_KINDS),
    side: z.enum(['requester', 'requested']),
    final: z.boolean().optional(),
    senderAuthorityId: z.string(),
    senderClientId: z.string(),
    manifest: z.string().openapi({ description: 'The sender’s signed manifest (compact JWS)' }),
    documentIds: z.array(z.string()),
    sentAt: z.string(),
    seq: z.number(),
    deliveredAt: z.string().optional(),
  })
  .openapi('Message');

const DocumentSchema = z
  .object({
    exchangeId: z.string(),
    documentId: z.string(),
    state: z.enum(['pending', 'committed']),
    sealedSize: z.number(),
    sealedSha256: z.string(),
    createdAt: z.string(),
    committedAt: z.string().optional(),
    messageId: z.string().optional(),
  })
  .openapi('Document');

const PresignedPartSchema = z.object({
  partNumber: z.number(),
  url: z.string(),
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()),
  expiresAt: z.string(),
});

const CreateExchangeBody = z
  .object({
    kind: z.enum(REQUEST_KINDS),
    urgency: z.enum(['normal', 'urgent', 'emergency']),
    requestedId: Id,
    requesterReference: z.string().min(1).max(100),
    links: z.array(Id).max(20).optional(),
    deadline: z.iso.datetime().optional(),
  })
  .openapi('CreateExchange');

const DeclareDocumentBody = z
  .object({
    sealedSize: z.number().int().nonnegative(),
    sealedSha256: Hex64,
    partSize: z.number().int().positive().optional(),
    partSha256s: z.array(Base64Sha256).max(10_000).optional(),
  })
  .openapi('DeclareDocument');

const PostMessageBody = z
  .object({
    messageId: z.string().regex(/^msg_[A-Za-z0-9_-]{22}$/, 'msg_ followed by 22 base64url characters'),
    kind: z.enum(MESSAGE_KINDS),
    final: z.boolean().optional(),
    requestedReference: z.string().min(1).max(100).optional(),
    documentIds: z.array(Id).max(1000),
    manifest: z.string().min(20).max(200_000),
    check: z
      .object({
        profileVersion: z.number().int().positive().optional(),
        errors: z.number().int().nonnegative(),
        forced: z.boolean(),
      })
      .optional()
      .openapi({
        description: 'Result of the sender’s completeness check; a forced send is recorded as such',
      }),
  })
  .openapi('PostMessage');

const ListQuery = z.object({
  box: z.enum(['inbox', 'outbox']).optional(),
  status: z.enum(EXCHANGE_STATES).optional(),
  kind: z.string().max(40).optional(),
  counterpart: z.string().max(64).optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2000).optional(),
});

const ExchangeParams = z.object({ exchangeId: Id });
const DocumentParams = z.object({ exchangeId: Id, documentId: Id });
const secured = { security: [{ bearer: [] }] };

/** Wire types of the exchange API, derived from the same schemas that validate it (the SDK imports these). */
export type ExchangeLabelWire = z.output<typeof LabelSchema>;
export type MessageWire = z.output<typeof MessageSchema>;
export type DocumentWire = z.output<typeof DocumentSchema>;
export type PresignedPartWire = z.output<typeof PresignedPartSchema>;
export type CreateExchangeRequest = z.input<typeof CreateExchangeBody>;
export type DeclareDocumentRequest = z.input<typeof DeclareDocumentBody>;
export type PostMessageRequest = z.input<typeof PostMessageBody>;
export type ListExchangesQueryWire = z.input<typeof ListQuery>;

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
        tags: ['exchanges'],
        summary: 'Open an exchange with a requested authority',
        ...secured,
        request: {
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          body: { required: true, content: { 'application/json': { schema: CreateExchangeBody } } },
        },
        responses: {
          201: { description: 'Created', content: { 'application/json': { schema: LabelSchema } } },
          ...errors,
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
          async (ids) => ({
            status: 201,
            body: {
              ...(await deps.exchanges.createExchange(principal, body, {
                ...effectIdsOf(ids),
                ...(ids.exchangeId === undefined ? {} : { exchangeId: ids.exchangeId }),
              })),
            },
          }),
        ) as never;
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges',
        tags: ['exchanges'],
        summary: 'Inbox and outbox of the caller’s authority, filtered and paginated',
        ...secured,
        request: { query: ListQuery },
        responses: {
          200: {
            description: 'A page of exchanges, newest first',
            content: {
              'application/json': {
                schema: z.object({ items: z.array(LabelSchema), nextCursor: z.string().optional() }),
              },
            },
          },
          ...errors,
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
          {
            items: page.items.map((l) => ({ ...l, links: [...l.links] })),
            ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
          },
          200,
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}',
        tags: ['exchanges'],
        summary: 'One exchange with its messages (the recipient’s first read records delivery)',
        ...secured,
        request: { params: ExchangeParams },
        responses: {
          200: {
            description: 'The exchange',
            content: {
              'application/json': {
                schema: z.object({ label: LabelSchema, messages: z.array(MessageSchema) }),
              },
            },
          },
          ...errors,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const { label, messages } = await deps.exchanges.getExchange(
          principal,
          c.req.valid('param').exchangeId,
          keyedReadIds(c, principal),
        );
        return c.json(
          {
            label: { ...label, links: [...label.links] },
            messages: messages.map((m) => ({ ...m, documentIds: [...m.documentIds] })),
          },
          200,
        );
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/documents',
        tags: ['documents'],
        summary: 'Declare a sealed document and get presigned upload URLs (413 above the maximum size)',
        ...secured,
        request: {
          params: ExchangeParams,
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          body: { required: true, content: { 'application/json': { schema: DeclareDocumentBody } } },
        },
        responses: {
          201: {
            description: 'Declared; upload the sealed bytes to the URLs, then commit',
            content: {
              'application/json': {
                schema: z.object({
                  document: DocumentSchema,
                  plan: z.object({
                    kind: z.enum(['single', 'multipart']),
                    size: z.number(),
                    partSize: z.number().optional(),
                    partCount: z.number().optional(),
                  }),
                  urls: z.array(PresignedPartSchema),
                }),
              },
            },
          },
          413: { description: 'Larger than the configured maximum', content: problemContent },
          ...errors,
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
          async (ids) => {
            const result = await deps.exchanges.declareDocument(principal, exchangeId, body, ids.documentId);
            return { status: 201, body: { ...result, document: publicDocument(result.document) } };
          },
          { rederive: true },
        ) as never;
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/documents/{documentId}/parts',
        tags: ['documents'],
        summary: 'Presign parts of a multipart upload again, to resume it',
        ...secured,
        request: {
          params: DocumentParams,
          body: {
            required: true,
            content: {
              'application/json': {
                schema: z.object({
                  partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(10_000),
                }),
              },
            },
          },
        },
        responses: {
          200: {
            description: 'Presigned part URLs',
            content: { 'application/json': { schema: z.object({ urls: z.array(PresignedPartSchema) }) } },
          },
          ...errors,
        },
      }),
      async (c) => {
        const { exchangeId, documentId } = c.req.valid('param');
        const urls = await deps.exchanges.presignParts(
          requirePrincipal(c),
          exchangeId,
          documentId,
          c.req.valid('json').partNumbers,
        );
        return c.json({ urls }, 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/documents/{documentId}/commit',
        tags: ['documents'],
        summary: 'Commit an uploaded document once its size and checksum are confirmed',
        ...secured,
        request: {
          params: DocumentParams,
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          body: {
            required: true,
            content: {
              'application/json': {
                schema: z.object({
                  parts: z
                    .array(
                      z.object({
                        partNumber: z.number().int().min(1).max(10_000),
                        etag: z.string().min(1).max(200),
                      }),
                    )
                    .max(10_000),
                }),
              },
            },
          },
        },
        responses: {
          200: { description: 'Committed', content: { 'application/json': { schema: DocumentSchema } } },
          422: { description: 'Size or checksum does not match the declaration', content: problemContent },
          ...errors,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const { exchangeId, documentId } = c.req.valid('param');
        const body = c.req.valid('json');
        return runIdempotent(c, deps.idempotency, principal, body, recordingIds(), async (ids) => {
          const doc = await deps.exchanges.commitDocument(
            principal,
            exchangeId,
            documentId,
            body.parts,
            effectIdsOf(ids),
          );
          return { status: 200, body: publicDocument(doc) };
        }) as never;
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/messages',
        tags: ['messages'],
        summary: 'Post a message with its signed manifest (409 when the exchange’s state does not allow it)',
        ...secured,
        request: {
          params: ExchangeParams,
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          body: { required: true, content: { 'application/json': { schema: PostMessageBody } } },
        },
        responses: {
          201: {
            description: 'Sent',
            content: {
              'application/json': {
                schema: z.object({
                  message: MessageSchema,
                  status: z.enum(EXCHANGE_STATES),
                  seq: z.number(),
                }),
              },
            },
          },
          409: {
            description: 'Not allowed in the current state (the problem names it)',
            content: problemContent,
          },
          422: {
            description: 'The manifest does not verify or does not match the uploads',
            content: problemContent,
          },
          ...errors,
        },
      }),
      async (c) => {
        const principal = requirePrincipal(c);
        const { exchangeId } = c.req.valid('param');
        const body = c.req.valid('json');
        return runIdempotent(c, deps.idempotency, principal, body, recordingIds(), async (ids) => {
          const result = await deps.exchanges.postMessage(principal, exchangeId, body, effectIdsOf(ids));
          return {
            status: 201,
            body: {
              message: { ...result.message, documentIds: [...result.message.documentIds] },
              status: result.status,
              seq: result.seq,
            },
          };
        }) as never;
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/exchanges/{exchangeId}/documents/{documentId}/download',
        tags: ['documents'],
        summary: 'Record a retrieval in the ledger and get a presigned download URL (at most 5 minutes)',
        ...secured,
        request: { params: DocumentParams, headers: z.object({ 'idempotency-key': z.string().optional() }) },
        responses: {
          200: {
            description: 'Download URL',
            content: {
              'application/json': {
                schema: z.object({
                  url: z.string(),
                  expiresAt: z.string(),
                  expiresInSeconds: z.number(),
                  document: DocumentSchema,
                }),
              },
            },
          },
          ...errors,
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
          async (ids) => {
            const result = await deps.exchanges.presignDownload(
              principal,
              exchangeId,
              documentId,
              effectIdsOf(ids),
            );
            return { status: 200, body: { ...result, document: publicDocument(result.document) } };
          },
          { rederive: true },
        ) as never;
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/v1/exchanges/{exchangeId}/receipts',
        tags: ['custody'],
        summary: 'The exchange’s signed receipts (submission, delivery, retrieval)',
        ...secured,
        request: { params: ExchangeParams },
        responses: {
          200: {
            description: 'Receipts (compact JWS, typ pouch-receipt+jwt)',
            content: {
              'application/json': {
                schema: z.object({
                  receipts: z.array(z.object({ seq: z.number(), evidence: z.string(), jws: z.string() })),
                }),
              },
            },
          },
          ...errors,
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

function publicDocument(doc: {
  exchangeId: string;
  documentId: string;
  state: 'pending' | 'committed';
  sealedSize: number;
  sealedSha256: string;
  createdAt: string;
  committedAt?: string;
  messageId?: string;
}) {
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
