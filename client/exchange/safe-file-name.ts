// Client exchange workflows: turns an untrusted document name from a sender's manifest into a single, harmless
// file name for the recipient's disk — never a path, never hidden, never a bidi or control-character trick.

/** Longest name we write, in UTF-8 bytes (most file systems allow 255). */
const maxNameBytes = 200;

/** Names Windows reserves whatever the extension; harmless elsewhere, but files travel. */
const reservedNames = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** Characters that separate paths somewhere, or look like a separator (fullwidth, division and fraction slash). */
const separatorLike = /[/\\:\uFF0F\uFF3C\u2215\u2044\u29F8\u29F9]/g;

/** Characters Windows refuses in names, and shell-unfriendly wildcards. */
const forbidden = /[<>"|?*]/g;

/**
 * Derive a safe file name from a name the sender chose. Removes control and format characters (which include
 * the Unicode bidi overrides and zero-width characters), turns separators into `_`, collapses dot runs, strips
 * leading dots and trailing dots and spaces, avoids reserved device names and bounds the length (keeping the
 * extension). Falls back to `fallback` (e.g. the document id) when nothing usable is left.
 *
 * @example
 * deriveSafeFileName('../../etc/passwd', 'doc_x'); // 'etc_passwd'
 * deriveSafeFileName('invoice\u202Efdp.exe', 'doc_x'); // 'invoicefdp.exe'
 */
export function deriveSafeFileName(untrusted: unknown, fallback: string): string {
  const safeFallback = fallback.replace(/[^A-Za-z0-9_-]/g, '_') || 'document';
  if (typeof untrusted !== 'string') return safeFallback;
  let name = untrusted
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/gu, '')
    .replace(separatorLike, '_')
    .replace(forbidden, '_')
    .replace(/\s+/gu, ' ')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s._]+/u, '')
    .replace(/[\s.]+$/u, '');
  if (name === '' || /^_+$/.test(name)) return safeFallback;
  if (reservedNames.test(name)) name = `_${name}`;
  return truncateName(name);
}

/** Cut a name to {@link maxNameBytes} UTF-8 bytes on a code point boundary, keeping a short extension. */
function truncateName(name: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(name).length <= maxNameBytes) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const budget = maxNameBytes - encoder.encode(extension).length;
  let stem = '';
  for (const char of extension ? name.slice(0, dot) : name) {
    if (encoder.encode(stem + char).length > budget) break;
    stem += char;
  }
  return `${stem.replace(/[\s.]+$/u, '')}${extension}`;
}

/**
 * Make `name` unique among `taken` (case-insensitively, for case-insensitive file systems) by adding ` (2)`,
 * ` (3)`... before the extension. Adds the chosen name to `taken`.
 */
export function claimUniqueName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const extension = dot > 0 ? name.slice(dot) : '';
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${extension}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

const mediaTypes: Readonly<Record<string, string>> = {
  '.pdf': 'application/pdf',
  '.json': 'application/json',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.mp4': 'video/mp4',
  '.wav': 'audio/wav',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.eml': 'message/rfc822',
};

/** The media type for a file name, by extension; `application/octet-stream` when unknown. */
export function guessMediaType(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? mediaTypes[name.slice(dot).toLowerCase()] : undefined) ?? 'application/octet-stream';
}
