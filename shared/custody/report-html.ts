// Custody (shared by the CLI and the portal): the printable custody report for auditors. collectCustodyReport
// verifies a bundle (bundle.ts, the verifier `pouch verify` runs) and keeps what the page shows; the renderer
// prints parties, every event in words, the receipts, the checkpoint and every check, in the letter's style. A
// bundle that fails is refused, never printed: a printed page travels without its context, and a forged timeline
// under a "FAILED" banner on page one reads as genuine on page two.
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { PublicJwk } from '../crypto/compact-jws.ts';
import { PouchError } from '../domain/errors.ts';
import type { LedgerEvent } from '../domain/ledger/event.ts';
import type { ReceiptPayload } from '../domain/ledger/receipt.ts';
import { KINDS, type RequestKind } from '../domain/requests/instruments.ts';
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

/** Ledger actions in words, as an auditor reads them. */
const ACTION_WORDS: Readonly<Record<string, string>> = {
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
};

/** What EN 319 522 evidence each receipt is, in words. */
const EVIDENCE_WORDS: Readonly<Record<string, string>> = {
  SubmissionAcceptance: 'submission accepted',
  ContentConsignment: 'content made available to the recipient',
  ContentHandover: 'content handed over to the recipient',
};

/** An instant to the second, in UTC: a report read in several countries names one clock. */
function utc(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** A kind of request by its catalogue title (`Request for mutual legal assistance`), never its code. */
function kindInWords(kind: unknown): string {
  return typeof kind === 'string' && kind in KINDS ? KINDS[kind as RequestKind].title : String(kind ?? '-');
}

function describeAction(event: LedgerEvent): string {
  const words = ACTION_WORDS[event.action] ?? event.action;
  const d = event.details ?? {};
  const extra: string[] = [];
  if (event.action === 'exchange.created') {
    if (typeof d.kind === 'string') extra.push(kindInWords(d.kind));
    if (typeof d.urgency === 'string') extra.push(`urgency ${d.urgency}`);
  }
  if (typeof d.messageKind === 'string') extra.push(`a ${d.messageKind}`);
  if (event.action === 'message.sent' && typeof d.status === 'string') {
    extra.push(`status now ${d.status.replace(/-/g, ' ')}`);
  }
  if (event.subject?.messageId) extra.push(`message ${event.subject.messageId}`);
  if (event.subject?.documentId) extra.push(`document ${event.subject.documentId}`);
  if (event.outcome !== 'success') extra.push(`outcome ${event.outcome}`);
  return `${words}${extra.length ? ` (${extra.join('; ')})` : ''}`;
}

function partyLabel(id: string, parties: Readonly<Record<string, ReportParty>>): string {
  const name = parties[id]?.name;
  return name ? `${name} (${id})` : id;
}

/**
 * The report's style sheet. Exported for a page that opens the report under a stricter policy than its own (the
 * portal's `style-src 'self'` blocks the inline copy): it applies this one through the CSSOM instead.
 */
export const CUSTODY_REPORT_STYLE = `
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
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt Georgia, serif; color: #555; } }`;

/** The checks the verifier made, in its order, in words, each with what it covered. */
function describeChecks(summary: BundleSummary, report: CustodyReport): readonly [string, string][] {
  return [
    ['Header', `a version ${summary.version} custody bundle of exchange ${summary.exchangeId}`],
    [
      'Label',
      "the parties, kind, urgency, deadline and references agree with the exchange's first event and with the label every sender signed",
    ],
    [
      'Exchange key',
      `the bundle is signed with the pinned custody key ${report.exchangeKeyFingerprint ?? '-'}`,
    ],
    [
      'Checkpoint',
      `its signature verifies with that key; ${summary.loggedHeads} logged chain head(s) are proven in it by inclusion proofs`,
    ],
    [
      'Receipts',
      `${summary.receipts} receipt(s): each signature verifies, each agrees with its event, and every event that earns one has it`,
    ],
    [
      'Manifests',
      `${summary.manifests} manifest(s): each signed by the sender's member key, valid at the time, with the digests of its event`,
    ],
    [
      'Events',
      `${summary.events} event(s): each hash and each link to the one before holds, from the first to the last`,
    ],
  ];
}

/**
 * Render a verified custody report as a self-contained printable HTML page (no script, no external resource,
 * a restrictive Content-Security-Policy, A4 page numbers). Refuses, with ERR_LEDGER_BROKEN naming the first
 * broken element, a report whose bundle did not verify.
 * @example const html = renderCustodyReportHtml(report, { parties: { 'xa-moj': { name: 'Northland' } } });
 */
export function renderCustodyReportHtml(
  report: CustodyReport,
  options: { readonly parties?: Readonly<Record<string, ReportParty>>; readonly generatedAt?: string } = {},
): string {
  const verdict = report.verification;
  if (!verdict.ok) {
    throw new PouchError(
      'ERR_LEDGER_BROKEN',
      `The custody bundle does not verify (${verdict.broken.pointer}: ${verdict.broken.message}); no report is printed for it`,
      { details: { pointer: verdict.broken.pointer } },
    );
  }
  const parties = options.parties ?? {};
  const label: BundleLabel | undefined = verdict.label;
  const text = (value: unknown) => (typeof value === 'string' ? value : '-');
  const e = escapeHtml;
  const keysOf = (authorityId: string) =>
    report.memberKeys.filter((k) => k.clientId.startsWith(`${authorityId}:`));
  const partyRows = label
    ? [
        ['Requesting authority', label.requesterId, label.requesterReference],
        ['Requested authority', label.requestedId, label.requestedReference],
      ]
        .map(([role, id, reference]) => {
          const party = parties[String(id)];
          const keys = keysOf(String(id))
            .map(
              (k) =>
                `<li>${e(k.clientId)}: <code>${e(k.fingerprint)}</code>${k.revokedAt ? ` (revoked ${e(utc(k.revokedAt))})` : ''}</li>`,
            )
            .join('');
          return `<tr><td>${e(String(role))}</td><td>${e(partyLabel(String(id), parties))}</td><td>${e(text(reference))}</td><td>${
            party?.authorityKeyFingerprint
              ? `<code>${e(party.authorityKeyFingerprint)}</code>`
              : 'not pinned by this auditor'
          }</td><td>${keys ? `<ul>${keys}</ul>` : '-'}</td></tr>`;
        })
        .join('')
    : '';
  const eventRows = report.events
    .map(({ event, receipt, manifest }) => {
      const documents = (event.documents ?? [])
        .map(
          (d) =>
            `<li>${e(d.documentId)}: plaintext <code>${e(d.plaintextSha256)}</code>, sealed <code>${e(
              d.sealedSha256 ?? d.sealedPartsSha256 ?? '-',
            )}</code>, ${d.size} bytes</li>`,
        )
        .join('');
      const marks = [
        receipt ? `receipt: ${EVIDENCE_WORDS[receipt] ?? receipt}` : '',
        manifest ? 'signed manifest' : '',
      ]
        .filter(Boolean)
        .join('; ');
      return `<tr data-seq="${event.seq}"><td>${event.seq}</td><td>${e(utc(event.time))}</td><td>${e(
        `${event.actor.memberId} (${event.actor.role}), ${partyLabel(event.actor.authorityId, parties)}`,
      )}</td><td>${e(describeAction(event))}${documents ? `<ul>${documents}</ul>` : ''}${marks ? `<br><em>${e(marks)}</em>` : ''}</td></tr>`;
    })
    .join('');
  const receiptRows = report.receipts
    .map(
      (r) =>
        `<tr><td>${r.seq}</td><td>${e(EVIDENCE_WORDS[r.evidence] ?? r.evidence)}</td><td>${e(utc(r.eventTime))}</td><td>${e(
          partyLabel(r.sender, parties),
        )}</td><td>${e(partyLabel(r.recipient, parties))}</td><td><code>${e(r.eventHash)}</code></td></tr>`,
    )
    .join('');
  const checkpoint = verdict.checkpoint;
  const checks = describeChecks(verdict, report)
    .map(([name, what]) => `<li><strong>${e(name)}: passed</strong> — ${e(what)}.</li>`)
    .join('');
  const uncheckpointed = verdict.events - 1 - (verdict.checkpointedHead?.seq ?? -1);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Custody report — ${e(verdict.exchangeId)}</title>
<style>${CUSTODY_REPORT_STYLE}</style>
</head>
<body>
<header><h1>Custody report</h1><div>Exchange <strong>${e(verdict.exchangeId)}</strong>${
    label
      ? ` · ${e(text(label.kind).replace(/-/g, ' '))}, ${e(text(label.urgency))}${typeof label.deadline === 'string' ? `, deadline ${e(label.deadline)}` : ''}`
      : ''
  }${options.generatedAt ? ` · printed ${e(utc(options.generatedAt))}` : ''}</div></header>
<p class="verdict" data-verdict="verified">VERIFIED: every check passed against the pinned exchange custody key <code>${e(
    report.exchangeKeyFingerprint ?? '-',
  )}</code>.</p>
<h2>1. Parties</h2>
<table><tr><th>Role</th><th>Authority</th><th>Reference</th><th>Authority key fingerprint</th><th>Member keys (fingerprints)</th></tr>${partyRows}</table>
<h2>2. Events, in order</h2>
<table class="events"><tr><th>No.</th><th>Time</th><th>Actor</th><th>Action</th></tr>${eventRows}</table>
<h2>3. Receipts signed by the exchange</h2>
<p>Each receipt is signed with the exchange custody key and names the event by its hash.</p>
<table><tr><th>Event</th><th>Evidence</th><th>Time</th><th>Sender</th><th>Recipient</th><th>Event hash</th></tr>${receiptRows}</table>
<h2>4. Checkpoint</h2>
<p>${
    checkpoint
      ? `Tree size ${checkpoint.size}, root <code>${e(checkpoint.rootHash)}</code>, signed ${e(utc(checkpoint.time))} with the exchange custody key <code>${e(
          report.exchangeKeyFingerprint ?? '-',
        )}</code>. It proves the chain up to event ${verdict.checkpointedHead?.seq ?? '-'} (hash <code>${e(verdict.checkpointedHead?.hash ?? '-')}</code>).`
      : 'No checkpoint.'
  }${
    uncheckpointed > 0
      ? ` The ${uncheckpointed} newest event(s) are hash-linked to it and wait for the next scheduled checkpoint.`
      : ''
  }</p>
<h2>5. Verification</h2>
<ul class="checks">${checks}</ul>
</body>
</html>
`;
}
