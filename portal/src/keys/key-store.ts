// Portal keys: the one place the browser keeps a member's keys — IndexedDB, as non-extractable Web Crypto keys
// (the signing key for private_key_jwt assertions and manifests, the X25519 age identity for opening). Nothing
// here can be read back as bytes. The member's authority pins are kept in the same record, so sign-out deletes them
// with the keys. The database itself is opened by storage/portal-database.ts.
import { PouchError } from '../../../shared/domain/errors.ts';
import type { MemberKeystore } from '../../../shared/keystore/member-keystore.ts';
import {
  deletePortalDatabase,
  KEY_STORE,
  updatePortalRecord,
  withPortalStore,
} from '../storage/portal-database.ts';

const RECORD = 'member';

/** The member a browser is signed in as. The CryptoKeys are non-extractable. */
export interface StoredMember {
  readonly clientId: string;
  readonly authorityId: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly signingKey: CryptoKey;
  /** The authority's age identity (X25519), when the keystore carried one; auditors may have none. */
  readonly sealing?: { readonly identity: CryptoKey; readonly recipient: string };
  readonly pins: MemberKeystore['pins'];
  readonly signedInAt: string;
}

function withStore<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return withPortalStore(KEY_STORE, mode, run);
}

/** Keep the member's keys in this browser (replacing any earlier member). */
export async function saveMember(member: StoredMember): Promise<void> {
  if (member.signingKey.extractable || member.sealing?.identity.extractable) {
    throw new Error('Refusing to store an extractable private key');
  }
  await withStore('readwrite', (store) => store.put(member, RECORD));
}

/** The member signed in in this browser, if any. */
export async function loadMember(): Promise<StoredMember | undefined> {
  const found = await withStore<unknown>('readonly', (store) => store.get(RECORD));
  return isStoredMember(found) ? found : undefined;
}

/**
 * Replace the signed-in member's pins, and answer the member as now stored. Read and written in one transaction,
 * so a pin taken in another tab meanwhile is not lost; `change` gets the pins as stored, not as this tab saw them.
 */
export async function updatePins(
  clientId: string,
  change: (pins: StoredMember['pins']) => StoredMember['pins'],
): Promise<StoredMember> {
  const updated = await updatePortalRecord<StoredMember>(KEY_STORE, RECORD, (current) => {
    // Signed out, or another member signed in elsewhere: the pins belong to the member who took them.
    if (!isStoredMember(current) || current.clientId !== clientId) {
      throw new PouchError('ERR_UNAUTHENTICATED', 'The member who pinned is no longer signed in here');
    }
    return { ...current, pins: change(current.pins) };
  });
  if (!updated)
    throw new PouchError('ERR_UNAUTHENTICATED', 'The member who pinned is no longer signed in here');
  return updated;
}

/** Sign out: the keys are deleted, and the pins kept with them. */
export async function forgetMember(): Promise<void> {
  await withStore('readwrite', (store) => store.delete(RECORD));
}

/** "Forget this browser": the whole database, drafts and transfer state included, and the private file area. */
export async function forgetBrowser(): Promise<void> {
  await deletePortalDatabase();
  localStorage.clear();
  sessionStorage.clear();
  const root = await navigator.storage?.getDirectory?.().catch(() => undefined);
  if (root) {
    // Sealed and opened files of unfinished transfers (the DOM lib does not type the directory iterator).
    const names = (root as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }).keys();
    for await (const name of names) await root.removeEntry(name, { recursive: true });
  }
}

function isStoredMember(value: unknown): value is StoredMember {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.clientId === 'string' &&
    record.signingKey instanceof CryptoKey &&
    Array.isArray(record.pins)
  );
}
