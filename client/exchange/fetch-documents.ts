// Client exchange workflows: fetches every document of an exchange and proves each one before it lands — the
// manifest signature against the sender member's key in the directory, the sealed hash after download (and, for
// a multipart upload, the parts' composite the exchange signed), then the plaintext hash after opening with the
// authority's age identity. Only verified files reach the output.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openFile } from '../../shared/crypto/age-native.ts';
import { partsDigestOf } from '../../shared/crypto/sealed-digest.ts';
import type { Manifest } from '../../shared/custody/manifest.ts';
import { verifyMessageManifest } from '../../shared/custody/message-manifest.ts';
import { isPouchError, PouchError, type PouchErrorCode } from '../../shared/domain/errors.ts';
import {
  type DirectoryEntry,
  type ExchangeLabel,
  type ExchangeMessage,
  fetchDirectoryEntry,
  getExchange,
  requestDownload,
} from '../sdk/exchange-api.ts';
import type { PouchClient } from '../sdk/pouch-client.ts';
import { downloadFile, hashFileParts } from '../transfer/index.ts';
import { type UploadProgressSink, withCryptoProgress } from './deliver-message.ts';
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
      entry = fetchDirectoryEntry(options.client, authorityId);
      directory.set(authorityId, entry);
    }
    return entry;
  };

  await mkdir(options.outDir, { recursive: true });
  const verifiedMessages: Array<FetchExchangeResult['messages'][number]> = [];
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
    });
    if (manifest.documents.length === 0) continue;
    const folderName = `${String(ordered.indexOf(message) + 1).padStart(2, '0')}-${deriveSafeFileName(message.kind, 'message')}`;
    const folder = join(options.outDir, folderName);
    await mkdir(folder, { recursive: true });
    const taken = new Set<string>();
    for (const entry of manifest.documents) {
      const name = claimUniqueName(deriveSafeFileName(entry.name, entry.documentId), taken);
      documents.push(await fetchOne(options, label.id, message, entry, join(folder, name)));
    }
  }
  return { label, outDir: options.outDir, messages: verifiedMessages, documents };
}

async function fetchOne(
  options: FetchExchangeOptions,
  exchangeId: string,
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
      return { ...base, outcome: 'present' };
    }
    throw new PouchError('ERR_CONFLICT', `${outputPath} exists with other content; choose another --out`, {
      details: { path: outputPath },
    });
  }
  const describe = `document '${deriveSafeFileName(entry.name, entry.documentId)}' (${entry.documentId})`;
  const work = join(options.outDir, `.pouch-fetch-${randomBytes(6).toString('hex')}`);
  await mkdir(work, { mode: 0o700 });
  try {
    const download = await requestDownload(options.client, exchangeId, entry.documentId);
    if (
      download.document.sealedSha256 !== entry.sealedSha256 ||
      download.document.sealedSize !== entry.sealedSize
    ) {
      throw new PouchError(
        'ERR_HASH_MISMATCH',
        `${describe}: the exchange's record differs from the signed manifest; nothing was saved`,
      );
    }
    const sealedPath = join(work, 'sealed.age');
    const bar = options.createProgress?.(deriveSafeFileName(entry.name, entry.documentId), entry.sealedSize);
    try {
      await downloadFile({
        url: download.url,
        outputPath: sealedPath,
        expectedSize: entry.sealedSize,
        expectedSha256: entry.sealedSha256,
        ...(bar ? { onProgress: (p: { bytesDone: number }) => bar.update(p.bytesDone) } : {}),
      });
    } catch (error) {
      throw explain(
        error,
        describe,
        'the sealed bytes do not match the signed manifest (altered in storage or transit)',
      );
    } finally {
      bar?.finish();
    }
    if (entry.sealedPartsSha256 !== undefined && entry.partSize !== undefined) {
      // The exchange signed the parts' composite (what storage verified), not the whole-file digest checked
      // above: make sure both name these very bytes, so its receipts attest what this client accepted.
      const { partSha256s } = await hashFileParts(sealedPath, entry.partSize);
      if (partsDigestOf(partSha256s) !== entry.sealedPartsSha256) {
        throw new PouchError(
          'ERR_HASH_MISMATCH',
          `${describe}: the sealed bytes do not match the parts digest the exchange confirmed; nothing was saved`,
        );
      }
    }
    const plainPath = join(work, 'plain');
    let digests: Awaited<ReturnType<typeof openFile>>;
    try {
      const label = `opening ${deriveSafeFileName(entry.name, entry.documentId)}`;
      digests = await withCryptoProgress(options.createProgress, label, entry.sealedSize, (progress) =>
        openFile(sealedPath, plainPath, options.identities, progress),
      );
    } catch (error) {
      throw explain(error, describe, 'it cannot be opened with this authority’s sealing identity');
    }
    if (digests.plaintextSha256 !== entry.plaintextSha256 || digests.plaintextSize !== entry.size) {
      throw new PouchError(
        'ERR_HASH_MISMATCH',
        `${describe}: the opened content does not match the signed manifest; nothing was saved`,
      );
    }
    await placeFile(plainPath, outputPath);
    let keptSealed: string | undefined;
    if (options.keepSealed) {
      keptSealed = `${outputPath}.age`;
      await placeFile(sealedPath, keptSealed);
    }
    return { ...base, outcome: 'fetched', ...(keptSealed ? { sealedPath: keptSealed } : {}) };
  } finally {
    await rm(work, { recursive: true, force: true });
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
