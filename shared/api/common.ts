// Wire schemas (core: the server, the SDK, the CLI and a browser import them): the shapes every area of the HTTP
// API shares — ids, digests, urgency, message ids, request kinds and the RFC 9457 problem body of every error.
// Plain zod with `.meta({ id })`: @hono/zod-openapi reads that id as the OpenAPI component name.
import { z } from 'zod';
import { URGENCIES } from '../domain/exchange/urgency.ts';
import { REQUEST_KINDS } from '../domain/requests/instruments.ts';

/** An id in a path or a body (exchanges, documents, authorities): bounded, checked in depth by the use case. */
export const IdSchema = z.string().min(10).max(64);

/** A SHA-256 digest as lowercase hex (sealed files, bundle exports). */
export const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 digest');

/** A SHA-256 digest as base64 (S3's checksum form, one per uploaded part). */
export const Sha256Base64Schema = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 SHA-256 digest');

/**
 * Text a counterpart chooses and another party's terminal or browser shows (references): printable characters
 * only. No control character (C0, C1, DEL: escape sequences, forged lines) and no format character (bidi
 * overrides that reorder what is read), whatever the script.
 */
export const printableText = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'printable characters only (no control or format characters)');

/** A media type as RFC 6838 names one (`type/subtype`, restricted-name characters, optional parameters). */
export const MediaTypeSchema = z
  .string()
  .min(3)
  .max(255)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(;[ -~]*)?$/,
    'a media type such as application/pdf (RFC 6838)',
  );

export const UrgencySchema = z.enum(URGENCIES);

/**
 * A label's deadline: the date by which the answer is needed, as the request form gives it (`2026-04-01`), or an
 * instant (`2026-04-01T12:00:00Z`). Kept as given, so that the label and the sealed request say the same thing.
 */
export const DeadlineSchema = z.union([z.iso.date(), z.iso.datetime()]);

/** A reference of either party for the case (`--reference`): printable, at most 100 characters. */
export const ReferenceSchema = printableText(1, 100);
export type { Urgency } from '../domain/exchange/urgency.ts';

/** Every message id: `msg_` and 22 base64url characters (128 random bits), chosen by the sender. */
export const MESSAGE_ID_PATTERN = /^msg_[A-Za-z0-9_-]{22}$/;
export const MessageIdSchema = z
  .string()
  .regex(MESSAGE_ID_PATTERN, 'msg_ followed by 22 base64url characters');

/** The kinds of exchange: one per kind of request (shared/domain/requests/instruments.ts). */
export const ExchangeKindSchema = z.enum(REQUEST_KINDS);

/** The media type of every error answer. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** RFC 9457 problem details, as every error answers. Extension members (e.g. the exchange's state) may follow. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().meta({ description: 'Stable error code (ERR_...)' }),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    error: z.string().optional().meta({ description: 'OAuth error name on authentication failures' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'The invalid fields of a request that failed validation' }),
  })
  .meta({ id: 'Problem' });
export type ProblemBody = z.output<typeof ProblemSchema>;

/**
 * A problem body as a client receives it: every member optional (a proxy in between may answer on its own)
 * and extension members kept.
 */
export const ReceivedProblemSchema = ProblemSchema.partial().loose();
export type ProblemDetails = z.output<typeof ReceivedProblemSchema>;
