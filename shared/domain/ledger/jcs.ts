// Domain layer, custody ledger: the one place RFC 8785 (JSON Canonicalization Scheme) enters Pouch. Event hashes,
// checkpoint leaves and JWS payloads all serialise through `canonicalJson`.
import canonicalizeModule from 'canonicalize';
import { PouchError } from '../errors.ts';

// `canonicalize` is CommonJS (`module.exports = serialize`) with an ESM-style `export default` in its typings;
// under NodeNext TypeScript types the default import as the module record, while Node hands over the function
// (and a bundler may hand over either). Find the function at run time instead of trusting either typing.
const serialize = findSerializer(canonicalizeModule);

function findSerializer(imported: unknown): (input: unknown) => string | undefined {
  const candidate: unknown =
    typeof imported === 'function'
      ? imported
      : typeof imported === 'object' && imported !== null && 'default' in imported
        ? imported.default
        : undefined;
  if (typeof candidate !== 'function') throw new TypeError('canonicalize: the module exports no function');
  return (input) => {
    const json: unknown = Reflect.apply(candidate, undefined, [input]);
    return typeof json === 'string' ? json : undefined;
  };
}

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
