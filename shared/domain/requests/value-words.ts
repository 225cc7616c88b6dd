// Domain layer, "right first time": the words the form shows for the templates' closed sets (schemas.ts) and the
// instrument names in its citations, in English and French (the Budapest Convention's languages). The form's
// options keep the code as their value and show these words; the CLI keeps its own English, and the French letter
// (letter-text.ts) reads these words for the codes it has no phrase of its own for.

import type { TemplateLanguage } from './element-texts.ts';
import {
  formatCitation,
  type InstrumentId,
  isVerifiedProvision,
  KINDS,
  PROVISIONS,
  type Provision,
  type ProvisionId,
  type RequestKind,
  type TREATIES,
} from './instruments.ts';
import type { LegalBasisOption } from './legal-basis.ts';
import type {
  ASSET_MEASURES,
  ASSISTANCE_TYPES,
  CASE_NATURES,
  DATA_CATEGORIES,
  IDENTIFIER_TYPES,
  PERSON_ROLES,
  PREFERRED_REPLIES,
  REQUEST_RELATIONS,
  REQUEST_STATUSES,
  STORED_DATA_MEASURES,
} from './schemas.ts';

/** A code's words in each language. */
export interface Words {
  readonly en: string;
  readonly fr: string;
}

/** Words for every code of a closed set: typed against the set, so a code added without words fails tsc. */
type WordsOf<Codes extends readonly string[]> = Readonly<Record<Codes[number], Words>>;

const PREFERRED_REPLY_WORDS: WordsOf<typeof PREFERRED_REPLIES> = {
  pouch: { en: 'Pouch', fr: 'Pouch (plateforme)' },
  email: { en: 'Email', fr: 'Courriel' },
  phone: { en: 'Telephone', fr: 'Téléphone' },
  '24-7-network': { en: '24/7 network', fr: 'Réseau 24/7' },
  diplomatic: { en: 'Diplomatic channel', fr: 'Voie diplomatique' },
};

const CASE_NATURE_WORDS: WordsOf<typeof CASE_NATURES> = {
  investigation: { en: 'Investigation', fr: 'Enquête' },
  prosecution: { en: 'Prosecution', fr: 'Poursuites' },
  'judicial-proceeding': { en: 'Judicial proceedings', fr: 'Procédure judiciaire' },
};

const PERSON_ROLE_WORDS: WordsOf<typeof PERSON_ROLES> = {
  suspect: { en: 'Suspect', fr: 'Suspect' },
  accused: { en: 'Accused person', fr: 'Personne poursuivie' },
  witness: { en: 'Witness', fr: 'Témoin' },
  victim: { en: 'Victim', fr: 'Victime' },
  expert: { en: 'Expert', fr: 'Expert' },
  'account-holder': { en: 'Account holder', fr: 'Titulaire du compte' },
  other: { en: 'Other', fr: 'Autre' },
};

const IDENTIFIER_TYPE_WORDS: WordsOf<typeof IDENTIFIER_TYPES> = {
  'ip-address': { en: 'IP address', fr: 'Adresse IP' },
  email: { en: 'Email address', fr: 'Adresse électronique' },
  phone: { en: 'Telephone number', fr: 'Numéro de téléphone' },
  account: { en: 'Account', fr: 'Compte' },
  domain: { en: 'Domain name', fr: 'Nom de domaine' },
  url: { en: 'Web address (URL)', fr: 'Adresse web (URL)' },
  imei: { en: 'Device number (IMEI)', fr: 'Numéro d’appareil (IMEI)' },
  imsi: { en: 'Subscriber identity (IMSI)', fr: 'Identité d’abonné (IMSI)' },
  iban: { en: 'Bank account (IBAN)', fr: 'Compte bancaire (IBAN)' },
  other: { en: 'Other', fr: 'Autre' },
};

const DATA_CATEGORY_WORDS: WordsOf<typeof DATA_CATEGORIES> = {
  subscriber: { en: 'Subscriber information', fr: 'Informations relatives aux abonnés' },
  traffic: { en: 'Traffic data', fr: 'Données relatives au trafic' },
  content: { en: 'Content data', fr: 'Données relatives au contenu' },
  other: { en: 'Other', fr: 'Autre' },
};

const REQUEST_RELATION_WORDS: WordsOf<typeof REQUEST_RELATIONS> = {
  'earlier-mla': { en: 'Earlier MLA request', fr: 'Demande d’entraide antérieure' },
  'earlier-preservation': { en: 'Earlier preservation request', fr: 'Demande de conservation antérieure' },
  linked: { en: 'Linked request', fr: 'Demande liée' },
  'police-cooperation': { en: 'Police cooperation request', fr: 'Demande de coopération policière' },
};

const ASSISTANCE_TYPE_WORDS: WordsOf<typeof ASSISTANCE_TYPES> = {
  'taking-evidence': { en: 'Taking evidence or statements', fr: 'Recueil de témoignages ou de dépositions' },
  'service-of-documents': { en: 'Service of judicial documents', fr: 'Signification d’actes judiciaires' },
  'search-and-seizure': { en: 'Search and seizure', fr: 'Perquisition et saisie' },
  'examining-objects': { en: 'Examining objects and sites', fr: 'Examen d’objets et visite de lieux' },
  'providing-information': {
    en: 'Providing information and evidentiary items',
    fr: 'Fourniture d’informations et d’éléments de preuve',
  },
  'providing-records': {
    en: 'Providing documents and records',
    fr: 'Fourniture de documents et de dossiers',
  },
  'identifying-proceeds': {
    en: 'Identifying or tracing proceeds of crime',
    fr: 'Identification ou localisation du produit du crime',
  },
  'facilitating-appearance': {
    en: 'Facilitating the voluntary appearance of persons',
    fr: 'Facilitation de la comparution volontaire de personnes',
  },
  other: { en: 'Other', fr: 'Autre' },
};

const STORED_DATA_MEASURE_WORDS: WordsOf<typeof STORED_DATA_MEASURES> = {
  search: { en: 'Search or similar access', fr: 'Perquisition ou accès similaire' },
  access: { en: 'Access', fr: 'Accès' },
  seizure: { en: 'Seizure or similar securing', fr: 'Saisie ou obtention similaire' },
  disclosure: { en: 'Disclosure', fr: 'Divulgation' },
};

const ASSET_MEASURE_WORDS: WordsOf<typeof ASSET_MEASURES> = {
  identify: { en: 'Identify', fr: 'Identifier' },
  trace: { en: 'Trace', fr: 'Localiser' },
  freeze: { en: 'Freeze', fr: 'Geler' },
  seize: { en: 'Seize', fr: 'Saisir' },
  confiscate: { en: 'Confiscate', fr: 'Confisquer' },
};

const REQUEST_STATUS_WORDS: WordsOf<typeof REQUEST_STATUSES> = {
  new: { en: 'New request', fr: 'Nouvelle demande' },
  'follow-up-mla': { en: 'Follow-up to an MLA request', fr: 'Suite d’une demande d’entraide' },
  'follow-up-preservation': {
    en: 'Follow-up to a preservation request',
    fr: 'Suite d’une demande de conservation',
  },
};

/**
 * Which closed set an element offers, by its pattern path: the last segment names it, except `type`, whose parent
 * tells identifiers from measures of assistance, and `measures`, which differs by kind (the codes tell them apart).
 */
const SETS: readonly (readonly [test: (path: string) => boolean, words: Readonly<Record<string, Words>>])[] =
  [
    [(path) => path.endsWith('preferredReply'), PREFERRED_REPLY_WORDS],
    [(path) => path.endsWith('.nature'), CASE_NATURE_WORDS],
    [(path) => path.endsWith('.role'), PERSON_ROLE_WORDS],
    [
      (path) => path.endsWith('identifiers[].type') || path.endsWith('targetCommunications[].type'),
      IDENTIFIER_TYPE_WORDS,
    ],
    [(path) => path.endsWith('measures[].type'), ASSISTANCE_TYPE_WORDS],
    [(path) => path.endsWith('].category'), DATA_CATEGORY_WORDS],
    [(path) => path.endsWith('].relation'), REQUEST_RELATION_WORDS],
    [(path) => path === 'measures', { ...STORED_DATA_MEASURE_WORDS, ...ASSET_MEASURE_WORDS }],
    [(path) => path === 'status', REQUEST_STATUS_WORDS],
  ];

/** The words of every set, for the test that each code has both languages. */
export const VALUE_WORD_SETS: Readonly<Record<string, Readonly<Record<string, Words>>>> = {
  preferredReply: PREFERRED_REPLY_WORDS,
  caseNature: CASE_NATURE_WORDS,
  personRole: PERSON_ROLE_WORDS,
  identifierType: IDENTIFIER_TYPE_WORDS,
  dataCategory: DATA_CATEGORY_WORDS,
  requestRelation: REQUEST_RELATION_WORDS,
  assistanceType: ASSISTANCE_TYPE_WORDS,
  storedDataMeasure: STORED_DATA_MEASURE_WORDS,
  assetMeasure: ASSET_MEASURE_WORDS,
  requestStatus: REQUEST_STATUS_WORDS,
};

/** The words of one code of an element, or undefined when no set holds it (the test keeps that from shipping). */
export function valueWordsOf(path: string, code: string): Words | undefined {
  for (const [test, words] of SETS) {
    if (test(path)) return Object.hasOwn(words, code) ? words[code] : undefined;
  }
  return undefined;
}

/**
 * What an option shows for a code, in the language; the code itself for a value no set words (urgency and kind
 * have their own catalogue entries in the portal).
 * @example valueText('subject.nature', 'prosecution', 'fr') // 'Poursuites'
 */
export function valueText(path: string, code: string | number | boolean, language: TemplateLanguage): string {
  return valueWordsOf(path, String(code))?.[language] ?? String(code);
}

/** Instrument names as French citations write them (the English ones are instruments.ts's, used by the CLI). */
const INSTRUMENT_SHORT_FR: Readonly<Record<InstrumentId, string>> = {
  untoc: 'Convention des Nations Unies contre la criminalité transnationale organisée',
  budapest: 'Convention de Budapest',
  'budapest-p2': 'Deuxième Protocole additionnel (STCE n° 224)',
  uncac: 'Convention des Nations Unies contre la corruption',
  bilateral: 'Traité bilatéral d’entraide judiciaire',
  't-cy-2018-10': 'Modèle T-CY(2018)10 (Budapest art. 31)',
};

/** The French instrument names, for the test that each has one. */
export function frenchInstrumentNames(): Readonly<Record<InstrumentId, string>> {
  return INSTRUMENT_SHORT_FR;
}

/**
 * Provisions as the form cites them, in the language: English is `formatCitation` (what findings and the CLI
 * print); French names the instrument in French, with the same article numbers and the same (verify) marking.
 * @example citationText(['budapest-29-2-e'], 'fr') // 'Convention de Budapest art. 29(2)(e)'
 */
export function citationText(ids: readonly ProvisionId[], language: TemplateLanguage): string {
  if (language === 'en') return formatCitation(ids);
  return ids
    .map((id) => {
      const prov: Provision = PROVISIONS[id];
      return `${INSTRUMENT_SHORT_FR[prov.instrument]} ${prov.article}${isVerifiedProvision(id) ? '' : ' (à vérifier)'}`;
    })
    .join(' ; ');
}

/** The full French titles of the kinds of request (the English ones are `KINDS[kind].title`). */
const KIND_TITLES_FR: Readonly<Record<RequestKind, string>> = {
  mla: 'Demande d’entraide judiciaire',
  preservation: 'Demande de conservation rapide de données informatiques stockées',
  'traffic-disclosure': 'Divulgation rapide de données relatives au trafic conservées',
  'stored-data':
    'Demande d’accès, de perquisition, de saisie ou de divulgation de données informatiques stockées',
  'subscriber-information': 'Demande d’informations relatives aux abonnés',
  'realtime-traffic': 'Demande de collecte en temps réel de données relatives au trafic',
  interception: 'Demande d’interception de données relatives au contenu',
  'emergency-disclosure': 'Demande de divulgation rapide de données informatiques stockées en cas d’urgence',
  'emergency-mla': 'Demande d’entraide judiciaire en urgence',
  'production-order':
    'Demande de donner effet à une injonction de produire des informations relatives aux abonnés ou des données relatives au trafic',
  'asset-recovery':
    'Demande d’identification, de localisation, de gel, de saisie ou de confiscation d’avoirs',
  'spontaneous-information': 'Information spontanée',
  'video-conference': 'Demande d’audition par vidéoconférence',
  'joint-investigation-team': 'Proposition d’équipe commune d’enquête',
};

/** A kind's full title in the language. */
export function kindTitleText(kind: RequestKind, language: TemplateLanguage): string {
  return language === 'fr' ? KIND_TITLES_FR[kind] : KINDS[kind].title;
}

/** The legal bases' titles and caveats in French (the English are `TREATIES`'s). */
const TREATY_FR: Readonly<Record<keyof typeof TREATIES, { title: string; caveat: string }>> = {
  untoc: {
    title: 'Convention des Nations Unies contre la criminalité transnationale organisée (Palerme, 2000)',
    caveat:
      'S’applique aux infractions visées par la Convention (art. 3) : transnationales, impliquant un groupe criminel organisé, ou graves.',
  },
  budapest: {
    title: 'Convention du Conseil de l’Europe sur la cybercriminalité (STE n° 185, Budapest, 2001)',
    caveat:
      'Couvre les infractions des art. 2 à 11 et la collecte de preuves électroniques de toute infraction pénale (art. 23).',
  },
  'budapest-p2': {
    title:
      'Deuxième Protocole additionnel à la Convention sur la cybercriminalité relatif au renforcement de la coopération et de la divulgation de preuves électroniques (STCE n° 224)',
    caveat: 'Ouvert aux seules Parties à la Convention de Budapest.',
  },
  uncac: {
    title: 'Convention des Nations Unies contre la corruption (Mérida, 2003)',
    caveat:
      'S’applique aux infractions établies conformément à la Convention (corruption et infractions connexes).',
  },
  bilateral: {
    title: 'Traité bilatéral d’entraide judiciaire',
    caveat: 'Vérifiez la portée et les exigences de forme dans le texte du traité lui-même.',
  },
  reciprocity: {
    title: 'Réciprocité (courtoisie internationale, sans obligation conventionnelle)',
    caveat: 'L’entraide est discrétionnaire ; l’État requis peut demander une assurance de réciprocité.',
  },
};

function isTreatyKey(id: string): id is keyof typeof TREATIES {
  return Object.hasOwn(TREATY_FR, id);
}

/**
 * An instrument's full French title, as a French letter names the law it cites: the treaty's title for a treaty,
 * else its short name (the bilateral treaty, the T-CY(2018)10 template).
 * @example frenchInstrumentTitle('untoc') // 'Convention des Nations Unies contre la criminalité transnationale organisée (Palerme, 2000)'
 */
export function frenchInstrumentTitle(instrument: InstrumentId | keyof typeof TREATIES): string {
  if (instrument === 'bilateral' || instrument === 't-cy-2018-10') return INSTRUMENT_SHORT_FR[instrument];
  return TREATY_FR[instrument].title;
}

/**
 * A suggested legal basis (legal-basis.ts) as the form lists it, in the language: its title, why it applies and
 * any caveat. English is the finder's own wording.
 */
export function legalBasisText(
  option: LegalBasisOption,
  language: TemplateLanguage,
): { title: string; reason: string; caveat?: string } {
  if (language === 'en') {
    return {
      title: option.title,
      reason: option.reason,
      ...(option.caveat ? { caveat: option.caveat } : {}),
    };
  }
  const bilateral = /^bilateral:([A-Z]{2})-([A-Z]{2})$/.exec(option.basis);
  const key = !bilateral && isTreatyKey(option.basis) ? option.basis : 'bilateral';
  const fr = TREATY_FR[key];
  const title = bilateral ? `${fr.title} (${bilateral[1]}-${bilateral[2]})` : fr.title;
  const reason =
    key === 'reciprocity'
      ? 'Disponible sans traité, à la discrétion de l’État requis.'
      : `Les deux États sont liés par : ${title}, qui prévoit ce type de demande.`;
  return { title, reason, ...(option.caveat ? { caveat: fr.caveat } : {}) };
}
