// Domain layer, "right first time": renders a validated request as the printable letter the requested State
// reads — letterhead, addressee, subject, then prose sections (legal basis, the case, facts, offences, assistance
// sought, procedure and confidentiality, urgency, contacts), annexes with sizes and SHA-256, signature, page
// numbers, in English or French. Words come from letter-text.ts, then the form's (value-words.ts, element-texts.ts);
// citations from instruments.ts, unverified ones left out. All text from the request is untrusted and escaped and
// stays as typed; the page loads no external resources and runs no script.
import { elementText } from './element-texts.ts';
import {
  type InstrumentId,
  KINDS,
  normalizeTreatyId,
  PROVISIONS,
  type ProvisionId,
  TREATIES,
} from './instruments.ts';
import {
  LETTER_SECTIONS,
  type LetterLanguage,
  type LetterSection,
  type LetterText,
  letterTextFor,
  writeDate,
} from './letter-text.ts';
import { type ElementInfo, listElements, type PouchRequest } from './schemas.ts';
import { valueWordsOf } from './value-words.ts';

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

/**
 * Text as a CSS string literal inside a `<style>` element: quotes, backslashes, line breaks and angle brackets
 * become CSS escapes, so request text can neither end the string nor close the element.
 */
function cssString(value: string): string {
  return `"${value.replace(/[\\"<>\n\r\f]/g, (c) => `\\${(c.codePointAt(0) ?? 32).toString(16)} `)}"`;
}

/** A code (`providing-records`) in words (`Providing records`): the generic fallback when no phrase exists. */
export function spellOutCode(code: string): string {
  const words = code.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A lower-case, hyphenated token with a letter in it (`business-records-certificate`): a code, not prose. */
const CODE_PATTERN = /^(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)+$/;

/** Bytes in binary units for the annex list (`1.5 MiB`, `1,5 Mio`). */
function formatSize(bytes: number, text: LetterText): string {
  const units = text.sizeUnits;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0
    ? `${bytes} ${units[0]}`
    : `${value.toFixed(1).replace('.', text.decimal)} ${units[unit]}`;
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: Georgia, 'Times New Roman', serif; font-size: 10.5pt; line-height: 1.38; color: #111;
  max-width: 46rem; margin: 2rem auto; padding: 0 1.5rem; }
header.letterhead { border-bottom: 2px solid #222; padding-bottom: .4rem; margin-bottom: .8rem;
  display: flex; justify-content: space-between; gap: 1.5rem; }
header.letterhead .from { font-weight: bold; font-size: 12pt; }
header.letterhead .sender { font-size: 9.5pt; }
header.letterhead .meta { text-align: right; font-size: 9.5pt; white-space: nowrap; }
.to { margin: .6rem 0 .9rem; }
.subject { font-weight: bold; margin: .6rem 0; }
h2 { font-size: 11pt; margin: .8rem 0 .2rem; }
.cite { font-weight: normal; font-style: italic; font-size: 8.5pt; color: #444; display: block; }
p { overflow-wrap: anywhere; margin: .25rem 0; orphans: 3; widows: 3; }
.run-in { font-style: italic; }
ol, ul { margin: .2rem 0; padding-left: 1.4rem; } li { margin: .1rem 0; overflow-wrap: anywhere; }
.signature { margin-top: 1.2rem; break-inside: avoid; }
.signature .space { height: 2.2rem; }
footer { margin-top: 1rem; font-size: 8.5pt; color: #555; border-top: 1px solid #bbb; padding-top: .3rem; }
table.annexes { border-collapse: collapse; width: 100%; font-size: 9pt; }
table.annexes td, table.annexes th { border-bottom: 1px solid #ccc; padding: .15rem .3rem; text-align: left;
  vertical-align: top; }
table.annexes tr { break-inside: avoid; }
table.annexes code { font-size: 7.5pt; overflow-wrap: anywhere; }
@media print {
  body { margin: 0; max-width: none; padding: 0; }
  h2 { break-after: avoid; }
}`;

/** The page box: A4, page numbers, and the letter's title and reference in the running footer. */
function pageStyle(text: LetterText, running: string): string {
  return `
@page { size: A4; margin: 16mm 17mm 18mm;
  @bottom-left { content: ${cssString(running)}; font: 8pt Georgia, serif; color: #555; }
  @bottom-right { content: ${cssString(text.page('\u0001', '\u0002'))
    .replace('\u0001', '" counter(page) "')
    .replace('\u0002', '" counter(pages) "')}; font: 8pt Georgia, serif; color: #555; } }`;
}

/** Where each top-level element of any kind is told; one not listed here goes to `procedure`. */
const SECTION_OF: Readonly<Record<string, LetterSection | 'letterhead'>> = {
  kind: 'letterhead',
  date: 'letterhead',
  language: 'basis',
  legalBasis: 'basis',
  translations: 'basis',
  underProtocol: 'basis',
  caseReference: 'letterhead',
  checkedAgainst: 'letterhead',
  requestingAuthority: 'contacts',
  providingAuthority: 'contacts',
  requestedAuthority: 'letterhead',
  receivingAuthority: 'letterhead',
  subject: 'case',
  conductingAuthority: 'case',
  caseNumbers: 'case',
  status: 'case',
  investigatingAuthority: 'case',
  prosecutionOrCourt: 'case',
  order: 'case',
  domesticAuthorisation: 'case',
  confiscationOrder: 'case',
  relatedRequests: 'case',
  earlierMlaRequests: 'case',
  earlierPreservationRequests: 'case',
  preservationRequest: 'case',
  preservation: 'case',
  otherMeans: 'case',
  composition: 'case',
  duration: 'case',
  location: 'case',
  facts: 'facts',
  emergency: 'facts',
  information: 'facts',
  personsConcerned: 'facts',
  personToBeHeard: 'facts',
  providerBelief: 'facts',
  relevance: 'facts',
  offences: 'offences',
  domesticLegalGrounds: 'offences',
  assistanceSought: 'assistance',
  measures: 'assistance',
  purpose: 'assistance',
  dataSought: 'assistance',
  targetCommunications: 'assistance',
  period: 'assistance',
  property: 'assistance',
  custodian: 'assistance',
  provider: 'assistance',
  providers: 'assistance',
  providersIdentified: 'assistance',
  transmissionPath: 'assistance',
  trafficDataDisclosed: 'assistance',
  hearing: 'assistance',
  reasonForVideo: 'assistance',
  necessity: 'assistance',
  intentToRequestMla: 'assistance',
  procedure: 'procedure',
  evidenceRules: 'procedure',
  specialInstructions: 'procedure',
  confidentiality: 'procedure',
  conditions: 'procedure',
  additional: 'procedure',
  urgency: 'urgency',
  confirmationContact: 'contacts',
  contact: 'contacts',
};

/** The order paragraphs take inside a section: the order of SECTION_OF's keys. */
const ORDER = Object.keys(SECTION_OF);
const orderOf = (key: string): number => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length);

/** Instruments a letter under a basis may cite: a provision of another treaty is not the law of this request. */
const CITABLE: Readonly<Record<string, readonly InstrumentId[]>> = {
  untoc: ['untoc'],
  uncac: ['uncac'],
  budapest: ['budapest', 't-cy-2018-10'],
  'budapest-p2': ['budapest-p2', 'budapest'],
};

/** Regions the ISO reserves for private use (the demo's XA, XB…): no display name, the code stays. */
const PRIVATE_REGION = /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/;

type Row = Record<string, unknown>;

/** Members whose value names the thing itself, so it needs no title before it. */
const BARE_KEYS = new Set(['name', 'authority', 'description']);

const isRow = (value: unknown): value is Row =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;

/** Everything one letter needs while rendering: its words, its language and the template's elements. */
class Letter {
  readonly byPath: ReadonlyMap<string, ElementInfo>;
  constructor(
    readonly text: LetterText,
    readonly lang: LetterLanguage,
    readonly request: PouchRequest,
  ) {
    this.byPath = new Map(listElements(request.kind).map((e) => [e.path, e]));
  }

  get prose() {
    return this.text.prose;
  }

  /**
   * A code in words: the letter's phrase, else the form's words for the element at `path` (value-words.ts), else
   * the code spelled out.
   */
  words(code: string, path?: string): string {
    if (Object.hasOwn(this.text.codes, code)) return this.text.codes[code] ?? code;
    const form = path === undefined ? undefined : valueWordsOf(path.replace(/\[\]$/, ''), code);
    if (form) return lowerFirst(form[this.lang]);
    return spellOutCode(code).toLowerCase();
  }

  /** An element's title in the letter's language (the template's English, else element-texts.ts's French). */
  elementTitle(element: Pick<ElementInfo, 'path' | 'title' | 'explanation' | 'hint'>): string {
    return elementText(this.request.kind, element, this.lang).title;
  }

  /** `2025-03-04` as `4 March 2025`; a date and time with its time of day; anything else unchanged. */
  date(value: string): string {
    return writeDate(value, this.text);
  }

  country(code: string): string {
    if (!/^[A-Z]{2}$/.test(code) || PRIVATE_REGION.test(code)) return code;
    try {
      return new Intl.DisplayNames([this.lang], { type: 'region' }).of(code) ?? code;
    } catch {
      return code;
    }
  }

  language(tag: string): string {
    try {
      return new Intl.DisplayNames([this.lang], { type: 'language' }).of(tag) ?? tag;
    } catch {
      return tag;
    }
  }

  /** A value inline, escaped: codes in words, dates written out, objects as `title value; …`. */
  inline(value: unknown, path: string): string {
    if (value === undefined || value === null) return '';
    if (typeof value === 'boolean') return value ? this.text.yes : this.text.no;
    if (typeof value === 'number') return String(value);
    if (typeof value === 'string') {
      const element = this.byPath.get(path);
      const isCode =
        element?.values?.includes(value) ||
        element?.itemType === 'enum' ||
        (path.startsWith('additional.') && CODE_PATTERN.test(value));
      if (isCode) return escapeHtml(this.words(value, path));
      if (/^(nationality|country)$/.test(path.split('.').at(-1) ?? ''))
        return escapeHtml(this.country(value));
      if (/language$/i.test(path)) return escapeHtml(this.language(value));
      return escapeHtml(this.date(value));
    }
    if (Array.isArray(value)) {
      const items = value.map((item) => this.inline(item, `${path}[]`)).filter(Boolean);
      return items.every((i) => !i.includes(';')) ? this.list(items) : items.join('; ');
    }
    if (isRow(value)) {
      // A name (or authority, or description) leads bare; the other members follow with their titles.
      return Object.entries(value)
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) =>
          BARE_KEYS.has(k)
            ? this.inline(v, `${path}.${k}`)
            : `${escapeHtml(this.title(`${path}.${k}`, k).toLowerCase())} ${this.inline(v, `${path}.${k}`)}`,
        )
        .join('; ');
    }
    return escapeHtml(String(value));
  }

  /** `a, b and c` (already escaped items). */
  list(items: readonly string[]): string {
    if (items.length <= 1) return items[0] ?? '';
    return `${items.slice(0, -1).join(', ')} ${this.text.prose.and} ${items.at(-1)}`;
  }

  title(path: string, key: string): string {
    const element = this.byPath.get(path);
    if (element) return this.elementTitle(element);
    const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  /** A paragraph that opens with its title in italics, then the value inline or as a numbered list. */
  runIn(title: string, value: unknown, path: string): string {
    const head = `<span class="run-in">${escapeHtml(title)}.</span>`;
    if (Array.isArray(value) && value.some(isRow)) {
      return `<p>${head}</p><ol>${value.map((item) => `<li>${this.inline(item, `${path}[]`)}</li>`).join('')}</ol>`;
    }
    return `<p>${head} ${upperFirst(this.inline(value, path))}</p>`;
  }
}

type Prose = (letter: Letter, value: unknown, path: string) => string;

const sentence = (parts: readonly (string | undefined | false)[]): string =>
  parts.filter((p): p is string => Boolean(p)).join(' ');

/** Prose for the blocks every kind shares; any other element is a run-in paragraph. */
const PROSE: Readonly<Record<string, Prose>> = {
  subject: (l, v) => {
    const s = isRow(v) ? v : {};
    return `<p>${l.prose.concerns(escapeHtml(l.words(String(s.nature ?? ''), 'subject.nature')), escapeHtml(String(s.description ?? '')))}</p>`;
  },
  conductingAuthority: (l, v) => {
    const c = isRow(v) ? v : {};
    return `<p>${l.prose.conductedBy(
      l.inline(c.name, 'conductingAuthority.name'),
      str(c.functions) ? l.inline(c.functions, 'conductingAuthority.functions') : undefined,
    )}</p>`;
  },
  status: (l, v) => `<p>${l.prose.status(escapeHtml(l.words(String(v), 'status')))}</p>`,
  relatedRequests: (l, v) => related(l, v),
  earlierMlaRequests: (l, v) => related(l, v),
  earlierPreservationRequests: (l, v) => related(l, v),
  facts: (l, v, path) => `<p>${l.inline(v, path)}</p>`,
  emergency: (l, v) => {
    const e = isRow(v) ? v : {};
    return `<p><span class="run-in">${escapeHtml(l.prose.emergency)}.</span> ${l.inline(e.facts, 'emergency.facts')} ${l.inline(e.relation, 'emergency.relation')}</p>`;
  },
  personsConcerned: (l, v) => {
    const persons = Array.isArray(v) ? v.filter(isRow) : [];
    const items = persons.map((p) => {
      const details = [
        str(p.role) && escapeHtml(l.words(String(p.role), 'personsConcerned[].role')),
        Array.isArray(p.aliases) &&
          p.aliases.length > 0 &&
          l.prose.aliases(l.inline(p.aliases, 'personsConcerned[].aliases')),
        str(p.dateOfBirth) && l.prose.born(escapeHtml(l.date(String(p.dateOfBirth)))),
        str(p.nationality) && l.prose.nationality(escapeHtml(l.country(String(p.nationality)))),
        str(p.location) && l.prose.location(escapeHtml(String(p.location))),
      ].filter(Boolean);
      return `<li>${escapeHtml(String(p.name ?? ''))}${details.length ? `, ${details.join(', ')}` : ''}.</li>`;
    });
    return `<p>${l.prose.personsIntro}</p><ul>${items.join('')}</ul>`;
  },
  offences: (l, v) => {
    const offences = Array.isArray(v) ? v.filter(isRow) : [];
    const items = offences.map((o) => {
      const provisions = Array.isArray(o.legalProvisions)
        ? l.list(o.legalProvisions.map((x) => escapeHtml(String(x))))
        : '';
      return `<p><strong>${escapeHtml(String(o.name ?? ''))}</strong>, ${sentence([
        provisions && l.prose.definedBy(provisions),
        str(o.penalty) && l.prose.punishableBy(escapeHtml(lowerFirst(String(o.penalty)))),
      ])}.</p>`;
    });
    return `<p>${l.prose.offencesIntro(offences.length)}</p>${items.join('')}`;
  },
  assistanceSought: (l, v) => {
    const a = isRow(v) ? v : {};
    const measures = Array.isArray(a.measures) ? a.measures.filter(isRow) : [];
    return `<p>${l.prose.measuresIntro(measures.length)}</p><ol>${measures
      .map(
        (m) =>
          `<li><span class="run-in">${escapeHtml(upperFirst(l.words(String(m.type ?? ''), 'assistanceSought.measures[].type')))}${l.text.colon.trimEnd()}</span> ${l.inline(m.description, 'assistanceSought.measures[].description')}</li>`,
      )
      .join('')}</ol>`;
  },
  measures: (l, v, path) => `<p>${l.prose.measuresList(l.inline(v, path))}</p>`,
  dataSought: (l, v) => {
    const items = Array.isArray(v) ? v.filter(isRow) : [];
    return `<p>${l.prose.dataIntro}</p><ol>${items
      .map((d) => {
        const ids = Array.isArray(d.identifiers) ? d.identifiers.filter(isRow) : [];
        const idText = l.list(
          ids.map(
            (i) =>
              `${escapeHtml(l.words(String(i.type ?? ''), 'dataSought[].identifiers[].type'))} ${escapeHtml(String(i.value ?? ''))}${
                str(i.observedAt) ? ` ${l.prose.observed(escapeHtml(l.date(String(i.observedAt))))}` : ''
              }`,
          ),
        );
        const range = isRow(d.timeRange) ? d.timeRange : undefined;
        return `<li><span class="run-in">${escapeHtml(upperFirst(l.words(String(d.category ?? ''), 'dataSought[].category')))}${l.text.colon.trimEnd()}</span> ${sentence(
          [
            escapeHtml(String(d.description ?? '')),
            idText && l.prose.identifiers(idText),
            range &&
              l.prose.period(
                escapeHtml(l.date(String(range.from))),
                escapeHtml(l.date(String(range.to))),
                escapeHtml(String(range.timeZone ?? '')),
              ),
            str(d.relationToOffence) && l.prose.relation(escapeHtml(String(d.relationToOffence))),
          ],
        )}</li>`;
      })
      .join('')}</ol>`;
  },
  intentToRequestMla: (l, v) => (v === true ? `<p>${l.prose.intentToRequestMla}</p>` : ''),
  confidentiality: (l, v) => {
    const c = isRow(v) ? v : {};
    return c.required === true
      ? `<p>${l.prose.confidential(str(c.reasons) ? l.inline(c.reasons, 'confidentiality.reasons') : undefined)}</p>`
      : `<p>${l.prose.notConfidential}</p>`;
  },
  additional: (l, v) => {
    const a = isRow(v) ? v : {};
    const rows = Object.entries(a)
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([k, value]) => l.runIn(l.title(`additional.${k}`, k), value, `additional.${k}`));
    return rows.length ? `<p>${l.prose.additionalIntro}</p>${rows.join('')}` : '';
  },
  urgency: (l, v) => {
    const u = isRow(v) ? v : {};
    const level = String(u.level ?? 'normal');
    const reasons = str(u.reasons) ? l.inline(u.reasons, 'urgency.reasons') : undefined;
    return `<p>${sentence([
      level === 'normal' ? l.prose.notUrgent : l.prose.urgent(escapeHtml(l.words(level)), reasons),
      str(u.deadline) && l.prose.deadline(escapeHtml(l.date(String(u.deadline)))),
    ])}</p>`;
  },
};

function related(l: Letter, value: unknown): string {
  const items = Array.isArray(value) ? value.filter(isRow) : [];
  return items
    .map(
      (r) =>
        `<p>${l.prose.follows(
          escapeHtml(l.words(String(r.relation ?? 'linked'), 'relatedRequests[].relation')),
          escapeHtml(String(r.reference ?? '')),
          str(r.date) ? escapeHtml(l.date(String(r.date))) : undefined,
          str(r.means) ? escapeHtml(String(r.means)) : undefined,
          str(r.contact) ? escapeHtml(String(r.contact)) : undefined,
        )}</p>`,
    )
    .join('');
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A contact as one sentence: name, function, phone, e-mail, office hours with their time zone, how to reply. */
function contactSentence(l: Letter, lead: string, contact: Row): string {
  const zone = str(contact.timeZone) ? escapeHtml(String(contact.timeZone)) : undefined;
  const parts = [
    `${escapeHtml(String(contact.name ?? ''))}${str(contact.role) ? `, ${escapeHtml(String(contact.role))}` : ''}`,
    str(contact.phone) && l.prose.telephone(escapeHtml(String(contact.phone))),
    str(contact.email) && l.prose.email(escapeHtml(String(contact.email))),
    str(contact.officeHours) && l.prose.officeHours(escapeHtml(String(contact.officeHours)), zone),
  ].filter(Boolean);
  return `<p>${sentence([
    `${lead} ${parts.join(', ')}.`,
    !str(contact.officeHours) && zone && l.prose.timesIn(zone),
    str(contact.preferredReply) &&
      l.prose.replyBy(escapeHtml(l.words(String(contact.preferredReply), 'contact.preferredReply'))),
  ])}</p>`;
}

function renderContacts(l: Letter, record: Row): string {
  const out: string[] = [];
  const own = isRow(record.requestingAuthority)
    ? record.requestingAuthority
    : isRow(record.providingAuthority)
      ? record.providingAuthority
      : undefined;
  if (own && str(own.personInCharge)) {
    out.push(`<p>${l.prose.personInCharge(escapeHtml(String(own.personInCharge)))}</p>`);
  }
  if (own && isRow(own.contact)) out.push(contactSentence(l, l.prose.ourContact, own.contact));
  if (isRow(record.contact)) out.push(contactSentence(l, l.prose.orderContact, record.contact));
  if (isRow(record.confirmationContact)) {
    out.push(contactSentence(l, l.prose.confirmationContact, record.confirmationContact));
  }
  return out.join('');
}

/** The provisions a section cites: its elements' own, of the instruments the basis makes law, verified only. */
function sectionCitation(text: LetterText, basis: string, elements: readonly ElementInfo[]): string {
  const citable = CITABLE[basis] ?? [];
  const ids: ProvisionId[] = [];
  for (const e of elements) {
    for (const id of e.cite) {
      if (!ids.includes(id) && citable.includes(PROVISIONS[id].instrument)) ids.push(id);
    }
  }
  const catalogue = Object.keys(PROVISIONS);
  return text.citation(ids.sort((x, y) => catalogue.indexOf(x) - catalogue.indexOf(y)));
}

/**
 * Render a validated request as a self-contained, printable HTML letter (print stylesheet with A4 page numbers,
 * no scripts, no external resources, a restrictive Content-Security-Policy). Every value from the request is
 * escaped and stays as typed, every template code is written in words, and only verified provisions are cited.
 * The letter is in `options.language` (default: the request's language when a letter exists in it, else English).
 * @example const html = renderRequestHtml(result.request, { sender, recipient }, annexes, { language: 'fr' });
 */
export function renderRequestHtml(
  request: PouchRequest,
  parties: { readonly sender: LetterParty; readonly recipient: LetterParty },
  annexes: readonly LetterAnnex[] = [],
  options: { readonly language?: LetterLanguage | undefined } = {},
): string {
  const { text, lang } = letterTextFor(options.language ?? request.language);
  const l = new Letter(text, lang, request);
  const kind = KINDS[request.kind];
  const record: Row = { ...request };
  const basis = normalizeTreatyId(request.legalBasis);
  const own = isRow(record.requestingAuthority)
    ? record.requestingAuthority
    : isRow(record.providingAuthority)
      ? record.providingAuthority
      : {};
  const ownContact = isRow(own.contact) ? own.contact : {};

  const bySection = new Map<LetterSection, { html: [number, string][]; elements: ElementInfo[] }>(
    LETTER_SECTIONS.map((s) => [s, { html: [], elements: [] }]),
  );
  const add = (section: LetterSection, key: string, html: string) =>
    bySection.get(section)?.html.push([orderOf(key), html]);
  add(
    'basis',
    'legalBasis',
    `<p>${sentence([
      escapeHtml(legalBasisSentence(request, text)),
      escapeHtml(
        text.language(l.language(request.language), request.language.toLowerCase().split('-')[0] === lang),
      ),
      request.translations?.length
        ? escapeHtml(
            text.translations(
              request.translations.map((t) => `${l.language(t.language)} (${t.file})`).join(', '),
            ),
          )
        : undefined,
    ])}</p>`,
  );
  const caseNumbers = request.caseReference.caseNumbers ?? [];
  if (caseNumbers.length > 0) {
    add(
      'case',
      'caseNumbers',
      `<p>${l.prose.registeredUnder(
        l.list(caseNumbers.map((c) => `${escapeHtml(c.number)} (${escapeHtml(c.authority)})`)),
        caseNumbers.length,
      )}</p>`,
    );
  }
  for (const element of listElements(request.kind)) {
    if (element.path.includes('.') || record[element.path] === undefined) continue;
    const section = SECTION_OF[element.path] ?? 'procedure';
    if (section === 'letterhead') continue;
    const slot = bySection.get(section);
    if (!slot) continue;
    slot.elements.push(element);
    if (section === 'contacts' || section === 'basis') continue;
    const value = record[element.path];
    const prose = PROSE[element.path];
    add(
      section,
      element.path,
      prose ? prose(l, value, element.path) : l.runIn(l.elementTitle(element), value, element.path),
    );
    // The particular procedure belongs with the other requirements on how to execute the request.
    if (element.path === 'assistanceSought' && isRow(value) && str(value.procedure)) {
      add(
        'procedure',
        'procedure',
        `<p>${l.prose.procedure(l.inline(value.procedure, 'assistanceSought.procedure'))}</p>`,
      );
    }
  }
  add('contacts', 'contact', renderContacts(l, record));

  let number = 0;
  const sections = LETTER_SECTIONS.map((id) => {
    const slot = bySection.get(id);
    const body = [...(slot?.html ?? [])]
      .sort((a, b) => a[0] - b[0])
      .map(([, html]) => html)
      .join('');
    if (!body) return '';
    number++;
    const citation = sectionCitation(text, basis, slot?.elements ?? []);
    return `<section class="${id}"><h2>${number}. ${escapeHtml(text.sections[id])}${
      citation ? `<span class="cite">${escapeHtml(upperFirst(citation))}</span>` : ''
    }</h2>${body}</section>`;
  }).join('\n');

  const title = text.kindTitle(request.kind);
  const reference = request.caseReference.reference;
  const subjectLine =
    isRow(record.subject) && str(record.subject.description)
      ? `${title}${text.colon}${String(record.subject.description)}`
      : title;
  const annexList =
    annexes.length === 0
      ? ''
      : `<section class="annexes"><h2>${escapeHtml(text.annexes)}</h2><p>${escapeHtml(text.annexIntro)}</p><table class="annexes"><tr>${text.annexColumns
          .map((c) => `<th>${escapeHtml(c)}</th>`)
          .join('')}</tr>${annexes
          .map(
            (a, i) =>
              `<tr><td>${i + 1}</td><td>${escapeHtml(a.name)}</td><td>${escapeHtml(formatSize(a.size, text))}</td><td><code>${escapeHtml(a.sha256)}</code></td></tr>`,
          )
          .join('')}</table></section>`;
  const signer = str(own.personInCharge) ?? str(ownContact.name);
  const signerRole = str(own.personInCharge) ? undefined : str(ownContact.role);
  const senderAddress = parties.sender.address ?? str(own.address);
  const checked = request.checkedAgainst
    ? ` ${text.checkedAgainst(parties.recipient.name, String(request.checkedAgainst.profileVersion))}`
    : '';
  return `<!DOCTYPE html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${escapeHtml(reference)}</title>
<style>${STYLE}${pageStyle(text, `${title} · ${reference}`)}</style>
</head>
<body>
<header class="letterhead"><div><div class="from">${escapeHtml(parties.sender.name)}</div><div class="sender">${[
    senderAddress,
    [str(ownContact.phone) && `${text.prose.tel} ${ownContact.phone}`, str(ownContact.email)]
      .filter(Boolean)
      .join(' · '),
  ]
    .filter((x): x is string => Boolean(x))
    .map(escapeHtml)
    .join(
      '<br>',
    )}</div></div><div class="meta">${escapeHtml(text.ourReference)}${escapeHtml(text.colon)}<strong>${escapeHtml(reference)}</strong><br>${escapeHtml(
    text.date,
  )}${escapeHtml(text.colon)}${escapeHtml(l.date(request.date))}</div></header>
<div class="to">${[parties.recipient.name, parties.recipient.address ?? l.country(parties.recipient.country)]
    .map(escapeHtml)
    .join('<br>')}</div>
<p class="subject">${escapeHtml(text.subject)}${escapeHtml(text.colon)}${escapeHtml(subjectLine)}</p>
<p>${escapeHtml(text.salutation)}</p>
<p>${escapeHtml(text.opening(lowerFirst(title), kind.outgoingInformation === true))}</p>
${sections}
${annexList}
<div class="signature"><p>${escapeHtml(text.closing)}</p><div class="space"></div><p>${[
    signer,
    signerRole,
    parties.sender.name,
  ]
    .filter((x): x is string => Boolean(x))
    .map(escapeHtml)
    .join('<br>')}</p></div>
<footer>${escapeHtml(title)} · ${escapeHtml(reference)} · ${escapeHtml(text.footer)}${escapeHtml(checked)}</footer>
</body>
</html>
`;
}

/** The opening sentence: the request is made under the treaty, named in full, and the articles of the kind. */
function legalBasisSentence(request: PouchRequest, text: LetterText): string {
  const basis = normalizeTreatyId(request.legalBasis);
  if (basis === 'reciprocity') return text.reciprocity;
  const bilateral = /^bilateral:([A-Z]{2})-([A-Z]{2})$/.exec(basis);
  if (bilateral) return text.bilateral(bilateral[1] ?? '', bilateral[2] ?? '');
  const articles = KINDS[request.kind].basis.filter((id) =>
    id.startsWith(`${basis === 'budapest-p2' ? 'cets224' : basis}-`),
  );
  const cited = text.citation(articles);
  if (cited) return text.madeUnder(cited);
  return text.madeUnderTreaty(
    Object.hasOwn(TREATIES, basis) ? text.treatyTitle(basis as keyof typeof TREATIES) : basis,
  );
}
