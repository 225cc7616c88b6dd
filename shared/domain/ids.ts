// Domain: the ids the exchange issues (exchanges, messages, documents, exports): a short prefix and 128 random
// bits, so nothing can be learned or guessed from them; and the one pattern every id parameter is checked with.
import { randomBytes } from 'node:crypto';

/** Shape of every issued id: `<prefix>_<22 base64url characters>`. */
export const ID_PATTERN = /^[a-z]{2,8}_[A-Za-z0-9_-]{22}$/;

/** A new random id with 128 bits of entropy, e.g. `newId('exch')`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
