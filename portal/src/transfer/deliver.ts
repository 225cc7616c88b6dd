// Portal workflow: deliver one message from the browser, as the CLI's deliverMessage does from a terminal —
// seal each file to both authorities in the worker, declare it, upload it straight to storage, commit it, sign
// the manifest with the member's non-extractable key, and post the message. Every step is journaled
// (transfer-journal.ts) so that a send interrupted after sealing resumes after a reload with only what is missing.
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
import type { ExchangeLabel, PresignedPart, SentMessage } from '../../../shared/api/exchange.ts';
import { partsDigestOf } from '../../../shared/crypto/sealed-digest.ts';
import {
  labelClaimsFor,
  type Manifest,
  type ManifestDocument,
  signManifest,
} from '../../../shared/custody/manifest.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import type { Session } from '../session.ts';
import {
  type ProgressListener,
  readPrivateFile,
  removePrivateFile,
  sealInWorker,
  uploadParts,
} from './transfer-client.ts';
import {
  deleteJournal,
  JOURNALS_CHANGED,
  type JournalFile,
  remainingBytes,
  saveJournal,
  type TransferJournal,
  transferLockName,
} from './transfer-journal.ts';

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
  readonly onProgress?: DeliveryProgress;
}

export type DeliveryProgress = (
  file: string,
  stage: Parameters<ProgressListener>[0],
  done: number,
  total: number,
) => void;

/**
 * Deliver a message. Only recipients the two authorities signed, verified against the member's pins, are
 * sealed to; the exchange's unsigned list is never used.
 *
 * The sealed copies are kept (in OPFS) until their document is committed rather than sealed again on resume:
 * age's file key is random, so a second seal gives other bytes, and the declared checksums, the parts already
 * in storage and the whole-file digest would all be wrong. As with the CLI's spool, only a send interrupted
 * while it was still sealing starts again.
 */
export async function deliverFromBrowser(options: DeliverOptions): Promise<SentMessage> {
  const { session } = options;
  const recipients = [
    ...(await session.verifiedRecipients(options.counterpartId)),
    ...(await session.verifiedRecipients(session.member.authorityId)),
  ];
  const messageId = newMessageId();
  const journal: TransferJournal = {
    messageId,
    clientId: session.member.clientId,
    counterpartId: options.counterpartId,
    ...('create' in options.exchange ? { create: options.exchange.create } : {}),
    ...('exchangeId' in options.exchange ? { exchangeId: options.exchange.exchangeId } : {}),
    createKey: newIdempotencyKey(),
    message: options.message,
    postKey: newIdempotencyKey(),
    phase: 'sealing',
    files: options.files.map((file, index) => ({
      name: file.name,
      mediaType: file.mediaType,
      target: `out-${messageId}-${index}.age`,
      declareKey: newIdempotencyKey(),
      stored: [],
      committed: false,
    })),
    startedAt: new Date().toISOString(),
  };
  return withTransferLock(messageId, async () => {
    await saveJournal(journal);
    try {
      for (const [index, file] of options.files.entries()) {
        const entry = journal.files[index] as JournalFile;
        entry.digests = await sealInWorker(file.content, recipients, entry.target, (stage, done, total) =>
          options.onProgress?.(file.name, stage, done, total),
        );
        await saveJournal(journal);
      }
    } catch (error) {
      // Sealing cannot be resumed (the file key is gone): nothing is left behind.
      await discardJournal(journal);
      throw error;
    }
    journal.phase = 'uploading';
    await saveJournal(journal);
    return uploadAndPost(session, journal, options.onProgress);
  });
}

/** Resume a journaled send after a reload: only the missing parts go up, then the message is posted. */
export async function resumeDelivery(
  session: Session,
  journal: TransferJournal,
  onProgress?: DeliveryProgress,
): Promise<SentMessage> {
  if (journal.phase !== 'uploading' || journal.clientId !== session.member.clientId) {
    throw new PouchError('ERR_CONFLICT', 'This send cannot be resumed: it was interrupted while sealing');
  }
  return withTransferLock(journal.messageId, () => uploadAndPost(session, journal, onProgress));
}

/** Forget an unfinished send: its journal and its sealed copies. */
export async function discardJournal(journal: TransferJournal): Promise<void> {
  for (const file of journal.files) await removePrivateFile(file.target);
  await deleteJournal(journal.messageId);
}

/**
 * Run a send holding its lock. On failure the page hears about it once the lock is released, so the resume
 * offer (which skips locked journals) lists a journal left behind at once, without a reload.
 */
async function withTransferLock<T>(messageId: string, run: () => Promise<T>): Promise<T> {
  try {
    if (!navigator.locks) return await run();
    return await navigator.locks.request(transferLockName(messageId), { ifAvailable: true }, async (lock) => {
      if (!lock) throw new PouchError('ERR_CONFLICT', 'This send is already running in another tab');
      return run();
    });
  } catch (error) {
    window.dispatchEvent(new Event(JOURNALS_CHANGED));
    throw error;
  }
}

async function uploadAndPost(
  session: Session,
  journal: TransferJournal,
  onProgress?: DeliveryProgress,
): Promise<SentMessage> {
  // The label the manifest signs as the member's claims: the one this send just created, or, for an exchange
  // that already existed (a reply, or a resumed send), the one the exchange holds now.
  let created: ExchangeLabel | undefined;
  if (!journal.exchangeId) {
    if (!journal.create) throw new PouchError('ERR_INTERNAL', 'The journal names no exchange');
    created = await createExchange(session.client, journal.create, journal.createKey);
    journal.exchangeId = created.id;
    await saveJournal(journal);
  }
  const exchangeId = journal.exchangeId;
  const label = created ?? (await getExchange(session.client, exchangeId)).label;
  for (const file of journal.files) {
    if (!file.committed) await uploadDocument(session, exchangeId, journal, file, onProgress);
  }
  const documents = journal.files.map(manifestDocumentOf);
  const { check, final } = journal.message;
  const manifest: Manifest = {
    v: 1,
    exchangeId,
    messageId: journal.messageId,
    messageKind: journal.message.kind,
    sender: session.member.clientId,
    iat: Math.floor(Date.now() / 1000),
    documents,
    // The label it is sealed under, signed as the member's claims (the exchange refuses a manifest without them).
    label: labelClaimsFor(
      label,
      session.member.authorityId === label.requesterId ? 'requester' : 'requested',
      journal.message.requestedReference,
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
  const sent = await postMessage(
    session.client,
    exchangeId,
    {
      ...journal.message,
      messageId: journal.messageId,
      documentIds: documents.map((d) => d.documentId),
      manifest: signed,
    },
    journal.postKey,
  );
  await discardJournal(journal);
  return sent;
}

async function uploadDocument(
  session: Session,
  exchangeId: string,
  journal: TransferJournal,
  file: JournalFile,
  onProgress?: DeliveryProgress,
): Promise<void> {
  const digests = file.digests;
  if (!digests) throw new PouchError('ERR_INTERNAL', 'A journaled file was never sealed');
  const report: ProgressListener = (stage, done, total) => onProgress?.(file.name, stage, done, total);
  const sealed = await readPrivateFile(file.target);
  if (sealed.size !== digests.sealedSize) {
    throw new PouchError('ERR_HASH_MISMATCH', 'The kept sealed copy is not the one declared');
  }
  if (!digests.parts) {
    // One PUT (at most 16 MiB): a fresh declaration gives a fresh URL; an abandoned one is never committed.
    const declared = await declareDocument(
      session.client,
      exchangeId,
      { sealedSize: digests.sealedSize, sealedSha256: digests.sealedSha256 },
      file.stored.length === 0 && !file.documentId ? file.declareKey : newIdempotencyKey(),
    );
    file.documentId = declared.document.documentId;
    await saveJournal(journal);
    const parts = await uploadParts(sealed, declared.urls, Math.max(sealed.size, 1), { progress: report });
    await commitDocument(session.client, exchangeId, file.documentId, parts);
  } else {
    const partCount = digests.parts.partSha256s.length;
    let documentId = file.documentId;
    let offered: readonly PresignedPart[] = [];
    if (!documentId) {
      const declared = await declareDocument(
        session.client,
        exchangeId,
        {
          sealedSize: digests.sealedSize,
          sealedSha256: digests.sealedSha256,
          partSize: digests.parts.partSize,
          partSha256s: [...digests.parts.partSha256s],
        },
        file.declareKey,
      );
      documentId = declared.document.documentId;
      file.documentId = documentId;
      offered = declared.urls;
      await saveJournal(journal);
    }
    const stored = new Set(file.stored.map((p) => p.partNumber));
    const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !stored.has(n));
    const offeredNumbers = new Set(offered.map((u) => u.partNumber));
    const toPresign = missing.filter((n) => !offeredNumbers.has(n));
    const urls = [
      ...offered.filter((u) => missing.includes(u.partNumber)),
      ...(toPresign.length > 0
        ? await presignDocumentParts(session.client, exchangeId, documentId, toPresign)
        : []),
    ];
    await uploadParts(sealed, urls, digests.parts.partSize, {
      progress: report,
      alreadyStored: digests.sealedSize - remainingBytes([file]),
      onStored: async (part) => {
        file.stored.push(part);
        await saveJournal(journal);
      },
    });
    const parts = [...file.stored].sort((a, b) => a.partNumber - b.partNumber);
    await commitDocument(session.client, exchangeId, documentId, parts);
  }
  file.committed = true;
  await saveJournal(journal);
  await removePrivateFile(file.target);
}

function manifestDocumentOf(file: JournalFile): ManifestDocument {
  const digests = file.digests;
  if (!digests || !file.documentId) throw new PouchError('ERR_INTERNAL', 'A document was not committed');
  return {
    documentId: file.documentId,
    name: file.name,
    mediaType: file.mediaType,
    size: digests.plaintextSize,
    plaintextSha256: digests.plaintextSha256,
    sealedSize: digests.sealedSize,
    sealedSha256: digests.sealedSha256,
    ...(digests.parts
      ? { sealedPartsSha256: partsDigestOf(digests.parts.partSha256s), partSize: digests.parts.partSize }
      : {}),
  };
}
