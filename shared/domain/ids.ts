// Domain: the ids the exchange issues (exchanges, messages, documents, exports): a short prefix and 128 random
// bits, so nothing can be learned or guessed from them; and the one pattern every id parameter is checked with.
import { sha256 } from '@noble/hashes/sha2.js';
import { base64urlnopad } from '@scure/base';

/** Shape of every issued id: `<prefix>_<22 base64url characters>`. */
export const ID_PATTERN = /^[a-z]{2,8}_[A-Za-z0-9_-]{22}$/;

/** A new random id with 128 bits of entropy, e.g. `newId('exch')`. */
export function newId(prefix: string): string {
  return `${prefix}_${base64urlnopad.encode(crypto.getRandomValues(new Uint8Array(16)))}`;
}

/**
 * An id derived from the thing it names, in the same shape as issued ids: the same parts always give the same id,
 * so an effect that has one natural key (a message id within an exchange) can be recognised when it is attempted
 * again, e.g. `derivedId('evt', 'message.sent', exchangeId, messageId)`.
 */
export function derivedId(prefix: string, ...parts: readonly string[]): string {
  const digest = base64urlnopad.encode(sha256(new TextEncoder().encode(parts.join('\n'))));
  return `${prefix}_${digest.slice(0, 22)}`;
}
