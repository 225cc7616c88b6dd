// Domain hashing (browser binding, `#sha256` under the `browser` condition): the same functions as
// sha256-node.ts on @noble/hashes, for the portal, where node:crypto does not exist.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(text)));
}

/** SHA-256 of bytes, or of several byte strings in order. */
export function sha256Bytes(...parts: readonly Uint8Array[]): Uint8Array {
  const h = sha256.create();
  for (const part of parts) h.update(part);
  return h.digest();
}
