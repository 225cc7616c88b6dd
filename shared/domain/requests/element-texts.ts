// Domain layer, "right first time": the template texts in the officer's language. The templates (schemas.ts) own
// the English titles, explanations and format hints; this catalogue owns their French (a Budapest Convention
// language), keyed by element id (its pattern path, with a per-kind entry where kinds word the element
// differently). The portal's form reads both through `elementText`; a test holds every element to both languages.
import type { RequestKind } from './instruments.ts';
import type { ElementInfo } from './schemas.ts';

export type TemplateLanguage = 'en' | 'fr';

/** An element's title and explanation in one language. */
type Texts = readonly [title: string, explanation: string];

/** One element's French: the same for every kind, or worded per kind (every kind that has it is listed). */
type Entry = Texts | Readonly<Partial<Record<RequestKind, Texts>>>;

const contact: Record<string, Texts> = {
  name: ['Nom', 'Nom de l’agent responsable.'],
  role: ['Fonction', 'Fonction ou titre.'],
  phone: ['Téléphone', 'Numéro de téléphone au format international (+CC ...).'],
  email: ['Courriel', 'Adresse électronique pour les questions sur cette demande.'],
  officeHours: ['Heures de bureau', 'Heures de bureau, dans le fuseau horaire ci-dessous.'],
  timeZone: [
    'Fuseau horaire',
    'Fuseau horaire des heures de bureau et de toute heure donnée par ce contact.',
  ],
  preferredReply: ['Réponse souhaitée', 'Moyen de réponse souhaité.'],
};

const authority = (prefix: string, full = true): Record<string, Texts> => ({
  [`${prefix}.authorityId`]: [
    'Identifiant de l’autorité',
    'Identifiant de l’autorité dans l’annuaire, si elle est inscrite dans Pouch.',
  ],
  [`${prefix}.name`]: [
    'Nom',
    full ? 'Nom officiel complet de l’autorité (organisme).' : 'Nom officiel complet de l’autorité.',
  ],
  [`${prefix}.country`]: ['Pays', 'Pays de l’autorité.'],
});

const withContact = (prefix: string): Record<string, Texts> => ({
  ...authority(prefix),
  [`${prefix}.personInCharge`]: ['Personne responsable', 'Personne responsable de la demande.'],
  [`${prefix}.address`]: ['Adresse', 'Adresse postale.'],
  [`${prefix}.contact`]: ['Contact', ''],
  ...prefixed(`${prefix}.contact`, contact),
});

function prefixed(prefix: string, texts: Record<string, Texts>): Record<string, Texts> {
  return Object.fromEntries(Object.entries(texts).map(([key, value]) => [`${prefix}.${key}`, value]));
}

const earlierRequest = (prefix: string): Record<string, Texts> => ({
  [`${prefix}[].relation`]: ['Relation', 'Lien entre la demande antérieure et celle-ci.'],
  [`${prefix}[].date`]: ['Date', 'Date d’envoi.'],
  [`${prefix}[].reference`]: ['Référence', 'Sa référence ou son numéro de dossier.'],
  [`${prefix}[].means`]: ['Moyen', 'Canal utilisé (Pouch, réseau 24/7, courriel, voie diplomatique).'],
  [`${prefix}[].contact`]: ['Contact', 'Qui l’a traitée.'],
});

const identifier = (prefix: string): Record<string, Texts> => ({
  [`${prefix}[].type`]: ['Type', 'Nature de l’identifiant.'],
  [`${prefix}[].value`]: ['Valeur', 'L’identifiant exactement tel qu’il a été observé.'],
  [`${prefix}[].observedAt`]: [
    'Observé le',
    'Quand il a été observé (nécessaire pour les adresses IP dynamiques), dans le fuseau horaire de la période.',
  ],
});

const FR: Readonly<Record<string, Entry>> = {
  kind: {
    mla: [
      'Nature de la demande',
      'La demande formelle d’entraide dans une enquête, une poursuite ou une procédure pénale.',
    ],
    preservation: [
      'Nature de la demande',
      'Empêche la perte de données stockées pendant la préparation de la demande formelle d’entraide.',
    ],
    'traffic-disclosure': [
      'Nature de la demande',
      'Divulgue assez de données relatives au trafic pour identifier un fournisseur de services dans un État tiers et la voie de la communication.',
    ],
    'stored-data': [
      'Nature de la demande',
      'Perquisition, saisie ou divulgation de données stockées, y compris de données conservées en vertu de l’art. 29.',
    ],
    'subscriber-information': [
      'Nature de la demande',
      'Informations relatives aux abonnés en vertu de l’art. 31, selon le modèle T-CY(2018)10.',
    ],
    'realtime-traffic': [
      'Nature de la demande',
      'Collecte en temps réel de données relatives au trafic de communications spécifiées, régie par le droit interne.',
    ],
    interception: [
      'Nature de la demande',
      'Collecte ou enregistrement en temps réel de données relatives au contenu, dans la mesure permise par les traités et le droit interne.',
    ],
    'emergency-disclosure': [
      'Nature de la demande',
      'Envoyée par le réseau 24/7 en cas de risque important et imminent pour la vie ou la sécurité d’une personne.',
    ],
    'emergency-mla': [
      'Nature de la demande',
      'Demande d’entraide en situation d’urgence ; la Partie requise doit l’accepter sous forme électronique.',
    ],
    'production-order': [
      'Nature de la demande',
      'La Partie requise contraint un fournisseur situé sur son territoire à produire les données désignées dans l’injonction.',
    ],
    'asset-recovery': [
      'Nature de la demande',
      'Identification, localisation, gel, saisie ou confiscation des produits et instruments du crime.',
    ],
    'spontaneous-information': [
      'Nature de la demande',
      'Information transmise sans demande préalable parce qu’elle pourrait aider une enquête.',
    ],
    'video-conference': ['Nature de la demande', 'Audition d’un témoin ou d’un expert par vidéoconférence.'],
    'joint-investigation-team': [
      'Nature de la demande',
      'Un accord fixant l’objet, la composition, la durée et les règles de preuve d’une équipe commune.',
    ],
  },
  date: ['Date', 'Date d’émission de la demande.'],
  language: ['Langue', 'Langue de rédaction de la demande ; elle doit être acceptée par l’État requis.'],
  translations: [
    'Traductions',
    'Traductions jointes à la demande ; nécessaires lorsque la demande n’est pas dans une langue que le destinataire accepte.',
  ],
  'translations[].language': ['Langue', 'Langue de la traduction.'],
  'translations[].file': ['Fichier', 'Nom du fichier joint qui la contient (à joindre à pouch send).'],
  legalBasis: [
    'Base juridique',
    'Le traité (ou la réciprocité) en vertu duquel la demande est faite ; les deux États doivent y être liés.',
  ],
  caseReference: ['Référence du dossier', 'Votre référence et les numéros de dossier.'],
  'caseReference.reference': ['Référence', 'Votre référence pour cette demande.'],
  'caseReference.caseNumbers': [
    'Numéros de dossier',
    'Numéros de dossier de la police, du parquet ou du tribunal.',
  ],
  'caseReference.caseNumbers[].authority': ['Autorité', 'Autorité qui a attribué le numéro.'],
  'caseReference.caseNumbers[].number': ['Numéro', 'Numéro de dossier.'],
  urgency: ['Urgence', ''],
  'urgency.level': ['Niveau', 'Délai dans lequel une réponse est nécessaire.'],
  'urgency.reasons': [
    'Motifs',
    'Pourquoi la demande est urgente (risque de perte de données, délais de détention, date d’audience).',
  ],
  'urgency.deadline': ['Échéance', 'Date à laquelle la réponse est nécessaire (art. 18(24)).'],
  confidentiality: ['Confidentialité', ''],
  'confidentiality.required': [
    'Requise',
    'Le fait et la teneur de la demande doivent-ils rester confidentiels ?',
  ],
  'confidentiality.reasons': [
    'Motifs',
    'Pourquoi la confidentialité est nécessaire (par exemple, le suspect ne doit pas être alerté).',
  ],
  relatedRequests: [
    'Demandes antérieures et liées',
    'Demandes antérieures ou liées dans la même affaire (indiquez ici les demandes de police à police).',
  ],
  ...earlierRequest('relatedRequests'),
  additional: [
    'Informations complémentaires exigées par le destinataire',
    'Réponses au profil d’exigences publié par le destinataire.',
  ],
  checkedAgainst: ['Vérifiée selon le profil', 'Enregistré par `pouch check` ; ne pas modifier.'],
  'checkedAgainst.authorityId': [
    'Identifiant de l’autorité',
    'Autorité destinataire dont le profil a été appliqué.',
  ],
  'checkedAgainst.profileVersion': ['Version du profil', 'Version de ce profil.'],

  requestingAuthority: {
    mla: [
      'Autorité requérante',
      'L’autorité qui présente la demande, avec un contact et son fuseau horaire.',
    ],
    'stored-data': [
      'Autorité requérante',
      'L’autorité qui présente la demande, avec un contact et son fuseau horaire.',
    ],
    'realtime-traffic': [
      'Autorité requérante',
      'L’autorité qui présente la demande, avec un contact et son fuseau horaire.',
    ],
    interception: [
      'Autorité requérante',
      'L’autorité qui présente la demande, avec un contact et son fuseau horaire.',
    ],
    'emergency-mla': [
      'Autorité requérante',
      'L’autorité qui présente la demande, avec un contact et son fuseau horaire.',
    ],
    'asset-recovery': [
      'Autorité requérante',
      'L’autorité qui présente la demande, avec un contact et son fuseau horaire.',
    ],
    'video-conference': [
      'Autorité requérante',
      'L’autorité qui présente la demande, avec un contact et son fuseau horaire.',
    ],
    preservation: [
      'Autorité demandant la conservation',
      'L’autorité qui demande la conservation, avec un contact joignable 24 h/24 et son fuseau horaire.',
    ],
    'subscriber-information': [
      'Autorité requérante',
      'Organisme, personne responsable, adresse, téléphone, courriel, heures de bureau, fuseau horaire, réponse souhaitée.',
    ],
    'emergency-disclosure': [
      'Autorité demandant les données',
      'L’autorité compétente qui demande les données, joignable 24 h/24.',
    ],
    'production-order': [
      'Autorité demandant les données',
      'L’autorité qui demande les données, avec un contact et son fuseau horaire.',
    ],
    'joint-investigation-team': [
      'Autorité proposante',
      'L’autorité qui propose l’équipe, avec un contact et son fuseau horaire.',
    ],
  },
  ...withContact('requestingAuthority'),

  requestedAuthority: {
    mla: ['Autorité requise', 'L’autorité centrale de l’État requis.'],
    'emergency-mla': ['Autorité requise', 'L’autorité centrale de l’État requis.'],
    'asset-recovery': ['Autorité requise', 'L’autorité centrale de l’État requis.'],
    'video-conference': ['Autorité requise', 'L’autorité centrale de l’État requis.'],
    preservation: [
      'Autorité requise',
      'Le point de contact 24/7 ou l’autorité centrale de la Partie requise.',
    ],
    'stored-data': ['Autorité requise', 'L’autorité centrale de la Partie requise.'],
    'realtime-traffic': ['Autorité requise', 'L’autorité centrale de la Partie requise.'],
    interception: ['Autorité requise', 'L’autorité centrale de la Partie requise.'],
    'subscriber-information': ['Autorité requise', 'L’autorité requise.'],
    'emergency-disclosure': [
      'Point de contact 24/7 requis',
      'Le point de contact 24/7 de la Partie requise.',
    ],
    'production-order': [
      'Autorité requise',
      'L’autorité de la Partie requise qui donnera effet à l’injonction.',
    ],
    'joint-investigation-team': ['Autorité requise', 'L’autorité centrale de l’autre Partie.'],
  },
  ...authority('requestedAuthority', false),

  subject: [
    'Objet et nature de l’affaire',
    'L’objet et la nature de l’enquête, de la poursuite ou de la procédure.',
  ],
  'subject.nature': ['Nature', 'Stade de l’affaire.'],
  'subject.description': ['Description', 'Ce dont traite l’affaire, en une ou deux phrases.'],
  conductingAuthority: [
    'Autorité chargée de l’affaire',
    'Nom et fonctions de l’autorité chargée de l’enquête, de la poursuite ou de la procédure.',
  ],
  'conductingAuthority.name': ['Nom', 'Nom de l’autorité chargée de l’affaire.'],
  'conductingAuthority.functions': [
    'Fonctions',
    'Ses fonctions (par exemple procureur, juge d’instruction).',
  ],

  offences: {
    mla: [
      'Infractions',
      'Infractions faisant l’objet de l’enquête, avec les dispositions légales et les peines.',
    ],
    'stored-data': [
      'Infractions',
      'Infractions faisant l’objet de l’enquête, avec les dispositions légales et les peines.',
    ],
    'subscriber-information': [
      'Infractions',
      'Infractions faisant l’objet de l’enquête, avec les dispositions légales et les peines.',
    ],
    interception: [
      'Infractions',
      'Infractions faisant l’objet de l’enquête, avec les dispositions légales et les peines.',
    ],
    'emergency-mla': [
      'Infractions',
      'Infractions faisant l’objet de l’enquête, avec les dispositions légales et les peines.',
    ],
    'asset-recovery': [
      'Infractions',
      'Infractions faisant l’objet de l’enquête, avec les dispositions légales et les peines.',
    ],
    'video-conference': [
      'Infractions',
      'Infractions faisant l’objet de l’enquête, avec les dispositions légales et les peines.',
    ],
    preservation: ['Infractions', 'L’infraction faisant l’objet de l’enquête.'],
    'realtime-traffic': [
      'Infractions',
      'Infractions pour lesquelles la collecte en temps réel serait possible dans une affaire interne similaire.',
    ],
    'emergency-disclosure': [
      'Infractions',
      'Les infractions, leurs dispositions légales et les peines applicables.',
    ],
    'production-order': [
      'Infractions',
      'Les infractions, avec les dispositions légales et les peines applicables (art. 8(4)(b)).',
    ],
    'spontaneous-information': ['Infractions', 'Infractions que concerne l’information.'],
    'joint-investigation-team': ['Infractions', 'Infractions sur lesquelles l’équipe enquête.'],
  },
  'offences[].name': ['Nom', 'Nom de l’infraction.'],
  'offences[].legalProvisions': [
    'Dispositions légales',
    'Dispositions de votre droit qui définissent l’infraction (citez ou joignez le texte).',
  ],
  'offences[].penalty': ['Peine', 'Peine maximale prévue par les dispositions citées.'],

  facts: {
    mla: ['Résumé des faits', 'Un résumé des faits pertinents.'],
    'stored-data': ['Résumé des faits', 'Un résumé des faits pertinents.'],
    'subscriber-information': ['Résumé des faits', 'Un résumé des faits pertinents.'],
    'realtime-traffic': ['Résumé des faits', 'Un résumé des faits pertinents.'],
    interception: ['Résumé des faits', 'Un résumé des faits pertinents.'],
    'emergency-mla': ['Résumé des faits', 'Un résumé des faits pertinents.'],
    'asset-recovery': ['Résumé des faits', 'Un résumé des faits pertinents.'],
    'video-conference': ['Résumé des faits', 'Un résumé des faits pertinents.'],
    preservation: ['Résumé des faits', 'Un bref résumé des faits connexes.'],
    'production-order': ['Résumé des faits', 'Un résumé des faits.'],
    'joint-investigation-team': ['Résumé des faits', 'Un résumé des faits.'],
  },
  assistanceSought: [
    'Assistance demandée',
    'L’assistance demandée et toute procédure particulière à suivre.',
  ],
  'assistanceSought.measures': ['Mesures', 'Les mesures demandées.'],
  'assistanceSought.measures[].type': ['Type', 'Type de mesure (CNUCTO art. 18(3)).'],
  'assistanceSought.measures[].description': ['Description', 'Ce qui doit être fait, exactement.'],
  'assistanceSought.procedure': [
    'Procédure',
    'Toute procédure particulière à suivre (par exemple serment, présence d’un avocat, certification).',
  ],

  personsConcerned: {
    mla: [
      'Personnes concernées',
      'Si possible, l’identité, la localisation et la nationalité de chaque personne concernée.',
    ],
    'emergency-mla': [
      'Personnes concernées',
      'Si possible, l’identité, la localisation et la nationalité de chaque personne concernée.',
    ],
    'asset-recovery': [
      'Personnes concernées',
      'Si possible, l’identité, la localisation et la nationalité de chaque personne concernée.',
    ],
    'video-conference': [
      'Personnes concernées',
      'Si possible, l’identité, la localisation et la nationalité de chaque personne concernée.',
    ],
    'stored-data': [
      'Personnes concernées',
      'L’identité, la localisation et la nationalité de chaque personne concernée, lorsqu’elles sont connues.',
    ],
  },
  'personsConcerned[].role': ['Rôle', 'Rôle de la personne dans l’affaire.'],
  'personsConcerned[].name': ['Nom', 'Nom complet tel qu’il est connu, ou une description s’il est inconnu.'],
  'personsConcerned[].aliases': ['Alias', 'Autres noms et pseudonymes en ligne.'],
  'personsConcerned[].dateOfBirth': ['Date de naissance', 'Date de naissance, si elle est connue.'],
  'personsConcerned[].nationality': ['Nationalité', 'Nationalité (ISO 3166-1), si possible.'],
  'personsConcerned[].location': ['Localisation', 'Localisation connue ou présumée, si possible.'],

  purpose: {
    mla: ['Objet', 'La fin pour laquelle les preuves, informations ou mesures sont demandées.'],
    'emergency-mla': ['Objet', 'La fin pour laquelle les preuves, informations ou mesures sont demandées.'],
    'asset-recovery': ['Objet', 'La fin pour laquelle les preuves, informations ou mesures sont demandées.'],
    'video-conference': [
      'Objet',
      'La fin pour laquelle les preuves, informations ou mesures sont demandées.',
    ],
    'joint-investigation-team': ['Objet', 'L’objet de l’équipe commune.'],
  },

  dataSought: {
    mla: [
      'Données demandées',
      'Données électroniques demandées, avec les identifiants, les périodes et les fuseaux horaires.',
    ],
    'emergency-mla': [
      'Données demandées',
      'Données électroniques demandées, avec les identifiants, les périodes et les fuseaux horaires.',
    ],
    'asset-recovery': [
      'Données demandées',
      'Données électroniques demandées, avec les identifiants, les périodes et les fuseaux horaires.',
    ],
    'video-conference': [
      'Données demandées',
      'Données électroniques demandées, avec les identifiants, les périodes et les fuseaux horaires.',
    ],
    preservation: ['Données à conserver', 'Les données stockées à conserver et leur lien avec l’infraction.'],
    'stored-data': [
      'Données demandées',
      'Les données stockées, avec les identifiants, les périodes et les fuseaux horaires.',
    ],
    'subscriber-information': [
      'Informations relatives aux abonnés demandées',
      'Identifiants avec la date, l’heure et le fuseau horaire.',
    ],
    'emergency-disclosure': ['Données demandées', 'Une description détaillée des données demandées.'],
    'production-order': [
      'Données demandées',
      'Une description détaillée des informations relatives aux abonnés ou des données relatives au trafic.',
    ],
  },
  'dataSought[].category': ['Catégorie', 'Catégorie de données.'],
  'dataSought[].description': ['Description', 'Une description détaillée des données demandées.'],
  'dataSought[].identifiers': ['Identifiants', 'Comptes, adresses ou numéros qui identifient les données.'],
  ...identifier('dataSought[].identifiers'),
  'dataSought[].timeRange': ['Période', 'Période couverte par les données, avec son fuseau horaire.'],
  'dataSought[].timeRange.from': ['Du', 'Début de la période.'],
  'dataSought[].timeRange.to': ['Au', 'Fin de la période.'],
  'dataSought[].timeRange.timeZone': ['Fuseau horaire', 'Fuseau horaire du début et de la fin.'],
  'dataSought[].relationToOffence': ['Lien avec l’infraction', 'Le lien entre ces données et l’infraction.'],

  custodian: {
    preservation: [
      'Détenteur et localisation',
      'Toute information disponible permettant d’identifier le gardien des données ou la localisation du système.',
    ],
    'stored-data': ['Détenteur et localisation', 'Qui détient les données et où se trouve le système.'],
  },
  'custodian.name': ['Nom', 'Gardien des données (fournisseur de services ou autre détenteur).'],
  'custodian.location': ['Localisation', 'Localisation du système informatique, si elle est connue.'],

  necessity: {
    preservation: [
      'Nécessité de la conservation',
      'Pourquoi les données doivent être conservées maintenant (risque d’effacement, durées de conservation).',
    ],
    'realtime-traffic': [
      'Nécessité',
      'Pourquoi la collecte en temps réel est nécessaire et pourquoi d’autres mesures ne suffisent pas.',
    ],
    interception: [
      'Nécessité et proportionnalité',
      'Pourquoi l’interception est nécessaire et proportionnée à l’infraction.',
    ],
  },
  intentToRequestMla: [
    'Intention de présenter une demande d’entraide',
    'Confirme votre intention de soumettre une demande d’entraide en vue de la perquisition, de l’accès, de la saisie ou de la divulgation.',
  ],

  providingAuthority: {
    'traffic-disclosure': [
      'Autorité qui divulgue',
      'La Partie requise qui exécute la demande de conservation et divulgue les données.',
    ],
    'spontaneous-information': [
      'Autorité qui transmet',
      'L’autorité qui envoie l’information, avec un contact et son fuseau horaire.',
    ],
  },
  ...withContact('providingAuthority'),
  receivingAuthority: {
    'traffic-disclosure': ['Autorité destinataire', 'La Partie qui a demandé la conservation.'],
    'spontaneous-information': ['Autorité destinataire', 'L’autorité compétente de l’État destinataire.'],
  },
  ...authority('receivingAuthority', false),
  preservationRequest: [
    'Demande de conservation exécutée',
    'La demande au titre de l’art. 29 dont l’exécution a permis de trouver les données.',
  ],
  'preservationRequest.reference': ['Référence', 'Référence de la demande de conservation.'],
  'preservationRequest.date': ['Date', 'Sa date.'],
  providersIdentified: [
    'Fournisseurs de services identifiés',
    'Fournisseurs d’autres États intervenus dans la transmission.',
  ],
  'providersIdentified[].name': ['Nom', 'Nom du fournisseur de services.'],
  'providersIdentified[].country': ['Pays', 'Son pays.'],
  transmissionPath: ['Voie de la communication', 'La voie par laquelle la communication a été transmise.'],
  trafficDataDisclosed: [
    'Données relatives au trafic divulguées',
    'Une quantité suffisante de données relatives au trafic pour identifier les fournisseurs et la voie.',
  ],

  measures: {
    'stored-data': [
      'Mesures demandées',
      'Perquisition ou accès similaire, saisie ou obtention similaire, ou divulgation.',
    ],
    'asset-recovery': ['Mesures demandées', 'Identifier, localiser, geler, saisir ou confisquer.'],
  },
  relevance: {
    'stored-data': [
      'Pertinence',
      'Pourquoi les données sont pertinentes et à quelle fin elles sont demandées.',
    ],
    'production-order': ['Pertinence', 'Pertinence des données pour l’enquête ou la procédure.'],
    'spontaneous-information': [
      'Pourquoi elle peut aider',
      'Comment elle pourrait aider à engager ou à mener des enquêtes ou des procédures.',
    ],
  },
  status: ['Statut', 'Nouvelle demande, ou suite d’une demande d’entraide ou de conservation antérieure.'],
  confirmationContact: [
    'Contact pour confirmation',
    'Un autre contact qui peut confirmer que la demande est authentique.',
  ],
  ...prefixed('confirmationContact', contact),
  investigatingAuthority: [
    'Autorité chargée de l’enquête',
    'L’autorité chargée de l’enquête, si elle diffère de l’autorité requérante.',
  ],
  ...authority('investigatingAuthority', false),
  prosecutionOrCourt: [
    'Parquet ou tribunal',
    'Le parquet ou le tribunal, avec les numéros de dossier et les décisions.',
  ],
  'prosecutionOrCourt.name': ['Nom', 'Parquet ou tribunal.'],
  'prosecutionOrCourt.caseNumbers': ['Numéros de dossier', 'Ses numéros de dossier.'],
  'prosecutionOrCourt.decisions': [
    'Décisions',
    'Décisions ou ordonnances rendues (date, référence, résumé).',
  ],
  earlierMlaRequests: [
    'Demandes d’entraide antérieures',
    'Demandes d’entraide antérieures : date, numéro de dossier, contacts, moyen utilisé.',
  ],
  ...earlierRequest('earlierMlaRequests'),
  earlierPreservationRequests: [
    'Demandes de conservation antérieures',
    'Demandes de conservation antérieures : date, numéro de dossier, contacts, moyen.',
  ],
  ...earlierRequest('earlierPreservationRequests'),

  targetCommunications: {
    'realtime-traffic': [
      'Communications spécifiées',
      'Identifiants des communications dont les données relatives au trafic doivent être collectées.',
    ],
    interception: [
      'Communications spécifiées',
      'Identifiants des communications dont le contenu doit être intercepté.',
    ],
  },
  ...identifier('targetCommunications'),
  period: {
    'realtime-traffic': ['Période de collecte', 'Période de collecte, avec son fuseau horaire.'],
    interception: ['Période d’interception', 'Période de collecte, avec son fuseau horaire.'],
  },
  'period.from': ['Du', 'Début de la collecte.'],
  'period.to': ['Au', 'Fin de la collecte.'],
  'period.timeZone': ['Fuseau horaire', 'Fuseau horaire du début et de la fin.'],
  provider: {
    'realtime-traffic': [
      'Fournisseur de services',
      'Le fournisseur qui achemine les communications, s’il est connu.',
    ],
    'production-order': ['Fournisseur de services', 'Nom et adresse du fournisseur.'],
  },
  'provider.name': ['Nom', 'Nom du fournisseur de services.'],
  'provider.address': ['Adresse', 'Son adresse dans l’État requis.'],
  domesticAuthorisation: ['Autorisation interne', 'L’autorisation de l’interception selon votre droit.'],
  'domesticAuthorisation.authority': ['Autorité', 'Juge ou autorité qui a autorisé l’interception.'],
  'domesticAuthorisation.date': ['Date', 'Date de l’autorisation.'],
  'domesticAuthorisation.reference': ['Référence', 'Référence de l’autorisation (joignez-en une copie).'],
  underProtocol: {
    'emergency-disclosure': [
      'Déclaration au titre du Protocole',
      'Indique que la demande est émise en vertu du Deuxième Protocole additionnel.',
    ],
    'production-order': [
      'Déclaration au titre du Protocole',
      'Indique que l’injonction est émise en vertu du Deuxième Protocole additionnel.',
    ],
  },
  providers: [
    'Fournisseurs de services',
    'Nom et adresse de chaque fournisseur en possession ou ayant le contrôle des données.',
  ],
  'providers[].name': ['Nom', 'Nom du fournisseur de services.'],
  'providers[].address': ['Adresse', 'Son adresse dans l’État requis.'],
  emergency: ['Urgence', 'Faits démontrant l’urgence et lien de la demande avec celle-ci.'],
  'emergency.facts': [
    'Faits',
    'Faits montrant un risque important et imminent pour la vie ou la sécurité d’une personne.',
  ],
  'emergency.relation': ['Lien', 'Le lien entre les données ou l’assistance demandées et l’urgence.'],
  specialInstructions: [
    'Instructions procédurales particulières',
    'Toute instruction procédurale particulière (par exemple ne pas informer le client).',
  ],
  order: ['Injonction', 'L’autorité émettrice et la date de l’injonction.'],
  'order.issuingAuthority': ['Autorité émettrice', 'Autorité qui a émis l’injonction.'],
  'order.issuedOn': ['Émise le', 'Date de l’injonction.'],
  'order.reference': ['Référence', 'Référence de l’injonction (joignez-la).'],
  domesticLegalGrounds: [
    'Fondement juridique interne',
    'Les dispositions de votre droit qui habilitent l’autorité à émettre l’injonction.',
  ],
  providerBelief: [
    'Pourquoi le fournisseur détient les données',
    'Pourquoi vous pensez que le fournisseur est en possession ou a le contrôle des données.',
  ],
  contact: [
    'Contact pour plus d’informations',
    'Une autorité ou une personne qui peut fournir des informations complémentaires.',
  ],
  ...prefixed('contact', contact),
  preservation: ['Conservation', 'Si la conservation a été demandée, avec sa date et sa référence.'],
  'preservation.sought': ['Demandée', 'La conservation des données a-t-elle été demandée ?'],
  'preservation.date': ['Date', ''],
  'preservation.reference': ['Référence', ''],
  otherMeans: [
    'Autres moyens',
    'Si les données ont été demandées par d’autres moyens et, le cas échéant, comment.',
  ],
  'otherMeans.sought': ['Demandées', 'Les données ont-elles été demandées par d’autres moyens ?'],
  'otherMeans.details': ['Précisions', ''],
  property: ['Biens', 'Description des biens, avec leur localisation et leur valeur estimée.'],
  'property[].description': ['Description', 'Description du bien (compte, bien immobilier, véhicule).'],
  'property[].location': ['Localisation', 'Sa localisation, dans la mesure du possible.'],
  'property[].estimatedValue': ['Valeur estimée', 'Valeur estimée, le cas échéant.'],
  confiscationOrder: ['Décision de confiscation', 'La décision de confiscation à exécuter.'],
  'confiscationOrder.court': ['Tribunal', 'Tribunal qui a rendu la décision.'],
  'confiscationOrder.date': ['Date', 'Date de la décision.'],
  'confiscationOrder.reference': ['Référence', 'Référence ; joignez une copie recevable en justice.'],
  'confiscationOrder.extentOfExecution': [
    'Étendue de l’exécution',
    'La mesure dans laquelle l’exécution est demandée.',
  ],
  information: ['Information', 'L’information obtenue dans le cadre de votre propre enquête.'],
  conditions: ['Conditions', 'Conditions de confidentialité ou d’utilisation.'],
  'conditions.confidential': ['Confidentielle', 'L’information doit-elle rester confidentielle ?'],
  'conditions.useLimitations': ['Restrictions d’utilisation', 'Conditions de son utilisation.'],
  personToBeHeard: ['Personne à entendre', 'Le témoin ou l’expert à entendre.'],
  'personToBeHeard.name': ['Nom', 'Nom du témoin ou de l’expert.'],
  'personToBeHeard.role': ['Qualité', 'Témoin ou expert.'],
  'personToBeHeard.location': ['Localisation', 'Où se trouve la personne dans l’État requis.'],
  'personToBeHeard.language': ['Langue', 'Langue de la personne, pour l’interprétation.'],
  hearing: ['Audition', 'Quand et par qui l’audition est menée.'],
  'hearing.proposedStart': ['Début proposé', 'Début proposé de l’audition.'],
  'hearing.timeZone': ['Fuseau horaire', 'Fuseau horaire du début proposé.'],
  'hearing.conductingJudicialAuthority': [
    'Autorité judiciaire qui conduit l’audition',
    'Autorité judiciaire de l’État requérant qui conduit l’audition.',
  ],
  'hearing.interpretation': ['Interprétation', 'Interprétation nécessaire, et qui l’assure.'],
  reasonForVideo: [
    'Pourquoi par vidéoconférence',
    'Pourquoi il n’est pas possible ou souhaitable que la personne comparaisse en personne.',
  ],
  composition: ['Composition', 'Autorités participantes et leurs fonctions.'],
  'composition[].authority': ['Autorité', 'Autorité participante.'],
  'composition[].country': ['Pays', 'Son pays.'],
  'composition[].role': ['Rôle', 'Son rôle ou ses fonctions dans l’équipe.'],
  duration: ['Durée', 'Durée et toute prolongation.'],
  'duration.from': ['Du', 'Début de l’équipe.'],
  'duration.to': ['Au', 'Fin de l’équipe.'],
  'duration.extension': ['Prolongation', 'Conditions de sa prolongation.'],
  evidenceRules: [
    'Règles de preuve',
    'Conditions de recueil, de transmission et d’utilisation des informations ou des preuves.',
  ],
  location: ['Lieu', 'Où l’équipe opère.'],
};

/** The format hints, keyed by their English (a hint belongs to a value format, not to one element). */
const HINTS_FR: Readonly<Record<string, string>> = {
  'YYYY-MM-DD': 'AAAA-MM-JJ',
  'BCP 47 / ISO 639-1, e.g. en': 'BCP 47 / ISO 639-1, par exemple fr',
  'untoc | budapest | budapest-p2 | uncac | reciprocity | bilateral:XA-XB':
    'untoc | budapest | budapest-p2 | uncac | reciprocity | bilateral:XA-XB',
  'ISO 3166-1 alpha-2, e.g. XA': 'ISO 3166-1 alpha-2, par exemple XA',
  '+00 0000 0000': '+00 0000 0000',
  'Mon-Fri 08:00-17:00': 'lun.-ven. 08:00-17:00',
  'IANA time zone, e.g. Europe/Berlin or UTC': 'fuseau horaire IANA, par exemple Europe/Paris ou UTC',
  'e.g. up to 5 years': 'par exemple jusqu’à 5 ans',
  'YYYY-MM-DDThh:mm:ss (local time in the time zone given alongside)':
    'AAAA-MM-JJThh:mm:ss (heure locale dans le fuseau horaire indiqué à côté)',
  true: 'true',
};

function isTexts(entry: Entry): entry is Texts {
  return Array.isArray(entry);
}

/** The French of one element of one kind, or undefined when the catalogue lacks it. */
export function frenchOf(kind: RequestKind, path: string): Texts | undefined {
  const entry = FR[path];
  if (entry === undefined) return undefined;
  return isTexts(entry) ? entry : entry[kind];
}

/** The element ids the French catalogue has (for the test that no entry outlives its element). */
export function frenchElementIds(): readonly string[] {
  return Object.keys(FR);
}

/** A format hint in the language; the English when it has no translation. */
export function hintText(hint: string, language: TemplateLanguage): string {
  return language === 'fr' ? (HINTS_FR[hint] ?? hint) : hint;
}

/** The hints the French catalogue has. */
export function frenchHints(): readonly string[] {
  return Object.keys(HINTS_FR);
}

/**
 * What the form shows for an element: its title, explanation and format hint in the language, falling back to the
 * template's English for an element the catalogue lacks (the test keeps that from shipping).
 * @example elementText('mla', element, 'fr').title // 'Résumé des faits'
 */
export function elementText(
  kind: RequestKind,
  element: Pick<ElementInfo, 'path' | 'title' | 'explanation' | 'hint'>,
  language: TemplateLanguage,
): { title: string; explanation: string; hint?: string } {
  const hint = element.hint === undefined ? {} : { hint: hintText(element.hint, language) };
  if (language === 'en') return { title: element.title, explanation: element.explanation, ...hint };
  const french = frenchOf(kind, element.path);
  return {
    title: french?.[0] ?? element.title,
    explanation: french?.[1] || element.explanation,
    ...hint,
  };
}
