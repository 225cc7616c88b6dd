// Use cases, exchange: commit an uploaded document — complete the multipart upload, confirm size and checksum
// against the declaration, then record `document.uploaded` (once per document) with the digest storage verified
// (whole object for a single PUT, the parts' composite for multipart) and mark the record committed.
import { partsDigestOf, partsDigestOfStorageChecksum } from '../../../shared/crypto/sealed-digest.ts';
import { isPouchError, PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { objectKeys } from '../../config/storage-definitions.ts';
import type { DocumentRecord } from '../../ports/exchange-repository.ts';
import { actorOf, naturalEventIds } from '../ledger-recorder.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';
import { isStreamedUpload, requireOwnUpload } from './uploads.ts';

/** The sealed digest storage verifies for a document, in the ledger's form (see DocumentDigest). */
export type SealedDigest =
  | { readonly sealedSha256: string }
  | { readonly sealedPartsSha256: string; readonly partSize: number };

/**
 * What storage verified of a committed document, from its record (commit confirmed the object against exactly
 * these): the whole-object SHA-256 of a single PUT, or the parts' composite and part size of a multipart upload.
 * The declared whole-file `sealedSha256` of a multipart upload is the uploader's claim and is not part of it.
 */
export function sealedDigestOf(doc: DocumentRecord): SealedDigest {
  if (doc.upload.kind !== 'multipart') return { sealedSha256: doc.sealedSha256 };
  return { sealedPartsSha256: partsDigestOf(doc.upload.partSha256s), partSize: doc.upload.partSize };
}

/**
 * A streamed upload's record as the commit completes it: the part checksums and the whole-file digest the
 * client names now. Nothing here is trusted more than a declaration: storage checks every part against its
 * checksum and confirmUpload checks their composite before anything is recorded.
 */
function withStreamedDigests(
  doc: DocumentRecord,
  parts: ReadonlyArray<{ partNumber: number; sha256?: string | undefined }>,
  sealedSha256: string | undefined,
): DocumentRecord {
  if (doc.upload.kind !== 'multipart') return doc;
  const partCount = Math.ceil(doc.sealedSize / doc.upload.partSize);
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  const partSha256s = sorted.map((p) => p.sha256);
  if (
    sealedSha256 === undefined ||
    sorted.length !== partCount ||
    sorted.some((p, i) => p.partNumber !== i + 1) ||
    partSha256s.some((sha) => sha === undefined)
  ) {
    throw new PouchError(
      'ERR_VALIDATION',
      `A streamed upload commits all ${partCount} parts with their SHA-256, and the sealed SHA-256`,
      { details: { field: 'json.parts' } },
    );
  }
  return {
    ...doc,
    sealedSha256,
    upload: { ...doc.upload, partSha256s: partSha256s as string[] },
  };
}

/** Build the commit use case. */
export function createCommitDocument(ctx: ExchangeContext) {
  const { deps, recorder, access } = ctx;

  /**
   * Make sure the declared object is in storage, whole: complete a multipart upload if needed, then confirm.
   * Resolves what storage confirmed, in the ledger's form (sealedDigestOf).
   */
  async function confirmUpload(
    doc: DocumentRecord,
    parts: ReadonlyArray<{ partNumber: number; etag: string }>,
  ): Promise<SealedDigest> {
    const key = objectKeys.document(doc.exchangeId, doc.documentId);
    if (doc.upload.kind !== 'multipart') {
      const sha256 = Buffer.from(doc.sealedSha256, 'hex').toString('base64');
      const confirmed = await deps.documents.confirmObject({
        key,
        size: doc.sealedSize,
        expected: { kind: 'single', sha256 },
      });
      return { sealedSha256: Buffer.from(confirmed.checksum, 'base64').toString('hex') };
    }
    const upload = doc.upload;
    if (parts.length !== upload.partSha256s.length) {
      throw new PouchError('ERR_VALIDATION', `Send the ETags of all ${upload.partSha256s.length} parts`, {
        details: { field: 'json.parts' },
      });
    }
    const expected = {
      kind: 'multipart',
      partSha256s: [...upload.partSha256s],
      partSize: upload.partSize,
    } as const;
    try {
      await deps.documents.completeMultipart({
        key,
        uploadId: upload.uploadId,
        parts: [...parts]
          .sort((a, b) => a.partNumber - b.partNumber)
          .map((p) => ({
            partNumber: p.partNumber,
            etag: p.etag,
            sha256: upload.partSha256s[p.partNumber - 1] ?? '',
          })),
      });
    } catch (error) {
      // An earlier attempt may have completed the upload (its answer lost): then the object is there, whole.
      if (isPouchError(error, 'ERR_VALIDATION')) throw error;
      const done = await deps.documents
        .confirmObject({ key, size: doc.sealedSize, expected })
        .then(() => true)
        .catch(() => false);
      if (!done) throw error;
    }
    const confirmed = await deps.documents.confirmObject({ key, size: doc.sealedSize, expected });
    // Storage verified each part and their composite, never the whole file: that composite is what is recorded.
    return { sealedPartsSha256: partsDigestOfStorageChecksum(confirmed.checksum), partSize: upload.partSize };
  }

  /**
   * Commit an uploaded document: complete the multipart upload, confirm size and checksum, record it. The upload
   * event's id is derived from the document (one upload event per document), so whatever key a retry carries,
   * its earlier event is found by that id and never appended twice.
   */
  return async function commitDocument(
    principal: Principal,
    exchangeId: string,
    documentId: string,
    parts: ReadonlyArray<{ partNumber: number; etag: string; sha256?: string | undefined }>,
    _ids: EffectIds = {},
    sealedSha256?: string,
  ): Promise<DocumentRecord> {
    const label = await access.load(principal, exchangeId, 'act-on-exchange');
    const stored = requireOwnUpload(principal, await deps.exchanges.getDocument(exchangeId, documentId));
    if (stored.state === 'committed') return stored;
    const doc = isStreamedUpload(stored) ? withStreamedDigests(stored, parts, sealedSha256) : stored;
    const eventId = naturalEventIds.documentUploaded(exchangeId, documentId);
    // After a retry whose event landed (a later write failed), finish the record without confirming again.
    const recorded = await recorder.find(exchangeId, eventId);
    if (recorded) {
      await recorder.project(label, (await deps.ledger.head(exchangeId)) ?? recorded);
    } else {
      const sealed = await confirmUpload(doc, parts);
      await recorder.record(
        label,
        (status) => ({
          status,
          fields: {
            actor: actorOf(principal),
            action: 'document.uploaded',
            outcome: 'success',
            subject: { documentId },
            details: { ...sealed, sealedSize: doc.sealedSize },
          },
        }),
        { eventId },
      );
    }
    const committed: DocumentRecord = { ...doc, state: 'committed', committedAt: ctx.now().toISOString() };
    await deps.exchanges.putDocument(committed);
    return committed;
  };
}
