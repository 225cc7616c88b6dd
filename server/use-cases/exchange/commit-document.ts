// Use cases, exchange: commit an uploaded document — complete the multipart upload, confirm size and checksum
// against the declaration, then record `document.uploaded` (once per document) and mark the record committed.
import { isPouchError, PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { objectKeys } from '../../config/storage-definitions.ts';
import type { DocumentRecord } from '../../ports/exchange-repository.ts';
import { actorOf } from '../ledger-recorder.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';
import { requireOwnUpload } from './uploads.ts';

/** Build the commit use case. */
export function createCommitDocument(ctx: ExchangeContext) {
  const { deps, recorder, access } = ctx;

  /** Make sure the declared object is in storage, whole: complete a multipart upload if needed, then confirm. */
  async function confirmUpload(
    doc: DocumentRecord,
    parts: ReadonlyArray<{ partNumber: number; etag: string }>,
  ): Promise<void> {
    const key = objectKeys.document(doc.exchangeId, doc.documentId);
    if (doc.upload.kind !== 'multipart') {
      const sha256 = Buffer.from(doc.sealedSha256, 'hex').toString('base64');
      await deps.documents.confirmObject({ key, size: doc.sealedSize, expected: { kind: 'single', sha256 } });
      return;
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
    await deps.documents.confirmObject({ key, size: doc.sealedSize, expected });
  }

  /** Commit an uploaded document: complete the multipart upload, confirm size and checksum, record it. */
  return async function commitDocument(
    principal: Principal,
    exchangeId: string,
    documentId: string,
    parts: ReadonlyArray<{ partNumber: number; etag: string }>,
    ids: EffectIds = {},
  ): Promise<DocumentRecord> {
    const label = await access.load(principal, exchangeId, 'act-on-exchange');
    const doc = requireOwnUpload(principal, await deps.exchanges.getDocument(exchangeId, documentId));
    if (doc.state === 'committed') return doc;
    // One upload event per document: after a retry whose event landed (a later write failed), finish the record.
    const recorded = (await deps.ledger.read(exchangeId)).find(
      (e) => e.action === 'document.uploaded' && e.subject?.documentId === documentId,
    );
    if (recorded) {
      await recorder.project(label, (await deps.ledger.head(exchangeId)) ?? recorded);
    } else {
      await confirmUpload(doc, parts);
      await recorder.record(
        label,
        (status) => ({
          status,
          fields: {
            actor: actorOf(principal),
            action: 'document.uploaded',
            outcome: 'success',
            subject: { documentId },
            details: { sealedSha256: doc.sealedSha256, sealedSize: doc.sealedSize },
          },
        }),
        ids,
      );
    }
    const committed: DocumentRecord = { ...doc, state: 'committed', committedAt: ctx.now().toISOString() };
    await deps.exchanges.putDocument(committed);
    return committed;
  };
}
