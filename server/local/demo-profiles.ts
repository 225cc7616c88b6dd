// Demo data, "right first time": clearly fictional authorities (ISO user-assigned codes XA, XB, XC), their
// requirement profiles and a complete sample request of every kind. Used by tests, the seed and the demo.
import {
  bilateralTreatyId,
  type RequestKind,
  type TreatyId,
} from '../../shared/domain/requests/instruments.ts';
import { type Profile, parseProfile } from '../../shared/domain/requests/profile.ts';

/** A fictional authority as the directory would hold it. */
export interface DemoAuthority {
  readonly id: string;
  readonly country: string;
  readonly name: string;
  readonly address: string;
  readonly treaties: readonly TreatyId[];
  readonly profile: Profile;
}

const XA_XB = bilateralTreatyId('XA', 'XB');

/** Republic of Northland: the usual sender in samples. */
export const NORTHLAND: DemoAuthority = {
  id: 'xa-moj-ca',
  country: 'XA',
  name: 'Republic of Northland — Ministry of Justice, Central Authority',
  address: '1 Fictional Square, 0100 Northport, Republic of Northland',
  treaties: ['untoc', 'budapest', 'budapest-p2', 'uncac', XA_XB],
  profile: parseProfile({
    authorityId: 'xa-moj-ca',
    version: 2,
    publishedAt: '2025-01-15',
    languages: ['en', 'fr'],
    acceptedBases: ['untoc', 'budapest', 'budapest-p2', 'uncac', XA_XB, 'reciprocity'],
    extraRequired: {
      mla: [
        {
          path: 'personsConcerned',
          rule: 'persons-concerned',
          explanation: 'Northland requires the persons concerned to be identified in every MLA request.',
        },
      ],
      preservation: [
        {
          path: 'requestingAuthority.contact.officeHours',
          rule: 'contact-office-hours',
          explanation: 'Give office hours so the 24/7 desk knows when the caseworker can be reached.',
          example: 'Mon-Fri 08:00-18:00',
        },
      ],
    },
    preferredChannels: [
      { channel: 'pouch' },
      { channel: '24-7-network', kinds: ['preservation', 'emergency-disclosure'] },
    ],
    notes: ['Fictional demo authority. Requests in English or French are answered fastest.'],
    acknowledgeWithinHours: { emergency: 4, urgent: 48, normal: 240 },
  }),
};

/** Federal Republic of Southmark: the usual recipient in samples; strict extra requirements. */
export const SOUTHMARK: DemoAuthority = {
  id: 'xb-foj-ca',
  country: 'XB',
  name: 'Federal Republic of Southmark — Federal Office of Justice, Central Authority for International Cooperation',
  address: '42 Imaginary Avenue, 2000 Southgate, Federal Republic of Southmark',
  treaties: ['untoc', 'budapest', 'budapest-p2', 'uncac', XA_XB],
  profile: parseProfile({
    authorityId: 'xb-foj-ca',
    version: 3,
    publishedAt: '2025-03-01',
    languages: ['de', 'en'],
    acceptedBases: ['untoc', 'budapest', 'budapest-p2', 'uncac', XA_XB],
    extraRequired: {
      mla: [
        {
          path: 'additional.dualCriminalityStatement',
          rule: 'dual-criminality-statement',
          explanation:
            'State why the conduct would also be an offence under Southmark law (coercive measures).',
          example: 'The conduct would constitute computer fraud under s. 263a of the Southmark Penal Code.',
        },
        {
          path: 'additional.certificationFormat',
          rule: 'certification-format',
          explanation: 'How the evidence returned must be certified for use in your courts.',
          allowedValues: ['apostille', 'sworn-declaration', 'business-records-certificate'],
          example: 'business-records-certificate',
        },
      ],
      'stored-data': [
        {
          path: 'additional.probableCauseStatement',
          rule: 'probable-cause-statement',
          explanation:
            'For stored content, facts meeting the Southmark standard that the account holds evidence of the offence.',
          example: 'Chat logs seized from the suspect show the account was used to send the ransom notes.',
        },
        {
          path: 'additional.certificationFormat',
          rule: 'certification-format',
          explanation: 'How the evidence returned must be certified for use in your courts.',
          allowedValues: ['apostille', 'sworn-declaration', 'business-records-certificate'],
          example: 'business-records-certificate',
        },
      ],
      'subscriber-information': [
        {
          path: 'dataSought[].identifiers[].observedAt',
          rule: 'ip-timestamp',
          explanation:
            'Give the exact date and time each identifier was observed; dynamic IP addresses change.',
          example: '2025-02-10T21:14:07',
        },
      ],
    },
    preferredChannels: [
      { channel: 'pouch' },
      { channel: '24-7-network', kinds: ['preservation', 'emergency-disclosure'] },
    ],
    notes: [
      'Fictional demo authority.',
      'Requests for content data must meet the probable-cause standard of the Southmark Code of Criminal Procedure.',
    ],
    acknowledgeWithinHours: { emergency: 2, urgent: 24, normal: 120 },
  }),
};

/** Kingdom of Eastmere: not a Party to the Budapest Convention (legal basis warnings). */
export const EASTMERE: DemoAuthority = {
  id: 'xc-oag-iau',
  country: 'XC',
  name: 'Kingdom of Eastmere — Office of the Attorney General, International Affairs Unit',
  address: '7 Placeholder Road, Eastmere City EC1, Kingdom of Eastmere',
  treaties: ['untoc', 'uncac'],
  profile: parseProfile({
    authorityId: 'xc-oag-iau',
    version: 1,
    publishedAt: '2024-11-20',
    languages: ['en'],
    acceptedBases: ['untoc', 'uncac', 'reciprocity'],
    extraRequired: {
      'asset-recovery': [
        {
          path: 'property[].estimatedValue',
          rule: 'estimated-value',
          explanation: 'Give an estimated value for each asset; freezing orders are granted by value.',
          example: 'EUR 250,000',
        },
      ],
    },
    preferredChannels: [
      { channel: 'pouch' },
      { channel: 'diplomatic', note: 'Originals of court orders by post.' },
    ],
    notes: ['Fictional demo authority. Not a Party to the Budapest Convention.'],
    acknowledgeWithinHours: { emergency: 6, urgent: 72, normal: 480 },
  }),
};

/** All demo authorities. */
export const DEMO_AUTHORITIES: readonly DemoAuthority[] = [NORTHLAND, SOUTHMARK, EASTMERE];

/** All demo profiles. */
export const DEMO_PROFILES: readonly Profile[] = DEMO_AUTHORITIES.map((a) => a.profile);

// ---------------------------------------------------------------------------------------------------------------
// Sample requests: Northland (XA) to Southmark (XB).

const requestingAuthority = {
  authorityId: NORTHLAND.id,
  name: 'Republic of Northland — Ministry of Justice, Central Authority',
  country: 'XA',
  personInCharge: 'Ada Example, Senior Counsel',
  address: NORTHLAND.address,
  contact: {
    name: 'Ada Example',
    role: 'Senior Counsel, International Cooperation',
    phone: '+999 555 0100',
    email: 'ada.example@moj.northland.example',
    officeHours: 'Mon-Fri 08:00-17:00',
    timeZone: 'Europe/Oslo',
    preferredReply: 'pouch',
  },
};
const requestedAuthority = { authorityId: SOUTHMARK.id, name: SOUTHMARK.name, country: 'XB' };
const caseReference = {
  reference: 'NL-MJ-2025-0042',
  caseNumbers: [{ authority: 'Northport Public Prosecutor', number: 'NPP 17/2025' }],
};
const offence = {
  name: 'Computer-related fraud',
  legalProvisions: ['Northland Penal Code s. 271 (computer-related fraud)'],
  penalty: 'Imprisonment up to 6 years',
};
const facts =
  'Between 3 and 10 February 2025 an unknown person used phishing e-mails to obtain online-banking credentials of 14 Northland residents and transferred EUR 180,000 to accounts abroad.';
const dataItem = {
  category: 'subscriber',
  description:
    'Subscriber details and login IP addresses of the e-mail account that sent the phishing messages.',
  identifiers: [
    { type: 'email', value: 'support@secure-bank-login.example', observedAt: '2025-02-10T21:14:07' },
  ],
  timeRange: { from: '2025-02-01T00:00:00', to: '2025-02-28T23:59:59', timeZone: 'Europe/Oslo' },
  relationToOffence: 'The account sent the phishing e-mails to the victims.',
};
const person = {
  role: 'suspect',
  name: 'Unknown user of support@secure-bank-login.example',
  location: 'Presumed Southmark',
};
const common = (kind: RequestKind, legalBasis: TreatyId) => ({
  kind,
  date: '2025-03-04',
  language: 'en',
  legalBasis,
  caseReference,
  urgency: {
    level: 'urgent',
    reasons: 'Provider retention period for logs is 90 days.',
    deadline: '2025-04-01',
  },
  confidentiality: { required: true, reasons: 'The suspect must not be alerted.' },
  relatedRequests: [
    {
      relation: 'earlier-preservation',
      date: '2025-02-12',
      reference: 'NL-24/7-2025-0007',
      means: '24/7 network',
    },
  ],
});
const generalMla = {
  requestingAuthority,
  requestedAuthority,
  subject: {
    nature: 'investigation',
    description: 'Criminal investigation into a phishing and bank-fraud campaign.',
  },
  conductingAuthority: {
    name: 'Northport Public Prosecutor',
    functions: 'Public prosecutor directing the investigation',
  },
  offences: [offence],
  facts,
  assistanceSought: {
    measures: [
      { type: 'providing-records', description: 'Obtain and provide the account records described below.' },
    ],
    procedure: 'Please have the provider certify the records.',
  },
  personsConcerned: [person],
  purpose: 'To identify the person who sent the phishing e-mails and trace the stolen funds.',
};
const provider = {
  name: 'Example Mail Services GmbH',
  address: '9 Server Street, 2100 Southgate, Southmark',
};
const contact = requestingAuthority.contact;

/** A complete sample request of every kind, Northland to Southmark. Each passes check without errors. */
export const SAMPLE_REQUESTS: Readonly<Record<RequestKind, Readonly<Record<string, unknown>>>> = {
  mla: {
    ...common('mla', 'untoc'),
    ...generalMla,
    dataSought: [dataItem],
    additional: {
      dualCriminalityStatement: 'The conduct is computer fraud under Southmark Penal Code s. 263a.',
      certificationFormat: 'business-records-certificate',
    },
  },
  preservation: {
    ...common('preservation', 'budapest'),
    requestingAuthority,
    requestedAuthority,
    offences: [offence],
    facts,
    dataSought: [{ ...dataItem, category: 'content' }],
    custodian: { name: provider.name, location: 'Data centre in Southgate' },
    necessity: 'The provider deletes logs after 90 days; the MLA request is being prepared.',
    intentToRequestMla: true,
  },
  'traffic-disclosure': {
    ...common('traffic-disclosure', 'budapest'),
    providingAuthority: requestingAuthority,
    receivingAuthority: requestedAuthority,
    preservationRequest: { reference: 'XB-24/7-2025-0031', date: '2025-02-20' },
    providersIdentified: [{ name: 'Faraway Hosting Ltd', country: 'XC' }],
    transmissionPath:
      'The connection came through a VPN exit node hosted by Faraway Hosting Ltd in Eastmere.',
    trafficDataDisclosed: 'Source IP 203.0.113.7 at 2025-02-10T21:14:07 Europe/Oslo, port 51234.',
  },
  'stored-data': {
    ...common('stored-data', 'budapest'),
    requestingAuthority,
    requestedAuthority,
    offences: [offence],
    facts,
    measures: ['disclosure'],
    dataSought: [{ ...dataItem, category: 'content' }],
    custodian: { name: provider.name },
    relevance: 'The mailbox holds the phishing templates and replies from victims.',
    personsConcerned: [person],
    additional: {
      probableCauseStatement:
        'Victims received phishing e-mails from this account; headers show it as the sender.',
      certificationFormat: 'business-records-certificate',
    },
  },
  'subscriber-information': {
    ...common('subscriber-information', 'budapest'),
    status: 'follow-up-preservation',
    requestedAuthority,
    requestingAuthority,
    confirmationContact: {
      name: 'Ben Sample',
      phone: '+999 555 0101',
      email: 'ben.sample@moj.northland.example',
      timeZone: 'Europe/Oslo',
    },
    prosecutionOrCourt: { name: 'Northport Public Prosecutor', caseNumbers: ['NPP 17/2025'] },
    earlierPreservationRequests: [
      {
        relation: 'earlier-preservation',
        date: '2025-02-12',
        reference: 'NL-24/7-2025-0007',
        means: '24/7 network',
      },
    ],
    offences: [offence],
    facts,
    dataSought: [dataItem],
  },
  'realtime-traffic': {
    ...common('realtime-traffic', 'budapest'),
    requestingAuthority,
    requestedAuthority,
    offences: [offence],
    facts,
    targetCommunications: [{ type: 'ip-address', value: '198.51.100.23' }],
    period: { from: '2025-03-10T00:00:00', to: '2025-04-09T23:59:59', timeZone: 'Europe/Oslo' },
    necessity: 'The suspect changes accounts daily; only live collection links the sessions.',
    provider,
  },
  interception: {
    ...common('interception', 'budapest'),
    requestingAuthority,
    requestedAuthority,
    offences: [offence],
    facts,
    targetCommunications: [{ type: 'account', value: 'support@secure-bank-login.example' }],
    period: { from: '2025-03-10T00:00:00', to: '2025-04-09T23:59:59', timeZone: 'Europe/Oslo' },
    domesticAuthorisation: {
      authority: 'Northport District Court',
      date: '2025-03-01',
      reference: 'NDC 88/2025',
    },
    necessity: 'Content is needed to identify co-offenders; other measures have failed.',
  },
  'emergency-disclosure': {
    ...common('emergency-disclosure', 'budapest-p2'),
    urgency: { level: 'emergency', reasons: 'A kidnapped person is held for ransom.' },
    requestingAuthority,
    requestedAuthority,
    underProtocol: true,
    providers: [provider],
    offences: [
      {
        name: 'Kidnapping',
        legalProvisions: ['Northland Penal Code s. 239'],
        penalty: 'Imprisonment up to 15 years',
      },
    ],
    emergency: {
      facts:
        'A 12-year-old child was abducted on 3 March 2025; the kidnappers send demands from this account.',
      relation: 'Login IP addresses of the account may locate the kidnappers and the child.',
    },
    dataSought: [dataItem],
    specialInstructions: 'Do not notify the account holder.',
  },
  'emergency-mla': {
    ...common('emergency-mla', 'budapest-p2'),
    ...generalMla,
    emergency: {
      facts:
        'A 12-year-old child was abducted on 3 March 2025; the kidnappers send demands from this account.',
      relation: 'The stored messages may reveal where the child is held.',
    },
  },
  'production-order': {
    ...common('production-order', 'budapest-p2'),
    requestingAuthority,
    requestedAuthority,
    order: {
      issuingAuthority: 'Northport Public Prosecutor',
      issuedOn: '2025-03-03',
      reference: 'NPP-PO-2025-11',
    },
    underProtocol: true,
    provider,
    offences: [offence],
    dataSought: [dataItem],
    domesticLegalGrounds: 'Northland Code of Criminal Procedure s. 100j (production of subscriber data).',
    providerBelief: 'The e-mail domain is hosted by the provider according to public DNS records.',
    facts,
    relevance: 'Subscriber data will identify the sender of the phishing e-mails.',
    contact,
    preservation: { sought: true, date: '2025-02-12', reference: 'NL-24/7-2025-0007' },
    otherMeans: { sought: false },
  },
  'asset-recovery': {
    ...common('asset-recovery', 'uncac'),
    ...generalMla,
    measures: ['trace', 'freeze', 'confiscate'],
    property: [
      {
        description: 'Account SM00 0000 0000 0000 at Example Bank of Southmark',
        location: 'Southgate',
        estimatedValue: 'EUR 120,000',
      },
    ],
    confiscationOrder: {
      court: 'Northport District Court',
      date: '2025-02-28',
      reference: 'NDC 54/2025',
      extentOfExecution: 'Confiscation of the balance up to EUR 120,000.',
    },
  },
  'spontaneous-information': {
    ...common('spontaneous-information', 'budapest'),
    providingAuthority: requestingAuthority,
    receivingAuthority: requestedAuthority,
    information: 'A seized server held a list of 300 Southmark bank customers with passwords.',
    relevance: 'The customers are likely victims of the same phishing group.',
    offences: [offence],
    conditions: {
      confidential: true,
      useLimitations: 'Use only for the investigation of this phishing campaign.',
    },
  },
  'video-conference': {
    ...common('video-conference', 'untoc'),
    ...generalMla,
    assistanceSought: {
      measures: [{ type: 'taking-evidence', description: 'Hear the witness by video conference.' }],
    },
    personToBeHeard: { name: 'Carl Witness', role: 'witness', location: 'Southgate', language: 'de' },
    hearing: {
      proposedStart: '2025-05-12T10:00:00',
      timeZone: 'Europe/Oslo',
      conductingJudicialAuthority: 'Northport District Court, Judge D. Placeholder',
      interpretation: 'German-English interpreter provided by the Northport court.',
    },
    reasonForVideo: 'The witness is 86 years old and cannot travel.',
  },
  'joint-investigation-team': {
    ...common('joint-investigation-team', 'budapest-p2'),
    requestingAuthority,
    requestedAuthority,
    purpose: 'Investigate the phishing group active in both States.',
    composition: [
      { authority: 'Northport Public Prosecutor', country: 'XA', role: 'Team leader in Northland' },
      { authority: 'Southgate Public Prosecutor', country: 'XB', role: 'Team leader in Southmark' },
    ],
    duration: { from: '2025-04-01', to: '2025-09-30', extension: 'By written agreement for 6 months.' },
    evidenceRules: 'Evidence gathered by the team may be used in both States under their procedural law.',
    location: 'Northport and Southgate',
    offences: [offence],
    facts,
  },
};

/**
 * Build a sample request of a kind that also answers every extra requirement of `profile` with the
 * requirement's example (or first allowed value). Used by tests and the demo.
 */
export function buildSampleFor(kind: RequestKind, profile?: Profile): Record<string, unknown> {
  const sample = structuredClone(SAMPLE_REQUESTS[kind]) as Record<string, unknown>;
  if (!profile) return sample;
  const to = 'receivingAuthority' in sample ? 'receivingAuthority' : 'requestedAuthority';
  sample[to] = { ...(sample[to] as object), authorityId: profile.authorityId };
  for (const req of profile.extraRequired[kind] ?? []) {
    const answer = req.example ?? req.allowedValues?.[0] ?? 'See attached statement.';
    setAtPattern(sample, req.path, answer);
  }
  return sample;
}

function setAtPattern(node: unknown, pattern: string, value: unknown): void {
  const [head, ...rest] = pattern.split('.');
  if (!head || typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  const key = head.replace(/\[\]$/, '');
  if (head.endsWith('[]')) {
    if (!Array.isArray(obj[key])) obj[key] = [rest.length > 0 ? {} : value];
    for (const [i, item] of (obj[key] as unknown[]).entries()) {
      if (rest.length === 0) (obj[key] as unknown[])[i] = item ?? value;
      else setAtPattern(item, rest.join('.'), value);
    }
    return;
  }
  if (rest.length === 0) {
    if (obj[key] === undefined || obj[key] === null) obj[key] = value;
    return;
  }
  if (typeof obj[key] !== 'object' || obj[key] === null) obj[key] = {};
  setAtPattern(obj[key], rest.join('.'), value);
}
