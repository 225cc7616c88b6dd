// Use cases, exchange: sealed uploads — declare a document (presigned single PUT or multipart parts) and presign
// parts again to resume. Committing an upload is commit-document.ts. Only the uploading authority touches a
// pending document (policy: isOwnUpload); the bytes go straight to storage, never through the exchange.
import { PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { planUpload } from '../../../shared/domain/upload-plan.ts';
import { objectKeys } from '../../config/storage-definitions.ts';
import { authorize, isOwnUpload } from '../../policy/policy.ts';
import type { PresignedPart } from '../../ports/document-store.ts';
import type { DocumentRecord } from '../../ports/exchange-repository.ts';
import type { ExchangeContext } from './exchange-context.ts';

export interface DeclareDocumentInput {
  readonly sealedSize: number;
  /** Absent only for a streamed multipart upload (no `partSha256s`): it is given with the commit. */
  readonly sealedSha256?: string | undefined;
  /** For multipart uploads: base64 SHA-256 of each part, in order, with the part size used to cut them. */
  readonly partSize?: number | undefined;
  readonly partSha256s?: readonly string[] | undefined;
}

/**
 * A streamed multipart upload: declared without part checksums, because the client seals while it uploads.
 * Each part's checksum arrives with its presign (the URL is bound to it), and all of them with the commit.
 */
export function isStreamedUpload(doc: DocumentRecord): boolean {
  return doc.upload.kind === 'multipart' && doc.upload.partSha256s.length === 0;
}

/** The caller's own declared document, or the not-found of a miss (logged as a denial when it is another's). */
export function requireOwnUpload(principal: Principal, doc: DocumentRecord | undefined): DocumentRecord {
  if (!doc) throw new PouchError('ERR_NOT_FOUND', 'No such document');
  authorize(isOwnUpload(principal, doc), {
    rule: 'own-upload',
    attempt: 'use a declared document',
    resourceId: `${doc.exchangeId}/${doc.documentId}`,
    message: 'No such document',
  });
  return doc;
}

/** Build the upload use cases. */
export function createUploads(ctx: ExchangeContext) {
  const { deps, access } = ctx;

  async function presignPartUrls(
    key: string,
    uploadId: string,
    size: number,
    partSize: number,
    partSha256s: readonly string[],
    partNumbers: readonly number[],
  ) {
    const parts = partNumbers.map((partNumber) => {
      const sha256 = partSha256s[partNumber - 1];
      if (!sha256) {
        throw new PouchError('ERR_VALIDATION', `There is no part ${partNumber}`, {
          details: { field: 'json.partNumbers' },
        });
      }
      const start = (partNumber - 1) * partSize;
      return { partNumber, size: Math.min(partSize, size - start), sha256 };
    });
    return deps.documents.presignParts({ key, uploadId, parts });
  }

  /** Fresh URLs for every part of a declared upload (a resumed declaration); none yet for a streamed one. */
  async function urlsFor(doc: DocumentRecord): Promise<PresignedPart[]> {
    const key = objectKeys.document(doc.exchangeId, doc.documentId);
    if (isStreamedUpload(doc)) return [];
    if (doc.upload.kind === 'multipart') {
      const { uploadId, partSize, partSha256s } = doc.upload;
      return presignPartUrls(
        key,
        uploadId,
        doc.sealedSize,
        partSize,
        partSha256s,
        partSha256s.map((_, i) => i + 1),
      );
    }
    const sha256 = Buffer.from(doc.sealedSha256, 'hex').toString('base64');
    return [
      { partNumber: 1, ...(await deps.documents.presignSinglePut({ key, size: doc.sealedSize, sha256 })) },
    ];
  }

  return {
    /** Declare a sealed document and get presigned upload URLs. 413 up front above the configured maximum. */
    async declareDocument(
      principal: Principal,
      exchangeId: string,
      input: DeclareDocumentInput,
      documentId = newId('doc'),
    ) {
      const label = await access.load(principal, exchangeId, 'act-on-exchange');
      if (label.status === 'closed') {
        // Nothing can be sent in a closed exchange, so nothing may be uploaded to it either.
        throw new PouchError('ERR_INVALID_STATE', 'The exchange is closed', {
          details: { state: 'closed', allowed: [] },
        });
      }
      const plan = planUpload(input.sealedSize, deps.maxDocumentBytes, deps.uploadPlanOptions);
      const earlier = await deps.exchanges.getDocument(exchangeId, documentId);
      if (earlier) {
        // A resumed declaration: hand out fresh URLs for the same upload.
        requireOwnUpload(principal, earlier);
        return { document: earlier, plan, urls: await urlsFor(earlier) };
      }
      const streamed = plan.kind === 'multipart' && input.partSha256s === undefined;
      if (!streamed && input.sealedSha256 === undefined) {
        throw new PouchError(
          'ERR_VALIDATION',
          'Give the sealed SHA-256 (only a streamed multipart upload may not)',
          {
            details: { field: 'json.sealedSha256' },
          },
        );
      }
      const base = {
        exchangeId: label.id,
        documentId,
        state: 'pending',
        sealedSize: input.sealedSize,
        // A streamed upload names its whole-file digest at commit.
        sealedSha256: streamed ? '' : (input.sealedSha256 ?? ''),
        uploaderAuthorityId: principal.authorityId,
        createdAt: ctx.now().toISOString(),
      } as const;
      let record: DocumentRecord;
      if (plan.kind === 'single') {
        await deps.quotas.chargeDeclaredBytes(principal, input.sealedSize);
        record = { ...base, upload: { kind: 'single' } };
      } else {
        const partSize = input.partSize ?? plan.partSize;
        const parts = input.partSha256s ?? [];
        if (partSize !== plan.partSize || (!streamed && parts.length !== plan.partCount)) {
          throw new PouchError(
            'ERR_VALIDATION',
            `Cut the file into ${plan.partCount} parts of ${plan.partSize} bytes`,
            {
              details: { field: 'json.partSha256s', partSize: plan.partSize, partCount: plan.partCount },
            },
          );
        }
        await deps.quotas.chargeDeclaredBytes(principal, input.sealedSize);
        const { uploadId } = await deps.documents.createMultipart({
          key: objectKeys.document(exchangeId, documentId),
          size: input.sealedSize,
          partSize,
          partSha256s: parts,
        });
        record = { ...base, upload: { kind: 'multipart', uploadId, partSize, partSha256s: [...parts] } };
      }
      const urls = await urlsFor(record);
      await deps.exchanges.putDocument(record);
      return { document: record, plan, urls };
    },

    /** Presign the remaining parts of a multipart upload again (resuming after an interruption). */
    async presignParts(
      principal: Principal,
      exchangeId: string,
      documentId: string,
      partNumbers: readonly number[],
      partSha256s?: readonly string[],
    ) {
      await access.load(principal, exchangeId, 'act-on-exchange');
      const doc = requireOwnUpload(principal, await deps.exchanges.getDocument(exchangeId, documentId));
      if (doc.state !== 'pending') throw new PouchError('ERR_CONFLICT', 'The document is already committed');
      if (doc.upload.kind !== 'multipart') {
        throw new PouchError('ERR_VALIDATION', 'This document is uploaded in a single request', {
          details: { field: 'json.partNumbers' },
        });
      }
      // A streamed upload binds each URL to the checksum the client names now; storage verifies the part
      // against it, and the commit checks the parts' composite against the checksums it is given then.
      let checksums: readonly string[] = doc.upload.partSha256s;
      if (isStreamedUpload(doc)) {
        if (partSha256s?.length !== partNumbers.length) {
          throw new PouchError(
            'ERR_VALIDATION',
            'A streamed upload names the SHA-256 of every part it presigns',
            {
              details: { field: 'json.partSha256s' },
            },
          );
        }
        const named: string[] = [];
        partNumbers.forEach((n, i) => {
          named[n - 1] = partSha256s[i] as string;
        });
        checksums = named;
      } else if (partSha256s?.some((sha, i) => sha !== checksums[(partNumbers[i] ?? 0) - 1])) {
        throw new PouchError('ERR_VALIDATION', 'These part checksums differ from the declared ones', {
          details: { field: 'json.partSha256s' },
        });
      }
      const partCount = Math.ceil(doc.sealedSize / doc.upload.partSize);
      if (partNumbers.some((n) => n > partCount)) {
        throw new PouchError('ERR_VALIDATION', 'There is no such part', {
          details: { field: 'json.partNumbers' },
        });
      }
      return presignPartUrls(
        objectKeys.document(exchangeId, documentId),
        doc.upload.uploadId,
        doc.sealedSize,
        doc.upload.partSize,
        checksums,
        partNumbers,
      );
    },
  };
}
