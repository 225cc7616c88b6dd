// Client exchange workflows: fetches every document of an exchange and proves each one before it lands — the
// manifest signature against the sender member's key in the directory, the sealed hash after download (and, for
// a multipart upload, the parts' composite the exchange signed), then the plaintext hash after opening with the
// authority's age identity, all in one pass. Only verified files reach the output. The label shown must be the one
// the sender signed (its manifest's label claims), and an opened request.json must say what the label says.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../../shared/custody/manifest.ts';
import { verifyMessageManifest } from '../../shared/custody/message-manifest.ts';
import { isPouchError, PouchError, type PouchErrorCode } from '../../shared/domain/errors.ts';
import { describeRequestLabelMismatch } from '../../shared/domain/requests/request-label.ts';
import {
  type DirectoryEntry,
  type ExchangeLabel,
  type ExchangeMessage,
  fetchDirectoryEntry,
  getExchange,
  newIdempotencyKey,
  requestDownload,
} from '../sdk/exchange-api.ts';
import type { PouchClient } from '../sdk/pouch-client.ts';
import { fetchAndOpen, isInterruption } from '../transfer/index.ts';
import { CRYPTO_PROGRESS_MIN_BYTES, type UploadProgressSink } from './deliver-message.ts';
import { claimUniqueName, deriveSafeFileName } from './safe-file-name.ts';

export interface FetchExchangeOptions {
  readonly client: PouchClient;
  readonly exchangeId: string;
  /** Output folder; each message gets a sub-folder `NN-kind`. */
  readonly outDir: string;
  /** age identities (`AGE-SECRET-KEY-1...`) of the caller's authority. */
  readonly identities: readonly string[];
  /** Only this message (by id). */
  readonly messageId?: string;
  /** Also keep the verified sealed file beside the plaintext, as `<name>.age`. */
  readonly keepSealed?: boolean;
  readonly createProgress?: (label: string, totalBytes: number) => UploadProgressSink;
  /**
   * What the sender's directory entry is trusted for, before any manifest is checked against it: the CLI
   * replaces a pinned authority's member keys with those its authority key signed (withSignedMemberKeys).
   */
  readonly trustEntry?: (entry: DirectoryEntry) => Promise<DirectoryEntry>;
}

export interface FetchedDocument {
  readonly messageId: string;
  readonly messageKind: string;
  readonly documentId: string;
  /** The name the sender gave (display only). */
  readonly name: string;
  readonly mediaType: string;
  readonly path: string;
  readonly sealedPath?: string;
  readonly size: number;
  readonly plaintextSha256: string;
  readonly sealedSha256: string;
  /** `fetched` now, or `present` when a verified copy with the same hash was already there. */
  readonly outcome: 'fetched' | 'present';
}

export interface FetchExchangeResult {
  readonly label: ExchangeLabel;
  readonly outDir: string;
  readonly messages: ReadonlyArray<{
    readonly messageId: string;
    readonly kind: string;
    readonly sender: string;
    readonly kid: string;
    readonly signatureVerified: true;
    /**
     * `verified`: the manifest signs the label the message was sealed under, and it is the label shown.
     * `absent`: the manifest predates label claims, so the label is the exchange's word alone.
     */
    readonly labelClaims: 'verified' | 'absent';
  }>;
  readonly documents: readonly FetchedDocument[];
}

/**
 * Fetch and verify every document of every message (or of one). Throws on the first failure — with nothing
 * unverified left at any output path — ERR_SIGNATURE_INVALID, ERR_MANIFEST_INVALID, ERR_HASH_MISMATCH,
 * ERR_SEAL_NO_IDENTITY or ERR_SEAL_INTEGRITY, naming the document.
 *
 * @example
 * const result = await fetchExchange({ client, exchangeId, outDir: 'case-42', identities: [identity] });
 */
export async function fetchExchange(options: FetchExchangeOptions): Promise<FetchExchangeResult> {
  const { label, messages } = await getExchange(options.client, options.exchangeId);
  const ordered = [...messages].sort((a, b) => a.seq - b.seq);
  const chosen = ordered.filter((m) => options.messageId === undefined || m.messageId === options.messageId);
  if (options.messageId !== undefined && chosen.length === 0) {
    throw new PouchError('ERR_NOT_FOUND', `Exchange ${label.id} has no message ${options.messageId}`);
  }
  const directory = new Map<string, Promise<DirectoryEntry>>();
  const lookUp = (authorityId: string) => {
    let entry = directory.get(authorityId);
    if (!entry) {
      const trust = options.trustEntry;
      entry = fetchDirectoryEntry(options.client, authorityId).then((e) => (trust ? trust(e) : e));
      directory.set(authorityId, entry);
    }
    return entry;
  };

  await mkdir(options.outDir, { recursive: true });
  const verifiedMessages: Array<FetchExchangeResult['messages'][number]> = [];
  /** The latest requested reference a verified manifest claims (messages go in seq order). */
  let claimedReference: string | undefined;
  const documents: FetchedDocument[] = [];
  for (const message of chosen) {
    const { manifest, kid } = await verifyMessageManifest(
      label,
      message,
      await lookUp(message.senderAuthorityId),
    );
    verifiedMessages.push({
      messageId: message.messageId,
      kind: message.kind,
      sender: message.senderClientId,
      kid,
      signatureVerified: true,
      labelClaims: manifest.label ? 'verified' : 'absent',
    });
    if (manifest.label?.requestedReference !== undefined)
      claimedReference = manifest.label.requestedReference;
    if (manifest.documents.length === 0) continue;
    const folderName = `${String(ordered.indexOf(message) + 1).padStart(2, '0')}-${deriveSafeFileName(message.kind, 'message')}`;
    const folder = join(options.outDir, folderName);
    await mkdir(folder, { recursive: true });
    const taken = new Set<string>();
    for (const entry of manifest.documents) {
      const name = claimUniqueName(deriveSafeFileName(entry.name, entry.documentId), taken);
      documents.push(await fetchOne(options, label, message, entry, join(folder, name)));
    }
  }
  // The requested reference shown must be the latest one its authority signed (when all messages were read).
  // With every manifest signing its label, a reference no manifest claims was not given by the requested side.
  const allSigned = verifiedMessages.every((m) => m.labelClaims === 'verified');
  if (
    chosen.length === ordered.length &&
    (claimedReference !== undefined || allSigned) &&
    label.requestedReference !== claimedReference
  ) {
    throw new PouchError(
      'ERR_LABEL_MISMATCH',
      `The label of ${label.id} shows the requested reference '${label.requestedReference ?? ''}', but the requested authority signed '${claimedReference}'`,
      { details: { field: 'requestedReference' } },
    );
  }
  return { label, outDir: options.outDir, messages: verifiedMessages, documents };
}

/** A request.json larger than this is not a request the CLI wrote; it is saved, not parsed. */
const REQUEST_JSON_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The opened request must say what the label says: its addressee, kind, urgency, deadline and reference. A
 * request.json of a request message that is not JSON (or not an object) is an attachment like any other.
 */
async function checkOpenedRequest(
  plainPath: string,
  label: ExchangeLabel,
  message: ExchangeMessage,
  entry: Manifest['documents'][number],
  describe: string,
): Promise<void> {
  if (message.kind !== 'request' || entry.name !== 'request.json' || entry.size > REQUEST_JSON_MAX_BYTES)
    return;
  let request: unknown;
  try {
    request = JSON.parse(await readFile(plainPath, 'utf8'));
  } catch {
    return;
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return;
  const recipientId = message.senderAuthorityId === label.requesterId ? label.requestedId : label.requesterId;
  const field = describeRequestLabelMismatch(request, {
    recipientId,
    kind: label.kind,
    urgency: label.urgency,
    deadline: label.deadline,
    requesterReference: label.requesterReference,
  });
  if (field) {
    throw new PouchError(
      'ERR_LABEL_MISMATCH',
      `${describe}: the sealed request says another ${field} than the label; nothing was saved`,
      { details: { field, messageId: message.messageId, documentId: entry.documentId } },
    );
  }
}

async function fetchOne(
  options: FetchExchangeOptions,
  label: ExchangeLabel,
  message: ExchangeMessage,
  entry: Manifest['documents'][number],
  outputPath: string,
): Promise<FetchedDocument> {
  const base = {
    messageId: message.messageId,
    messageKind: message.kind,
    documentId: entry.documentId,
    name: entry.name,
    mediaType: entry.mediaType,
    path: outputPath,
    size: entry.size,
    plaintextSha256: entry.plaintextSha256,
    sealedSha256: entry.sealedSha256,
  };
  const existing = await stat(outputPath).catch(() => undefined);
  if (existing) {
    if (existing.size === entry.size && (await hashFile(outputPath)) === entry.plaintextSha256) {
      await checkOpenedRequest(outputPath, label, message, entry, `${outputPath}`);
      return { ...base, outcome: 'present' };
    }
    throw new PouchError('ERR_CONFLICT', `${outputPath} exists with other content; choose another --out`, {
      details: { path: outputPath },
    });
  }
  const describe = `document '${deriveSafeFileName(entry.name, entry.documentId)}' (${entry.documentId})`;
  // One work folder per document: an interrupted fetch finds what it kept there (the plaintext it made durable,
  // or the downloaded ranges) and resumes.
  const work = join(options.outDir, `.pouch-fetch-${entry.documentId.replace(/[^A-Za-z0-9_-]/g, '_')}`);
  await mkdir(work, { recursive: true, mode: 0o700 });
  let finished = false;
  let interrupted = false;
  try {
    // One key for this document's retrieval: asking again for a fresh URL (a fetch that outlives the URL's
    // 5 minutes) gets the same retrieval back, not a second one.
    const retrieval = newIdempotencyKey();
    const askForUrl = async (): Promise<string> => {
      const download = await requestDownload(options.client, label.id, entry.documentId, retrieval);
      if (
        download.document.sealedSha256 !== entry.sealedSha256 ||
        download.document.sealedSize !== entry.sealedSize
      ) {
        throw new PouchError(
          'ERR_HASH_MISMATCH',
          `${describe}: the exchange's record differs from the signed manifest; nothing was saved`,
        );
      }
      return download.url;
    };
    const url = await askForUrl();
    const bar = options.createProgress?.(deriveSafeFileName(entry.name, entry.documentId), entry.sealedSize);
    const opening =
      entry.sealedSize >= CRYPTO_PROGRESS_MIN_BYTES
        ? options.createProgress?.(
            `opening ${deriveSafeFileName(entry.name, entry.documentId)}`,
            entry.sealedSize,
          )
        : undefined;
    let fetched: Awaited<ReturnType<typeof fetchAndOpen>>;
    try {
      // Download, the sealed digests (whole file and, for multipart, the parts' composite the exchange signed)
      // and opening run in one pass; the plaintext stays in the work folder until every digest matched.
      fetched = await fetchAndOpen({
        url,
        refreshUrl: askForUrl,
        workDir: work,
        identities: options.identities,
        ...(options.keepSealed ? { keepSealed: true } : {}),
        expected: {
          sealedSize: entry.sealedSize,
          sealedSha256: entry.sealedSha256,
          sealedPartsSha256: entry.sealedPartsSha256,
          partSize: entry.partSize,
          plaintextSha256: entry.plaintextSha256,
          plaintextSize: entry.size,
        },
        ...(bar ? { onDownloadProgress: (p: { bytesDone: number }) => bar.update(p.bytesDone) } : {}),
        ...(opening ? { onProgress: (p: { bytesDone: number }) => opening.update(p.bytesDone) } : {}),
      });
    } catch (error) {
      interrupted = isInterruption(error, undefined);
      throw explain(
        error,
        describe,
        isPouchError(error, 'ERR_SEAL_INTEGRITY')
          ? 'it cannot be opened with this authority’s sealing identity'
          : 'the sealed bytes or the opened content do not match the signed manifest (altered in storage or transit)',
      );
    } finally {
      bar?.finish();
      opening?.finish();
    }
    const plainPath = fetched.plaintextPath;
    const sealedPath = fetched.sealedPath;
    await checkOpenedRequest(plainPath, label, message, entry, describe);
    await placeFile(plainPath, outputPath);
    let keptSealed: string | undefined;
    if (options.keepSealed) {
      // Asked for with keepSealed, a fetch always keeps its sealed copy.
      if (sealedPath === undefined) throw new Error('The fetch kept no sealed copy');
      keptSealed = `${outputPath}.age`;
      await placeFile(sealedPath, keptSealed);
    }
    finished = true;
    return { ...base, outcome: 'fetched', ...(keptSealed ? { sealedPath: keptSealed } : {}) };
  } finally {
    // Kept after an interruption (to resume); fetchAndOpen already dropped bytes that failed verification.
    if (finished || !interrupted) await rm(work, { recursive: true, force: true });
  }
}

/** Link the verified file to its name (never replacing an existing file), then drop the temp name. */
export async function placeFile(verified: string, outputPath: string): Promise<void> {
  try {
    await link(verified, outputPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PouchError('ERR_CONFLICT', `${outputPath} already exists`, { details: { path: outputPath } });
    }
    throw error;
  }
  await rm(verified, { force: true });
}

function explain(error: unknown, what: string, why: string): unknown {
  if (!isPouchError(error)) return error;
  const code: PouchErrorCode = error.code;
  const reason = code === 'ERR_HASH_MISMATCH' || code === 'ERR_SEAL_INTEGRITY' ? why : error.message;
  return new PouchError(code, `${what}: ${reason}; nothing was saved`, {
    cause: error,
    ...(error.details ? { details: { ...error.details } } : {}),
  });
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
