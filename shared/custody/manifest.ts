// Content integrity (shared by the client and the server): the sender's signed manifest, a JWS that lists
// every document of one message with both digests, bound to the exchange and message ids, and carries the
// sender's own assertions (check result, `final`), which only the sender vouches for, and the label the sender
// sealed the message under, which the exchange and the recipient's client compare with the label they see.
import {
  CompactSign,
  type CryptoKey,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  type KeyObject,
} from 'jose';
import { z } from 'zod';
import {
  DeadlineSchema,
  ExchangeKindSchema,
  MediaTypeSchema,
  ReferenceSchema,
  UrgencySchema,
} from '../api/common.ts';
import { PouchError } from '../domain/errors.ts';
import {
  type DocumentDigest,
  type LedgerEvent,
  PARTS_DIGEST_PATTERN,
  sameDocumentDigest,
} from '../domain/ledger/event.ts';
import { canonicalJson } from '../domain/ledger/jcs.ts';

/** Explicit JOSE `typ` for manifests, so that a manifest can never pass as a token or receipt (RFC 8725 §3.11). */
export const MANIFEST_TYP = 'pouch-manifest+jwt';
export const MANIFEST_ALGORITHMS = ['ES256', 'EdDSA'] as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 digest');

export const ManifestDocumentSchema = z
  .object({
    documentId: z.string().min(16).max(64),
    /** The file name as the sender gave it. Display only: never used for storage keys or output paths. */
    name: z.string().min(1).max(255),
    mediaType: MediaTypeSchema,
    size: z.number().int().nonnegative(),
    plaintextSha256: sha256Hex,
    sealedSize: z.number().int().nonnegative(),
    /**
     * The sender's SHA-256 of the whole sealed file. For a single-PUT upload storage verified this very digest;
     * for a multipart upload it is the sender's claim alone, which the recipient's client checks after download.
     */
    sealedSha256: sha256Hex,
    /**
     * Multipart uploads only (required there): the composite storage verified (hex SHA-256 over the part
     * digests, `-N`; shared/crypto/sealed-digest.ts) and the part size. The exchange records and signs these.
     */
    sealedPartsSha256: z
      .string()
      .regex(PARTS_DIGEST_PATTERN, 'hex SHA-256, "-" and the part count')
      .optional(),
    partSize: z.number().int().positive().optional(),
  })
  .refine((d) => (d.sealedPartsSha256 === undefined) === (d.partSize === undefined), {
    message: 'sealedPartsSha256 and partSize come together',
    path: ['partSize'],
  });
export type ManifestDocument = z.infer<typeof ManifestDocumentSchema>;

/**
 * What the sender asserts about the message and nobody else checks: the completeness check of a request
 * (`pouch check`: the recipient's profile version, the error count, whether the send was forced despite errors)
 * and whether evidence is final. Signed here by the sender; the exchange records it as the sender's.
 */
export const SenderAssertionsSchema = z.object({
  check: z
    .object({
      profileVersion: z.number().int().positive().optional(),
      errors: z.number().int().nonnegative(),
      forced: z.boolean(),
    })
    .optional(),
  final: z.boolean().optional(),
});
export type SenderAssertions = z.infer<typeof SenderAssertionsSchema>;

/**
 * The label the sender sealed the message under, as the sender saw it: the counterpart it addressed and sealed to,
 * and the exchange's kind, urgency, deadline and requester reference. The sender's claim, signed: the exchange
 * refuses a post whose claims differ from its label (ERR_LABEL_MISMATCH), and the recipient's client and the
 * bundle verifier compare them with the label they are shown. `requestedReference` appears only in a message of
 * the requested side that sets it (`pouch reply … --reference`). The exchange refuses a new post without claims
 * (ERR_LABEL_MISMATCH, reason `label-claims-missing`); manifests of messages sent before claims were signed carry
 * none, and the readers (fetch, the bundle verifier) still accept those.
 */
export const ManifestLabelSchema = z.object({
  /** The authority the contents are addressed and sealed to: the other party of the exchange. */
  recipientId: z.string().min(10).max(64),
  kind: ExchangeKindSchema,
  urgency: UrgencySchema,
  deadline: DeadlineSchema.optional(),
  requesterReference: ReferenceSchema,
  requestedReference: ReferenceSchema.optional(),
});
export type ManifestLabel = z.infer<typeof ManifestLabelSchema>;

export const ManifestSchema = z.object({
  v: z.literal(1),
  exchangeId: z.string().min(16).max(64),
  messageId: z.string().min(16).max(64),
  messageKind: z.string().min(1).max(32),
  /** Client id of the signer: `<authorityId>:<memberId>`. */
  sender: z.string().min(3).max(200),
  iat: z.number().int().positive(),
  documents: z.array(ManifestDocumentSchema).max(1000),
  senderAssertions: SenderAssertionsSchema.optional(),
  label: ManifestLabelSchema.optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** The label as the exchange keeps it (the fields label claims are compared with). */
export interface ClaimedLabelView {
  readonly requesterId: string;
  readonly requestedId: string;
  readonly kind: string;
  readonly urgency: string;
  readonly deadline?: string | undefined;
  readonly requesterReference: string;
}

/** The label fields a manifest's claims can disagree on. */
export type LabelClaimField =
  | 'recipient'
  | 'kind'
  | 'urgency'
  | 'deadline'
  | 'requesterReference'
  | 'requestedReference';

/**
 * The first field where a manifest's label claims disagree with a label, or undefined. `senderSide` is the side
 * of the authority that signed the manifest: its recipient is the other party. The requester never claims the
 * requested side's reference. (Whether the label's `requestedReference` is the latest one claimed is a question
 * of the whole exchange, asked by its readers: fetch and the bundle verifier.)
 * @example describeLabelMismatch(manifest.label, label, 'requester') // 'urgency' when the label was bent
 */
export function describeLabelMismatch(
  claims: ManifestLabel,
  label: ClaimedLabelView,
  senderSide: 'requester' | 'requested',
): LabelClaimField | undefined {
  const recipient = senderSide === 'requester' ? label.requestedId : label.requesterId;
  if (claims.recipientId !== recipient) return 'recipient';
  if (claims.kind !== label.kind) return 'kind';
  if (claims.urgency !== label.urgency) return 'urgency';
  if ((claims.deadline ?? null) !== (label.deadline ?? null)) return 'deadline';
  if (claims.requesterReference !== label.requesterReference) return 'requesterReference';
  if (claims.requestedReference !== undefined && senderSide !== 'requested') return 'requestedReference';
  return undefined;
}

/**
 * The label claims a sender signs, from the exchange's label as it sees it: the other party as recipient, the
 * label's kind, urgency, deadline and requester reference, and (requested side only) the requested reference
 * this message sets. The inverse of describeLabelMismatch.
 * @example const claims = labelClaimsFor(label, 'requester'); // signed in the manifest's `label`
 */
export function labelClaimsFor(
  label: ClaimedLabelView,
  senderSide: 'requester' | 'requested',
  requestedReference?: string,
): ManifestLabel {
  return {
    recipientId: senderSide === 'requester' ? label.requestedId : label.requesterId,
    kind: label.kind as ManifestLabel['kind'],
    urgency: label.urgency as ManifestLabel['urgency'],
    ...(label.deadline === undefined ? {} : { deadline: label.deadline }),
    requesterReference: label.requesterReference,
    ...(senderSide === 'requested' && requestedReference !== undefined ? { requestedReference } : {}),
  };
}

/** Sign a manifest with the member's private key. */
export async function signManifest(
  manifest: Manifest,
  key: CryptoKey | KeyObject | Uint8Array,
  header: { alg: (typeof MANIFEST_ALGORITHMS)[number]; kid: string },
): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(ManifestSchema.parse(manifest)));
  return new CompactSign(payload).setProtectedHeader({ ...header, typ: MANIFEST_TYP }).sign(key);
}

/** Read the header of a manifest without trusting it (to look its `kid` up in the directory). */
export function readManifestKid(jws: string): string {
  try {
    const header = decodeProtectedHeader(jws);
    if (typeof header.kid === 'string' && header.kid.length > 0 && header.kid.length <= 200)
      return header.kid;
  } catch {
    // fall through
  }
  throw new PouchError('ERR_MANIFEST_INVALID', 'The manifest has no readable key id');
}

/**
 * Verify a manifest's signature with the sender's public key (taken from the directory by `kid`, never from
 * the token itself), its `typ`, its shape, and its binding to the expected exchange, message and sender.
 */
export async function verifyManifest(
  jws: string,
  publicJwk: JWK,
  expected: { exchangeId: string; messageId?: string; sender: string },
): Promise<{ manifest: Manifest; kid: string }> {
  let payload: Uint8Array;
  let kid: string | undefined;
  try {
    const alg = publicJwk.crv === 'Ed25519' ? 'EdDSA' : 'ES256';
    const key = await importJWK(publicJwk, alg);
    const result = await compactVerify(jws, key, { algorithms: [...MANIFEST_ALGORITHMS] });
    if (result.protectedHeader.typ !== MANIFEST_TYP) throw new Error('typ');
    const header = result.protectedHeader as Record<string, unknown>;
    if (header.jku || header.jwk || header.x5u || header.x5c || header.crit) throw new Error('header');
    payload = result.payload;
    kid = result.protectedHeader.kid;
  } catch (error) {
    throw new PouchError('ERR_SIGNATURE_INVALID', 'The manifest signature does not verify', { cause: error });
  }
  let manifest: Manifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
  } catch (error) {
    throw new PouchError('ERR_MANIFEST_INVALID', 'The manifest is not well formed', { cause: error });
  }
  if (
    manifest.exchangeId !== expected.exchangeId ||
    (expected.messageId !== undefined && manifest.messageId !== expected.messageId) ||
    manifest.sender !== expected.sender
  ) {
    throw new PouchError(
      'ERR_MANIFEST_INVALID',
      'The manifest belongs to another exchange, message or sender',
    );
  }
  return { manifest, kid: kid ?? '' };
}

/**
 * The digest the ledger records for a manifest entry: the plaintext digest (the sender's claim) and the sealed
 * digest storage verified, in the form of the upload: `sealedSha256` for a single PUT, `sealedPartsSha256` and
 * `partSize` for multipart. The sender's whole-file `sealedSha256` of a multipart document stays in the manifest.
 */
export function ledgerDigestOf(entry: ManifestDocument): DocumentDigest {
  const sealed =
    entry.sealedPartsSha256 !== undefined && entry.partSize !== undefined
      ? { sealedPartsSha256: entry.sealedPartsSha256, partSize: entry.partSize }
      : { sealedSha256: entry.sealedSha256 };
  return {
    documentId: entry.documentId,
    plaintextSha256: entry.plaintextSha256,
    ...sealed,
    size: entry.sealedSize,
  };
}

/**
 * The first way a (verified) manifest disagrees with its `message.sent` event, or undefined: `kind`; `documents`
 * (each event digest must be {@link ledgerDigestOf} its entry, in order); `assertions` (the event's
 * `details.senderAssertions` must be the manifest's `senderAssertions`, member for member, or both absent).
 * Events written before sender assertions were signed carry `details.check` and `details.final` unsigned, and
 * their manifests carry no assertions: they pass, and those fields are then the sender's unsigned word.
 * `requestedReference` (a manifest with label claims): the reference the event records as set by the message
 * must be the one the claims give, or both absent.
 */
export function describeManifestMismatch(
  manifest: Manifest,
  event: Pick<LedgerEvent, 'details' | 'documents'>,
): 'kind' | 'documents' | 'assertions' | 'requestedReference' | undefined {
  if (event.details?.messageKind !== manifest.messageKind) return 'kind';
  const docs = event.documents ?? [];
  if (
    docs.length !== manifest.documents.length ||
    manifest.documents.some(
      (entry, i) => !sameDocumentDigest(ledgerDigestOf(entry), docs[i] as DocumentDigest),
    )
  ) {
    return 'documents';
  }
  const recorded = event.details?.senderAssertions;
  const signed = manifest.senderAssertions;
  if ((recorded === undefined) !== (signed === undefined)) return 'assertions';
  if (signed !== undefined && canonicalJson(recorded) !== canonicalJson(signed)) return 'assertions';
  if (
    manifest.label !== undefined &&
    (manifest.label.requestedReference ?? null) !== (event.details?.requestedReference ?? null)
  ) {
    return 'requestedReference';
  }
  return undefined;
}
