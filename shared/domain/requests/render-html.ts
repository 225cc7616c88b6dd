// Domain layer, "right first time": renders a validated request as a printable HTML letter. All text from the
// request is untrusted and escaped; the page loads no external resources and runs no script.
import { formatLetterCitation, KINDS, normalizeTreatyId, TREATIES } from './instruments.ts';
import { type ElementInfo, listElements, type PouchRequest } from './schemas.ts';

/** An authority as shown in the letterhead and address block. */
export interface LetterParty {
  readonly name: string;
  readonly country: string;
  readonly address?: string;
  readonly id?: string;
}

/** An attached file as the letter's list of annexes shows it. */
export interface LetterAnnex {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: Georgia, 'Times New Roman', serif; font-size: 11.5pt; line-height: 1.45; color: #111;
  max-width: 46rem; margin: 2rem auto; padding: 0 1.5rem; }
header.letterhead { border-bottom: 2px solid #222; padding-bottom: .6rem; margin-bottom: 1.2rem; }
header.letterhead .from { font-weight: bold; font-size: 13pt; }
.meta { display: flex; justify-content: space-between; gap: 2rem; margin: 1rem 0; }
.to { margin: 1rem 0 1.4rem; }
h1 { font-size: 14pt; margin: 1.2rem 0 .4rem; }
h2 { font-size: 12pt; margin: 1.1rem 0 .3rem; border-bottom: 1px solid #bbb; }
.cite { font-weight: normal; font-size: 9pt; color: #555; margin-left: .4rem; }
p, dd { white-space: pre-wrap; overflow-wrap: anywhere; margin: .2rem 0; }
dl { margin: .2rem 0 .2rem .4rem; } dt { font-style: italic; margin-top: .3rem; } dd { margin-left: 1.2rem; }
ol { margin: .2rem 0; padding-left: 1.4rem; }
.signature { margin-top: 2.5rem; }
footer { margin-top: 2rem; font-size: 9pt; color: #555; border-top: 1px solid #bbb; padding-top: .4rem; }
table.annexes { border-collapse: collapse; width: 100%; font-size: 10pt; }
table.annexes td, table.annexes th { border-bottom: 1px solid #ccc; padding: .2rem .4rem; text-align: left; vertical-align: top; }
table.annexes code { font-size: 8pt; overflow-wrap: anywhere; }
@page { size: A4; margin: 20mm 18mm 22mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 9pt Georgia, serif; color: #555; } }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; } section { break-inside: avoid-page; }
  footer { position: fixed; bottom: 0; left: 0; right: 0; }
}`;

const HIDDEN = new Set(['kind', 'date', 'language', 'legalBasis', 'caseReference', 'checkedAgainst']);

function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A code (`providing-records`) in words (`Providing records`): the requested State reads prose, not enums. */
export function spellOutCode(code: string): string {
  const words = code.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Bytes in binary units for the annex list (`1.5 MiB`). */
function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function renderValue(value: unknown, path: string, byPath: ReadonlyMap<string, ElementInfo>): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    return `<ol>${value.map((item) => `<li>${renderValue(item, `${path}[]`, byPath)}</li>`).join('')}</ol>`;
  }
  if (typeof value === 'object') {
    const rows = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => {
        const childPath = path ? `${path}.${k}` : k;
        const title = byPath.get(childPath)?.title ?? humanize(k);
        return `<dt>${escapeHtml(title)}</dt><dd>${renderValue(v, childPath, byPath)}</dd>`;
      });
    return `<dl>${rows.join('')}</dl>`;
  }
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  // An enum's value is a code: spell it out.
  const element = byPath.get(path);
  if (typeof value === 'string' && element?.values?.includes(value)) return escapeHtml(spellOutCode(value));
  return escapeHtml(String(value));
}

function renderParty(party: LetterParty): string {
  const lines = [party.name, party.address, party.country].filter((l): l is string => Boolean(l));
  return lines.map(escapeHtml).join('<br>');
}

/**
 * Render a validated request as a self-contained, printable HTML letter (print stylesheet, no scripts, no
 * external resources, a restrictive Content-Security-Policy). Every value from the request is escaped.
 * @example const html = renderRequestHtml(result.request, { sender, recipient });
 */
export function renderRequestHtml(
  request: PouchRequest,
  parties: { readonly sender: LetterParty; readonly recipient: LetterParty },
  annexes: readonly LetterAnnex[] = [],
): string {
  const kind = KINDS[request.kind];
  const elements = listElements(request.kind);
  const byPath = new Map(elements.map((e) => [e.path, e]));
  const record: Record<string, unknown> = { ...request };
  const sections = elements
    .filter((e) => !e.path.includes('.') && !HIDDEN.has(e.path) && record[e.path] !== undefined)
    .map(
      (e) =>
        `<section><h2>${escapeHtml(e.title)}${citeOf(e)}</h2>${
          typeof record[e.path] === 'object' ? '' : '<p>'
        }${renderValue(record[e.path], e.path, byPath)}${typeof record[e.path] === 'object' ? '' : '</p>'}</section>`,
    )
    .join('\n');
  const contact = (record.requestingAuthority ?? record.providingAuthority) as
    | { contact?: { name?: string; role?: string; email?: string; phone?: string } }
    | undefined;
  const signer = contact?.contact;
  const checked = request.checkedAgainst
    ? ` Checked against requirement profile ${escapeHtml(request.checkedAgainst.authorityId)} v${escapeHtml(
        String(request.checkedAgainst.profileVersion),
      )}.`
    : '';
  const title = escapeHtml(kind.title);
  const annexList =
    annexes.length === 0
      ? ''
      : `<section><h2>Annexes</h2><p>The following documents are annexed to this request, each sealed with it; their SHA-256 digests identify them.</p><table class="annexes"><tr><th>No.</th><th>Document</th><th>Size</th><th>SHA-256</th></tr>${annexes
          .map(
            (a, i) =>
              `<tr><td>${i + 1}</td><td>${escapeHtml(a.name)}</td><td>${escapeHtml(formatSize(a.size))}</td><td><code>${escapeHtml(a.sha256)}</code></td></tr>`,
          )
          .join('')}</table></section>`;
  return `<!DOCTYPE html>
<html lang="${escapeHtml(request.language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${escapeHtml(request.caseReference.reference)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="letterhead"><div class="from">${escapeHtml(parties.sender.name)}</div><div>${renderParty({
    ...parties.sender,
    name: '',
  })}</div></header>
<div class="meta"><div>Our reference: <strong>${escapeHtml(request.caseReference.reference)}</strong></div><div>Date: ${escapeHtml(
    request.date,
  )}</div></div>
<div class="to">To:<br>${renderParty(parties.recipient)}</div>
<h1>${title}</h1>
<p>${escapeHtml(legalBasisSentence(request))}</p>
${request.caseReference.caseNumbers ? `<section><h2>Case numbers</h2>${renderValue(request.caseReference.caseNumbers, 'caseReference.caseNumbers', byPath)}</section>` : ''}
${sections}
${annexList}
<div class="signature">${signer ? `${escapeHtml(signer.name ?? '')}${signer.role ? `<br>${escapeHtml(signer.role)}` : ''}<br>${escapeHtml(signer.email ?? '')}${signer.phone ? ` · ${escapeHtml(signer.phone)}` : ''}` : ''}<br>${escapeHtml(parties.sender.name)}</div>
<footer>${title} · ${escapeHtml(request.caseReference.reference)} · sent through Pouch, sealed end to end.${checked}</footer>
</body>
</html>
`;
}

/** A section's citation in the letter: full treaty names, nothing unverified (empty when nothing remains). */
function citeOf(element: ElementInfo): string {
  const text = formatLetterCitation(element.cite);
  return text ? `<span class="cite">${escapeHtml(text)}</span>` : '';
}

/** The opening sentence: the request is made under the treaty, named in full, and the articles of the kind. */
function legalBasisSentence(request: PouchRequest): string {
  const basis = normalizeTreatyId(request.legalBasis);
  if (basis === 'reciprocity') {
    return 'This request is made on the basis of reciprocity, no treaty binding both States for this assistance.';
  }
  const bilateral = /^bilateral:([A-Z]{2})-([A-Z]{2})$/.exec(basis);
  if (bilateral) {
    return `This request is made under the bilateral treaty on mutual legal assistance in criminal matters between ${bilateral[1]} and ${bilateral[2]}.`;
  }
  const treaty = TREATIES[basis as keyof typeof TREATIES];
  const articles = KINDS[request.kind].basis.filter((id) =>
    id.startsWith(`${basis === 'budapest-p2' ? 'cets224' : basis}-`),
  );
  const cited = formatLetterCitation(articles);
  return cited
    ? `This request is made under ${cited}.`
    : `This request is made under the ${treaty?.title ?? basis}.`;
}
