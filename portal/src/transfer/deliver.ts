// Portal workflow: deliver one message from the browser, as the CLI's deliverMessage does from a terminal —
// seal each file to both authorities in the worker, declare it, upload it straight to storage, commit it, sign
// the manifest with the member's non-extractable key, and post the message.
import {
  type CreateExchangeInput,
  commitDocument,
  createExchange,
  declareDocument,
  getExchange,
  newIdempotencyKey,
  newMessageId,
  type PostMessageInput,
  postMessage,
  presignDocumentParts,
} from '../../../client/sdk/exchange-api.ts';
import type { SentMessage } from '../../../shared/api/exchange.ts';
import { partsDigestOf } from '../../../shared/crypto/sealed-digest.ts';
import {
  labelClaimsFor,
  type Manifest,
  type ManifestDocument,
  signManifest,
} from '../../../shared/custody/manifest.ts';
import type { Session } from '../session.ts';
import {
  type ProgressListener,
  readPrivateFile,
  removePrivateFile,
  sealInWorker,
  uploadParts,
} from './transfer-client.ts';

/** One file to send: picked by the officer, or written by the portal (message.txt, the request letter). */
export interface OutgoingFile {
  readonly name: string;
  readonly mediaType: string;
  readonly content: Blob;
}

export interface DeliverOptions {
  readonly session: Session;
  readonly exchange: { readonly create: CreateExchangeInput } | { readonly exchangeId: string };
  /** The counterpart authority: documents are sealed to it and to the member's own authority. */
  readonly counterpartId: string;
  readonly message: Omit<PostMessageInput, 'messageId' | 'documentIds' | 'manifest'>;
  readonly files: readonly OutgoingFile[];
  readonly onProgress?: (
    file: string,
    stage: Parameters<ProgressListener>[0],
    done: number,
    total: number,
  ) => void;
}

/**
 * Deliver a message. Only recipients the two authorities signed, verified against the member's pins, are
 * sealed to; the exchange's unsigned list is never used.
 */
export async function deliverFromBrowser(options: DeliverOptions): Promise<SentMessage> {
  const { session } = options;
  const recipients = [
    ...(await session.verifiedRecipients(options.counterpartId)),
    ...(await session.verifiedRecipients(session.member.authorityId)),
  ];
  const label =
    'create' in options.exchange
      ? await createExchange(session.client, options.exchange.create, newIdempotencyKey())
      : (await getExchange(session.client, options.exchange.exchangeId)).label;
  const exchangeId = label.id;
  const messageId = newMessageId();
  const documents: ManifestDocument[] = [];
  for (const [index, file] of options.files.entries()) {
    const target = `out-${messageId}-${index}.age`;
    const report: ProgressListener = (stage, done, total) =>
      options.onProgress?.(file.name, stage, done, total);
    try {
      const digests = await sealInWorker(file.content, recipients, target, report);
      const declared = await declareDocument(
        session.client,
        exchangeId,
        {
          sealedSize: digests.sealedSize,
          sealedSha256: digests.sealedSha256,
          ...(digests.parts
            ? { partSize: digests.parts.partSize, partSha256s: [...digests.parts.partSha256s] }
            : {}),
        },
        newIdempotencyKey(),
      );
      const documentId = declared.document.documentId;
      const sealed = await readPrivateFile(target);
      const partSize = declared.plan.partSize ?? Math.max(sealed.size, 1);
      const missing = (declared.plan.partCount ?? 1) - declared.urls.length;
      const urls =
        declared.plan.kind === 'multipart' && missing > 0
          ? [
              ...declared.urls,
              ...(await presignDocumentParts(
                session.client,
                exchangeId,
                documentId,
                Array.from({ length: missing }, (_, i) => declared.urls.length + i + 1),
              )),
            ]
          : declared.urls;
      const parts = await uploadParts(sealed, urls, partSize, report);
      await commitDocument(session.client, exchangeId, documentId, parts);
      documents.push({
        documentId,
        name: file.name,
        mediaType: file.mediaType,
        size: digests.plaintextSize,
        plaintextSha256: digests.plaintextSha256,
        sealedSize: digests.sealedSize,
        sealedSha256: digests.sealedSha256,
        ...(digests.parts
          ? { sealedPartsSha256: partsDigestOf(digests.parts.partSha256s), partSize: digests.parts.partSize }
          : {}),
      });
    } finally {
      await removePrivateFile(target);
    }
  }
  const { check, final } = options.message;
  const manifest: Manifest = {
    v: 1,
    exchangeId,
    messageId,
    messageKind: options.message.kind,
    sender: session.member.clientId,
    iat: Math.floor(Date.now() / 1000),
    documents,
    // The label it is sealed under, signed as the member's claims (the exchange refuses a manifest without them).
    label: labelClaimsFor(
      label,
      session.member.authorityId === label.requesterId ? 'requester' : 'requested',
      options.message.requestedReference,
    ),
    ...(check || final !== undefined
      ? {
          senderAssertions: {
            ...(check ? { check: { ...check } } : {}),
            ...(final === undefined ? {} : { final }),
          },
        }
      : {}),
  };
  const signed = await signManifest(manifest, session.member.signingKey, {
    alg: session.member.alg,
    kid: session.member.kid,
  });
  return postMessage(
    session.client,
    exchangeId,
    { ...options.message, messageId, documentIds: documents.map((d) => d.documentId), manifest: signed },
    newIdempotencyKey(),
  );
}
