// Portal transfer: the journal of a send in progress, kept in IndexedDB beside the member's keys, so that a send
// interrupted by a reload resumes where it stopped: the sealed copies stay in the origin-private file system, and
// the journal names the exchange, each document's id and the parts storage already holds (with their ETags).
// deliver.ts writes it; resume-offer.tsx reads it after a reload.
import type { CreateExchangeInput, PostMessageInput } from '../../../client/sdk/exchange-api.ts';
import { TRANSFER_STORE, withPortalStore } from '../storage/portal-database.ts';
import type { SealedDigests } from './transfer-protocol.ts';

/** One file of a send, from sealing to commit. */
export interface JournalFile {
  readonly name: string;
  readonly mediaType: string;
  /** OPFS file name of the sealed copy (kept until the document is committed). */
  readonly target: string;
  /** Set once sealing finished: only then can the send resume (age's file key is random and never kept). */
  digests?: SealedDigests;
  /** Idempotency-Key of the declaration, so a repeated declaration answers the same document. */
  declareKey: string;
  documentId?: string;
  /** Multipart only: every part storage confirmed, with its ETag. */
  stored: Array<{ partNumber: number; etag: string }>;
  committed: boolean;
}

export interface TransferJournal {
  readonly messageId: string;
  /** The member who started it: another member signed in on this browser is never offered it. */
  readonly clientId: string;
  readonly counterpartId: string;
  readonly create?: CreateExchangeInput;
  readonly createKey: string;
  exchangeId?: string;
  readonly message: Omit<PostMessageInput, 'messageId' | 'documentIds' | 'manifest'>;
  readonly postKey: string;
  /** `sealing` until every file is sealed; an interrupted `sealing` journal cannot resume. */
  phase: 'sealing' | 'uploading';
  readonly files: JournalFile[];
  readonly startedAt: string;
}

function withTransfers<T>(
  mode: IDBTransactionMode,
  run: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  return withPortalStore(TRANSFER_STORE, mode, run);
}

export async function saveJournal(journal: TransferJournal): Promise<void> {
  await withTransfers('readwrite', (store) => store.put(journal, journal.messageId));
}

export async function deleteJournal(messageId: string): Promise<void> {
  await withTransfers('readwrite', (store) => store.delete(messageId));
}

/** The unfinished sends a member started in this browser, oldest first. */
export async function listJournals(clientId: string): Promise<TransferJournal[]> {
  const all = await withTransfers<unknown[]>('readonly', (store) => store.getAll());
  return all
    .filter((j): j is TransferJournal => isJournal(j) && j.clientId === clientId)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Bytes still to upload: the parts of uncommitted files that storage does not hold yet. */
export function remainingBytes(files: readonly JournalFile[]): number {
  let remaining = 0;
  for (const file of files) {
    if (file.committed || !file.digests) continue;
    const partSize = file.digests.parts?.partSize;
    if (partSize === undefined) {
      remaining += file.digests.sealedSize;
      continue;
    }
    const stored = new Set(file.stored.map((p) => p.partNumber));
    const count = Math.ceil(file.digests.sealedSize / partSize);
    for (let n = 1; n <= count; n++) {
      if (!stored.has(n)) remaining += Math.min(partSize, file.digests.sealedSize - (n - 1) * partSize);
    }
  }
  return remaining;
}

/** Held while a send runs, so that no other tab (or the resume offer) takes the same journal. */
export function transferLockName(messageId: string): string {
  return `pouch-transfer-${messageId}`;
}

/** The event the page hears when a journal is left behind (a failed send), so the resume offer shows it. */
export const JOURNALS_CHANGED = 'pouch-transfers-changed';

function isJournal(value: unknown): value is TransferJournal {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.messageId === 'string' && typeof record.clientId === 'string' && Array.isArray(record.files)
  );
}
