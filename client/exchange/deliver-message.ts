// Client exchange workflows: delivers one outgoing message end to end — seal each file to both authorities,
// hash it, upload it through the transfer engine (resumable), commit it, sign the manifest with the member's
// key and post the message — keeping a local state so an interrupted run resumes and a finished one is not redone.
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareSeal, sealFile } from '../../shared/crypto/age-native.ts';
import { partsDigestOf } from '../../shared/crypto/sealed-digest.ts';
import { type Manifest, type ManifestLabel, signManifest } from '../../shared/custody/manifest.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import { planUpload, type UploadPlan } from '../../shared/domain/upload-plan.ts';
import {
  type CreateExchangeInput,
  commitDocument,
  createExchange,
  declareDocument,
  newIdempotencyKey,
  newMessageId,
  type PostMessageInput,
  postMessage,
  presignDocumentParts,
} from '../sdk/exchange-api.ts';
import type { PouchClient } from '../sdk/pouch-client.ts';
import { hashFileParts, sealAndUpload, uploadFile } from '../transfer/index.ts';
import type { ManifestSigner } from './member-signer.ts';
import {
  deriveOutgoingKey,
  describeSourceFile,
  locateOutgoingFolder,
  type OutgoingDocument,
  type OutgoingFolder,
  type OutgoingState,
  pruneOutgoingFolder,
  readOutgoingState,
  writeOutgoingState,
} from './outgoing-state.ts';
import { deriveSafeFileName, guessMediaType } from './safe-file-name.ts';

/** A file the user attaches. */
export interface AttachedFile {
  readonly path: string;
  /** Display name in the manifest (default: the file's base name). */
  readonly name?: string;
  readonly mediaType?: string;
}

/** A document the workflow writes itself (the request as JSON, its HTML letter, grounds as text). */
export interface GeneratedDocument {
  readonly name: string;
  readonly mediaType: string;
  readonly content: string | Uint8Array;
}

/** A progress display for one document's upload (the CLI passes its progress bar). */
export interface UploadProgressSink {
  update(bytesDone: number): void;
  finish(): void;
}

/** Files this large get a progress bar while they are sealed or opened; smaller ones take a blink. */
export const CRYPTO_PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

/**
 * Run a seal or open of `totalBytes` of input, drawing a progress bar when the file is large enough for the
 * wait to show (a 10 GiB disk image takes seconds to seal).
 */
export async function withCryptoProgress<T>(
  createProgress: ((label: string, totalBytes: number) => UploadProgressSink) | undefined,
  label: string,
  totalBytes: number,
  work: (options: { onProgress?: (bytesDone: number) => void }) => Promise<T>,
): Promise<T> {
  const bar = totalBytes >= CRYPTO_PROGRESS_MIN_BYTES ? createProgress?.(label, totalBytes) : undefined;
  try {
    return await work(bar ? { onProgress: (done) => bar.update(done) } : {});
  } finally {
    bar?.finish();
  }
}

export interface DeliverMessageOptions {
  readonly client: PouchClient;
  readonly signer: ManifestSigner;
  /** Keystore home: the outgoing state lives under `<home>/outgoing/`. */
  readonly home: string;
  readonly operation: 'send' | 'reply';
  /** Open a new exchange (send), or post into an existing one (reply). */
  readonly exchange: { readonly create: CreateExchangeInput } | { readonly exchangeId: string };
  /** age recipients to seal to: the counterpart's and the sender's own authority's. */
  readonly recipients: readonly string[];
  readonly message: Omit<PostMessageInput, 'messageId' | 'documentIds' | 'manifest'>;
  /**
   * The label the message is sealed under (signed in the manifest as the sender's claims; the exchange and the
   * recipient's client compare it with the label they see). Derived from what the state key already holds: the
   * create input (send) or the exchange's fixed label fields and the message's requested reference (reply).
   * Absent on a send that opens the exchange, the claims are the create input itself (what this sender asked
   * for); absent on a post into an existing exchange, the manifest carries none and the exchange refuses it.
   */
  readonly label?: ManifestLabel;
  readonly files?: readonly AttachedFile[];
  readonly generated?: readonly GeneratedDocument[];
  /**
   * What else makes this message distinct, e.g. the hash of the draft the generated documents come from (it goes
   * into the state key; generated documents count by name only, so their rendering may vary between runs).
   */
  readonly distinctBy?: unknown;
  readonly createProgress?: (label: string, totalBytes: number) => UploadProgressSink;
  readonly note?: (message: string) => void;
  /** TESTS ONLY (POUCH_TEST_ABORT_AFTER_PARTS): interrupt the upload after this many parts were stored. */
  readonly abortAfterParts?: number;
}

export interface DeliveredDocument {
  readonly documentId: string;
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly plaintextSha256: string;
  readonly sealedSize: number;
  /** The sender's SHA-256 of the whole sealed file. */
  readonly sealedSha256: string;
  /** Multipart uploads: the parts' composite that storage verified, and the part size. */
  readonly sealedPartsSha256?: string;
  readonly partSize?: number;
}

export interface DeliveryResult {
  readonly exchangeId: string;
  readonly messageId: string;
  readonly status: string;
  readonly seq: number;
  readonly sentAt: string;
  readonly documents: readonly DeliveredDocument[];
  /** True when an earlier run had already delivered this very message (nothing was sent again). */
  readonly alreadySent: boolean;
  /** True when this run continued an interrupted one. */
  readonly resumed: boolean;
  /** Upload parts this run skipped because an interrupted run had stored them. */
  readonly partsSkipped: number;
  readonly stateDir: string;
}

/**
 * Deliver a message. Idempotent per (sender, exchange URL, parameters, files): the first run records its ids,
 * keys and sealed copies in a local state folder; a re-run after an interruption continues from there (the
 * same exchange, documents and partly uploaded parts); a re-run after success returns the earlier result.
 *
 * @example
 * const result = await deliverMessage({
 *   client, signer, home: keystore.home, operation: 'send',
 *   exchange: { create: { kind: 'mla', urgency: 'normal', requestedId, requesterReference: 'NL-1' } },
 *   recipients: [...recipient.recipients, ...own.recipients], message: { kind: 'request' }, files: [{ path: 'a.pdf' }],
 * });
 */
export async function deliverMessage(options: DeliverMessageOptions): Promise<DeliveryResult> {
  const files = await Promise.all((options.files ?? []).map((f) => describeSourceFile(f.path)));
  const key = deriveOutgoingKey({
    v: 1,
    baseUrl: options.client.baseUrl,
    sender: options.signer.clientId,
    operation: options.operation,
    exchange: options.exchange,
    message: options.message,
    recipients: [...options.recipients].sort(),
    files: files.map((f, i) => ({ ...f, name: options.files?.[i]?.name ?? null })),
    generated: (options.generated ?? []).map((g) => g.name),
    distinctBy: options.distinctBy ?? null,
  });
  const folder = locateOutgoingFolder(options.home, key);
  const previous = await readOutgoingState(folder);
  if (previous?.result) {
    return { ...summarize(previous, folder), alreadySent: true, resumed: false, partsSkipped: 0 };
  }
  const state: OutgoingState =
    previous ??
    (await initializeState(
      folder,
      key,
      options,
      files.map((f) => f.path),
    ));
  const resumed = previous !== undefined;
  if (resumed) options.note?.('Resuming an interrupted send of the same message.');
  const save = () => writeOutgoingState(folder, state);

  if ('create' in options.exchange) {
    if (!state.exchangeId) {
      const label = await createExchange(options.client, options.exchange.create, state.createIdempotencyKey);
      state.exchangeId = label.id;
      await save();
    }
  } else {
    state.exchangeId = options.exchange.exchangeId;
  }
  const exchangeId = state.exchangeId as string;

  const abort = new AbortController();
  const budget = { partsLeft: options.abortAfterParts ?? Number.POSITIVE_INFINITY, skipped: 0 };
  for (const doc of state.documents) {
    if (!doc.committed && !doc.digests && (await streamsInParts(doc, options.recipients))) {
      // Large files seal straight into a multipart upload: one pass, parts leave while later ones seal.
      await sendStreamed(options, exchangeId, doc, save, abort, budget);
      doc.committed = true;
      await save();
      continue;
    }
    if (!doc.digests) {
      const { size } = await stat(doc.source);
      doc.digests = await withCryptoProgress(
        options.createProgress,
        `sealing ${doc.name}`,
        size,
        (progress) => sealFile(doc.source, doc.sealedPath, options.recipients, progress),
      );
      await save();
    }
    if (!doc.committed) {
      await uploadDocument(options, exchangeId, doc, save, abort, budget);
      doc.committed = true;
      await save();
    }
  }

  if (!state.manifest) {
    for (const doc of state.documents) await describeParts(doc);
    const { check, final } = options.message;
    const senderAssertions = {
      ...(check ? { check: { ...check } } : {}),
      ...(final === undefined ? {} : { final }),
    };
    const claims =
      options.label ?? ('create' in options.exchange ? claimsOf(options.exchange.create) : undefined);
    const manifest: Manifest = {
      v: 1,
      exchangeId,
      messageId: state.messageId,
      messageKind: options.message.kind,
      sender: options.signer.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents: state.documents.map(describeSealedDocument),
      // The check result and `final` are the sender's word: signed here, recorded by the exchange as such.
      ...(check || final !== undefined ? { senderAssertions } : {}),
      ...(claims ? { label: claims } : {}),
    };
    state.manifest = await signManifest(manifest, options.signer.privateKey, {
      alg: options.signer.alg,
      kid: options.signer.kid,
    });
    await save();
  }
  const posted = await postMessage(
    options.client,
    exchangeId,
    {
      ...options.message,
      messageId: state.messageId,
      documentIds: state.documents.map((d) => d.documentId as string),
      manifest: state.manifest,
    },
    state.messageIdempotencyKey,
  );
  state.result = {
    exchangeId,
    messageId: posted.message.messageId,
    status: posted.status,
    seq: posted.seq,
    sentAt: posted.message.sentAt,
  };
  await save();
  await pruneOutgoingFolder(folder, state);
  return { ...summarize(state, folder), alreadySent: false, resumed, partsSkipped: budget.skipped };
}

async function initializeState(
  folder: OutgoingFolder,
  key: string,
  options: DeliverMessageOptions,
  paths: readonly string[],
): Promise<OutgoingState> {
  await mkdir(folder.dir, { recursive: true, mode: 0o700 });
  const documents: OutgoingDocument[] = [];
  const add = (source: string, name: string, mediaType: string) => {
    documents.push({
      source,
      name,
      mediaType,
      sealedPath: join(folder.dir, `doc-${documents.length + 1}.age`),
      idempotencyKey: newIdempotencyKey(),
      committed: false,
    });
  };
  for (const [index, generated] of (options.generated ?? []).entries()) {
    const source = join(folder.dir, `generated-${index + 1}`);
    await writeFile(source, generated.content, { mode: 0o600 });
    add(source, generated.name, generated.mediaType);
  }
  for (const [index, path] of paths.entries()) {
    const attached = options.files?.[index];
    const base = path.split(/[\\/]/).pop() ?? path;
    const name = (attached?.name ?? deriveSafeFileName(base, `file-${index + 1}`)).slice(0, 255);
    add(path, name, attached?.mediaType ?? guessMediaType(name));
  }
  const now = new Date().toISOString();
  const state: OutgoingState = {
    version: 1,
    key,
    operation: options.operation,
    createIdempotencyKey: newIdempotencyKey(),
    messageId: newMessageId(),
    messageIdempotencyKey: newIdempotencyKey(),
    documents,
    createdAt: now,
    updatedAt: now,
  };
  await writeOutgoingState(folder, state);
  return state;
}

/** Declare, upload (resuming from the transfer engine's state) and commit one sealed document. */
async function uploadDocument(
  options: DeliverMessageOptions,
  exchangeId: string,
  doc: OutgoingDocument,
  save: () => Promise<void>,
  abort: AbortController,
  budget: { partsLeft: number; skipped: number },
): Promise<void> {
  const digests = doc.digests as NonNullable<OutgoingDocument['digests']>;
  const sealed = await stat(doc.sealedPath).catch(() => undefined);
  if (!sealed || sealed.size !== digests.sealedSize) {
    throw new PouchError('ERR_CONFLICT', `The sealed copy of ${doc.name} is missing; delete the send state`, {
      details: { path: doc.sealedPath },
    });
  }
  const localPlan = planUpload(digests.sealedSize, Number.MAX_SAFE_INTEGER);
  const partSize = localPlan.kind === 'multipart' ? localPlan.partSize : Math.max(digests.sealedSize, 1);
  const hashes = await hashFileParts(doc.sealedPath, partSize);
  if (hashes.sha256Hex !== digests.sealedSha256 || hashes.size !== digests.sealedSize) {
    throw new PouchError('ERR_CONFLICT', `The sealed copy of ${doc.name} changed; delete the send state`, {
      details: { path: doc.sealedPath },
    });
  }
  doc.parts =
    localPlan.kind === 'multipart'
      ? { partSize, sealedPartsSha256: partsDigestOf(hashes.partSha256s) }
      : undefined;
  const body = {
    sealedSize: digests.sealedSize,
    sealedSha256: digests.sealedSha256,
    ...(localPlan.kind === 'multipart' ? { partSize, partSha256s: [...hashes.partSha256s] } : {}),
  };
  let declared = await declareDocument(options.client, exchangeId, body, doc.idempotencyKey);
  const firstUrl = declared.urls[0];
  if (
    declared.plan.kind === 'single' &&
    (!firstUrl || Date.parse(firstUrl.expiresAt) - Date.now() < 60_000)
  ) {
    // A replayed declaration of a single PUT carries its old URL: declare afresh (the whole file goes again).
    doc.idempotencyKey = newIdempotencyKey();
    await save();
    declared = await declareDocument(options.client, exchangeId, body, doc.idempotencyKey);
  }
  const documentId = declared.document.documentId;
  if (doc.documentId !== documentId) {
    doc.documentId = documentId;
    await save();
  }
  const plan: UploadPlan =
    declared.plan.kind === 'multipart'
      ? {
          kind: 'multipart',
          size: declared.plan.size,
          partSize: declared.plan.partSize ?? partSize,
          partCount: declared.plan.partCount ?? hashes.partSha256s.length,
        }
      : { kind: 'single', size: declared.plan.size };
  const uploadId =
    plan.kind === 'multipart'
      ? (readUploadId(declared.urls[0]?.url) ?? `${documentId}-multipart`)
      : undefined;
  const bar = options.createProgress?.(doc.name, digests.sealedSize);
  let baseline: number | undefined;
  let declaredUrlUnused = true;
  try {
    const result = await uploadFile({
      path: doc.sealedPath,
      plan,
      hashes,
      target: { documentId, ...(uploadId ? { uploadId } : {}) },
      presign: async (parts) => {
        if (plan.kind === 'single') {
          // A retry (the URL failed to connect, e.g. storage restarted elsewhere, or is close to expiry):
          // declaring again with the same key hands out a fresh URL for the same document.
          if (!declaredUrlUnused) {
            declared = await declareDocument(options.client, exchangeId, body, doc.idempotencyKey);
          }
          declaredUrlUnused = false;
          return declared.urls.slice(0, 1);
        }
        return presignDocumentParts(
          options.client,
          exchangeId,
          documentId,
          parts.map((p) => p.partNumber),
        );
      },
      complete: async (parts) => {
        await commitDocument(options.client, exchangeId, documentId, parts);
      },
      resumeStatePath: `${doc.sealedPath}.upload.json`,
      signal: abort.signal,
      onProgress: (progress) => {
        bar?.update(progress.bytesDone);
        baseline ??= progress.partsDone;
        if (progress.partsDone - baseline >= budget.partsLeft && !abort.signal.aborted) {
          abort.abort(new Error('POUCH_TEST_ABORT_AFTER_PARTS'));
        }
      },
    });
    budget.skipped += result.partsSkipped;
    if (Number.isFinite(budget.partsLeft)) budget.partsLeft -= result.partsUploaded;
    // Committed: the sealed copy has done its work (the state keeps its digests for the manifest).
    await rm(doc.sealedPath, { force: true });
  } catch (error) {
    if (abort.signal.aborted) {
      throw new PouchError(
        'ERR_DEPENDENCY_UNAVAILABLE',
        'Upload interrupted (POUCH_TEST_ABORT_AFTER_PARTS); run the same command again to resume',
        { cause: error },
      );
    }
    throw error;
  } finally {
    bar?.finish();
  }
}

/** Whether a document is large enough for a multipart upload, which is then sealed and sent in one pass. */
async function streamsInParts(doc: OutgoingDocument, recipients: readonly string[]): Promise<boolean> {
  const { size } = await stat(doc.source);
  const { sealedSize } = await prepareSeal(recipients, size);
  return planUpload(sealedSize, Number.MAX_SAFE_INTEGER).kind === 'multipart';
}

/** Declare a streamed upload, seal into it while its parts go up (resumable), and commit it. */
async function sendStreamed(
  options: DeliverMessageOptions,
  exchangeId: string,
  doc: OutgoingDocument,
  save: () => Promise<void>,
  abort: AbortController,
  budget: { partsLeft: number; skipped: number },
): Promise<void> {
  const { size } = await stat(doc.source);
  // Two bars, as before: the sealing (plaintext) and the upload (sealed bytes); now they move together.
  const sealingBar =
    size >= CRYPTO_PROGRESS_MIN_BYTES ? options.createProgress?.(`sealing ${doc.name}`, size) : undefined;
  let bar: UploadProgressSink | undefined;
  let sealedShown = 0;
  let baseline: number | undefined;
  try {
    const result = await sealAndUpload({
      source: doc.source,
      recipients: options.recipients,
      spoolPath: doc.sealedPath,
      journalPath: `${doc.sealedPath}.journal.json`,
      declare: async (sealedSize, attempt) => {
        if (attempt > 1) {
          // The earlier declaration has another size: this one is a new document.
          doc.idempotencyKey = newIdempotencyKey();
          await save();
        }
        const declared = await declareDocument(
          options.client,
          exchangeId,
          { sealedSize },
          doc.idempotencyKey,
        );
        if (declared.plan.kind !== 'multipart' || !declared.plan.partSize) {
          throw new PouchError('ERR_INTERNAL', 'The exchange planned no multipart upload for a large file', {
            details: { sealedSize },
          });
        }
        const documentId = declared.document.documentId;
        if (doc.documentId !== documentId) {
          doc.documentId = documentId;
          await save();
        }
        return { documentId, uploadId: `${documentId}-multipart`, partSize: declared.plan.partSize };
      },
      presign: (documentId, parts) =>
        presignDocumentParts(
          options.client,
          exchangeId,
          documentId,
          parts.map((p) => p.partNumber),
          parts.map((p) => p.sha256),
        ),
      complete: async (documentId, parts, sealedSha256) => {
        await commitDocument(options.client, exchangeId, documentId, parts, { sealedSha256 });
      },
      signal: abort.signal,
      onProgress: (progress) => {
        if (progress.sealedInput > sealedShown) {
          sealedShown = progress.sealedInput;
          sealingBar?.update(sealedShown);
        }
        bar ??= options.createProgress?.(doc.name, progress.totalBytes);
        bar?.update(progress.bytesDone);
        baseline ??= progress.partsDone;
        if (progress.partsDone - baseline >= budget.partsLeft && !abort.signal.aborted) {
          abort.abort(new Error('POUCH_TEST_ABORT_AFTER_PARTS'));
        }
      },
    });
    doc.digests = {
      plaintextSha256: result.plaintextSha256,
      plaintextSize: result.plaintextSize,
      sealedSha256: result.sealedSha256,
      sealedSize: result.sealedSize,
    };
    doc.parts = { partSize: result.partSize, sealedPartsSha256: partsDigestOf(result.partSha256s) };
    budget.skipped += result.partsSkipped;
    if (Number.isFinite(budget.partsLeft)) budget.partsLeft -= result.partsUploaded;
  } catch (error) {
    if (abort.signal.aborted) {
      throw new PouchError(
        'ERR_DEPENDENCY_UNAVAILABLE',
        'Upload interrupted (POUCH_TEST_ABORT_AFTER_PARTS); run the same command again to resume',
        { cause: error },
      );
    }
    throw error;
  } finally {
    sealingBar?.finish();
    bar?.finish();
  }
}

/** The multipart upload id is part of every presigned UploadPart URL (`uploadId=` query parameter). */
function readUploadId(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get('uploadId') ?? undefined;
  } catch {
    return undefined;
  }
}

function summarize(
  state: OutgoingState,
  folder: OutgoingFolder,
): Omit<DeliveryResult, 'alreadySent' | 'resumed' | 'partsSkipped'> {
  const result = state.result as NonNullable<OutgoingState['result']>;
  return {
    ...result,
    stateDir: folder.dir,
    documents: state.documents.map(describeSealedDocument),
  };
}

/**
 * Fill in a multipart document's part digests when the state lacks them (a state written by an earlier version
 * that committed the upload without keeping them): the sealed copy is still there until the message is sent.
 */
async function describeParts(doc: OutgoingDocument): Promise<void> {
  const digests = doc.digests as NonNullable<OutgoingDocument['digests']>;
  const plan = planUpload(digests.sealedSize, Number.MAX_SAFE_INTEGER);
  if (plan.kind !== 'multipart' || doc.parts) return;
  const hashes = await hashFileParts(doc.sealedPath, plan.partSize);
  doc.parts = { partSize: plan.partSize, sealedPartsSha256: partsDigestOf(hashes.partSha256s) };
}

/** A sealed, uploaded document as the manifest (and the command's result) lists it. */
function describeSealedDocument(doc: OutgoingDocument) {
  const digests = doc.digests as NonNullable<OutgoingDocument['digests']>;
  return {
    documentId: doc.documentId as string,
    name: doc.name,
    mediaType: doc.mediaType,
    size: digests.plaintextSize,
    plaintextSha256: digests.plaintextSha256,
    sealedSize: digests.sealedSize,
    sealedSha256: digests.sealedSha256,
    // Multipart: what storage verifies (and the exchange signs) is this composite, not the whole-file digest.
    ...(doc.parts ? { sealedPartsSha256: doc.parts.sealedPartsSha256, partSize: doc.parts.partSize } : {}),
  };
}

/** The label claims of a send that opens its exchange: exactly what the sender asked the exchange to create. */
function claimsOf(create: CreateExchangeInput): ManifestLabel {
  return {
    recipientId: create.requestedId,
    kind: create.kind,
    urgency: create.urgency,
    ...(create.deadline === undefined ? {} : { deadline: create.deadline }),
    requesterReference: create.requesterReference,
  };
}
