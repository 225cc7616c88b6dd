// Custody (shared by the CLI and the portal): the printable custody report for auditors. collectCustodyReport
// verifies a bundle (bundle.ts, the verifier `pouch verify` runs) and keeps what the page shows; the renderer
// prints parties, every event in words, the receipts, the checkpoint and every check, in the letter's style. A
// bundle that fails is refused, never printed: a printed page travels without its context, and a forged timeline
// under a "FAILED" banner on page one reads as genuine on page two.
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { PublicJwk } from '../crypto/compact-jws.ts';
import { PouchError } from '../domain/errors.ts';
import type { ExchangeState, MessageKind } from '../domain/exchange/state-machine.ts';
import type { Urgency } from '../domain/exchange/urgency.ts';
import type { MemberRole } from '../domain/identity/types.ts';
import type { KnownLedgerAction, LedgerEvent } from '../domain/ledger/event.ts';
import type { EvidenceType, ReceiptPayload } from '../domain/ledger/receipt.ts';
import { KINDS, type RequestKind } from '../domain/requests/instruments.ts';
import { type LetterLanguage, letterTextFor, writeDate } from '../domain/requests/letter-text.ts';
import { escapeHtml } from '../domain/requests/render-html.ts';
import { type BundleLabel, type BundleSummary, type BundleVerification, verifyBundle } from './bundle.ts';

/** A member key the bundle lists, with its RFC 7638 fingerprint. */
export interface ReportMemberKey {
  readonly clientId: string;
  readonly kid: string;
  readonly fingerprint: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** One verified event with the receipt and manifest the verifier matched to it. */
export interface ReportEvent {
  readonly event: LedgerEvent;
  readonly receipt?: string;
  readonly manifest?: string;
}

/** What the report prints: the verdict and, when it holds, everything verified. */
export interface CustodyReport {
  readonly verification: BundleVerification;
  /** RFC 7638 fingerprint of the exchange custody key the bundle was verified against. */
  readonly exchangeKeyFingerprint: string | undefined;
  readonly events: readonly ReportEvent[];
  readonly receipts: readonly ReceiptPayload[];
  readonly memberKeys: readonly ReportMemberKey[];
}

/** A party as the auditor's directory knows it: a name, and the authority key fingerprint they pinned. */
export interface ReportParty {
  readonly name?: string;
  readonly authorityKeyFingerprint?: string;
}

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

function decodeJwsPayload(jws: string): unknown {
  const part = jws.split('.')[1] ?? '';
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

/**
 * Verify a custody bundle against the trusted exchange key(s) and gather what the printable report shows. The
 * receipts are read from the bundle after the verifier checked their signatures; when the verdict is not ok,
 * nothing but the verdict may be printed (renderCustodyReportHtml refuses).
 * @example const report = await collectCustodyReport(text, { trustedExchangeKeys: [pinnedKey] });
 */
export async function collectCustodyReport(
  bundle: string,
  options: { readonly trustedExchangeKeys: readonly PublicJwk[] },
): Promise<CustodyReport> {
  const events: ReportEvent[] = [];
  const verification = await verifyBundle(once(bundle), {
    trustedExchangeKeys: options.trustedExchangeKeys,
    onEvent: (event, marks) => events.push({ event, ...marks }),
  });
  const receipts: ReceiptPayload[] = [];
  const memberKeys: ReportMemberKey[] = [];
  let exchangeKeyFingerprint: string | undefined;
  if (verification.ok) {
    for (const line of bundle.split('\n')) {
      if (line === '' || line.startsWith('{"body":')) continue;
      const record = JSON.parse(line) as Record<string, unknown>;
      if (record.type === 'receipt') receipts.push(decodeJwsPayload(String(record.jws)) as ReceiptPayload);
      if (record.type === 'exchange-key') {
        exchangeKeyFingerprint = await calculateJwkThumbprint(record.jwk as JWK, 'sha256');
      }
      if (record.type === 'member-key') {
        memberKeys.push({
          clientId: String(record.clientId),
          kid: String(record.kid),
          fingerprint: await calculateJwkThumbprint(record.jwk as JWK, 'sha256'),
          createdAt: String(record.createdAt),
          ...(typeof record.revokedAt === 'string' ? { revokedAt: record.revokedAt } : {}),
        });
      }
    }
  }
  return { verification, exchangeKeyFingerprint, events, receipts, memberKeys };
}

/**
 * The languages the report is printed in: the letter's (the Budapest Convention's), so one list (LETTER_LANGUAGES)
 * and one guard (isLetterLanguage) serve both, and a language added to the letter fails the typecheck here until
 * the report has its words.
 */
export type ReportLanguage = LetterLanguage;

/** The checks the verifier made, in its order. */
const CHECKS = ['header', 'label', 'exchangeKey', 'checkpoint', 'receipts', 'manifests', 'events'] as const;
type Check = (typeof CHECKS)[number];

/** What the checks covered, the numbers the sentences need. */
interface CheckFacts {
  readonly version: number | string;
  readonly exchangeId: string;
  readonly exchangeKey: string;
  readonly loggedHeads: number;
  readonly receipts: number;
  readonly manifests: number;
  readonly events: number;
}

/**
 * Every word the report prints that does not come from the bundle, in one language. Every record is keyed by a
 * closed union, so a word missing in one language fails the typecheck. Arguments are plain text: the renderer
 * escapes what the words return, except the `…Html` ones, whose arguments are already escaped.
 */
interface ReportWords {
  readonly lang: string;
  /** A colon after a label (French puts a narrow no-break space before it). */
  readonly colon: string;
  /** The separator between the particulars of one event (French puts a no-break space before `;`). */
  readonly semicolon: string;
  /** Ledger actions in words, as an auditor reads them. */
  readonly actions: Readonly<Record<KnownLedgerAction, string>>;
  /** What EN 319 522 evidence each receipt is, in words. */
  readonly evidence: Readonly<Record<EvidenceType, string>>;
  readonly messageKinds: Readonly<Record<MessageKind, string>>;
  readonly statuses: Readonly<Record<ExchangeState, string>>;
  readonly urgencies: Readonly<Record<Urgency, string>>;
  readonly memberRoles: Readonly<Record<MemberRole, string>>;
  readonly kindTitle: (kind: RequestKind) => string;
  /** An instant, in UTC: a report read in several countries names one clock. */
  readonly instant: (iso: string) => string;
  readonly urgency: (words: string) => string;
  readonly messageKind: (words: string) => string;
  readonly statusNow: (words: string) => string;
  readonly message: (id: string) => string;
  readonly document: (id: string) => string;
  readonly outcome: (outcome: string) => string;
  readonly roles: readonly [string, string];
  readonly notPinned: string;
  readonly revoked: (when: string) => string;
  /** One document of an event; the digests are already-escaped HTML. */
  readonly documentHtml: (id: string, plaintext: string, sealed: string, size: number) => string;
  readonly receipt: (evidence: string) => string;
  readonly signedManifest: string;
  readonly checkNames: Readonly<Record<Check, string>>;
  readonly checks: (facts: CheckFacts) => Readonly<Record<Check, string>>;
  readonly passed: string;
  readonly title: string;
  readonly exchange: string;
  readonly deadline: (date: string) => string;
  readonly printed: (when: string) => string;
  readonly verdictHtml: (fingerprint: string) => string;
  readonly headings: readonly [string, string, string, string, string];
  readonly partyColumns: readonly [string, string, string, string, string];
  readonly eventColumns: readonly [string, string, string, string];
  readonly receiptsIntro: string;
  readonly receiptColumns: readonly [string, string, string, string, string, string];
  readonly checkpointHtml: (
    size: number,
    root: string,
    signed: string,
    fingerprint: string,
    seq: string,
    hash: string,
  ) => string;
  readonly noCheckpoint: string;
  readonly uncheckpointed: (count: number) => string;
  /** The running footer, as CSS string parts around the two page counters. */
  readonly page: readonly [string, string];
}

const EN: ReportWords = {
  lang: 'en',
  colon: ': ',
  semicolon: '; ',
  actions: {
    'exchange.created': 'opened the exchange',
    'document.uploaded': 'uploaded a sealed document',
    'message.sent': 'sent a message',
    'message.delivered': 'received the message (delivery)',
    'document.retrieved': 'downloaded a sealed document (hand-over)',
    'auditor.viewed': 'viewed the custody record',
    'custody.exported': 'exported the custody bundle',
    'exchange.linked': 'linked this exchange to another',
    'clock.reminded': 'recorded a deadline reminder',
    'clock.escalated': 'escalated an overdue deadline',
    'clock.lapsed': 'recorded a lapsed deadline',
  },
  evidence: {
    SubmissionAcceptance: 'submission accepted',
    ContentConsignment: 'content made available to the recipient',
    ContentHandover: 'content handed over to the recipient',
  },
  // English prints the codes as they are (as it always has): a code is its own word.
  messageKinds: {
    request: 'request',
    acknowledgement: 'acknowledgement',
    'info-request': 'info-request',
    'info-reply': 'info-reply',
    evidence: 'evidence',
    postponement: 'postponement',
    refusal: 'refusal',
    withdrawal: 'withdrawal',
    closure: 'closure',
    consultation: 'consultation',
    extension: 'extension',
  },
  statuses: {
    open: 'open',
    submitted: 'submitted',
    acknowledged: 'acknowledged',
    'information-requested': 'information requested',
    postponed: 'postponed',
    executing: 'executing',
    executed: 'executed',
    refused: 'refused',
    withdrawn: 'withdrawn',
    closed: 'closed',
  },
  urgencies: { normal: 'normal', urgent: 'urgent', emergency: 'emergency' },
  memberRoles: { officer: 'officer', 'contact-247': 'contact-247', auditor: 'auditor', admin: 'admin' },
  kindTitle: (kind) => KINDS[kind].title,
  instant: (iso) => {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
    return m ? `${m[1]} ${m[2]} UTC` : iso;
  },
  urgency: (words) => `urgency ${words}`,
  messageKind: (words) => `a ${words}`,
  statusNow: (words) => `status now ${words}`,
  message: (id) => `message ${id}`,
  document: (id) => `document ${id}`,
  outcome: (outcome) => `outcome ${outcome}`,
  roles: ['Requesting authority', 'Requested authority'],
  notPinned: 'not pinned by this auditor',
  revoked: (when) => `revoked ${when}`,
  documentHtml: (id, plaintext, sealed, size) =>
    `${id}: plaintext <code>${plaintext}</code>, sealed <code>${sealed}</code>, ${size} bytes`,
  receipt: (evidence) => `receipt: ${evidence}`,
  signedManifest: 'signed manifest',
  checkNames: {
    header: 'Header',
    label: 'Label',
    exchangeKey: 'Exchange key',
    checkpoint: 'Checkpoint',
    receipts: 'Receipts',
    manifests: 'Manifests',
    events: 'Events',
  },
  checks: (f) => ({
    header: `a version ${f.version} custody bundle of exchange ${f.exchangeId}`,
    label:
      "the parties, kind, urgency, deadline and references agree with the exchange's first event and with the label every sender signed",
    exchangeKey: `the bundle is signed with the pinned custody key ${f.exchangeKey}`,
    checkpoint: `its signature verifies with that key; ${f.loggedHeads} logged chain head(s) are proven in it by inclusion proofs`,
    receipts: `${f.receipts} receipt(s): each signature verifies, each agrees with its event, and every event that earns one has it`,
    manifests: `${f.manifests} manifest(s): each signed by the sender's member key, valid at the time, with the digests of its event`,
    events: `${f.events} event(s): each hash and each link to the one before holds, from the first to the last`,
  }),
  passed: 'passed',
  title: 'Custody report',
  exchange: 'Exchange',
  deadline: (date) => `deadline ${date}`,
  printed: (when) => `printed ${when}`,
  verdictHtml: (fingerprint) =>
    `VERIFIED: every check passed against the pinned exchange custody key <code>${fingerprint}</code>.`,
  headings: ['Parties', 'Events, in order', 'Receipts signed by the exchange', 'Checkpoint', 'Verification'],
  partyColumns: ['Role', 'Authority', 'Reference', 'Authority key fingerprint', 'Member keys (fingerprints)'],
  eventColumns: ['No.', 'Time', 'Actor', 'Action'],
  receiptsIntro: 'Each receipt is signed with the exchange custody key and names the event by its hash.',
  receiptColumns: ['Event', 'Evidence', 'Time', 'Sender', 'Recipient', 'Event hash'],
  checkpointHtml: (size, root, signed, fingerprint, seq, hash) =>
    `Tree size ${size}, root <code>${root}</code>, signed ${signed} with the exchange custody key <code>${fingerprint}</code>. It proves the chain up to event ${seq} (hash <code>${hash}</code>).`,
  noCheckpoint: 'No checkpoint.',
  uncheckpointed: (count) =>
    ` The ${count} newest event(s) are hash-linked to it and wait for the next scheduled checkpoint.`,
  page: ['Page ', ' of '],
};

/** The no-break space French puts before a colon or semicolon and inside guillemets, as the letter writes it. */
const NB = '\u00a0';
const FR_LETTER = letterTextFor('fr').text;

const FR: ReportWords = {
  lang: 'fr',
  colon: `${NB}: `,
  semicolon: `${NB}; `,
  actions: {
    'exchange.created': 'a ouvert l’échange',
    'document.uploaded': 'a déposé un document scellé',
    'message.sent': 'a envoyé un message',
    'message.delivered': 'a reçu le message (remise)',
    'document.retrieved': 'a téléchargé un document scellé (remise en main propre)',
    'auditor.viewed': 'a consulté le registre de traçabilité',
    'custody.exported': 'a exporté le dossier de traçabilité',
    'exchange.linked': 'a lié cet échange à un autre',
    'clock.reminded': 'a enregistré un rappel d’échéance',
    'clock.escalated': 'a signalé une échéance dépassée à la hiérarchie',
    'clock.lapsed': 'a enregistré une échéance expirée',
  },
  evidence: {
    SubmissionAcceptance: 'dépôt accepté',
    ContentConsignment: 'contenu mis à la disposition du destinataire',
    ContentHandover: 'contenu remis au destinataire',
  },
  messageKinds: {
    request: 'demande',
    acknowledgement: 'accusé de réception',
    'info-request': 'demande d’informations',
    'info-reply': 'réponse à une demande d’informations',
    evidence: 'transmission de preuves',
    postponement: 'report',
    refusal: 'refus',
    withdrawal: 'retrait',
    closure: 'clôture',
    consultation: 'consultation',
    extension: 'prolongation',
  },
  statuses: {
    open: 'ouvert',
    submitted: 'transmis',
    acknowledged: 'réception accusée',
    'information-requested': 'informations demandées',
    postponed: 'reporté',
    executing: 'exécuté en partie',
    executed: 'exécuté',
    refused: 'refusé',
    withdrawn: 'retiré',
    closed: 'clos',
  },
  urgencies: { normal: 'normale', urgent: 'urgente', emergency: 'extrême urgence' },
  memberRoles: {
    officer: 'agent',
    'contact-247': 'point de contact 24/7',
    auditor: 'auditeur',
    admin: 'administrateur',
  },
  kindTitle: (kind) => FR_LETTER.kindTitle(kind),
  instant: (iso) => {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})/.exec(iso);
    return m ? writeDate(`${m[1]}Z`, FR_LETTER) : iso;
  },
  urgency: (words) => `urgence${NB}: ${words}`,
  messageKind: (words) => `message de type «${NB}${words}${NB}»`,
  statusNow: (words) => `nouveau statut${NB}: ${words}`,
  message: (id) => `message ${id}`,
  document: (id) => `document ${id}`,
  outcome: (outcome) => `résultat${NB}: ${outcome}`,
  roles: ['Autorité requérante', 'Autorité requise'],
  notPinned: 'non épinglée par cet auditeur',
  revoked: (when) => `révoquée le ${when}`,
  documentHtml: (id, plaintext, sealed, size) =>
    `${id}${NB}: en clair <code>${plaintext}</code>, scellé <code>${sealed}</code>, ${size} octets`,
  receipt: (evidence) => `accusé de réception${NB}: ${evidence}`,
  signedManifest: 'manifeste signé',
  checkNames: {
    header: 'En-tête',
    label: 'Étiquette',
    exchangeKey: 'Clé de l’échange',
    checkpoint: 'Point de contrôle',
    receipts: 'Accusés de réception',
    manifests: 'Manifestes',
    events: 'Événements',
  },
  checks: (f) => ({
    header: `un dossier de traçabilité en version ${f.version} de l’échange ${f.exchangeId}`,
    label:
      'les parties, la nature, l’urgence, l’échéance et les références concordent avec le premier événement de l’échange et avec l’étiquette signée par chaque expéditeur',
    exchangeKey: `le dossier est signé avec la clé de traçabilité épinglée ${f.exchangeKey}`,
    checkpoint: `sa signature est vérifiée avec cette clé${NB}; ${f.loggedHeads} tête(s) de chaîne journalisée(s) y sont prouvées par des preuves d’inclusion`,
    receipts: `${f.receipts} accusé(s) de réception${NB}: chaque signature est vérifiée, chacun concorde avec son événement, et chaque événement qui en appelle un en est pourvu`,
    manifests: `${f.manifests} manifeste(s)${NB}: chacun signé par la clé de membre de l’expéditeur, valide à cette date, avec les empreintes de son événement`,
    events: `${f.events} événement(s)${NB}: chaque empreinte et chaque lien avec le précédent sont intègres, du premier au dernier`,
  }),
  passed: 'vérifié',
  title: 'Rapport sur la chaîne de possession',
  exchange: 'Échange',
  deadline: (date) => `échéance${NB}: ${date}`,
  printed: (when) => `imprimé le ${when}`,
  verdictHtml: (fingerprint) =>
    `VÉRIFIÉ${NB}: tous les contrôles ont réussi avec la clé de traçabilité épinglée de l’échange <code>${fingerprint}</code>.`,
  headings: [
    'Parties',
    'Événements, dans l’ordre',
    'Accusés de réception signés par l’échange',
    'Point de contrôle',
    'Vérification',
  ],
  partyColumns: [
    'Qualité',
    'Autorité',
    'Référence',
    'Empreinte de la clé de l’autorité',
    'Clés des membres (empreintes)',
  ],
  eventColumns: ['N°', 'Date', 'Auteur', 'Action'],
  receiptsIntro:
    'Chaque accusé de réception est signé avec la clé de traçabilité de l’échange et désigne l’événement par son empreinte.',
  receiptColumns: ['Événement', 'Preuve', 'Date', 'Expéditeur', 'Destinataire', 'Empreinte de l’événement'],
  checkpointHtml: (size, root, signed, fingerprint, seq, hash) =>
    `Taille de l’arbre ${size}, racine <code>${root}</code>, signé le ${signed} avec la clé de traçabilité de l’échange <code>${fingerprint}</code>. Il prouve la chaîne jusqu’à l’événement ${seq} (empreinte <code>${hash}</code>).`,
  noCheckpoint: 'Aucun point de contrôle.',
  uncheckpointed: (count) =>
    ` Le(s) ${count} événement(s) le(s) plus récent(s) y sont chaînés par empreinte et attendent le prochain point de contrôle programmé.`,
  page: ['Page ', ' sur '],
};

const WORDS: Readonly<Record<ReportLanguage, ReportWords>> = { en: EN, fr: FR };

/** A word from a record keyed by a closed union, for a value the bundle may carry outside it. */
function wordOf(words: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(words, key) ? words[key] : undefined;
}

/** A kind of request by its catalogue title (`Request for mutual legal assistance`), never its code. */
function kindInWords(kind: unknown, w: ReportWords): string {
  return typeof kind === 'string' && kind in KINDS ? w.kindTitle(kind as RequestKind) : String(kind ?? '-');
}

function describeAction(event: LedgerEvent, w: ReportWords): string {
  const words = wordOf(w.actions, event.action) ?? event.action;
  const d = event.details ?? {};
  const extra: string[] = [];
  if (event.action === 'exchange.created') {
    if (typeof d.kind === 'string') extra.push(kindInWords(d.kind, w));
    if (typeof d.urgency === 'string') extra.push(w.urgency(wordOf(w.urgencies, d.urgency) ?? d.urgency));
  }
  if (typeof d.messageKind === 'string') {
    extra.push(w.messageKind(wordOf(w.messageKinds, d.messageKind) ?? d.messageKind));
  }
  if (event.action === 'message.sent' && typeof d.status === 'string') {
    extra.push(w.statusNow(wordOf(w.statuses, d.status) ?? d.status.replace(/-/g, ' ')));
  }
  if (event.subject?.messageId) extra.push(w.message(event.subject.messageId));
  if (event.subject?.documentId) extra.push(w.document(event.subject.documentId));
  if (event.outcome !== 'success') extra.push(w.outcome(event.outcome));
  return `${words}${extra.length ? ` (${extra.join(w.semicolon)})` : ''}`;
}

function partyLabel(id: string, parties: Readonly<Record<string, ReportParty>>): string {
  const name = parties[id]?.name;
  return name ? `${name} (${id})` : id;
}

/**
 * The report's style sheet. Exported for a page that opens the report under a stricter policy than its own (the
 * portal's `style-src 'self'` blocks the inline copy): it applies this one through the CSSOM instead.
 */
export function custodyReportStyle(language: ReportLanguage = 'en'): string {
  const [page, of] = WORDS[language].page;
  return `
:root { color-scheme: light; }
body { font-family: Georgia, 'Times New Roman', serif; font-size: 10pt; line-height: 1.35; color: #111;
  max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
header { border-bottom: 2px solid #222; padding-bottom: .4rem; margin-bottom: .8rem; }
h1 { font-size: 14pt; margin: 0 0 .2rem; } h2 { font-size: 11pt; margin: .9rem 0 .3rem; }
.verdict { font-weight: bold; border: 2px solid #1a6b1a; padding: .3rem .5rem; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #ccc; padding: .15rem .3rem; text-align: left; vertical-align: top; }
tr { break-inside: avoid; }
code { font-size: 7.5pt; overflow-wrap: anywhere; }
ul { margin: .2rem 0; padding-left: 1.3rem; }
@media print { body { margin: 0; max-width: none; padding: 0; } h2 { break-after: avoid; } }
@page { size: A4; margin: 15mm 14mm 17mm;
  @bottom-right { content: "${page}" counter(page) "${of}" counter(pages); font: 8pt Georgia, serif; color: #555; } }`;
}

/** The checks the verifier made, in its order, in words, each with what it covered. */
function describeChecks(
  summary: BundleSummary,
  report: CustodyReport,
  w: ReportWords,
): readonly [string, string][] {
  const what = w.checks({
    version: summary.version,
    exchangeId: summary.exchangeId,
    exchangeKey: report.exchangeKeyFingerprint ?? '-',
    loggedHeads: summary.loggedHeads,
    receipts: summary.receipts,
    manifests: summary.manifests,
    events: summary.events,
  });
  return CHECKS.map((check) => [w.checkNames[check], what[check]]);
}

/**
 * Render a verified custody report as a self-contained printable HTML page (no script, no external resource,
 * a restrictive Content-Security-Policy, A4 page numbers), in English (default) or French. Refuses, with
 * ERR_LEDGER_BROKEN naming the first broken element, a report whose bundle did not verify.
 * @example const html = renderCustodyReportHtml(report, { parties: { 'xa-moj': { name: 'Northland' } }, language: 'fr' });
 */
export function renderCustodyReportHtml(
  report: CustodyReport,
  options: {
    readonly parties?: Readonly<Record<string, ReportParty>>;
    readonly generatedAt?: string;
    readonly language?: ReportLanguage;
  } = {},
): string {
  const verdict = report.verification;
  if (!verdict.ok) {
    throw new PouchError(
      'ERR_LEDGER_BROKEN',
      `The custody bundle does not verify (${verdict.broken.pointer}: ${verdict.broken.message}); no report is printed for it`,
      { details: { pointer: verdict.broken.pointer } },
    );
  }
  const language = options.language ?? 'en';
  const w = WORDS[language];
  const utc = w.instant;
  const parties = options.parties ?? {};
  const label: BundleLabel | undefined = verdict.label;
  const text = (value: unknown) => (typeof value === 'string' ? value : '-');
  const e = escapeHtml;
  const keysOf = (authorityId: string) =>
    report.memberKeys.filter((k) => k.clientId.startsWith(`${authorityId}:`));
  const partyRows = label
    ? [
        [w.roles[0], label.requesterId, label.requesterReference],
        [w.roles[1], label.requestedId, label.requestedReference],
      ]
        .map(([role, id, reference]) => {
          const party = parties[String(id)];
          const keys = keysOf(String(id))
            .map(
              (k) =>
                `<li>${e(k.clientId)}${w.colon}<code>${e(k.fingerprint)}</code>${k.revokedAt ? ` (${e(w.revoked(utc(k.revokedAt)))})` : ''}</li>`,
            )
            .join('');
          return `<tr><td>${e(String(role))}</td><td>${e(partyLabel(String(id), parties))}</td><td>${e(text(reference))}</td><td>${
            party?.authorityKeyFingerprint
              ? `<code>${e(party.authorityKeyFingerprint)}</code>`
              : e(w.notPinned)
          }</td><td>${keys ? `<ul>${keys}</ul>` : '-'}</td></tr>`;
        })
        .join('')
    : '';
  const eventRows = report.events
    .map(({ event, receipt, manifest }) => {
      const documents = (event.documents ?? [])
        .map(
          (d) =>
            `<li>${w.documentHtml(e(d.documentId), e(d.plaintextSha256), e(d.sealedSha256 ?? d.sealedPartsSha256 ?? '-'), d.size)}</li>`,
        )
        .join('');
      const marks = [
        receipt ? w.receipt(wordOf(w.evidence, receipt) ?? receipt) : '',
        manifest ? w.signedManifest : '',
      ]
        .filter(Boolean)
        .join(w.semicolon);
      return `<tr data-seq="${event.seq}"><td>${event.seq}</td><td>${e(utc(event.time))}</td><td>${e(
        `${event.actor.memberId} (${wordOf(w.memberRoles, event.actor.role) ?? event.actor.role}), ${partyLabel(event.actor.authorityId, parties)}`,
      )}</td><td>${e(describeAction(event, w))}${documents ? `<ul>${documents}</ul>` : ''}${marks ? `<br><em>${e(marks)}</em>` : ''}</td></tr>`;
    })
    .join('');
  const receiptRows = report.receipts
    .map(
      (r) =>
        `<tr><td>${r.seq}</td><td>${e(wordOf(w.evidence, r.evidence) ?? r.evidence)}</td><td>${e(utc(r.eventTime))}</td><td>${e(
          partyLabel(r.sender, parties),
        )}</td><td>${e(partyLabel(r.recipient, parties))}</td><td><code>${e(r.eventHash)}</code></td></tr>`,
    )
    .join('');
  const checkpoint = verdict.checkpoint;
  const checks = describeChecks(verdict, report, w)
    .map(([name, what]) => `<li><strong>${e(name)}${w.colon}${e(w.passed)}</strong> — ${e(what)}.</li>`)
    .join('');
  const uncheckpointed = verdict.events - 1 - (verdict.checkpointedHead?.seq ?? -1);
  const kindWords = (kind: unknown) =>
    language === 'en' ? text(kind).replace(/-/g, ' ') : kindInWords(kind, w).toLowerCase();
  const urgencyWords = (urgency: unknown) =>
    language === 'en' ? text(urgency) : w.urgency(wordOf(w.urgencies, text(urgency)) ?? text(urgency));
  const deadline = (date: string) => w.deadline(language === 'en' ? date : writeDate(date, FR_LETTER));
  const [h1, h2, h3, h4, h5] = w.headings;
  const th = (columns: readonly string[]) => columns.map((c) => `<th>${e(c)}</th>`).join('');
  return `<!DOCTYPE html>
<html lang="${w.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(w.title)} — ${e(verdict.exchangeId)}</title>
<style>${custodyReportStyle(language)}</style>
</head>
<body>
<header><h1>${e(w.title)}</h1><div>${e(w.exchange)} <strong>${e(verdict.exchangeId)}</strong>${
    label
      ? ` · ${e(kindWords(label.kind))}, ${e(urgencyWords(label.urgency))}${typeof label.deadline === 'string' ? `, ${e(deadline(label.deadline))}` : ''}`
      : ''
  }${options.generatedAt ? ` · ${e(w.printed(utc(options.generatedAt)))}` : ''}</div></header>
<p class="verdict" data-verdict="verified">${w.verdictHtml(e(report.exchangeKeyFingerprint ?? '-'))}</p>
<h2>1. ${e(h1)}</h2>
<table><tr>${th(w.partyColumns)}</tr>${partyRows}</table>
<h2>2. ${e(h2)}</h2>
<table class="events"><tr>${th(w.eventColumns)}</tr>${eventRows}</table>
<h2>3. ${e(h3)}</h2>
<p>${e(w.receiptsIntro)}</p>
<table><tr>${th(w.receiptColumns)}</tr>${receiptRows}</table>
<h2>4. ${e(h4)}</h2>
<p>${
    checkpoint
      ? w.checkpointHtml(
          checkpoint.size,
          e(checkpoint.rootHash),
          e(utc(checkpoint.time)),
          e(report.exchangeKeyFingerprint ?? '-'),
          String(verdict.checkpointedHead?.seq ?? '-'),
          e(verdict.checkpointedHead?.hash ?? '-'),
        )
      : e(w.noCheckpoint)
  }${uncheckpointed > 0 ? e(w.uncheckpointed(uncheckpointed)) : ''}</p>
<h2>5. ${e(h5)}</h2>
<ul class="checks">${checks}</ul>
</body>
</html>
`;
}
