// Core crypto (shared by the client and the server): the multipart form of a sealed document's digest. For
// a multipart upload storage verifies each part's SHA-256 and their composite, never the whole file, so that
// composite is what the exchange records and signs, and what the sender's manifest binds (docs/custody-bundle.md).
import { sha256 } from '@noble/hashes/sha2.js';
import { base64, hex } from '@scure/base';
import { PouchError } from '../domain/errors.ts';
import { PARTS_DIGEST_PATTERN } from '../domain/ledger/event.ts';

const STORAGE_COMPOSITE = /^([A-Za-z0-9+/]{43}=)-([1-9][0-9]{0,4})$/;

/**
 * The ledger form of a multipart object's composite checksum: hex SHA-256 over the raw part digests, in order,
 * then `-N`. `partSha256s` are base64 (storage's checksum form), one per part.
 *
 * @example
 * partsDigestOf(hashes.partSha256s); // '9f86…0a08-3'
 */
export function partsDigestOf(partSha256s: readonly string[]): string {
  if (partSha256s.length === 0) {
    throw new PouchError('ERR_VALIDATION', 'A multipart digest needs at least one part', {
      details: { field: 'partSha256s' },
    });
  }
  const outer = sha256.create();
  for (const digest of partSha256s) {
    const raw = decodeBase64(digest);
    if (raw?.length !== 32) {
      throw new PouchError('ERR_VALIDATION', 'A part digest is not a base64 SHA-256', {
        details: { field: 'partSha256s' },
      });
    }
    outer.update(raw);
  }
  return `${hex.encode(outer.digest())}-${partSha256s.length}`;
}

/** The same composite as storage reports it (S3 `ChecksumSHA256` of a multipart object: base64 `…-N`). */
export function storageChecksumOfPartsDigest(partsDigest: string): string {
  if (!PARTS_DIGEST_PATTERN.test(partsDigest)) {
    throw new PouchError('ERR_VALIDATION', 'Not a multipart digest', { details: { field: 'partsDigest' } });
  }
  const [digestHex, count] = partsDigest.split('-') as [string, string];
  return `${base64.encode(hex.decode(digestHex))}-${count}`;
}

/** The ledger form of a composite checksum storage reported (base64 `…-N` → hex `…-N`). */
export function partsDigestOfStorageChecksum(checksum: string): string {
  const match = STORAGE_COMPOSITE.exec(checksum);
  if (!match) {
    throw new PouchError('ERR_HASH_MISMATCH', 'Storage reported no composite checksum', {
      details: { field: 'sha256', actual: checksum },
    });
  }
  return `${hex.encode(base64.decode(match[1] as string))}-${match[2]}`;
}

/** Strict base64 (storage's checksum form); undefined when `text` is not base64. */
function decodeBase64(text: string): Uint8Array | undefined {
  try {
    return base64.decode(text);
  } catch {
    return undefined;
  }
}
