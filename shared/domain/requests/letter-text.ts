// Domain layer, "right first time": the words of the printable letter (render-html.ts) — section titles, fixed
// sentences, dates, sizes, citations and the template codes as a sentence needs them — in English and French (the
// Budapest Convention's languages). Words the form already has (value-words.ts, element-texts.ts) are not
// repeated here: the renderer falls back to them. Another language adds one `LetterText` and nothing else.
import {
  formatLetterCitation,
  isVerifiedProvision,
  KINDS,
  PROVISIONS,
  type Provision,
  type ProvisionId,
  type RequestKind,
  TREATIES,
} from './instruments.ts';
import { frenchInstrumentTitle, kindTitleText } from './value-words.ts';

/** Languages the letter is written in; a request in another language gets the English letter frame. */
export const LETTER_LANGUAGES = ['en', 'fr'] as const;
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
  /** A date written out (`4 March 2025`, `1er mars 2025`). */
  readonly day: (day: number, month: string, year: string) => string;
  /** A date with its time of day and zone (`zone` is empty or starts with a space). */
  readonly dateTime: (day: string, time: string, zone: string) => string;
  /** Binary size units from bytes to TiB, and the decimal separator, for the annex list. */
  readonly sizeUnits: readonly [string, string, string, string, string];
  readonly decimal: string;
  /** Verified provisions as the letter cites them, each instrument named in full; unverified ones left out. */
  readonly citation: (ids: readonly ProvisionId[]) => string;
  /** A kind of request's full title, and a treaty's. */
  readonly kindTitle: (kind: RequestKind) => string;
  readonly treatyTitle: (id: keyof typeof TREATIES) => string;
  readonly sections: Readonly<Record<LetterSection, string>>;
  /** Template codes (enum values) in words, as they read inside a sentence. */
  readonly codes: Readonly<Record<string, string>>;
  readonly ourReference: string;
  readonly date: string;
  readonly subject: string;
  /** A colon as the language writes it after a label (French puts a space before it). */
  readonly colon: string;
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
  /** The request's language; when the letter is in another, only the typed particulars are in it. */
  readonly language: (language: string, sameAsLetter: boolean) => string;
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
  day: (day, month, year) => `${day} ${month} ${year}`,
  dateTime: (day, time, zone) => `${day}, ${time}${zone}`,
  sizeUnits: ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'],
  decimal: '.',
  citation: formatLetterCitation,
  kindTitle: (kind) => KINDS[kind].title,
  treatyTitle: (id) => TREATIES[id].title,
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
  colon: ': ',
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
  language: (language, same) =>
    same ? `It is written in ${language}.` : `The particulars of the case are given in ${language}.`,
  translations: (list) => `Translations are annexed: ${list}.`,
  checkedAgainst: (authority, version) =>
    `It was checked against the published requirements of ${authority} (version ${version}).`,
  footer: 'Sent through Pouch, sealed end to end.',
};

/** The space French puts before a colon or semicolon, unbreakable so the sign never starts a line. */
const NB = '\u00a0';

/** A French title after "de": `de la Convention …`, `du Deuxième Protocole …`. */
function ofTitle(title: string): string {
  return /^Convention/.test(title) ? `de la ${title}` : `du ${title}`;
}

/**
 * Verified provisions as a French letter cites them: `article 18(13) de la Convention …`, `articles 25 et 29 de
 * la …`, grouped by instrument, the instrument named in full as value-words.ts names it; unverified ones left out.
 */
function frenchLetterCitation(ids: readonly ProvisionId[]): string {
  const byInstrument = new Map<Provision['instrument'], string[]>();
  for (const id of ids) {
    if (!isVerifiedProvision(id)) continue;
    const prov: Provision = PROVISIONS[id];
    const articles = byInstrument.get(prov.instrument) ?? [];
    const article = prov.article.replace(/^art\. /, '');
    if (!articles.includes(article)) articles.push(article);
    byInstrument.set(prov.instrument, articles);
  }
  return [...byInstrument]
    .map(([instrument, articles]) => {
      const list =
        articles.length === 1
          ? `article ${articles[0]}`
          : `articles ${articles.slice(0, -1).join(', ')} et ${articles.at(-1)}`;
      return `${list} ${ofTitle(frenchInstrumentTitle(instrument))}`;
    })
    .join(`${NB}; `);
}

/** `article …` after "en application": `de l’article …`, `des articles …`. */
function ofCitation(citation: string): string {
  return citation.startsWith('articles ') ? `des ${citation}` : `de l’${citation}`;
}

const FR_PROSE: LetterProse = {
  and: 'et',
  concerns: (nature, description) => `La présente demande concerne ${nature}${NB}: ${description}`,
  conductedBy: (name, functions) =>
    `La procédure est conduite par ${name}${functions ? ` (${functions})` : ''}.`,
  registeredUnder: (numbers, count) =>
    `L’affaire est enregistrée sous ${count === 1 ? 'le numéro' : 'les numéros'} ${numbers}.`,
  status: (status) => `La présente demande constitue ${status}.`,
  follows: (relation, reference, date, means, contact) =>
    `La présente demande fait suite à ${relation}, référence ${reference}${date ? ` du ${date}` : ''}${
      means ? `, transmise par ${means}` : ''
    }${contact ? `, suivie par ${contact}` : ''}.`,
  emergency: 'Urgence',
  personsIntro: `Les personnes concernées sont les suivantes${NB}:`,
  aliases: (list) => `alias ${list}`,
  born: (date) => `né(e) le ${date}`,
  nationality: (country) => `nationalité${NB}: ${country}`,
  location: (place) => `localisation${NB}: ${place}`,
  offencesIntro: (count) =>
    `Au regard de notre droit, les faits sont susceptibles de recevoir ${
      count === 1 ? 'la qualification pénale suivante' : 'les qualifications pénales suivantes'
    }${NB}:`,
  definedBy: (provisions) => `infraction prévue par ${provisions}`,
  punishableBy: (penalty) => `et punie de ${penalty}`,
  measuresIntro: (count) =>
    `Nous sollicitons ${count === 1 ? 'la mesure suivante' : 'les mesures suivantes'}${NB}:`,
  measuresList: (list) => `Nous sollicitons les mesures suivantes${NB}: ${list}.`,
  dataIntro: `Les données recherchées sont les suivantes${NB}:`,
  identifiers: (list) => `Identifiants${NB}: ${list}.`,
  observed: (time) => `(constaté le ${time})`,
  period: (from, to, timeZone) => `Période${NB}: du ${from} au ${to} (${timeZone}).`,
  relation: (text) => `Lien avec l’infraction${NB}: ${text}`,
  intentToRequestMla:
    'Nous entendons présenter une demande d’entraide judiciaire en vue de la perquisition ou de l’accès par un moyen similaire, de la saisie ou de l’obtention par un moyen similaire, ou de la divulgation des données.',
  confidential: (reasons) =>
    `Nous demandons que le fait et l’objet de la présente demande demeurent confidentiels${
      reasons ? `${NB}: ${reasons}` : '.'
    }`,
  notConfidential: 'La présente demande ne requiert pas de confidentialité particulière.',
  additionalIntro: `En réponse aux exigences que vous avez publiées${NB}:`,
  notUrgent: 'La présente demande ne revêt pas de caractère urgent.',
  urgent: (level, reasons) => `La présente demande est ${level}${reasons ? `${NB}: ${reasons}` : '.'}`,
  deadline: (date) =>
    `Nous vous serions reconnaissants de bien vouloir nous apporter votre concours avant le <strong>${date}</strong> et de tenir compte de ce délai dans l’exécution de la demande.`,
  procedure: (text) => `Nous demandons que la procédure suivante soit observée${NB}: ${text}`,
  personInCharge: (name) => `La personne chargée du suivi de la présente demande est ${name}.`,
  ourContact: 'Notre correspondant pour la présente demande est',
  orderContact: 'Pour cette injonction, veuillez contacter',
  confirmationContact: 'Pour confirmation, veuillez contacter',
  telephone: (phone) => `téléphone ${phone}`,
  email: (email) => `courriel ${email}`,
  officeHours: (hours, timeZone) => `heures de bureau ${hours}${timeZone ? ` (${timeZone})` : ''}`,
  timesIn: (timeZone) => `Les heures sont indiquées dans le fuseau horaire ${timeZone}.`,
  replyBy: (means) => `Mode de réponse souhaité${NB}: ${means}.`,
  tel: 'Tél.',
};

const FR: LetterText = {
  prose: FR_PROSE,
  months: [
    'janvier',
    'février',
    'mars',
    'avril',
    'mai',
    'juin',
    'juillet',
    'août',
    'septembre',
    'octobre',
    'novembre',
    'décembre',
  ],
  day: (day, month, year) => `${day === 1 ? '1er' : day} ${month} ${year}`,
  dateTime: (day, time, zone) => `${day} à ${time}${zone}`,
  sizeUnits: ['octets', 'Kio', 'Mio', 'Gio', 'Tio'],
  decimal: ',',
  citation: frenchLetterCitation,
  kindTitle: (kind) => kindTitleText(kind, 'fr'),
  treatyTitle: (id) => frenchInstrumentTitle(id),
  sections: {
    basis: 'Fondement juridique',
    case: 'L’affaire et les autorités concernées',
    facts: 'Exposé des faits',
    offences: 'Qualification pénale des faits',
    assistance: 'Mesures d’entraide sollicitées',
    procedure: 'Procédure, confidentialité et autres exigences',
    urgency: 'Urgence et délai',
    contacts: 'Personnes à contacter',
  },
  // Only the codes whose words a sentence needs with their article; the others are the form's words
  // (value-words.ts), found by the element's path.
  codes: {
    investigation: 'une enquête pénale',
    prosecution: 'des poursuites pénales',
    'judicial-proceeding': 'une procédure judiciaire',
    'earlier-mla': 'une demande d’entraide judiciaire antérieure',
    'earlier-preservation': 'une demande de conservation antérieure',
    linked: 'une demande liée',
    'police-cooperation': 'une demande de coopération policière',
    normal: 'normale',
    urgent: 'urgente',
    emergency: 'd’extrême urgence',
    pouch: 'Pouch',
    new: 'une nouvelle demande',
    'follow-up-mla': 'la suite d’une demande d’entraide judiciaire antérieure',
    'follow-up-preservation': 'la suite d’une demande de conservation antérieure',
    apostille: 'une apostille',
    'sworn-declaration': 'une déclaration sous serment',
    'business-records-certificate': 'un certificat d’authenticité des documents commerciaux',
  },
  ourReference: 'Notre référence',
  date: 'Date',
  subject: 'Objet',
  colon: `${NB}: `,
  salutation: 'Madame, Monsieur,',
  closing: 'Nous vous prions d’agréer, Madame, Monsieur, l’expression de notre haute considération.',
  annexes: 'Pièces jointes',
  annexIntro: `Les documents suivants sont joints à la présente demande et scellés avec elle${NB}; leur empreinte SHA-256 permet de les identifier.`,
  annexColumns: ['N°', 'Document', 'Taille', 'Empreinte SHA-256'],
  page: (current, total) => `Page ${current} sur ${total}`,
  yes: 'oui',
  no: 'non',
  opening: (kindTitle, outgoing) =>
    outgoing
      ? `Nous avons l’honneur de vous transmettre la présente ${kindTitle}.`
      : `Nous avons l’honneur de vous adresser la présente ${kindTitle} et de vous prier de bien vouloir y donner suite dans les conditions exposées ci-après.`,
  reciprocity:
    'La présente demande est formée sur le fondement de la réciprocité, aucune convention liant les deux États ne prévoyant cette entraide.',
  bilateral: (a, b) =>
    `La présente demande est formée en application du traité bilatéral d’entraide judiciaire en matière pénale entre ${a} et ${b}.`,
  madeUnder: (citation) => `La présente demande est formée en application ${ofCitation(citation)}.`,
  madeUnderTreaty: (title) => `La présente demande est formée en application ${ofTitle(title)}.`,
  language: (language, same) =>
    same
      ? `Elle est rédigée en ${language}.`
      : `Les éléments propres à l’affaire sont rédigés en ${language}.`,
  translations: (list) => `Des traductions sont jointes${NB}: ${list}.`,
  checkedAgainst: (authority, version) =>
    `Elle a été vérifiée au regard des exigences publiées par ${authority} (version ${version}).`,
  footer: 'Transmise par Pouch, scellée de bout en bout.',
};

const TEXTS: Readonly<Record<LetterLanguage, LetterText>> = { en: EN, fr: FR };

/**
 * `2025-03-04` as `4 March 2025` / `4 mars 2025`; a date and time with its time of day and zone; anything else
 * unchanged. The letter and the custody report (shared/custody/report-html.ts) both write dates with it.
 */
export function writeDate(value: string, text: LetterText): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2})(:\d{2})?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(value);
  const month = m ? text.months[Number(m[2]) - 1] : undefined;
  if (!m || !month) return value;
  const day = text.day(Number(m[3]), month, m[1] ?? '');
  if (!m[4]) return day;
  const zone = m[6] === 'Z' ? ' UTC' : m[6] ? ` UTC${m[6]}` : '';
  return text.dateTime(day, `${m[4]}${m[5] ?? ''}`, zone);
}

/** Whether `value` names a language the letter can be written in (the CLI's `--lang`, the portal's control). */
export function isLetterLanguage(value: string): value is LetterLanguage {
  return (LETTER_LANGUAGES as readonly string[]).includes(value);
}

/** The words for a letter in `language` (a BCP 47 tag); English when no frame exists for it yet. */
export function letterTextFor(language: string): {
  readonly lang: LetterLanguage;
  readonly text: LetterText;
} {
  const base = language.toLowerCase().split('-')[0] ?? 'en';
  const lang = isLetterLanguage(base) ? base : 'en';
  return { lang, text: TEXTS[lang] };
}
