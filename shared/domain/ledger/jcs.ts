// Domain layer, custody ledger: the one place RFC 8785 (JSON Canonicalization Scheme) enters Pouch. Event hashes,
// checkpoint leaves and JWS payloads all serialise through `canonicalJson`.
import canonicalizeModule from 'canonicalize';
import { PouchError } from '../errors.ts';

// `canonicalize` is CommonJS (`module.exports = serialize`) with an ESM-style `export default` in its typings;
// under NodeNext TypeScript types the default import as the module record, while Node hands over the function.
const serialize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/**
 * RFC 8785 canonical JSON of `value`: members sorted by UTF-16 code units, no whitespace, ECMAScript number
 * and string serialisation. Throws ERR_VALIDATION for values JSON cannot carry (undefined, NaN, Infinity).
 */
export function canonicalJson(value: unknown): string {
  let json: string | undefined;
  try {
    json = serialize(value);
  } catch (error) {
    throw new PouchError('ERR_VALIDATION', 'The value cannot be canonicalized as JSON', { cause: error });
  }
  if (json === undefined) throw new PouchError('ERR_VALIDATION', 'The value cannot be canonicalized as JSON');
  return json;
}
