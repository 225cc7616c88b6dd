// Domain layer, "right first time": the catalogue of legal instruments, their provisions and the kinds of
// request they support. Schemas, draft, check and the HTML renderer all cite articles from here.

/** Every kind of request Pouch knows, in catalogue order (INSTRUMENTS.md). Usable as `z.enum(REQUEST_KINDS)`. */
export const REQUEST_KINDS = [
  'mla',
  'preservation',
  'traffic-disclosure',
  'stored-data',
  'subscriber-information',
  'realtime-traffic',
  'interception',
  'emergency-disclosure',
  'emergency-mla',
  'production-order',
  'asset-recovery',
  'spontaneous-information',
  'video-conference',
  'joint-investigation-team',
] as const;

/** One kind of request. */
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Multilateral treaties Pouch knows by name. */
export const MULTILATERAL_TREATIES = ['untoc', 'budapest', 'budapest-p2', 'uncac'] as const;
export type MultilateralTreatyId = (typeof MULTILATERAL_TREATIES)[number];

/** A bilateral MLAT between two States, written with the two ISO 3166-1 codes sorted: `bilateral:XA-XB`. */
export type BilateralTreatyId = `bilateral:${string}-${string}`;

/** A legal basis a request may invoke: a treaty, or reciprocity (comity, no treaty obligation). */
export type TreatyId = MultilateralTreatyId | BilateralTreatyId | 'reciprocity';

/** Instruments that provisions are cited from: the treaties plus the T-CY(2018)10 template for art. 31. */
export type InstrumentId = MultilateralTreatyId | 'bilateral' | 't-cy-2018-10';

const BILATERAL_RE = /^bilateral:([A-Z]{2})-([A-Z]{2})$/;

/** True when `value` is a syntactically valid legal basis id. */
export function isTreatyId(value: unknown): value is TreatyId {
  if (typeof value !== 'string') return false;
  if (value === 'reciprocity') return true;
  if ((MULTILATERAL_TREATIES as readonly string[]).includes(value)) return true;
  const m = BILATERAL_RE.exec(value);
  return m !== null && m[1] !== m[2];
}

/**
 * Build the canonical id of a bilateral MLAT between two States (codes sorted, so both sides agree).
 * @example bilateralTreatyId('XB', 'XA') // 'bilateral:XA-XB'
 */
export function bilateralTreatyId(countryA: string, countryB: string): BilateralTreatyId {
  const [a, b] = [countryA.toUpperCase(), countryB.toUpperCase()].sort();
  return `bilateral:${a}-${b}`;
}

/** Normalise a legal basis id (bilateral ids get their country codes sorted); unknown strings pass through. */
export function normalizeTreatyId(id: string): string {
  const m = BILATERAL_RE.exec(id.toUpperCase().replace(/^BILATERAL:/, 'bilateral:'));
  return m?.[1] && m[2] ? bilateralTreatyId(m[1], m[2]) : id;
}

/** Information about a treaty: its names and the kinds of request it provides for. */
export interface TreatyInfo {
  readonly id: MultilateralTreatyId | 'bilateral' | 'reciprocity';
  readonly title: string;
  readonly short: string;
  /** Kinds this basis provides for. */
  readonly kinds: readonly RequestKind[];
  /** Other treaties a State must also be party to (the Second Protocol is open only to Budapest Parties). */
  readonly requires?: readonly MultilateralTreatyId[];
  /** A caveat shown with suggestions (scope limits). */
  readonly caveat?: string;
}

const GENERAL_MLA_KINDS: readonly RequestKind[] = [
  'mla',
  'stored-data',
  'subscriber-information',
  'realtime-traffic',
  'interception',
  'asset-recovery',
  'video-conference',
];

/** The catalogue of legal bases. Bilateral MLATs share one entry; their ids carry the two States. */
export const TREATIES: Readonly<Record<MultilateralTreatyId | 'bilateral' | 'reciprocity', TreatyInfo>> = {
  untoc: {
    id: 'untoc',
    title: 'United Nations Convention against Transnational Organized Crime (Palermo, 2000)',
    short: 'UNTOC',
    kinds: [
      'mla',
      'stored-data',
      'subscriber-information',
      'asset-recovery',
      'spontaneous-information',
      'video-conference',
    ],
    caveat:
      'Applies to offences covered by the Convention (art. 3): transnational, involving an organized criminal group, or serious crime.',
  },
  budapest: {
    id: 'budapest',
    title: 'Council of Europe Convention on Cybercrime (ETS 185, Budapest, 2001)',
    short: 'Budapest Convention',
    kinds: [
      'mla',
      'preservation',
      'traffic-disclosure',
      'stored-data',
      'subscriber-information',
      'realtime-traffic',
      'interception',
      'spontaneous-information',
    ],
    caveat:
      'Covers offences under arts. 2-11 and the collection of electronic evidence of any criminal offence (art. 23).',
  },
  'budapest-p2': {
    id: 'budapest-p2',
    title:
      'Second Additional Protocol to the Convention on Cybercrime on enhanced co-operation and disclosure of electronic evidence (CETS 224)',
    short: 'CETS 224',
    kinds: [
      'emergency-disclosure',
      'emergency-mla',
      'production-order',
      'video-conference',
      'joint-investigation-team',
    ],
    requires: ['budapest'],
  },
  uncac: {
    id: 'uncac',
    title: 'United Nations Convention against Corruption (Mérida, 2003)',
    short: 'UNCAC',
    kinds: [
      'mla',
      'stored-data',
      'subscriber-information',
      'asset-recovery',
      'spontaneous-information',
      'video-conference',
    ],
    caveat:
      'Applies to offences established in accordance with the Convention (corruption and related offences).',
  },
  bilateral: {
    id: 'bilateral',
    title: 'Bilateral mutual legal assistance treaty',
    short: 'Bilateral MLAT',
    kinds: [...GENERAL_MLA_KINDS, 'spontaneous-information'],
    caveat: 'Check the scope and the formal requirements in the text of the MLAT itself.',
  },
  reciprocity: {
    id: 'reciprocity',
    title: 'Reciprocity (international comity, no treaty obligation)',
    short: 'Reciprocity',
    kinds: [...GENERAL_MLA_KINDS, 'spontaneous-information'],
    caveat: 'Assistance is discretionary; the requested State may ask for an assurance of reciprocity.',
  },
};

/** Look up the catalogue entry for any legal basis id (bilateral ids map to the shared bilateral entry). */
export function describeTreaty(id: string): TreatyInfo | undefined {
  if (id === 'reciprocity' || (MULTILATERAL_TREATIES as readonly string[]).includes(id)) {
    return TREATIES[id as MultilateralTreatyId | 'reciprocity'];
  }
  return BILATERAL_RE.test(id) ? TREATIES.bilateral : undefined;
}

/** Human title of a legal basis id, e.g. 'Bilateral MLAT XA-XB'. */
export function formatTreaty(id: string): string {
  const m = BILATERAL_RE.exec(id);
  if (m) return `Bilateral MLAT ${m[1]}-${m[2]}`;
  return describeTreaty(id)?.short ?? id;
}

/** A provision of an instrument: the unit every element cites. */
export interface Provision {
  readonly instrument: InstrumentId;
  /** As written in citations: 'art. 18(15)(a)'. */
  readonly article: string;
  /** What the provision says, in a few words. */
  readonly summary: string;
  /** True where INSTRUMENTS.md marks the fact as to be checked against the official text. */
  readonly verify?: boolean;
}

const INSTRUMENT_SHORT: Readonly<Record<InstrumentId, string>> = {
  untoc: 'UNTOC',
  budapest: 'Budapest Convention',
  'budapest-p2': 'CETS 224',
  uncac: 'UNCAC',
  bilateral: 'Bilateral MLAT',
  't-cy-2018-10': 'T-CY(2018)10 template (Budapest art. 31)',
};

function p(instrument: InstrumentId, article: string, summary: string, verify = false): Provision {
  return verify ? { instrument, article, summary, verify } : { instrument, article, summary };
}

/** Every provision cited by a template element. Ids are stable; schemas refer to them. */
export const PROVISIONS = {
  'untoc-12': p('untoc', 'art. 12', 'confiscation and seizure of proceeds and instrumentalities'),
  'untoc-13-1': p('untoc', 'art. 13(1)', 'request for confiscation'),
  'untoc-13-2': p('untoc', 'art. 13(2)', 'request to identify, trace, freeze or seize proceeds'),
  'untoc-13-3-a': p('untoc', 'art. 13(3)(a)', 'description of the property and statement of facts'),
  'untoc-13-3-b': p(
    'untoc',
    'art. 13(3)(b)',
    'copy of the confiscation order and extent of execution requested',
  ),
  'untoc-18-1': p('untoc', 'art. 18(1)', 'the widest measure of mutual legal assistance'),
  'untoc-18-3': p('untoc', 'art. 18(3)', 'purposes for which assistance may be requested'),
  'untoc-18-4': p('untoc', 'art. 18(4)', 'information transmitted without prior request'),
  'untoc-18-5': p('untoc', 'art. 18(5)', 'confidentiality and restrictions on spontaneous information'),
  'untoc-18-13': p('untoc', 'art. 18(13)', 'central authorities receive and transmit requests'),
  'untoc-18-14': p(
    'untoc',
    'art. 18(14)',
    'request in writing, in a language acceptable to the requested State',
  ),
  'untoc-18-15-a': p('untoc', 'art. 18(15)(a)', 'the identity of the authority making the request'),
  'untoc-18-15-b': p(
    'untoc',
    'art. 18(15)(b)',
    'subject matter and nature of the investigation, prosecution or proceeding, and the authority conducting it',
  ),
  'untoc-18-15-c': p(
    'untoc',
    'art. 18(15)(c)',
    'summary of the relevant facts, except for service of documents',
  ),
  'untoc-18-15-d': p('untoc', 'art. 18(15)(d)', 'the assistance sought and any particular procedure'),
  'untoc-18-15-e': p(
    'untoc',
    'art. 18(15)(e)',
    'where possible, identity, location and nationality of persons concerned',
  ),
  'untoc-18-15-f': p(
    'untoc',
    'art. 18(15)(f)',
    'the purpose for which the evidence, information or action is sought',
  ),
  'untoc-18-16': p('untoc', 'art. 18(16)', 'the requested State may request additional information'),
  'untoc-18-18': p('untoc', 'art. 18(18)', 'hearing of a witness or expert by video conference'),
  'untoc-18-20': p('untoc', 'art. 18(20)', 'confidentiality of the fact and substance of the request'),
  'untoc-18-24': p(
    'untoc',
    'art. 18(24)',
    'execution as soon as possible, taking deadlines into account',
    true,
  ),
  'uncac-46': p('uncac', 'art. 46', 'mutual legal assistance'),
  'uncac-54': p('uncac', 'art. 54', 'mechanisms for recovery of property through international cooperation'),
  'uncac-55-3-a': p(
    'uncac',
    'art. 55(3)(a)',
    'description of the property, its location and estimated value',
  ),
  'uncac-55-3-b': p(
    'uncac',
    'art. 55(3)(b)',
    'copy of the confiscation order and extent of execution requested',
  ),
  'budapest-25-3': p('budapest', 'art. 25(3)', 'urgent requests by expedited means of communication', true),
  'budapest-26-1': p('budapest', 'art. 26(1)', 'spontaneous information that might assist an investigation'),
  'budapest-26-2': p(
    'budapest',
    'art. 26(2)',
    'conditions of confidentiality or use on spontaneous information',
  ),
  'budapest-27-2': p('budapest', 'art. 27(2)', 'central authorities'),
  'budapest-28': p('budapest', 'art. 28', 'confidentiality and limitation on use'),
  'budapest-29-1': p('budapest', 'art. 29(1)', 'expedited preservation of stored computer data'),
  'budapest-29-2-a': p('budapest', 'art. 29(2)(a)', 'the authority seeking the preservation'),
  'budapest-29-2-b': p('budapest', 'art. 29(2)(b)', 'the offence and a brief summary of the related facts'),
  'budapest-29-2-c': p(
    'budapest',
    'art. 29(2)(c)',
    'the stored data to be preserved and their relationship to the offence',
  ),
  'budapest-29-2-d': p(
    'budapest',
    'art. 29(2)(d)',
    'information identifying the custodian or the location of the system',
  ),
  'budapest-29-2-e': p('budapest', 'art. 29(2)(e)', 'the necessity of the preservation'),
  'budapest-29-2-f': p('budapest', 'art. 29(2)(f)', 'intention to submit a request for mutual assistance'),
  'budapest-29-3': p('budapest', 'art. 29(3)', 'dual criminality not required for preservation'),
  'budapest-29-7': p('budapest', 'art. 29(7)', 'preservation for at least 60 days'),
  'budapest-30-1': p('budapest', 'art. 30(1)', 'expedited disclosure of preserved traffic data'),
  'budapest-31-1': p(
    'budapest',
    'art. 31(1)',
    'accessing, searching, seizing or disclosing stored computer data',
  ),
  'budapest-31-3': p('budapest', 'art. 31(3)', 'expedited response where data are vulnerable to loss', true),
  'budapest-33-1': p(
    'budapest',
    'art. 33(1)',
    'real-time collection of traffic data of specified communications',
  ),
  'budapest-33-2': p(
    'budapest',
    'art. 33(2)',
    'offences for which real-time collection is available domestically',
  ),
  'budapest-34': p('budapest', 'art. 34', 'interception of content data'),
  'budapest-35': p('budapest', 'art. 35', '24/7 network point of contact'),
  'tcy-date': p('t-cy-2018-10', 'date', 'date of the request'),
  'tcy-reference': p('t-cy-2018-10', 'reference / case number', 'reference or case number'),
  'tcy-status': p('t-cy-2018-10', 'status', 'new, follow-up to an MLA request or to a preservation request'),
  'tcy-requested': p('t-cy-2018-10', 'requested authority', 'the requested authority'),
  'tcy-requesting': p(
    't-cy-2018-10',
    'requesting authority',
    'organisation, person in charge, address, phone, e-mail, office hours, time zone, preferred way to answer',
  ),
  'tcy-confirmation': p('t-cy-2018-10', 'contact for confirmation', 'a further contact for confirmation'),
  'tcy-investigating': p(
    't-cy-2018-10',
    'investigating authority',
    'the investigating authority, if different',
  ),
  'tcy-court': p('t-cy-2018-10', 'prosecution office or court', 'case numbers and decisions'),
  'tcy-earlier-mla': p('t-cy-2018-10', 'earlier MLA requests', 'date, ticket, contacts, means used'),
  'tcy-earlier-preservation': p(
    't-cy-2018-10',
    'earlier preservation requests',
    'date, ticket, contacts, means used',
  ),
  'tcy-data': p('t-cy-2018-10', 'subscriber information sought', 'identifiers with date, time and time zone'),
  'cets224-8-1': p(
    'budapest-p2',
    'art. 8(1)',
    'giving effect to orders for subscriber information and traffic data',
  ),
  'cets224-8-time-limits': p(
    'budapest-p2',
    'art. 8',
    'answers due within 20 days (subscriber information) or 45 days (traffic data)',
    true,
  ),
  'cets224-8-3-a': p('budapest-p2', 'art. 8(3)(a)', 'the issuing authority and the date of the order', true),
  'cets224-8-3-b': p(
    'budapest-p2',
    'art. 8(3)(b)',
    'a statement that the order is issued under the Protocol',
    true,
  ),
  'cets224-8-3-c': p('budapest-p2', 'art. 8(3)(c)', 'the name and address of the service provider', true),
  'cets224-8-3-d': p('budapest-p2', 'art. 8(3)(d)', 'the offence under investigation', true),
  'cets224-8-3-e': p('budapest-p2', 'art. 8(3)(e)', 'the authority seeking the data', true),
  'cets224-8-3-f': p('budapest-p2', 'art. 8(3)(f)', 'a detailed description of the data sought', true),
  'cets224-8-4-a': p('budapest-p2', 'art. 8(4)(a)', 'the domestic legal grounds for the order', true),
  'cets224-8-4-b': p('budapest-p2', 'art. 8(4)(b)', 'legal provisions and applicable penalties', true),
  'cets224-8-4-c': p('budapest-p2', 'art. 8(4)(c)', 'why the provider is believed to hold the data', true),
  'cets224-8-4-d': p('budapest-p2', 'art. 8(4)(d)', 'a summary of the facts', true),
  'cets224-8-4-e': p('budapest-p2', 'art. 8(4)(e)', 'the relevance of the data to the investigation', true),
  'cets224-8-4-f': p('budapest-p2', 'art. 8(4)(f)', 'contact information', true),
  'cets224-8-4-g': p(
    'budapest-p2',
    'art. 8(4)(g)',
    'whether preservation was sought, with date and reference',
    true,
  ),
  'cets224-8-4-h': p('budapest-p2', 'art. 8(4)(h)', 'whether the data were sought by other means', true),
  'cets224-9-1': p(
    'budapest-p2',
    'art. 9(1)',
    'expedited disclosure in an emergency through the 24/7 network',
  ),
  'cets224-9-3-a': p(
    'budapest-p2',
    'art. 9(3)(a)',
    'the authority seeking the data and the date of the request',
    true,
  ),
  'cets224-9-3-b': p(
    'budapest-p2',
    'art. 9(3)(b)',
    'a statement that the request is made under the Protocol',
    true,
  ),
  'cets224-9-3-c': p('budapest-p2', 'art. 9(3)(c)', 'the name and address of the service provider', true),
  'cets224-9-3-d': p(
    'budapest-p2',
    'art. 9(3)(d)',
    'the offence, its legal provisions and applicable penalties',
    true,
  ),
  'cets224-9-3-e': p(
    'budapest-p2',
    'art. 9(3)(e)',
    'facts showing the emergency and how the data relate to it',
    true,
  ),
  'cets224-9-3-f': p('budapest-p2', 'art. 9(3)(f)', 'a detailed description of the data sought', true),
  'cets224-9-3-g': p('budapest-p2', 'art. 9(3)(g)', 'any special procedural instructions', true),
  'cets224-10-2': p(
    'budapest-p2',
    'art. 10(2)',
    'facts showing the emergency and how the assistance relates to it',
    true,
  ),
  'cets224-10-3': p('budapest-p2', 'art. 10(3)', 'request accepted in electronic form', true),
  'cets224-11': p('budapest-p2', 'art. 11', 'testimony and statements by video conference'),
  'cets224-12': p('budapest-p2', 'art. 12', 'joint investigation teams and joint investigations'),
  'cets224-12-2': p(
    'budapest-p2',
    'art. 12(2)',
    'the agreement sets purpose, composition, duration, location and evidence rules',
    true,
  ),
} as const satisfies Record<string, Provision>;

/** Id of a provision in the catalogue. */
export type ProvisionId = keyof typeof PROVISIONS;

/**
 * Format provisions as the `source` of a finding or the citation in a comment.
 * @example formatCitation(['untoc-18-15-a']) // 'UNTOC art. 18(15)(a)'
 */
export function formatCitation(ids: readonly ProvisionId[]): string {
  return ids
    .map((id) => {
      const prov: Provision = PROVISIONS[id];
      return `${INSTRUMENT_SHORT[prov.instrument]} ${prov.article}${isVerifiedProvision(id) ? '' : ' (verify)'}`;
    })
    .join('; ');
}

/**
 * The one rule on unverified citations: a provision INSTRUMENTS.md marks (verify) is not presented as law. The
 * officer's own `pouch check` shows it marked (formatCitation); a letter leaves it out (formatLetterCitation);
 * a clock that runs on it reads as indicative, without the article (citeForReaders).
 */
export function isVerifiedProvision(id: ProvisionId): boolean {
  const prov: Provision = PROVISIONS[id];
  return prov.verify !== true;
}

/** What users read instead of an unverified citation beside a time limit. */
export const UNVERIFIED_CITATION = 'indicative (citation unverified)';

/** Where a rule or time limit comes from, for machines: the provision and whether its citation is verified. */
export interface ProvisionSource {
  readonly provision: ProvisionId;
  readonly instrument: string;
  readonly article: string;
  readonly verified: boolean;
}

export function provisionSource(id: ProvisionId): ProvisionSource {
  const prov: Provision = PROVISIONS[id];
  return {
    provision: id,
    instrument: INSTRUMENT_SHORT[prov.instrument],
    article: prov.article,
    verified: isVerifiedProvision(id),
  };
}

/**
 * A provision as people read it outside `pouch check` (a clock's basis, a due list): `Budapest Convention
 * art. 29(7)` when verified; `indicative (citation unverified)` otherwise, never quoting the article as law.
 */
export function citeForReaders(id: ProvisionId): string {
  const prov: Provision = PROVISIONS[id];
  return isVerifiedProvision(id)
    ? `${INSTRUMENT_SHORT[prov.instrument]} ${prov.article}`
    : UNVERIFIED_CITATION;
}

/** Full names of the instruments, as a letter to another State writes them. */
const INSTRUMENT_TITLE: Readonly<Record<InstrumentId, string>> = {
  untoc: TREATIES.untoc.title,
  budapest: TREATIES.budapest.title,
  'budapest-p2': TREATIES['budapest-p2'].title,
  uncac: TREATIES.uncac.title,
  bilateral: 'the bilateral mutual legal assistance treaty',
  't-cy-2018-10': 'the T-CY(2018)10 template for requests under art. 31 of the Convention on Cybercrime',
};

/**
 * Provisions as a letter cites them: each article with its instrument's full name, grouped by instrument. A
 * provision marked (verify) in INSTRUMENTS.md is left out: nothing unverified is presented as law to another
 * State (the officer's own `pouch check` still shows it, marked).
 *
 * @example formatLetterCitation(['untoc-18-15-a', 'untoc-18-15-b'])
 * // 'art. 18(15)(a) and art. 18(15)(b) of the United Nations Convention against Transnational Organized Crime (Palermo, 2000)'
 */
export function formatLetterCitation(ids: readonly ProvisionId[]): string {
  const byInstrument = new Map<InstrumentId, string[]>();
  for (const id of ids) {
    if (!isVerifiedProvision(id)) continue;
    const prov: Provision = PROVISIONS[id];
    const articles = byInstrument.get(prov.instrument) ?? [];
    if (!articles.includes(prov.article)) articles.push(prov.article);
    byInstrument.set(prov.instrument, articles);
  }
  return [...byInstrument]
    .map(([instrument, articles]) => {
      const list =
        articles.length === 1 ? articles[0] : `${articles.slice(0, -1).join(', ')} and ${articles.at(-1)}`;
      return `${list} of the ${INSTRUMENT_TITLE[instrument].replace(/^the /, '')}`;
    })
    .join('; ');
}

/** What the catalogue says about a kind of request. */
export interface KindInfo {
  readonly id: RequestKind;
  readonly title: string;
  readonly summary: string;
  /** Provisions that found the kind; the legal basis element cites them. */
  readonly basis: readonly ProvisionId[];
  /** Facts worth telling the drafter (shown as info findings and skeleton comments). */
  readonly notes: readonly { readonly text: string; readonly cite: readonly ProvisionId[] }[];
  /** True when the request goes out from the requested side (answers and spontaneous information). */
  readonly outgoingInformation?: boolean;
}

/** The catalogue of kinds of request. */
export const KINDS: Readonly<Record<RequestKind, KindInfo>> = {
  mla: {
    id: 'mla',
    title: 'Request for mutual legal assistance',
    summary: 'The formal request for assistance in a criminal investigation, prosecution or proceeding.',
    basis: ['untoc-18-1', 'budapest-27-2', 'uncac-46'],
    notes: [
      {
        text: 'The requested State may ask for additional information.',
        cite: ['untoc-18-16'],
      },
    ],
  },
  preservation: {
    id: 'preservation',
    title: 'Request for expedited preservation of stored computer data',
    summary: 'Keeps stored data from being lost while the formal MLA request is prepared.',
    basis: ['budapest-29-1'],
    notes: [
      { text: 'Dual criminality is not required for preservation.', cite: ['budapest-29-3'] },
      {
        text: 'Preservation lasts at least 60 days and continues once the MLA request arrives.',
        cite: ['budapest-29-7'],
      },
      { text: 'Often sent by the 24/7 point of contact.', cite: ['budapest-35'] },
    ],
  },
  'traffic-disclosure': {
    id: 'traffic-disclosure',
    title: 'Expedited disclosure of preserved traffic data',
    summary:
      'Discloses enough traffic data to identify a service provider in a third State and the path of the communication.',
    basis: ['budapest-30-1'],
    notes: [],
    outgoingInformation: true,
  },
  'stored-data': {
    id: 'stored-data',
    title: 'Request to access, search, seize or disclose stored computer data',
    summary: 'Search, seizure or disclosure of stored data, including data preserved under art. 29.',
    basis: ['budapest-31-1'],
    notes: [
      {
        text: 'Respond on an expedited basis where the data may be lost or modified.',
        cite: ['budapest-31-3'],
      },
    ],
  },
  'subscriber-information': {
    id: 'subscriber-information',
    title: 'Request for subscriber information',
    summary: 'Subscriber information under art. 31, using the T-CY(2018)10 template.',
    basis: ['budapest-31-1', 'tcy-date'],
    notes: [],
  },
  'realtime-traffic': {
    id: 'realtime-traffic',
    title: 'Request for real-time collection of traffic data',
    summary: 'Real-time collection of traffic data of specified communications, governed by domestic law.',
    basis: ['budapest-33-1'],
    notes: [],
  },
  interception: {
    id: 'interception',
    title: 'Request for interception of content data',
    summary:
      'Real-time collection or recording of content data, to the extent permitted by treaties and domestic law.',
    basis: ['budapest-34'],
    notes: [],
  },
  'emergency-disclosure': {
    id: 'emergency-disclosure',
    title: 'Request for expedited disclosure of stored computer data in an emergency',
    summary:
      'Sent through the 24/7 network where there is a significant and imminent risk to the life or safety of a person.',
    basis: ['cets224-9-1'],
    notes: [
      { text: 'Send through the 24/7 network point of contact.', cite: ['cets224-9-1', 'budapest-35'] },
    ],
  },
  'emergency-mla': {
    id: 'emergency-mla',
    title: 'Emergency request for mutual legal assistance',
    summary: 'MLA request in an emergency; the requested Party must accept it in electronic form.',
    basis: ['cets224-10-2'],
    notes: [
      { text: 'The requested Party must accept the request in electronic form.', cite: ['cets224-10-3'] },
    ],
  },
  'production-order': {
    id: 'production-order',
    title: 'Request to give effect to an order for the production of subscriber information or traffic data',
    summary: 'The requested Party compels a provider in its territory to produce data named in the order.',
    basis: ['cets224-8-1'],
    notes: [
      {
        text: 'Answers are due within 20 days for subscriber information and 45 days for traffic data.',
        cite: ['cets224-8-time-limits'],
      },
    ],
  },
  'asset-recovery': {
    id: 'asset-recovery',
    title: 'Request to identify, trace, freeze, seize or confiscate assets',
    summary:
      'Identification, tracing, freezing, seizure or confiscation of proceeds and instrumentalities of crime.',
    basis: ['untoc-13-1', 'untoc-13-2', 'uncac-54'],
    notes: [],
  },
  'spontaneous-information': {
    id: 'spontaneous-information',
    title: 'Spontaneous information',
    summary: 'Information sent without a prior request because it might assist an investigation.',
    basis: ['budapest-26-1', 'untoc-18-4'],
    notes: [],
    outgoingInformation: true,
  },
  'video-conference': {
    id: 'video-conference',
    title: 'Request for a hearing by video conference',
    summary: 'Hearing a witness or an expert by video conference.',
    basis: ['untoc-18-18', 'cets224-11'],
    notes: [],
  },
  'joint-investigation-team': {
    id: 'joint-investigation-team',
    title: 'Proposal for a joint investigation team',
    summary: 'An agreement setting the purpose, composition, duration and evidence rules of a joint team.',
    basis: ['cets224-12'],
    notes: [],
  },
};
