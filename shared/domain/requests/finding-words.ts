// Domain layer, "right first time": the words of the completeness check's findings (check.ts), in English and
// French. check.ts records what it found without words (`FindingDetail`, `FindingOrigin`); one typed record per
// language says it, so a new kind of finding fails the typecheck until it has both. The CLI's English message
// comes from the English record; the portal renders the officer's language from the same data.
import { elementText, type TemplateLanguage } from './element-texts.ts';
import {
  describeTreaty,
  formatCitation,
  formatTreaty,
  KINDS,
  type ProvisionId,
  type RequestKind,
} from './instruments.ts';
import { describeLegalBasisProblem, type LegalBasisProblem } from './legal-basis.ts';
import { formatProfileSource } from './profile.ts';
import { type ElementInfo, listElements } from './schemas.ts';
import { citationText, frenchInstrumentNames, kindTitleText, valueText } from './value-words.ts';

/** A zod issue as check met it: its code, its English message, and the allowed values of an enum or literal. */
export interface FindingIssue {
  readonly code: string;
  readonly message: string;
  readonly values?: readonly string[];
}

/** The parameters of each kind of finding message, keyed by message id (mostly the finding's own `rule`). */
export interface FindingParams {
  /** A mandatory element is missing. `element` is its pattern path; `path` where it was expected. */
  'instrument.required': { readonly kind: RequestKind; readonly element?: string; readonly path: string };
  /** A conditional element is missing while its condition holds. */
  'instrument.required-when': { readonly kind: RequestKind; readonly element: string };
  'instrument.invalid': {
    readonly kind: RequestKind;
    readonly element?: string;
    readonly path: string;
    readonly issue: FindingIssue;
  };
  'instrument.recommended': { readonly kind: RequestKind; readonly element: string };
  /** One of the instrument's notes for the kind (`KINDS[kind].notes[note]`). */
  'instrument.note': { readonly kind: RequestKind; readonly note: number };
  'template.unknown-field': { readonly kind: RequestKind };
  'template.not-an-object': object;
  'template.kind': { readonly kinds: readonly string[] };
  /** A requirement of the recipient's profile, in the recipient's own words (`explanation`). */
  'profile.required': { readonly explanation: string };
  'profile.allowed-values': { readonly allowed: readonly string[]; readonly explanation: string };
  'profile.language': { readonly language: string; readonly accepted: readonly string[] };
  'profile.legal-basis': { readonly basis: string; readonly accepted: readonly string[] };
  'profile.authority-mismatch': { readonly addressedTo: string; readonly profileOf: string };
  'legal-basis.not-applicable': {
    readonly problems: readonly LegalBasisProblem[];
    readonly options: readonly string[];
  };
  'directory.country-mismatch': {
    readonly side: 'sender' | 'recipient';
    readonly named: string;
    readonly actual: string;
  };
}

export type FindingMessageId = keyof FindingParams;

/** What a finding says, without words: a message id and its parameters. */
export type FindingDetail = {
  [Id in FindingMessageId]: { readonly says: Id } & FindingParams[Id];
}[FindingMessageId];

/** What requires a finding, without words. */
export type FindingOrigin =
  | { readonly of: 'provisions'; readonly cite: readonly ProvisionId[] }
  | { readonly of: 'template' }
  | { readonly of: 'profile'; readonly authorityId: string; readonly version: number }
  | { readonly of: 'directory' };

/** One language's words for every finding message. */
export type FindingWords = {
  readonly [Id in FindingMessageId]: (params: FindingParams[Id]) => string;
};

/** One language's words for where a finding comes from. */
export type OriginWords = {
  readonly [Of in FindingOrigin['of']]: (origin: Extract<FindingOrigin, { of: Of }>) => string;
};

function elementOf(kind: RequestKind, path: string | undefined): ElementInfo | undefined {
  return path === undefined ? undefined : listElements(kind).find((e) => e.path === path);
}

/** An element's title and explanation in the language; its path when the template has no such element. */
function named(
  kind: RequestKind,
  path: string | undefined,
  fallback: string,
  language: TemplateLanguage,
): { title: string; explanation: string; element?: ElementInfo } {
  const element = elementOf(kind, path);
  if (!element) return { title: fallback, explanation: '' };
  return { ...elementText(kind, element, language), element };
}

const EN_WORDS: FindingWords = {
  'instrument.required': ({ kind, element, path }) => {
    const { title, explanation } = named(kind, element, path, 'en');
    return `Missing ${title.toLowerCase()}${explanation ? `: ${explanation}` : ''}`;
  },
  'instrument.required-when': ({ kind, element }) => {
    const { title, explanation, element: info } = named(kind, element, element, 'en');
    return `Missing ${title.toLowerCase()} (required ${info?.requiredWhen?.description ?? ''})${
      explanation ? `: ${explanation}` : ''
    }`;
  },
  'instrument.invalid': ({ kind, element, path, issue }) =>
    `${named(kind, element, path, 'en').title}: ${issue.message}`,
  'instrument.recommended': ({ kind, element }) => {
    const { title, explanation } = named(kind, element, element, 'en');
    return `Recommended: ${title.toLowerCase()}${explanation ? `: ${explanation}` : ''}`;
  },
  'instrument.note': ({ kind, note }) => KINDS[kind].notes[note]?.text ?? '',
  'template.unknown-field': ({ kind }) =>
    `Unknown field for a ${kind} request; it will be ignored. Put recipient-specific answers under "additional".`,
  'template.not-an-object': () => 'A draft must be a mapping of fields (YAML or JSON object).',
  'template.kind': ({ kinds }) => `The kind of request must be one of: ${kinds.join(', ')}.`,
  'profile.required': ({ explanation }) => `Required by the recipient: ${explanation}`,
  'profile.allowed-values': ({ allowed, explanation }) =>
    `Must be one of: ${allowed.join(', ')}. ${explanation}`,
  'profile.language': ({ language, accepted }) =>
    `The recipient does not accept requests in "${language}"; accepted: ${accepted.join(', ')}. Write it in one of them, or attach a translation (list it under translations with its language and file, and attach the file to pouch send).`,
  'profile.legal-basis': ({ basis, accepted }) =>
    `The recipient does not accept ${basis} as a legal basis; accepted: ${accepted.join(', ')}.`,
  'profile.authority-mismatch': ({ addressedTo, profileOf }) =>
    `The draft is addressed to ${addressedTo} but was checked against the profile of ${profileOf}.`,
  'legal-basis.not-applicable': ({ problems, options }) =>
    `${problems.map(describeLegalBasisProblem).join(' ')} ${
      options.length > 0
        ? `Bases available between the two States: ${options.join(', ')}.`
        : 'No basis is available between the two States for this kind.'
    }`,
  'directory.country-mismatch': ({ side, named: given, actual }) =>
    `The draft names ${given} but the ${side === 'recipient' ? 'recipient' : 'sending'} authority is in ${actual}.`,
};

/** The conditions of conditional elements (schemas.ts's `requiredWhen.description`) in French. */
const REQUIRED_WHEN_FR: Readonly<Record<string, string>> = {
  'when the level is urgent or emergency': 'lorsque la demande est urgente ou d’extrême urgence',
  'when confidentiality is required': 'lorsque la confidentialité est demandée',
  'unless the request is only for service of documents':
    'sauf si la demande porte uniquement sur la signification d’actes',
  'when the status is follow-up-mla': 'lorsque la demande fait suite à une demande d’entraide judiciaire',
  'when the status is follow-up-preservation': 'lorsque la demande fait suite à une demande de conservation',
  'when preservation was sought': 'lorsque la conservation des données a été demandée',
  'when the data were sought by other means': 'lorsque les données ont été recherchées par d’autres moyens',
  'when confiscation is requested': 'lorsque la confiscation est demandée',
};

/** The instruments' notes on each kind (instruments.ts's `KINDS[kind].notes[].text`) in French. */
const NOTES_FR: Readonly<Record<string, string>> = {
  'The requested State may ask for additional information.':
    'L’État requis peut solliciter un complément d’information.',
  'Dual criminality is not required for preservation.':
    'La double incrimination n’est pas exigée pour la conservation.',
  'Preservation lasts at least 60 days and continues once the MLA request arrives.':
    'La conservation dure au moins 60 jours et se poursuit dès réception de la demande d’entraide judiciaire.',
  'Often sent by the 24/7 point of contact.': 'Souvent transmise par le point de contact 24/7.',
  'Respond on an expedited basis where the data may be lost or modified.':
    'Répondre de manière accélérée lorsque les données risquent d’être perdues ou modifiées.',
  'Send through the 24/7 network point of contact.': 'À transmettre par le point de contact du réseau 24/7.',
  'The requested Party must accept the request in electronic form.':
    'La Partie requise doit accepter la demande sous forme électronique.',
  'Answers are due within 20 days for subscriber information and 45 days for traffic data.':
    'La réponse est due dans un délai de 20 jours pour les informations relatives aux abonnés et de 45 jours pour les données relatives au trafic.',
};

/** The templates' own validation messages (schemas.ts) in French. */
const ISSUES_FR: Readonly<Record<string, string>> = {
  'must be a date as YYYY-MM-DD': 'doit être une date au format AAAA-MM-JJ',
  'must be a real calendar date': 'doit être une date existante du calendrier',
  'must be an IANA time zone such as Europe/Paris or UTC':
    'doit être un fuseau horaire IANA, par exemple Europe/Paris ou UTC',
  'must be an ISO 3166-1 alpha-2 code': 'doit être un code pays ISO 3166-1 alpha-2 (par exemple FR)',
  'must be a BCP 47 language tag such as en or fr-BE':
    'doit être une étiquette de langue BCP 47, par exemple en ou fr-BE',
  'from must not be after to': 'la date de début ne peut être postérieure à la date de fin',
  'must be an ISO 8601 date-time, e.g. 2025-03-01T14:05:00':
    'doit être une date et une heure ISO 8601, par exemple 2025-03-01T14:05:00',
  'must not be empty': 'ne doit pas être vide',
  'must be an e-mail address': 'doit être une adresse électronique',
  'must be untoc, budapest, budapest-p2, uncac, reciprocity or bilateral:XX-YY':
    'doit être untoc, budapest, budapest-p2, uncac, reciprocity ou bilateral:XX-YY',
  'must be true': 'doit valoir « true » (oui)',
};

/** Words for what zod reports on its own (no message of the template's), by issue code. */
function frenchIssue(issue: FindingIssue, element: string | undefined): string {
  const own = ISSUES_FR[issue.message];
  if (own) return own;
  switch (issue.code) {
    case 'invalid_value':
      return issue.values && issue.values.length > 0
        ? `valeur non admise ; valeurs admises : ${issue.values
            .map((v) => (element ? valueText(element, v, 'fr') : v))
            .join(', ')}`
        : 'valeur non admise';
    case 'invalid_type':
      return 'type de valeur non valide';
    case 'too_small':
      return 'valeur trop courte ou trop petite';
    case 'too_big':
      return 'valeur trop longue ou trop grande';
    case 'invalid_format':
      return 'format non valide';
    default:
      return 'valeur non valide';
  }
}

/** A legal basis's short name in French (`formatTreaty`'s English counterpart), with its article or bare. */
function treatyFr(id: string, article = true): string {
  const the = (name: string) =>
    article ? `${/^(Traité|Deuxième Protocole|Modèle)/.test(name) ? 'le' : 'la'} ${name}` : name;
  const bilateral = /^bilateral:([A-Z]{2})-([A-Z]{2})$/.exec(id);
  if (bilateral) return the(`Traité bilatéral d’entraide judiciaire ${bilateral[1]}-${bilateral[2]}`);
  if (id === 'reciprocity') return the('Réciprocité');
  const names: Readonly<Record<string, string>> = frenchInstrumentNames();
  return describeTreaty(id) && Object.hasOwn(names, id) ? the(names[id] ?? id) : formatTreaty(id);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function problemFr(p: LegalBasisProblem): string {
  switch (p.problem) {
    case 'unknown-basis':
      return `« ${p.basis} » n’est pas une base juridique connue de Pouch.`;
    case 'sender-not-bound':
      return `L’État requérant n’est pas lié par ${treatyFr(p.treaty)}.`;
    case 'recipient-not-bound':
      return `L’État requis n’est pas lié par ${treatyFr(p.treaty)}.`;
    case 'requires-parties':
      return `${capitalize(treatyFr(p.treaty))} n’est ouvert(e) qu’aux Parties à ${treatyFr(p.needed)} ; les deux États doivent l’être.`;
    case 'kind-not-provided':
      return `${capitalize(treatyFr(p.treaty))} ne prévoit pas ce type de demande (« ${kindTitleText(p.kind, 'fr')} », ${citationText(KINDS[p.kind].basis, 'fr')}).`;
  }
}

const FR_WORDS: FindingWords = {
  'instrument.required': ({ kind, element, path }) => {
    const { title, explanation } = named(kind, element, path, 'fr');
    return `Mention obligatoire manquante : « ${title} »${explanation ? ` — ${explanation}` : ''}`;
  },
  'instrument.required-when': ({ kind, element }) => {
    const { title, explanation, element: info } = named(kind, element, element, 'fr');
    const when = info?.requiredWhen?.description ?? '';
    return `Mention obligatoire manquante : « ${title} » (exigée ${REQUIRED_WHEN_FR[when] ?? when})${
      explanation ? ` — ${explanation}` : ''
    }`;
  },
  'instrument.invalid': ({ kind, element, path, issue }) =>
    `« ${named(kind, element, path, 'fr').title} » : ${frenchIssue(issue, element)}`,
  'instrument.recommended': ({ kind, element }) => {
    const { title, explanation } = named(kind, element, element, 'fr');
    return `Mention recommandée : « ${title} »${explanation ? ` — ${explanation}` : ''}`;
  },
  'instrument.note': ({ kind, note }) => {
    const text = KINDS[kind].notes[note]?.text ?? '';
    return NOTES_FR[text] ?? text;
  },
  'template.unknown-field': ({ kind }) =>
    `Champ inconnu pour une demande de ce type (« ${kindTitleText(kind, 'fr')} ») ; il ne sera pas pris en compte. Placez les réponses propres à l’autorité destinataire sous « additional ».`,
  'template.not-an-object': () =>
    'Un projet de demande doit être un ensemble de champs nommés (objet YAML ou JSON).',
  'template.kind': ({ kinds }) =>
    `La nature de la demande doit être l’une des suivantes : ${kinds.join(', ')}.`,
  'profile.required': ({ explanation }) => `Exigé par l’autorité destinataire : ${explanation}`,
  'profile.allowed-values': ({ allowed, explanation }) =>
    `Doit être l’une des valeurs suivantes : ${allowed.join(', ')}. ${explanation}`,
  'profile.language': ({ language, accepted }) =>
    `L’autorité destinataire n’accepte pas les demandes rédigées en « ${language} » ; langues acceptées : ${accepted.join(', ')}. Rédigez la demande dans l’une de ces langues ou joignez-en une traduction (indiquez-la sous « translations » avec sa langue et son fichier, et joignez ce fichier à l’envoi).`,
  'profile.legal-basis': ({ basis, accepted }) =>
    `L’autorité destinataire n’accepte pas « ${basis} » comme base juridique ; bases acceptées : ${accepted.join(', ')}.`,
  'profile.authority-mismatch': ({ addressedTo, profileOf }) =>
    `Le projet est adressé à ${addressedTo}, mais il a été vérifié au regard du profil de ${profileOf}.`,
  'legal-basis.not-applicable': ({ problems, options }) =>
    `${problems.map(problemFr).join(' ')} ${
      options.length > 0
        ? `Bases juridiques disponibles entre les deux États : ${options.map((o) => treatyFr(o, false)).join(', ')}.`
        : 'Aucune base juridique n’est disponible entre les deux États pour ce type de demande.'
    }`,
  'directory.country-mismatch': ({ side, named: given, actual }) =>
    `Le projet mentionne le pays ${given}, mais l’annuaire situe l’autorité ${
      side === 'recipient' ? 'destinataire' : 'expéditrice'
    } dans le pays ${actual}.`,
};

const EN_ORIGINS: OriginWords = {
  provisions: ({ cite }) => formatCitation(cite),
  template: () => 'Pouch request template',
  profile: (origin) => formatProfileSource(origin),
  directory: () => 'directory of authorities',
};

const FR_ORIGINS: OriginWords = {
  provisions: ({ cite }) => citationText(cite, 'fr'),
  template: () => 'modèle de demande Pouch',
  profile: (origin) => formatProfileSource(origin, 'fr'),
  directory: () => 'annuaire des autorités',
};

/** Every language's finding words (for the test that each has every message). */
export const FINDING_WORDS: Readonly<Record<TemplateLanguage, FindingWords>> = { en: EN_WORDS, fr: FR_WORDS };
/** Every language's origin words. */
export const ORIGIN_WORDS: Readonly<Record<TemplateLanguage, OriginWords>> = {
  en: EN_ORIGINS,
  fr: FR_ORIGINS,
};

/** The conditions and notes the French holds, for the test that none is missing. */
export function frenchFindingPhrases(): {
  requiredWhen: readonly string[];
  notes: readonly string[];
  issues: readonly string[];
} {
  return {
    requiredWhen: Object.keys(REQUIRED_WHEN_FR),
    notes: Object.keys(NOTES_FR),
    issues: Object.keys(ISSUES_FR),
  };
}

/**
 * A finding's message in the language.
 * @example findingText({ says: 'profile.language', language: 'de', accepted: ['en'] }, 'fr')
 */
export function findingText(detail: FindingDetail, language: TemplateLanguage): string {
  const words = FINDING_WORDS[language];
  // The union's members pair each id with its own parameters; TypeScript cannot follow that through an index.
  const say = words[detail.says] as (params: FindingDetail) => string;
  return say(detail);
}

/**
 * Where a finding comes from, in the language.
 * @example findingOriginText({ of: 'profile', authorityId: 'xb-foj-ca', version: 3 }, 'fr') // 'profil xb-foj-ca v3'
 */
export function findingOriginText(origin: FindingOrigin, language: TemplateLanguage): string {
  const words = ORIGIN_WORDS[language];
  const say = words[origin.of] as (o: FindingOrigin) => string;
  return say(origin);
}
