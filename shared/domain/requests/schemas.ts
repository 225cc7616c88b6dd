// Domain layer, "right first time": zod templates of every kind of request. Each field carries its citation
// in `elementRegistry`; `listElements` reads it back, so draft, check and render share one source of truth.
import { z } from 'zod';
import { URGENCIES } from '../exchange/urgency.ts';
import {
  formatCitation,
  isTreatyId,
  isVerifiedProvision,
  KINDS,
  type ProvisionId,
  REQUEST_KINDS,
  type RequestKind,
  type TreatyId,
} from './instruments.ts';

// The closed sets the templates offer, one place each, so that their words in every language
// (value-words.ts) are typed against them: a new code without words fails the typecheck.
export const PREFERRED_REPLIES = ['pouch', 'email', 'phone', '24-7-network', 'diplomatic'] as const;
export const CASE_NATURES = ['investigation', 'prosecution', 'judicial-proceeding'] as const;
export const PERSON_ROLES = [
  'suspect',
  'accused',
  'witness',
  'victim',
  'expert',
  'account-holder',
  'other',
] as const;
export const HEARD_PERSON_ROLES = ['witness', 'expert'] as const satisfies readonly PersonRole[];
export const IDENTIFIER_TYPES = [
  'ip-address',
  'email',
  'phone',
  'account',
  'domain',
  'url',
  'imei',
  'imsi',
  'iban',
  'other',
] as const;
export const DATA_CATEGORIES = ['subscriber', 'traffic', 'content', 'other'] as const;
export const REQUEST_RELATIONS = [
  'earlier-mla',
  'earlier-preservation',
  'linked',
  'police-cooperation',
] as const;
export const ASSISTANCE_TYPES = [
  'taking-evidence',
  'service-of-documents',
  'search-and-seizure',
  'examining-objects',
  'providing-information',
  'providing-records',
  'identifying-proceeds',
  'facilitating-appearance',
  'other',
] as const;
export const STORED_DATA_MEASURES = ['search', 'access', 'seizure', 'disclosure'] as const;
export const ASSET_MEASURES = ['identify', 'trace', 'freeze', 'seize', 'confiscate'] as const;
export const REQUEST_STATUSES = ['new', 'follow-up-mla', 'follow-up-preservation'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];
export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** Condition under which a 'conditional' element becomes mandatory. */
export interface RequiredWhen {
  /** Human wording, e.g. 'when the urgency level is not normal'. */
  readonly description: string;
  /** Decides from the element's parent object and the whole request. */
  readonly test: (parent: Record<string, unknown>, root: Record<string, unknown>) => boolean;
}

/** Metadata attached to a schema node: what it is and which provisions require it. */
export interface ElementMeta {
  title?: string;
  explanation?: string;
  cite?: readonly ProvisionId[];
  /** 'recommended': missing gives a warning. 'conditional': mandatory when `requiredWhen` holds. */
  level?: 'recommended' | 'conditional';
  requiredWhen?: RequiredWhen;
  /** Placeholder hint for the skeleton, e.g. 'YYYY-MM-DD'. */
  hint?: string;
}

/** The registry holding every element's metadata. */
export const elementRegistry = z.registry<ElementMeta>();

/** Clone `schema` and attach metadata, merged over any metadata the schema already had. */
function el<T extends z.ZodType>(schema: T, meta: ElementMeta): T {
  const copy = schema.clone() as T;
  elementRegistry.add(copy, { ...elementRegistry.get(schema), ...meta });
  return copy;
}

/** Cite provisions on a field (mandatory unless made optional by the caller). */
function cite<T extends z.ZodType>(schema: T, ids: readonly ProvisionId[], meta: ElementMeta = {}): T {
  return el(schema, { ...meta, cite: ids });
}

/** A recommended field: optional for zod, a warning in check when missing. */
function recommended<T extends z.ZodType>(schema: T, ids: readonly ProvisionId[], meta: ElementMeta = {}) {
  return cite(schema, ids, { ...meta, level: 'recommended' }).optional();
}

/** A conditional field: optional for zod, an error in check when `when` holds and it is missing. */
function conditional<T extends z.ZodType>(
  schema: T,
  ids: readonly ProvisionId[],
  when: RequiredWhen,
  meta: ElementMeta = {},
) {
  return cite(schema, ids, { ...meta, level: 'conditional', requiredWhen: when }).optional();
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars

const text = z.string().trim().min(1, 'must not be empty');

function isValidTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const isoDate = el(
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'must be a real calendar date'),
  { hint: 'YYYY-MM-DD' },
);
const isoDateTime = el(
  z
    .string()
    .regex(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/,
      'must be an ISO 8601 date-time, e.g. 2025-03-01T14:05:00',
    ),
  { hint: 'YYYY-MM-DDThh:mm:ss (local time in the time zone given alongside)' },
);
const timeZone = el(
  z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Paris or UTC'),
  {
    hint: 'IANA time zone, e.g. Europe/Berlin or UTC',
  },
);
const countryCode = el(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'), {
  hint: 'ISO 3166-1 alpha-2, e.g. XA',
});
const languageTag = el(
  z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en or fr-BE'),
  { hint: 'BCP 47 / ISO 639-1, e.g. en' },
);
const email = z.email('must be an e-mail address');
const treatyId = el(
  z.custom<TreatyId>(
    isTreatyId,
    'must be untoc, budapest, budapest-p2, uncac, reciprocity or bilateral:XX-YY',
  ),
  { hint: 'untoc | budapest | budapest-p2 | uncac | reciprocity | bilateral:XA-XB' },
);
const yes = el(z.literal(true, 'must be true'), { hint: 'true' });

/** True when a value counts as not given (absent, null, blank, or empty after pruning). */
export function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Common blocks

/** A contact: a person reachable about the request, with the time zone their office hours are in. */
export function contactBlock(options: { tcy?: boolean } = {}) {
  const c: readonly ProvisionId[] = options.tcy ? ['tcy-requesting'] : [];
  const strict = <T extends z.ZodType>(s: T, meta: ElementMeta) =>
    options.tcy ? cite(s, c, meta) : el(s, meta).optional();
  return z.object({
    name: el(text, { explanation: 'Name of the officer in charge.' }),
    role: el(text, { explanation: 'Function or title.' }).optional(),
    phone: el(text, {
      explanation: 'Phone number in international format (+CC ...).',
      hint: '+00 0000 0000',
    }),
    email: el(email, { explanation: 'E-mail address for questions about this request.' }),
    officeHours: strict(text, {
      explanation: 'Office hours, in the time zone below.',
      hint: 'Mon-Fri 08:00-17:00',
    }),
    timeZone: el(timeZone, {
      explanation: 'Time zone of the office hours and of any time given by this contact.',
    }),
    preferredReply: strict(z.enum(PREFERRED_REPLIES), {
      explanation: 'Preferred way to answer.',
    }),
  });
}

/** The authority sending the request: name, country, address and contact. */
export function authorityBlock(options: { tcy?: boolean } = {}) {
  return z.object({
    authorityId: el(text, {
      explanation: 'Directory id of the authority, if registered in Pouch.',
    }).optional(),
    name: el(text, { explanation: 'Full official name of the authority (organisation).' }),
    country: el(countryCode, { explanation: 'Country of the authority.' }),
    personInCharge: options.tcy
      ? cite(text, ['tcy-requesting'], { explanation: 'Person in charge of the request.' })
      : el(text, { explanation: 'Person in charge of the request.' }).optional(),
    address: el(text, { explanation: 'Postal address.' }),
    contact: contactBlock(options),
  });
}

/** A reference to the authority receiving the request. */
export const recipientBlock = z.object({
  authorityId: el(text, { explanation: 'Directory id of the authority, if registered in Pouch.' }).optional(),
  name: el(text, { explanation: 'Full official name of the authority.' }),
  country: el(countryCode, { explanation: 'Country of the authority.' }),
});

/** The requesting authority's references for the case. */
export const caseReferenceBlock = z.object({
  reference: el(text, { explanation: 'Your reference for this request.' }),
  caseNumbers: el(
    z.array(
      z.object({
        authority: el(text, { explanation: 'Authority that assigned the number.' }),
        number: el(text, { explanation: 'Case number.' }),
      }),
    ),
    { explanation: 'Case numbers held by police, prosecution or court.' },
  ).optional(),
});

/** Subject and nature of the investigation, prosecution or proceeding. */
export const subjectBlock = z.object({
  nature: el(z.enum(CASE_NATURES), {
    explanation: 'Stage of the case.',
  }),
  description: el(text, { explanation: 'What the case is about, in one or two sentences.' }),
});

/** The authority conducting the investigation, prosecution or proceeding. */
export const conductingAuthorityBlock = z.object({
  name: el(text, { explanation: 'Name of the authority conducting the case.' }),
  functions: el(text, { explanation: 'Its functions (e.g. public prosecutor, investigating judge).' }),
});

/** A person concerned: suspect, witness, victim or other. */
export const personBlock = z.object({
  role: el(z.enum(PERSON_ROLES), {
    explanation: 'Role of the person in the case.',
  }),
  name: el(text, { explanation: 'Full name as known, or a description if unknown.' }),
  aliases: el(z.array(text), { explanation: 'Other names and online handles.' }).optional(),
  dateOfBirth: el(isoDate, { explanation: 'Date of birth, if known.' }).optional(),
  nationality: el(countryCode, { explanation: 'Nationality (ISO 3166-1), where possible.' }).optional(),
  location: el(text, { explanation: 'Known or presumed location, where possible.' }).optional(),
});

/** An offence: its name, the legal provisions that define it and the penalty they carry. */
export function offenceBlock(options: { penalty: readonly ProvisionId[] | 'recommended' }) {
  const penalty = el(text, {
    explanation: 'Maximum penalty under the provisions cited.',
    hint: 'e.g. up to 5 years',
  });
  return z.object({
    name: el(text, { explanation: 'Name of the offence.' }),
    legalProvisions: el(z.array(text).min(1, 'cite at least one provision'), {
      explanation: 'Provisions of your law defining the offence (quote or attach the text).',
    }),
    penalty: options.penalty === 'recommended' ? recommended(penalty, []) : cite(penalty, options.penalty),
  });
}

const identifierBlock = z.object({
  type: el(z.enum(IDENTIFIER_TYPES), {
    explanation: 'Kind of identifier.',
  }),
  value: el(text, { explanation: 'The identifier exactly as observed.' }),
  observedAt: el(isoDateTime, {
    explanation:
      'When it was observed (needed for dynamic IP addresses), in the time zone of the time range.',
  }).optional(),
});

const timeRangeBlock = z
  .object({
    from: el(isoDateTime, { explanation: 'Start of the period.' }),
    to: el(isoDateTime, { explanation: 'End of the period.' }),
    timeZone: el(timeZone, { explanation: 'Time zone of from and to.' }),
  })
  .refine((r) => !(Date.parse(r.from) > Date.parse(r.to)), {
    message: 'from must not be after to',
    path: ['to'],
  });

/** An item of data sought: category, identifiers, period and time zone. */
export function dataSoughtBlock(
  options: {
    relation?: readonly ProvisionId[];
    categories?: readonly [DataCategory, ...DataCategory[]];
  } = {},
) {
  const categories = options.categories ?? DATA_CATEGORIES;
  return z.object({
    category: el(z.enum(categories), { explanation: 'Category of data.' }),
    description: el(text, { explanation: 'A detailed description of the data sought.' }),
    identifiers: el(z.array(identifierBlock).min(1, 'give at least one identifier'), {
      explanation: 'Accounts, addresses or numbers that identify the data.',
    }),
    timeRange: el(timeRangeBlock, { explanation: 'Period the data cover, with its time zone.' }),
    relationToOffence: options.relation
      ? cite(text, options.relation, { explanation: 'How these data relate to the offence.' })
      : el(text, { explanation: 'How these data relate to the offence.' }).optional(),
  });
}

/** Urgency: its level and, unless normal, the reasons and the deadline. */
export const urgencyBlock = z.object({
  level: el(z.enum(URGENCIES), { explanation: 'How fast an answer is needed.' }),
  reasons: conditional(
    text,
    ['untoc-18-24'],
    { description: 'when the level is urgent or emergency', test: (parent) => parent.level !== 'normal' },
    { explanation: 'Why the request is urgent (risk of loss of data, custody time limits, trial date).' },
  ),
  deadline: el(isoDate, { explanation: 'Date by which the answer is needed (art. 18(24)).' }).optional(),
});

/** Confidentiality of the request and limits on use of the material supplied. */
export const confidentialityBlock = z.object({
  required: el(z.boolean(), { explanation: 'Must the fact and substance of the request stay confidential?' }),
  reasons: conditional(
    text,
    ['untoc-18-20', 'budapest-28'],
    { description: 'when confidentiality is required', test: (parent) => parent.required === true },
    { explanation: 'Why confidentiality is needed (e.g. the suspect must not be alerted).' },
  ),
});

/** An earlier or linked request (follow-ups, preservation before MLA, police-to-police channels). */
export const relatedRequestBlock = z.object({
  relation: el(z.enum(REQUEST_RELATIONS), {
    explanation: 'How the earlier request relates to this one.',
  }),
  date: el(isoDate, { explanation: 'Date it was sent.' }),
  reference: el(text, { explanation: 'Its reference or ticket number.' }),
  means: el(text, { explanation: 'Channel used (Pouch, 24/7 network, e-mail, diplomatic).' }).optional(),
  contact: el(text, { explanation: 'Who handled it.' }).optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Kinds

/** Fields every kind has: kind, date, language, legal basis, case reference and optional common blocks. */
function baseShape<K extends RequestKind>(kind: K, dateCite?: readonly ProvisionId[]) {
  const basis = KINDS[kind].basis;
  return {
    kind: cite(z.literal(kind), basis, { title: 'Kind of request', explanation: KINDS[kind].summary }),
    date: cite(isoDate, dateCite ?? basis, { title: 'Date', explanation: 'Date the request is issued.' }),
    language: cite(languageTag, ['untoc-18-14'], {
      title: 'Language',
      explanation: 'Language the request is written in; it must be acceptable to the requested State.',
    }),
    translations: el(
      z.array(
        z.object({
          language: el(languageTag, { explanation: 'Language of the translation.' }),
          file: el(text, {
            explanation: 'Name of the attached file that holds it (attach it to pouch send).',
          }),
        }),
      ),
      {
        title: 'Translations',
        explanation:
          'Translations attached to the request; needed when the request is not in a language the recipient accepts.',
        cite: ['untoc-18-14'],
      },
    ).optional(),
    legalBasis: cite(treatyId, basis, {
      title: 'Legal basis',
      explanation: 'The treaty (or reciprocity) the request is made under; both States must be bound by it.',
    }),
    caseReference: cite(caseReferenceBlock, dateCite ? ['tcy-reference'] : basis, {
      title: 'Case reference',
      explanation: 'Your reference and the case numbers.',
    }),
    urgency: el(urgencyBlock, { title: 'Urgency', cite: ['untoc-18-24'] }).optional(),
    confidentiality: el(confidentialityBlock, {
      title: 'Confidentiality',
      cite: ['untoc-18-20', 'budapest-28'],
    }).optional(),
    relatedRequests: el(z.array(relatedRequestBlock), {
      title: 'Earlier and linked requests',
      explanation: 'Earlier or linked requests in the same case (link police-to-police requests here).',
      cite: basis,
    }).optional(),
    additional: el(z.record(z.string(), z.unknown()), {
      title: 'Additional information required by the recipient',
      explanation: "Answers to the recipient's published requirement profile.",
      cite: basis,
    }).optional(),
    checkedAgainst: el(
      z.object({
        authorityId: el(text, { explanation: 'Recipient authority whose profile was applied.' }),
        profileVersion: el(z.number().int().positive(), { explanation: 'Version of that profile.' }),
      }),
      {
        title: 'Checked against profile',
        explanation: 'Recorded by `pouch check`; do not edit.',
        cite: basis,
      },
    ).optional(),
  };
}

const onlyServiceOfDocuments = (root: Record<string, unknown>): boolean => {
  const measures = (root.assistanceSought as { measures?: unknown } | undefined)?.measures;
  return (
    Array.isArray(measures) &&
    measures.length > 0 &&
    measures.every((m) => (m as { type?: unknown } | null)?.type === 'service-of-documents')
  );
};

const assistanceSoughtBlock = z.object({
  measures: el(
    z
      .array(
        z.object({
          type: el(z.enum(ASSISTANCE_TYPES), { explanation: 'Type of measure (UNTOC art. 18(3)).' }),
          description: el(text, { explanation: 'Exactly what is to be done.' }),
        }),
      )
      .min(1, 'name at least one measure'),
    { explanation: 'The measures requested.' },
  ),
  procedure: el(text, {
    explanation: 'Any particular procedure to follow (e.g. oath, presence of counsel, certification).',
  }).optional(),
});

/** Elements of a general MLA request under UNTOC art. 18(15); `extra` adds a second citation. */
function generalMlaShape(extra: readonly ProvisionId[] = []) {
  return {
    requestingAuthority: cite(authorityBlock(), ['untoc-18-15-a', ...extra], {
      title: 'Requesting authority',
      explanation: 'The authority making the request, with a contact and its time zone.',
    }),
    requestedAuthority: cite(recipientBlock, ['untoc-18-13'], {
      title: 'Requested authority',
      explanation: 'The central authority of the requested State.',
    }),
    subject: cite(subjectBlock, ['untoc-18-15-b', ...extra], {
      title: 'Subject and nature of the case',
      explanation: 'The subject matter and nature of the investigation, prosecution or proceeding.',
    }),
    conductingAuthority: cite(conductingAuthorityBlock, ['untoc-18-15-b', ...extra], {
      title: 'Authority conducting the case',
      explanation:
        'Name and functions of the authority conducting the investigation, prosecution or proceeding.',
    }),
    offences: cite(z.array(offenceBlock({ penalty: 'recommended' })).min(1), ['untoc-18-15-b', ...extra], {
      title: 'Offences',
      explanation: 'Offences under investigation, with the legal provisions and penalties.',
    }),
    facts: conditional(
      text,
      ['untoc-18-15-c', ...extra],
      {
        description: 'unless the request is only for service of documents',
        test: (_parent, root) => !onlyServiceOfDocuments(root),
      },
      { title: 'Summary of the facts', explanation: 'A summary of the relevant facts.' },
    ),
    assistanceSought: cite(assistanceSoughtBlock, ['untoc-18-15-d', ...extra], {
      title: 'Assistance sought',
      explanation: 'The assistance sought and any particular procedure to follow.',
    }),
    personsConcerned: recommended(z.array(personBlock).min(1), ['untoc-18-15-e'], {
      title: 'Persons concerned',
      explanation: 'Where possible, identity, location and nationality of each person concerned.',
    }),
    purpose: cite(text, ['untoc-18-15-f', ...extra], {
      title: 'Purpose',
      explanation: 'The purpose for which the evidence, information or action is sought.',
    }),
    dataSought: el(z.array(dataSoughtBlock()), {
      title: 'Data sought',
      explanation: 'Electronic data sought, with identifiers, periods and time zones.',
      cite: ['untoc-18-15-d'],
    }).optional(),
  };
}

const providerBlock = z.object({
  name: el(text, { explanation: 'Name of the service provider.' }),
  address: el(text, { explanation: 'Its address in the requested State.' }),
});

const custodianBlock = z.object({
  name: el(text, { explanation: 'Custodian of the data (service provider or other holder).' }),
  location: el(text, { explanation: 'Location of the computer system, if known.' }).optional(),
});

const emergencyBlock = (ids: readonly ProvisionId[]) =>
  cite(
    z.object({
      facts: el(text, {
        explanation: 'Facts showing a significant and imminent risk to the life or safety of a person.',
      }),
      relation: el(text, { explanation: 'How the data or assistance sought relate to the emergency.' }),
    }),
    ids,
    {
      title: 'Emergency',
      explanation: 'Facts demonstrating the emergency and how the request relates to it.',
    },
  );

const periodBlock = el(
  z.object({
    from: el(isoDateTime, { explanation: 'Start of the collection.' }),
    to: el(isoDateTime, { explanation: 'End of the collection.' }),
    timeZone: el(timeZone, { explanation: 'Time zone of from and to.' }),
  }),
  { explanation: 'Period of collection, with its time zone.' },
);

/** Zod schema of each kind of request. */
export const REQUEST_SCHEMAS = {
  mla: z.object({ ...baseShape('mla'), ...generalMlaShape() }),

  preservation: z.object({
    ...baseShape('preservation'),
    requestingAuthority: cite(authorityBlock(), ['budapest-29-2-a'], {
      title: 'Authority seeking preservation',
      explanation: 'The authority seeking the preservation, with a 24/7 reachable contact and its time zone.',
    }),
    requestedAuthority: cite(recipientBlock, ['budapest-35'], {
      title: 'Requested authority',
      explanation: 'The 24/7 point of contact or central authority of the requested Party.',
    }),
    offences: cite(z.array(offenceBlock({ penalty: 'recommended' })).min(1), ['budapest-29-2-b'], {
      title: 'Offences',
      explanation: 'The offence that is the subject of the investigation.',
    }),
    facts: cite(text, ['budapest-29-2-b'], {
      title: 'Summary of the facts',
      explanation: 'A brief summary of the related facts.',
    }),
    dataSought: cite(
      z.array(dataSoughtBlock({ relation: ['budapest-29-2-c'] })).min(1),
      ['budapest-29-2-c'],
      {
        title: 'Data to be preserved',
        explanation: 'The stored data to be preserved and their relationship to the offence.',
      },
    ),
    custodian: cite(custodianBlock, ['budapest-29-2-d'], {
      title: 'Custodian and location',
      explanation:
        'Any available information identifying the custodian of the data or the location of the system.',
    }),
    necessity: cite(text, ['budapest-29-2-e'], {
      title: 'Necessity of preservation',
      explanation: 'Why the data must be preserved now (risk of deletion, retention periods).',
    }),
    intentToRequestMla: cite(yes, ['budapest-29-2-f'], {
      title: 'Intention to request MLA',
      explanation: 'Confirms you intend to submit an MLA request for search, access, seizure or disclosure.',
    }),
  }),

  'traffic-disclosure': z.object({
    ...baseShape('traffic-disclosure'),
    providingAuthority: cite(authorityBlock(), ['budapest-30-1'], {
      title: 'Disclosing authority',
      explanation: 'The requested Party executing the preservation request and disclosing the data.',
    }),
    receivingAuthority: cite(recipientBlock, ['budapest-30-1'], {
      title: 'Receiving authority',
      explanation: 'The Party that requested the preservation.',
    }),
    preservationRequest: cite(
      z.object({
        reference: el(text, { explanation: 'Reference of the preservation request.' }),
        date: el(isoDate, { explanation: 'Its date.' }),
      }),
      ['budapest-30-1'],
      {
        title: 'Preservation request executed',
        explanation: 'The art. 29 request in whose execution the data were found.',
      },
    ),
    providersIdentified: cite(
      z
        .array(
          z.object({
            name: el(text, { explanation: 'Name of the service provider.' }),
            country: el(countryCode, { explanation: 'Its country.' }),
          }),
        )
        .min(1),
      ['budapest-30-1'],
      {
        title: 'Service providers identified',
        explanation: 'Providers in other States involved in the transmission.',
      },
    ),
    transmissionPath: cite(text, ['budapest-30-1'], {
      title: 'Path of the communication',
      explanation: 'The path through which the communication was transmitted.',
    }),
    trafficDataDisclosed: cite(text, ['budapest-30-1'], {
      title: 'Traffic data disclosed',
      explanation: 'A sufficient amount of traffic data to identify the providers and the path.',
    }),
  }),

  'stored-data': z.object({
    ...baseShape('stored-data'),
    requestingAuthority: cite(authorityBlock(), ['budapest-31-1'], {
      title: 'Requesting authority',
      explanation: 'The authority making the request, with a contact and its time zone.',
    }),
    requestedAuthority: cite(recipientBlock, ['budapest-27-2'], {
      title: 'Requested authority',
      explanation: 'The central authority of the requested Party.',
    }),
    offences: cite(z.array(offenceBlock({ penalty: 'recommended' })).min(1), ['budapest-31-1'], {
      title: 'Offences',
      explanation: 'Offences under investigation, with the legal provisions and penalties.',
    }),
    facts: cite(text, ['budapest-31-1'], {
      title: 'Summary of the facts',
      explanation: 'A summary of the relevant facts.',
    }),
    measures: cite(z.array(z.enum(STORED_DATA_MEASURES)).min(1), ['budapest-31-1'], {
      title: 'Measures requested',
      explanation: 'Search or similar access, seizure or similar securing, or disclosure.',
    }),
    dataSought: cite(z.array(dataSoughtBlock()).min(1), ['budapest-31-1'], {
      title: 'Data sought',
      explanation: 'The stored data, with identifiers, periods and time zones.',
    }),
    custodian: cite(custodianBlock, ['budapest-31-1'], {
      title: 'Custodian and location',
      explanation: 'Who holds the data and where the system is.',
    }),
    relevance: cite(text, ['budapest-31-1'], {
      title: 'Relevance',
      explanation: 'Why the data are relevant and the purpose for which they are sought.',
    }),
    personsConcerned: recommended(z.array(personBlock).min(1), ['budapest-31-1'], {
      title: 'Persons concerned',
      explanation: 'Identity, location and nationality of each person concerned, where known.',
    }),
  }),

  'subscriber-information': z.object({
    ...baseShape('subscriber-information', ['tcy-date']),
    status: cite(z.enum(REQUEST_STATUSES), ['tcy-status'], {
      title: 'Status',
      explanation: 'New request, or follow-up to an earlier MLA or preservation request.',
    }),
    requestedAuthority: cite(recipientBlock, ['tcy-requested'], {
      title: 'Requested authority',
      explanation: 'The requested authority.',
    }),
    requestingAuthority: cite(authorityBlock({ tcy: true }), ['tcy-requesting'], {
      title: 'Requesting authority',
      explanation:
        'Organisation, person in charge, address, phone, e-mail, office hours, time zone, preferred answer.',
    }),
    confirmationContact: cite(contactBlock(), ['tcy-confirmation'], {
      title: 'Contact for confirmation',
      explanation: 'A further contact who can confirm the request is genuine.',
    }),
    investigatingAuthority: el(recipientBlock, {
      title: 'Investigating authority',
      explanation: 'The investigating authority, if different from the requesting authority.',
      cite: ['tcy-investigating'],
    }).optional(),
    prosecutionOrCourt: cite(
      z.object({
        name: el(text, { explanation: 'Prosecution office or court.' }),
        caseNumbers: el(z.array(text).min(1), { explanation: 'Its case numbers.' }),
        decisions: el(z.array(text), {
          explanation: 'Decisions or orders made (date, reference, summary).',
        }).optional(),
      }),
      ['tcy-court'],
      {
        title: 'Prosecution office or court',
        explanation: 'The prosecution office or court, with case numbers and decisions.',
      },
    ),
    earlierMlaRequests: conditional(
      z.array(relatedRequestBlock).min(1),
      ['tcy-earlier-mla'],
      {
        description: 'when the status is follow-up-mla',
        test: (_p, root) => root.status === 'follow-up-mla',
      },
      {
        title: 'Earlier MLA requests',
        explanation: 'Earlier MLA requests: date, ticket, contacts, means used.',
      },
    ),
    earlierPreservationRequests: conditional(
      z.array(relatedRequestBlock).min(1),
      ['tcy-earlier-preservation'],
      {
        description: 'when the status is follow-up-preservation',
        test: (_p, root) => root.status === 'follow-up-preservation',
      },
      {
        title: 'Earlier preservation requests',
        explanation: 'Earlier preservation requests: date, ticket, contacts, means.',
      },
    ),
    offences: cite(z.array(offenceBlock({ penalty: 'recommended' })).min(1), ['budapest-31-1'], {
      title: 'Offences',
      explanation: 'Offences under investigation, with the legal provisions and penalties.',
    }),
    facts: cite(text, ['budapest-31-1'], {
      title: 'Summary of the facts',
      explanation: 'A summary of the relevant facts.',
    }),
    dataSought: cite(z.array(dataSoughtBlock({ categories: ['subscriber'] })).min(1), ['tcy-data'], {
      title: 'Subscriber information sought',
      explanation: 'Identifiers with date, time and time zone.',
    }),
  }),

  'realtime-traffic': z.object({
    ...baseShape('realtime-traffic'),
    requestingAuthority: cite(authorityBlock(), ['budapest-33-1'], {
      title: 'Requesting authority',
      explanation: 'The authority making the request, with a contact and its time zone.',
    }),
    requestedAuthority: cite(recipientBlock, ['budapest-27-2'], {
      title: 'Requested authority',
      explanation: 'The central authority of the requested Party.',
    }),
    offences: cite(z.array(offenceBlock({ penalty: 'recommended' })).min(1), ['budapest-33-2'], {
      title: 'Offences',
      explanation: 'Offences for which real-time collection would be available in a similar domestic case.',
    }),
    facts: cite(text, ['budapest-33-1'], {
      title: 'Summary of the facts',
      explanation: 'A summary of the relevant facts.',
    }),
    targetCommunications: cite(z.array(identifierBlock).min(1), ['budapest-33-1'], {
      title: 'Specified communications',
      explanation: 'Identifiers of the communications whose traffic data are to be collected.',
    }),
    period: cite(periodBlock, ['budapest-33-1'], { title: 'Period of collection' }),
    necessity: cite(text, ['budapest-33-2'], {
      title: 'Necessity',
      explanation: 'Why real-time collection is needed and why other measures do not suffice.',
    }),
    provider: recommended(providerBlock, ['budapest-33-1'], {
      title: 'Service provider',
      explanation: 'The provider carrying the communications, if known.',
    }),
  }),

  interception: z.object({
    ...baseShape('interception'),
    requestingAuthority: cite(authorityBlock(), ['budapest-34'], {
      title: 'Requesting authority',
      explanation: 'The authority making the request, with a contact and its time zone.',
    }),
    requestedAuthority: cite(recipientBlock, ['budapest-27-2'], {
      title: 'Requested authority',
      explanation: 'The central authority of the requested Party.',
    }),
    offences: cite(z.array(offenceBlock({ penalty: 'recommended' })).min(1), ['budapest-34'], {
      title: 'Offences',
      explanation: 'Offences under investigation, with the legal provisions and penalties.',
    }),
    facts: cite(text, ['budapest-34'], {
      title: 'Summary of the facts',
      explanation: 'A summary of the relevant facts.',
    }),
    targetCommunications: cite(z.array(identifierBlock).min(1), ['budapest-34'], {
      title: 'Specified communications',
      explanation: 'Identifiers of the communications whose content is to be intercepted.',
    }),
    period: cite(periodBlock, ['budapest-34'], { title: 'Period of interception' }),
    domesticAuthorisation: cite(
      z.object({
        authority: el(text, { explanation: 'Judge or authority that authorised the interception.' }),
        date: el(isoDate, { explanation: 'Date of the authorisation.' }),
        reference: el(text, { explanation: 'Reference of the authorisation (attach a copy).' }),
      }),
      ['budapest-34'],
      {
        title: 'Domestic authorisation',
        explanation: 'The authorisation under your law for the interception.',
      },
    ),
    necessity: cite(text, ['budapest-34'], {
      title: 'Necessity and proportionality',
      explanation: 'Why interception is necessary and proportionate to the offence.',
    }),
  }),

  'emergency-disclosure': z.object({
    ...baseShape('emergency-disclosure', ['cets224-9-3-a']),
    requestingAuthority: cite(authorityBlock(), ['cets224-9-3-a'], {
      title: 'Authority seeking the data',
      explanation: 'The competent authority seeking the data, reachable around the clock.',
    }),
    requestedAuthority: cite(recipientBlock, ['cets224-9-1'], {
      title: 'Requested 24/7 point of contact',
      explanation: 'The 24/7 point of contact of the requested Party.',
    }),
    underProtocol: cite(yes, ['cets224-9-3-b'], {
      title: 'Statement under the Protocol',
      explanation: 'States that the request is issued under the Second Additional Protocol.',
    }),
    providers: cite(z.array(providerBlock).min(1), ['cets224-9-3-c'], {
      title: 'Service providers',
      explanation: 'Name and address of each provider in possession or control of the data.',
    }),
    offences: cite(z.array(offenceBlock({ penalty: ['cets224-9-3-d'] })).min(1), ['cets224-9-3-d'], {
      title: 'Offences',
      explanation: 'The offences, their legal provisions and applicable penalties.',
    }),
    emergency: emergencyBlock(['cets224-9-3-e']),
    dataSought: cite(z.array(dataSoughtBlock()).min(1), ['cets224-9-3-f'], {
      title: 'Data sought',
      explanation: 'A detailed description of the data sought.',
    }),
    specialInstructions: el(text, {
      title: 'Special procedural instructions',
      explanation: 'Any special procedural instructions (e.g. do not notify the customer).',
      cite: ['cets224-9-3-g'],
    }).optional(),
  }),

  'emergency-mla': z.object({
    ...baseShape('emergency-mla'),
    ...generalMlaShape(['cets224-10-2']),
    emergency: emergencyBlock(['cets224-10-2']),
  }),

  'production-order': z.object({
    ...baseShape('production-order', ['cets224-8-3-a']),
    requestingAuthority: cite(authorityBlock(), ['cets224-8-3-e'], {
      title: 'Authority seeking the data',
      explanation: 'The authority seeking the data, with a contact and its time zone.',
    }),
    requestedAuthority: cite(recipientBlock, ['cets224-8-1'], {
      title: 'Requested authority',
      explanation: 'The authority of the requested Party that will give effect to the order.',
    }),
    order: cite(
      z.object({
        issuingAuthority: el(text, { explanation: 'Authority that issued the order.' }),
        issuedOn: el(isoDate, { explanation: 'Date of the order.' }),
        reference: el(text, { explanation: 'Reference of the order (attach it).' }),
      }),
      ['cets224-8-3-a'],
      { title: 'Order', explanation: 'The issuing authority and the date of the order.' },
    ),
    underProtocol: cite(yes, ['cets224-8-3-b'], {
      title: 'Statement under the Protocol',
      explanation: 'States that the order is issued under the Second Additional Protocol.',
    }),
    provider: cite(providerBlock, ['cets224-8-3-c'], {
      title: 'Service provider',
      explanation: 'Name and address of the provider.',
    }),
    offences: cite(z.array(offenceBlock({ penalty: ['cets224-8-4-b'] })).min(1), ['cets224-8-3-d'], {
      title: 'Offences',
      explanation: 'The offences, with legal provisions and applicable penalties (art. 8(4)(b)).',
    }),
    dataSought: cite(
      z.array(dataSoughtBlock({ categories: ['subscriber', 'traffic'] })).min(1),
      ['cets224-8-3-f'],
      {
        title: 'Data sought',
        explanation: 'A detailed description of the subscriber information or traffic data.',
      },
    ),
    domesticLegalGrounds: cite(text, ['cets224-8-4-a'], {
      title: 'Domestic legal grounds',
      explanation: 'The provisions of your law empowering the authority to issue the order.',
    }),
    providerBelief: cite(text, ['cets224-8-4-c'], {
      title: 'Why the provider holds the data',
      explanation: 'Why you believe the provider is in possession or control of the data.',
    }),
    facts: cite(text, ['cets224-8-4-d'], {
      title: 'Summary of the facts',
      explanation: 'A summary of the facts.',
    }),
    relevance: cite(text, ['cets224-8-4-e'], {
      title: 'Relevance',
      explanation: 'Relevance of the data to the investigation or proceeding.',
    }),
    contact: cite(contactBlock(), ['cets224-8-4-f'], {
      title: 'Contact for further information',
      explanation: 'An authority or person who can provide further information.',
    }),
    preservation: cite(
      z.object({
        sought: el(z.boolean(), { explanation: 'Was preservation of the data sought?' }),
        date: conditional(isoDate, ['cets224-8-4-g'], {
          description: 'when preservation was sought',
          test: (parent) => parent.sought === true,
        }),
        reference: conditional(text, ['cets224-8-4-g'], {
          description: 'when preservation was sought',
          test: (parent) => parent.sought === true,
        }),
      }),
      ['cets224-8-4-g'],
      { title: 'Preservation', explanation: 'Whether preservation was sought, with its date and reference.' },
    ),
    otherMeans: cite(
      z.object({
        sought: el(z.boolean(), { explanation: 'Were the data sought by other means?' }),
        details: conditional(text, ['cets224-8-4-h'], {
          description: 'when the data were sought by other means',
          test: (parent) => parent.sought === true,
        }),
      }),
      ['cets224-8-4-h'],
      { title: 'Other means', explanation: 'Whether the data were sought by other means and, if so, how.' },
    ),
  }),

  'asset-recovery': z.object({
    ...baseShape('asset-recovery'),
    ...generalMlaShape(),
    measures: cite(z.array(z.enum(ASSET_MEASURES)).min(1), ['untoc-13-2', 'uncac-54'], {
      title: 'Measures requested',
      explanation: 'Identify, trace, freeze, seize or confiscate.',
    }),
    property: cite(
      z
        .array(
          z.object({
            description: el(text, {
              explanation: 'Description of the property (account, real estate, vehicle).',
            }),
            location: el(text, { explanation: 'Its location, to the extent possible.' }).optional(),
            estimatedValue: el(text, { explanation: 'Estimated value, where relevant.' }).optional(),
          }),
        )
        .min(1),
      ['untoc-13-3-a', 'uncac-55-3-a'],
      { title: 'Property', explanation: 'Description of the property, with location and estimated value.' },
    ),
    confiscationOrder: conditional(
      z.object({
        court: el(text, { explanation: 'Court that made the order.' }),
        date: el(isoDate, { explanation: 'Date of the order.' }),
        reference: el(text, { explanation: 'Reference; attach a legally admissible copy.' }),
        extentOfExecution: el(text, { explanation: 'The extent to which execution is requested.' }),
      }),
      ['untoc-13-3-b', 'uncac-55-3-b'],
      {
        description: 'when confiscation is requested',
        test: (_p, root) => Array.isArray(root.measures) && root.measures.includes('confiscate'),
      },
      { title: 'Confiscation order', explanation: 'The confiscation order to be enforced.' },
    ),
  }),

  'spontaneous-information': z.object({
    ...baseShape('spontaneous-information'),
    providingAuthority: cite(authorityBlock(), ['budapest-26-1', 'untoc-18-4'], {
      title: 'Transmitting authority',
      explanation: 'The authority sending the information, with a contact and its time zone.',
    }),
    receivingAuthority: cite(recipientBlock, ['budapest-26-1', 'untoc-18-4'], {
      title: 'Receiving authority',
      explanation: 'The competent authority of the receiving State.',
    }),
    information: cite(text, ['budapest-26-1', 'untoc-18-4'], {
      title: 'Information',
      explanation: 'The information obtained within your own investigation.',
    }),
    relevance: cite(text, ['budapest-26-1', 'untoc-18-4'], {
      title: 'Why it may assist',
      explanation: 'How it might assist in initiating or carrying out investigations or proceedings.',
    }),
    offences: recommended(z.array(offenceBlock({ penalty: 'recommended' })).min(1), ['budapest-26-1'], {
      title: 'Offences',
      explanation: 'Offences the information concerns.',
    }),
    conditions: el(
      z.object({
        confidential: el(z.boolean(), { explanation: 'Must the information be kept confidential?' }),
        useLimitations: el(text, { explanation: 'Conditions on its use.' }).optional(),
      }),
      {
        title: 'Conditions',
        explanation: 'Conditions of confidentiality or use.',
        cite: ['budapest-26-2', 'untoc-18-5'],
      },
    ).optional(),
  }),

  'video-conference': z.object({
    ...baseShape('video-conference'),
    ...generalMlaShape(['untoc-18-18']),
    personToBeHeard: cite(
      z.object({
        name: el(text, { explanation: 'Name of the witness or expert.' }),
        role: el(z.enum(HEARD_PERSON_ROLES), { explanation: 'Witness or expert.' }),
        location: el(text, { explanation: 'Where the person is in the requested State.' }),
        language: el(languageTag, { explanation: 'Language of the person, for interpretation.' }).optional(),
      }),
      ['untoc-18-18', 'cets224-11'],
      { title: 'Person to be heard', explanation: 'The witness or expert to be heard.' },
    ),
    hearing: cite(
      z.object({
        proposedStart: el(isoDateTime, { explanation: 'Proposed start of the hearing.' }),
        timeZone: el(timeZone, { explanation: 'Time zone of the proposed start.' }),
        conductingJudicialAuthority: el(text, {
          explanation: 'Judicial authority of the requesting State conducting the hearing.',
        }),
        interpretation: el(text, { explanation: 'Interpretation needed, and who provides it.' }).optional(),
      }),
      ['untoc-18-18', 'cets224-11'],
      { title: 'Hearing', explanation: 'When and by whom the hearing is conducted.' },
    ),
    reasonForVideo: cite(text, ['untoc-18-18'], {
      title: 'Why by video conference',
      explanation: 'Why it is not possible or desirable for the person to appear in person.',
    }),
  }),

  'joint-investigation-team': z.object({
    ...baseShape('joint-investigation-team'),
    requestingAuthority: cite(authorityBlock(), ['cets224-12'], {
      title: 'Proposing authority',
      explanation: 'The authority proposing the team, with a contact and its time zone.',
    }),
    requestedAuthority: cite(recipientBlock, ['cets224-12'], {
      title: 'Requested authority',
      explanation: 'The central authority of the other Party.',
    }),
    purpose: cite(text, ['cets224-12-2'], {
      title: 'Purpose',
      explanation: 'The purpose of the joint team.',
    }),
    composition: cite(
      z
        .array(
          z.object({
            authority: el(text, { explanation: 'Participating authority.' }),
            country: el(countryCode, { explanation: 'Its country.' }),
            role: el(text, { explanation: 'Its role or functions in the team.' }),
          }),
        )
        .min(1),
      ['cets224-12-2'],
      { title: 'Composition', explanation: 'Participating authorities and their functions.' },
    ),
    duration: cite(
      z.object({
        from: el(isoDate, { explanation: 'Start of the team.' }),
        to: el(isoDate, { explanation: 'End of the team.' }),
        extension: el(text, { explanation: 'Conditions for extending it.' }).optional(),
      }),
      ['cets224-12-2'],
      { title: 'Duration', explanation: 'Duration and any extension.' },
    ),
    evidenceRules: cite(text, ['cets224-12-2'], {
      title: 'Evidence rules',
      explanation: 'Terms for gathering, transmitting and using information or evidence.',
    }),
    location: recommended(text, ['cets224-12-2'], {
      title: 'Location',
      explanation: 'Where the team operates.',
    }),
    offences: recommended(z.array(offenceBlock({ penalty: 'recommended' })).min(1), ['cets224-12'], {
      title: 'Offences',
      explanation: 'Offences the team investigates.',
    }),
    facts: recommended(text, ['cets224-12'], {
      title: 'Summary of the facts',
      explanation: 'A summary of the facts.',
    }),
  }),
} as const satisfies Record<RequestKind, z.ZodType>;

/** A validated request of a given kind. */
export type RequestOf<K extends RequestKind> = z.infer<(typeof REQUEST_SCHEMAS)[K]>;
/** A validated request of any kind. */
export type PouchRequest = { [K in RequestKind]: RequestOf<K> }[RequestKind];

/** Schema of any request, discriminated by `kind`. */
export const requestSchema = z.discriminatedUnion('kind', [
  REQUEST_SCHEMAS.mla,
  ...REQUEST_KINDS.filter((k) => k !== 'mla').map((k) => REQUEST_SCHEMAS[k]),
]);

// ---------------------------------------------------------------------------------------------------------------
// Reading the catalogue back

/** The value shape of an element, for skeletons and rendering. */
export type ElementType =
  | 'string'
  | 'boolean'
  | 'number'
  | 'enum'
  | 'literal'
  | 'object'
  | 'array'
  | 'record'
  | 'other';

/** One element of a kind's template, with its inherited citation. */
export interface ElementInfo {
  /** Pattern path: `offences[].penalty`. */
  readonly path: string;
  readonly key: string;
  readonly title: string;
  readonly explanation: string;
  /** Provisions cited: the element's own, else its nearest ancestor's. */
  readonly cite: readonly ProvisionId[];
  /** `formatCitation(cite)`: what findings use as `source`. */
  readonly source: string;
  /** 'mandatory': zod requires it (once its parent is present). */
  readonly level: 'mandatory' | 'recommended' | 'conditional' | 'optional';
  readonly requiredWhen?: RequiredWhen;
  readonly type: ElementType;
  /** For arrays: the type of the items. */
  readonly itemType?: ElementType;
  /** Allowed values of enums and literals (items for arrays of enums). */
  readonly values?: readonly (string | number | boolean)[];
  readonly hint?: string;
  /** True when a cited provision is marked (verify) in INSTRUMENTS.md. */
  readonly verify: boolean;
  readonly schema: z.ZodType;
}

interface Unwrapped {
  inner: z.ZodType;
  optional: boolean;
  meta: ElementMeta;
}

/** The templates are built with classic zod, so the children zod types as core schemas are classic too. */
function classic(schema: z.core.$ZodType): z.ZodType {
  if (schema instanceof z.ZodType) return schema;
  throw new TypeError('Request templates must be built with classic zod');
}

function unwrapSchema(schema: z.ZodType): Unwrapped {
  let node: z.ZodType = schema;
  let optional = false;
  let meta: ElementMeta = { ...elementRegistry.get(node) };
  for (;;) {
    if (node instanceof z.ZodOptional || node instanceof z.ZodNullable || node instanceof z.ZodDefault) {
      optional = true;
      node = classic(node.def.innerType);
      meta = { ...elementRegistry.get(node), ...meta };
    } else {
      return { inner: node, optional, meta };
    }
  }
}

function typeOf(schema: z.ZodType): { type: ElementType; values?: (string | number | boolean)[] } {
  const t = schema.def.type;
  switch (t) {
    case 'string':
    case 'custom':
      return { type: 'string' };
    case 'boolean':
    case 'number':
    case 'object':
    case 'array':
    case 'record':
      return { type: t };
    case 'enum':
      return { type: 'enum', values: schema instanceof z.ZodEnum ? [...schema.options] : [] };
    case 'literal':
      return {
        type: 'literal',
        values: schema instanceof z.ZodLiteral ? schema.def.values.filter(isPlainLiteral) : [],
      };
    default:
      return { type: 'other' };
  }
}

/** Literal values the element list can show (zod literals may also be bigint, null or undefined). */
function isPlainLiteral(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Humanise a key: 'relationToOffence' -> 'Relation to offence'. */
function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Children of an object or array-of-object schema, for walking. */
export function childShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const { inner } = unwrapSchema(schema);
  if (inner instanceof z.ZodObject) return inner.shape;
  if (inner instanceof z.ZodArray) return childShape(classic(inner.element));
  return undefined;
}

function walk(
  schema: z.ZodObject,
  prefix: string,
  inherited: readonly ProvisionId[],
  out: ElementInfo[],
): void {
  for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const { inner, optional, meta } = unwrapSchema(child);
    const cited = meta.cite && meta.cite.length > 0 ? meta.cite : inherited;
    const path = prefix ? `${prefix}.${key}` : key;
    const { type, values } = typeOf(inner);
    let itemType: ElementType | undefined;
    let itemValues: (string | number | boolean)[] | undefined;
    let objectNode: z.ZodObject | undefined;
    let childPrefix = path;
    if (type === 'array') {
      const item = inner instanceof z.ZodArray ? unwrapSchema(classic(inner.element)).inner : inner;
      const it = typeOf(item);
      itemType = it.type;
      itemValues = it.values;
      childPrefix = `${path}[]`;
      if (item instanceof z.ZodObject) objectNode = item;
    } else if (inner instanceof z.ZodObject) {
      objectNode = inner;
    }
    const level = meta.level ?? (optional ? 'optional' : 'mandatory');
    const vals = values ?? itemValues;
    out.push({
      path,
      key,
      title: meta.title ?? humanize(key),
      explanation: meta.explanation ?? '',
      cite: cited,
      source: formatCitation(cited),
      level,
      ...(meta.requiredWhen ? { requiredWhen: meta.requiredWhen } : {}),
      type,
      ...(itemType ? { itemType } : {}),
      ...(vals ? { values: vals } : {}),
      ...(meta.hint ? { hint: meta.hint } : {}),
      verify: cited.some((id) => !isVerifiedProvision(id)),
      schema: child,
    });
    if (objectNode) walk(objectNode, childPrefix, cited, out);
  }
}

const elementCache = new Map<RequestKind, readonly ElementInfo[]>();

/**
 * List every element of a kind's template in document order, each with its citation.
 * @example listElements('preservation').find((e) => e.path === 'necessity')?.source // 'Budapest Convention art. 29(2)(e)'
 */
export function listElements(kind: RequestKind): readonly ElementInfo[] {
  let list = elementCache.get(kind);
  if (!list) {
    const out: ElementInfo[] = [];
    walk(REQUEST_SCHEMAS[kind], '', KINDS[kind].basis, out);
    list = out;
    elementCache.set(kind, list);
  }
  return list;
}

/** Turn a concrete path (`['offences', 0, 'penalty']`) into its pattern (`offences[].penalty`). */
export function toPatternPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += '[]';
    else out += out ? `.${String(s)}` : String(s);
  }
  return out;
}

/** Format a concrete path for findings: `offences[0].penalty`; odd keys are quoted; the root is `$`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(s))) out += out ? `.${String(s)}` : String(s);
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out === '' ? '$' : out;
}

/** The element a concrete path belongs to: itself, else its nearest listed ancestor. */
export function findElement(kind: RequestKind, segments: readonly PropertyKey[]): ElementInfo | undefined {
  const byPath = new Map(listElements(kind).map((e) => [e.path, e]));
  for (let n = segments.length; n > 0; n--) {
    const found = byPath.get(toPatternPath(segments.slice(0, n)));
    if (found) return found;
  }
  return undefined;
}
