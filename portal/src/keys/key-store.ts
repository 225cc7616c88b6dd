// Portal keys: the one place the browser keeps a member's keys — IndexedDB, as non-extractable Web Crypto keys
// (the signing key for private_key_jwt assertions and manifests, the X25519 age identity for opening). Nothing
// here can be read back as bytes, and sign-out deletes the whole database.
import type { MemberKeystore } from '../../../shared/keystore/member-keystore.ts';

const DATABASE = 'pouch-portal';
const STORE = 'keys';
const RECORD = 'member';
/** The journals of unfinished sends (transfer/transfer-journal.ts): same database, so "forget" wipes them too. */
export const TRANSFER_STORE = 'transfers';
/** Version 2 added the transfer journals. */
const VERSION = 2;

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

/** The portal's one IndexedDB database, with every store it needs created on first open or upgrade. */
export function openPortalDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      for (const name of [STORE, TRANSFER_STORE]) {
        if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name);
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore<T>(
  mode: IDBTransactionMode,
  run: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await openPortalDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = run(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
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

/** Sign out: the keys are deleted. */
export async function forgetMember(): Promise<void> {
  await withStore('readwrite', (store) => store.delete(RECORD));
}

/** "Forget this browser": the whole database, drafts and transfer state included, and the private file area. */
export async function forgetBrowser(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DATABASE);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => resolve();
  });
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
  return typeof record.clientId === 'string' && record.signingKey instanceof CryptoKey;
}
