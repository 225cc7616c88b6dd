// Domain layer, "right first time": the words of the printable letter (render-html.ts) — section titles, fixed
// sentences, dates and every template code in words — per language. English is complete; a French (or any other)
// letter adds one `LetterText` here and nothing in the renderer changes.

/** Languages the letter is written in; a request in another language gets the English letter frame. */
export const LETTER_LANGUAGES = ['en'] as const;
export type LetterLanguage = (typeof LETTER_LANGUAGES)[number];

/** The sections of a letter, in the order they are printed. */
export const LETTER_SECTIONS = [
  'basis',
  'case',
  'facts',
  'offences',
  'assistance',
  'procedure',
  'urgency',
  'contacts',
] as const;
export type LetterSection = (typeof LETTER_SECTIONS)[number];

/**
 * The sentences of the prose sections. Every argument is already escaped HTML (the renderer escapes request text
 * before it reaches a sentence), so a sentence may wrap it in markup but never escapes or unescapes it.
 */
export interface LetterProse {
  readonly and: string;
  readonly concerns: (nature: string, description: string) => string;
  readonly conductedBy: (name: string, functions: string | undefined) => string;
  readonly registeredUnder: (numbers: string, count: number) => string;
  readonly status: (status: string) => string;
  readonly follows: (
    relation: string,
    reference: string,
    date?: string,
    means?: string,
    contact?: string,
  ) => string;
  readonly emergency: string;
  readonly personsIntro: string;
  readonly aliases: (list: string) => string;
  readonly born: (date: string) => string;
  readonly nationality: (country: string) => string;
  readonly location: (place: string) => string;
  readonly offencesIntro: (count: number) => string;
  readonly definedBy: (provisions: string) => string;
  readonly punishableBy: (penalty: string) => string;
  readonly measuresIntro: (count: number) => string;
  readonly measuresList: (list: string) => string;
  readonly dataIntro: string;
  readonly identifiers: (list: string) => string;
  readonly observed: (time: string) => string;
  readonly period: (from: string, to: string, timeZone: string) => string;
  readonly relation: (text: string) => string;
  readonly intentToRequestMla: string;
  readonly confidential: (reasons: string | undefined) => string;
  readonly notConfidential: string;
  readonly additionalIntro: string;
  readonly notUrgent: string;
  readonly urgent: (level: string, reasons: string | undefined) => string;
  readonly deadline: (date: string) => string;
  readonly procedure: (text: string) => string;
  readonly personInCharge: (name: string) => string;
  readonly ourContact: string;
  readonly orderContact: string;
  readonly confirmationContact: string;
  readonly telephone: (phone: string) => string;
  readonly email: (email: string) => string;
  readonly officeHours: (hours: string, timeZone: string | undefined) => string;
  readonly timesIn: (timeZone: string) => string;
  readonly replyBy: (means: string) => string;
  readonly tel: string;
}

/** Everything a letter says that does not come from the request itself. */
export interface LetterText {
  readonly prose: LetterProse;
  readonly months: readonly string[];
  readonly sections: Readonly<Record<LetterSection, string>>;
  /** Template codes (enum values) in words, as they read inside a sentence. */
  readonly codes: Readonly<Record<string, string>>;
  readonly ourReference: string;
  readonly date: string;
  readonly subject: string;
  readonly salutation: string;
  readonly closing: string;
  readonly annexes: string;
  readonly annexIntro: string;
  readonly annexColumns: readonly [string, string, string, string];
  readonly page: (current: string, total: string) => string;
  readonly yes: string;
  readonly no: string;
  readonly opening: (kindTitle: string, outgoing: boolean) => string;
  readonly reciprocity: string;
  readonly bilateral: (a: string, b: string) => string;
  readonly madeUnder: (citation: string) => string;
  readonly madeUnderTreaty: (title: string) => string;
  readonly language: (language: string) => string;
  readonly translations: (list: string) => string;
  readonly checkedAgainst: (authority: string, version: string) => string;
  readonly footer: string;
}

const EN_PROSE: LetterProse = {
  and: 'and',
  concerns: (nature, description) => `This request concerns ${nature}: ${description}`,
  conductedBy: (name, functions) => `The case is conducted by ${name}${functions ? ` (${functions})` : ''}.`,
  registeredUnder: (numbers, count) =>
    `The case is registered under ${count === 1 ? 'number' : 'numbers'} ${numbers}.`,
  status: (status) => `This request is ${status}.`,
  follows: (relation, reference, date, means, contact) =>
    `This request follows ${relation}, reference ${reference}${date ? ` of ${date}` : ''}${
      means ? `, sent via ${means}` : ''
    }${contact ? `, handled by ${contact}` : ''}.`,
  emergency: 'Emergency',
  personsIntro: 'The persons concerned are:',
  aliases: (list) => `also known as ${list}`,
  born: (date) => `born ${date}`,
  nationality: (country) => `nationality ${country}`,
  location: (place) => `location: ${place}`,
  offencesIntro: (count) =>
    `The facts constitute the following ${count === 1 ? 'offence' : 'offences'} under our law:`,
  definedBy: (provisions) => `defined by ${provisions}`,
  punishableBy: (penalty) => `and punishable by ${penalty}`,
  measuresIntro: (count) => `We request the following ${count === 1 ? 'measure' : 'measures'}:`,
  measuresList: (list) => `We request the following measures: ${list}.`,
  dataIntro: 'The data sought are:',
  identifiers: (list) => `Identifiers: ${list}.`,
  observed: (time) => `(observed ${time})`,
  period: (from, to, timeZone) => `Period: from ${from} to ${to} (${timeZone}).`,
  relation: (text) => `Relation to the offence: ${text}`,
  intentToRequestMla:
    'We intend to submit a request for mutual legal assistance for the search or similar access, seizure or similar securing, or disclosure of the data.',
  confidential: (reasons) =>
    `We ask that the fact and the substance of this request be kept confidential${reasons ? `: ${reasons}` : '.'}`,
  notConfidential: 'This request need not be kept confidential.',
  additionalIntro: 'In answer to your published requirements:',
  notUrgent: 'This request is not urgent.',
  urgent: (level, reasons) => `This request is ${level}${reasons ? `: ${reasons}` : '.'}`,
  deadline: (date) =>
    `We would be grateful for the assistance by <strong>${date}</strong>, and ask that this deadline be taken into account in its execution.`,
  procedure: (text) => `We ask that the following procedure be followed: ${text}`,
  personInCharge: (name) => `The person in charge of this request is ${name}.`,
  ourContact: 'Our contact for this request is',
  orderContact: 'For this order, please contact',
  confirmationContact: 'For confirmation, please contact',
  telephone: (phone) => `telephone ${phone}`,
  email: (email) => `e-mail ${email}`,
  officeHours: (hours, timeZone) => `office hours ${hours}${timeZone ? ` (${timeZone})` : ''}`,
  timesIn: (timeZone) => `Times are in ${timeZone}.`,
  replyBy: (means) => `Please reply ${means}.`,
  tel: 'Tel.',
};

const EN: LetterText = {
  prose: EN_PROSE,
  months: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  sections: {
    basis: 'Legal basis',
    case: 'The case and the authorities concerned',
    facts: 'Summary of the facts',
    offences: 'Offences',
    assistance: 'Assistance sought',
    procedure: 'Procedure, confidentiality and further requirements',
    urgency: 'Urgency and deadline',
    contacts: 'Contacts',
  },
  codes: {
    // Subject of the case
    investigation: 'a criminal investigation',
    prosecution: 'a prosecution',
    'judicial-proceeding': 'judicial proceedings',
    // Measures of assistance (UNTOC art. 18(3))
    'taking-evidence': 'taking evidence or statements',
    'service-of-documents': 'service of judicial documents',
    'search-and-seizure': 'search and seizure',
    'examining-objects': 'examining objects and sites',
    'providing-information': 'providing information and evidentiary items',
    'providing-records': 'providing originals or certified copies of documents and records',
    'identifying-proceeds': 'identifying or tracing proceeds of crime',
    'facilitating-appearance': 'facilitating the voluntary appearance of persons',
    // Earlier and linked requests
    'earlier-mla': 'an earlier request for mutual legal assistance',
    'earlier-preservation': 'an earlier request for preservation',
    linked: 'a linked request',
    'police-cooperation': 'a request through police cooperation',
    // Categories of data
    subscriber: 'subscriber information',
    traffic: 'traffic data',
    content: 'content data',
    // Identifiers
    'ip-address': 'IP address',
    email: 'e-mail address',
    phone: 'telephone number',
    account: 'account',
    domain: 'domain name',
    url: 'web address',
    imei: 'device number (IMEI)',
    imsi: 'subscriber identity (IMSI)',
    iban: 'bank account (IBAN)',
    // Persons
    suspect: 'suspect',
    accused: 'accused person',
    witness: 'witness',
    victim: 'victim',
    expert: 'expert',
    'account-holder': 'account holder',
    other: 'other',
    // Urgency
    normal: 'normal',
    urgent: 'urgent',
    emergency: 'an emergency',
    // Preferred reply
    pouch: 'through Pouch',
    '24-7-network': 'through the 24/7 network',
    diplomatic: 'through diplomatic channels',
    // Subscriber information: status (T-CY(2018)10)
    new: 'a new request',
    'follow-up-mla': 'a follow-up to an earlier request for mutual legal assistance',
    'follow-up-preservation': 'a follow-up to an earlier request for preservation',
    // Certification of evidence (recipients' profiles)
    apostille: 'an apostille',
    'sworn-declaration': 'a sworn declaration',
    'business-records-certificate': 'a business records certificate',
  },
  ourReference: 'Our reference',
  date: 'Date',
  subject: 'Subject',
  salutation: 'Dear Sir or Madam,',
  closing: 'Yours faithfully,',
  annexes: 'Annexes',
  annexIntro:
    'The following documents are annexed to this request and sealed with it; their SHA-256 digests identify them.',
  annexColumns: ['No.', 'Document', 'Size', 'SHA-256'],
  page: (current, total) => `Page ${current} of ${total}`,
  yes: 'yes',
  no: 'no',
  opening: (kindTitle, outgoing) =>
    outgoing
      ? `We have the honour to transmit the following ${kindTitle}.`
      : `We have the honour to submit the following ${kindTitle} and ask that it be executed as set out below.`,
  reciprocity:
    'This request is made on the basis of reciprocity, no treaty binding both States for this assistance.',
  bilateral: (a, b) =>
    `This request is made under the bilateral treaty on mutual legal assistance in criminal matters between ${a} and ${b}.`,
  madeUnder: (citation) => `This request is made under ${citation}.`,
  madeUnderTreaty: (title) => `This request is made under the ${title}.`,
  language: (language) => `It is written in ${language}.`,
  translations: (list) => `Translations are annexed: ${list}.`,
  checkedAgainst: (authority, version) =>
    `It was checked against the published requirements of ${authority} (version ${version}).`,
  footer: 'Sent through Pouch, sealed end to end.',
};

const TEXTS: Readonly<Record<LetterLanguage, LetterText>> = { en: EN };

/** The words for a letter in `language` (a BCP 47 tag); English when no frame exists for it yet. */
export function letterTextFor(language: string): {
  readonly lang: LetterLanguage;
  readonly text: LetterText;
} {
  const base = language.toLowerCase().split('-')[0] ?? 'en';
  const lang = (LETTER_LANGUAGES as readonly string[]).includes(base) ? (base as LetterLanguage) : 'en';
  return { lang, text: TEXTS[lang] };
}
