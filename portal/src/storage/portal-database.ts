// Portal storage: the one owner of the portal's IndexedDB database — its name, version, stores and upgrade — used by
// the member's keys (keys/key-store.ts) and the transfer journals (transfer/transfer-journal.ts). Forget-this-browser
// deletes the whole database here, so a store added later is wiped with the rest without anyone remembering to.

const DATABASE = 'pouch-portal';
/** The member's keys and pins (one record). */
export const KEY_STORE = 'keys';
/** The journals of unfinished sends. */
export const TRANSFER_STORE = 'transfers';
/** Version 1 held the keys; version 2 added the transfer journals. */
const VERSION = 2;
const STORES = [KEY_STORE, TRANSFER_STORE] as const;
export type PortalStore = (typeof STORES)[number];

/** Open the database, creating on first open or upgrade every store that is missing. */
export function openPortalDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      for (const name of STORES) {
        if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name);
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Run one request in its own transaction on a store and answer its result once the transaction committed
 * (a result read before the commit could still be rolled back).
 */
export async function withPortalStore<T>(
  name: PortalStore,
  mode: IDBTransactionMode,
  run: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await openPortalDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const request = run(tx.objectStore(name));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/**
 * Read a record and write its replacement in one readwrite transaction, so two tabs changing the same record
 * cannot interleave. `change` answers undefined to leave the record as it is.
 */
export async function updatePortalRecord<T>(
  name: PortalStore,
  key: IDBValidKey,
  change: (current: unknown) => T | undefined,
): Promise<T | undefined> {
  const db = await openPortalDatabase();
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const tx = db.transaction(name, 'readwrite');
      const store = tx.objectStore(name);
      let next: T | undefined;
      const read = store.get(key);
      read.onsuccess = () => {
        try {
          next = change(read.result);
          if (next !== undefined) store.put(next, key);
        } catch (error) {
          tx.abort();
          reject(error);
        }
      };
      tx.oncomplete = () => resolve(next);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Delete the whole database (every store). Answers on "blocked" too: the deletion then completes as soon as the
 * other tabs close it, and none of them can open it again meanwhile. */
export function deletePortalDatabase(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DATABASE);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => resolve();
  });
}
