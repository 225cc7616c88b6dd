// Wire schemas (core) of the sealed exchange API: labels, messages, sealed documents and their presigned
// transfers, downloads and receipts. The routes (server/http/exchange-routes.ts) validate and document with
// them; the SDK and the transfer engine take their types from them; the storage port reuses the part types.
import { z } from 'zod';
import { LINK_KINDS } from '../domain/clocks/lineage.ts';
import { PRODUCTION_DATA_CATEGORIES } from '../domain/clocks/track.ts';
import { EXCHANGE_STATES, MESSAGE_KINDS } from '../domain/exchange/state-machine.ts';
import {
  DeadlineSchema,
  ExchangeKindSchema,
  IdSchema,
  MessageIdSchema,
  ReferenceSchema,
  Sha256Base64Schema,
  Sha256HexSchema,
  UrgencySchema,
} from './common.ts';

export const ExchangeStateSchema = z.enum(EXCHANGE_STATES);

/** The label: routing metadata the exchange must see. Never content. */
export const ExchangeLabelSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    urgency: UrgencySchema,
    requesterId: z.string(),
    requestedId: z.string(),
    requesterReference: z.string(),
    requestedReference: z.string().optional(),
    /** Earlier exchanges this one follows (a preservation request followed by MLA, for example). */
    links: z.array(z.string()).readonly(),
    createdAt: z.string(),
    createdBy: z.string(),
    /** Projection of the ledger: status after the event at `ledgerSeq`. */
    status: ExchangeStateSchema,
    ledgerSeq: z.number(),
    updatedAt: z.string(),
    deadline: z.string().optional(),
    /**
     * A preservation request: when the preservation lapses unless extended or followed by a formal request
     * (Budapest art. 29(7): at least 60 days). Projected from the ledger by the clocks.
     */
    preservationExpiresAt: z.string().optional(),
  })
  .readonly()
  .meta({ id: 'ExchangeLabel' });
export type ExchangeLabel = z.output<typeof ExchangeLabelSchema>;

/** One message of an exchange, with the sender's signed manifest. */
export const MessageSchema = z
  .object({
    exchangeId: z.string(),
    messageId: z.string(),
    kind: z.enum(MESSAGE_KINDS),
    side: z.enum(['requester', 'requested']),
    final: z.boolean().optional(),
    senderAuthorityId: z.string(),
    senderClientId: z.string(),
    /** The sender's signed manifest (JWS). */
    manifest: z.string().meta({ description: 'The sender’s signed manifest (compact JWS)' }),
    documentIds: z.array(z.string()).readonly(),
    sentAt: z.string(),
    /** Ledger sequence number of the `message.sent` event. */
    seq: z.number(),
    deliveredAt: z.string().optional(),
  })
  .readonly()
  .meta({ id: 'Message' });
export type ExchangeMessage = z.output<typeof MessageSchema>;

/** A sealed document's public record (the server keeps more: how it was uploaded, and by whom). */
export const SealedDocumentSchema = z
  .object({
    exchangeId: z.string(),
    documentId: z.string(),
    state: z.enum(['pending', 'committed']),
    sealedSize: z.number(),
    /**
     * Hex SHA-256 of the sealed bytes, declared at presign time and confirmed at commit. Empty while a streamed
     * upload is pending (it is given with the commit).
     */
    sealedSha256: z.string(),
    createdAt: z.string(),
    committedAt: z.string().optional(),
    messageId: z.string().optional(),
  })
  .readonly()
  .meta({ id: 'Document' });
export type SealedDocument = z.output<typeof SealedDocumentSchema>;

/** A presigned UploadPart (or single PUT) request. `headers` must be sent exactly as given (they are signed). */
export const PresignedPartSchema = z
  .object({
    partNumber: z.number(),
    url: z.string(),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()).readonly(),
    /** ISO 8601 UTC instant after which storage refuses the URL. */
    expiresAt: z.string(),
  })
  .readonly();
export type PresignedPart = z.output<typeof PresignedPartSchema>;

/** A part to presign: its 1-based number, exact size and SHA-256 (base64 of the raw digest). */
export interface PartToPresign {
  readonly partNumber: number;
  readonly size: number;
  readonly sha256: string;
}

/** One uploaded part, as the commit request names it: its number and the ETag storage answered. */
export const CommittedPartSchema = z.object({
  partNumber: z.number().int().min(1).max(10_000),
  etag: z.string().min(1).max(200),
  /** The part's SHA-256 (base64): required for a streamed upload, whose parts were not declared up front. */
  sha256: Sha256Base64Schema.optional(),
});

/** A part the client has uploaded: the ETag storage answered and the part's SHA-256 (base64). */
export interface UploadedPart extends Readonly<z.output<typeof CommittedPartSchema>> {
  readonly sha256: string;
}

export const LinkKindSchema = z.enum(LINK_KINDS);

/** A link to an earlier exchange: its id and why this one follows it (a bare id is a follow-up). */
export const ExchangeLinkSchema = z
  .object({ exchangeId: IdSchema, kind: LinkKindSchema })
  .meta({ id: 'ExchangeLink' });

export const CreateExchangeSchema = z
  .object({
    kind: ExchangeKindSchema,
    urgency: UrgencySchema,
    requestedId: IdSchema,
    requesterReference: ReferenceSchema,
    links: z
      .array(z.union([IdSchema, ExchangeLinkSchema]))
      .max(20)
      .optional(),
    deadline: DeadlineSchema.optional(),
    dataCategories: z.array(z.enum(PRODUCTION_DATA_CATEGORIES)).min(1).max(2).optional().meta({
      description:
        'A production order only: the categories of data it asks for, so the matching CETS 224 time limit runs (indicative: its citation is unverified). Routing metadata, never content.',
    }),
  })
  .meta({ id: 'CreateExchange' });
export type CreateExchangeRequest = z.input<typeof CreateExchangeSchema>;

export const DeclareDocumentSchema = z
  .object({
    sealedSize: z.number().int().nonnegative(),
    /**
     * Required, except for a streamed multipart upload (no `partSha256s`): its bytes are sealed while they are
     * uploaded, so each part's checksum comes with its presign and the whole-file digest with the commit.
     */
    sealedSha256: Sha256HexSchema.optional(),
    partSize: z.number().int().positive().optional(),
    partSha256s: z.array(Sha256Base64Schema).max(10_000).optional(),
  })
  .meta({ id: 'DeclareDocument' });
export type DeclareDocumentRequest = z.input<typeof DeclareDocumentSchema>;

/** How the sealed bytes go to storage: one PUT, or parts of `partSize` bytes. */
export const UploadPlanSchema = z.object({
  kind: z.enum(['single', 'multipart']),
  size: z.number(),
  partSize: z.number().optional(),
  partCount: z.number().optional(),
});

export const DeclaredDocumentSchema = z.object({
  document: SealedDocumentSchema,
  plan: UploadPlanSchema,
  urls: z.array(PresignedPartSchema).readonly(),
});
export type DeclaredDocument = z.output<typeof DeclaredDocumentSchema>;

export const PresignPartsSchema = z.object({
  partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(10_000),
  /** A streamed upload: each named part's SHA-256 (base64), in the order of `partNumbers`; the URL is bound to it. */
  partSha256s: z.array(Sha256Base64Schema).min(1).max(10_000).optional(),
});
export const PresignedPartsSchema = z.object({ urls: z.array(PresignedPartSchema).readonly() });

export const CommitDocumentSchema = z.object({
  parts: z.array(CommittedPartSchema).max(10_000),
  /** A streamed upload: the sender's whole-file SHA-256 (hex), known once the last part was sealed. */
  sealedSha256: Sha256HexSchema.optional(),
});
export type CommitDocumentRequest = z.input<typeof CommitDocumentSchema>;

export const CompletenessCheckSchema = z
  .object({
    profileVersion: z.number().int().positive().optional(),
    errors: z.number().int().nonnegative(),
    forced: z.boolean(),
  })
  .optional()
  .meta({ description: 'Result of the sender’s completeness check; a forced send is recorded as such' });

export const PostMessageSchema = z
  .object({
    messageId: MessageIdSchema,
    kind: z.enum(MESSAGE_KINDS),
    final: z.boolean().optional(),
    /**
     * The requested authority's own reference (its acknowledgement, usually). Only the requested side may give
     * it; when the manifest carries label claims it must be the claims' `requestedReference`.
     */
    requestedReference: ReferenceSchema.optional(),
    documentIds: z.array(IdSchema).max(1000),
    manifest: z.string().min(20).max(200_000),
    check: CompletenessCheckSchema,
  })
  .meta({ id: 'PostMessage' });
export type PostMessageRequest = z.input<typeof PostMessageSchema>;

export const SentMessageSchema = z.object({
  message: MessageSchema,
  status: ExchangeStateSchema,
  seq: z.number(),
});
export type SentMessage = z.output<typeof SentMessageSchema>;

export const ListExchangesQuerySchema = z.object({
  box: z.enum(['inbox', 'outbox']).optional(),
  status: ExchangeStateSchema.optional(),
  kind: z.string().max(40).optional(),
  counterpart: z.string().max(64).optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2000).optional(),
});
/** The list query; `limit` is coerced from the query string on the server, a number for the SDK. */
export type ListExchangesQuery = Omit<z.input<typeof ListExchangesQuerySchema>, 'limit'> & {
  readonly limit?: number;
};

export const ExchangePageSchema = z.object({
  items: z.array(ExchangeLabelSchema).readonly(),
  nextCursor: z.string().optional(),
});
export type ExchangePage = z.output<typeof ExchangePageSchema>;

export const ExchangeDetailSchema = z.object({
  label: ExchangeLabelSchema,
  messages: z.array(MessageSchema).readonly(),
});
export type ExchangeDetail = z.output<typeof ExchangeDetailSchema>;

export const DownloadSchema = z.object({
  url: z.string(),
  expiresAt: z.string(),
  expiresInSeconds: z.number(),
  document: SealedDocumentSchema,
});
export type Download = z.output<typeof DownloadSchema>;

/** A signed receipt of the exchange (compact JWS, typ pouch-receipt+jwt). */
export const ReceiptSchema = z.object({ seq: z.number(), evidence: z.string(), jws: z.string() });
export type Receipt = z.output<typeof ReceiptSchema>;
export const ReceiptListSchema = z.object({ receipts: z.array(ReceiptSchema).readonly() });

export const ExchangeParamsSchema = z.object({ exchangeId: IdSchema });
export const DocumentParamsSchema = z.object({ exchangeId: IdSchema, documentId: IdSchema });
export const IdempotencyHeadersSchema = z.object({ 'idempotency-key': z.string().optional() });
