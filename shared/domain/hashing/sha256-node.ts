// Domain hashing (Node binding, `#sha256` by default): SHA-256 on node:crypto, the fast path the server, the CLI
// and `pouch verify` run. package.json's "imports" map `#sha256` to sha256-web.ts under the `browser` condition,
// so the portal's build takes the same functions from @noble/hashes.
import { createHash, hash } from 'node:crypto';

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** SHA-256 of bytes, or of several byte strings in order. */
export function sha256Bytes(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}
