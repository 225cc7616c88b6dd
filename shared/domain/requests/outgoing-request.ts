// Domain layer, "right first time": the one builder of an outgoing request, shared by `pouch check`/`send`/`draft`
// and the portal — the check context between two directory parties, the label a send takes from the request and
// the form (or flags), and the documents a checked draft travels as (request.json and the printable request.html).
// Browser-safe: no Node built-in, so the portal runs the same code the CLI does.
import { type CheckContext, type CheckResult, pruneBlank } from './check.ts';
import type { DraftParty } from './draft.ts';
import type { LetterLanguage } from './letter-text.ts';
import type { Profile } from './profile.ts';
import { type LetterAnnex, renderRequestHtml } from './render-html.ts';
import { labelClaimsOfRequest } from './request-label.ts';

/** A party as the directory lists it: what the check and the letter need. */
export interface RequestParty extends DraftParty {
  readonly treaties: readonly string[];
}

/**
 * What `checkDraft` knows about a send from `sender` to `recipient`: both parties' treaties and countries, and the
 * recipient's published profile when it has one.
 */
export function checkContextFor(
  sender: RequestParty,
  recipient: RequestParty,
  profile: Profile | undefined,
): CheckContext {
  return {
    ...(profile ? { recipientProfile: profile } : {}),
    senderTreaties: sender.treaties,
    recipientTreaties: recipient.treaties,
    senderCountry: sender.country,
    recipientCountry: recipient.country,
  };
}

/** What a send's label is built from besides the request: the CLI's flags, the portal's form fields. */
export interface LabelInputs {
  readonly to?: string | undefined;
  readonly kind?: string | undefined;
  readonly urgency?: string | undefined;
  readonly deadline?: string | undefined;
  readonly reference?: string | undefined;
}

/** The label a send asks for; fields still missing stay undefined (the caller asks for them). */
export interface WantedLabel {
  readonly recipientId: string | undefined;
  readonly kind: string | undefined;
  readonly urgency: string;
  readonly deadline: string | undefined;
  readonly requesterReference: string | undefined;
}

/**
 * The label of a send: each field from its input, else from the request (its addressee, kind, urgency block and
 * case reference). Without either, urgency is normal. A disagreeing input is caught afterwards by
 * `describeRequestLabelMismatch`, never silently preferred over what is sealed.
 */
export function buildSendLabel(inputs: LabelInputs, request: unknown | undefined): WantedLabel {
  const claims = request === undefined ? undefined : labelClaimsOfRequest(request);
  return {
    recipientId: inputs.to ?? claims?.recipientId,
    kind: inputs.kind ?? claims?.kind,
    urgency: inputs.urgency ?? claims?.urgency ?? 'normal',
    deadline: inputs.deadline ?? claims?.deadline,
    requesterReference: inputs.reference ?? claims?.reference,
  };
}

/** A document generated from the request, sealed alongside the officer's own files. */
export interface RequestDocument {
  readonly name: 'request.json' | 'request.html';
  readonly mediaType: 'application/json' | 'text/html';
  readonly content: string;
}

/** What a checked draft is sent as. */
export interface OutgoingRequest {
  /** The request as sealed in request.json: the validated request (else the draft), with `checkedAgainst`. */
  readonly request: Record<string, unknown>;
  readonly documents: readonly RequestDocument[];
  /** What the request message records about the check; `forced` when it had errors and was sent anyway. */
  readonly check: { readonly profileVersion?: number; readonly errors: number; readonly forced: boolean };
}

/**
 * The documents of a checked draft: request.json always; request.html (the printable letter, listing the annexes
 * with their digests) only when the draft validates, since a letter is rendered from a valid request.
 * @example buildOutgoingRequest(draft, checkDraft(draft, checkContextFor(own, them, profile)), { sender, recipient })
 */
export function buildOutgoingRequest(
  draft: unknown,
  result: CheckResult,
  parties: { readonly sender: DraftParty; readonly recipient: DraftParty },
  annexes: readonly LetterAnnex[] = [],
  letter: { readonly language?: LetterLanguage | undefined } = {},
): OutgoingRequest {
  const pruned = pruneBlank(draft);
  const base = result.request ?? (isRecord(pruned) ? pruned : {});
  const request: Record<string, unknown> = {
    ...base,
    ...(result.profileVersion
      ? { checkedAgainst: { authorityId: parties.recipient.id, profileVersion: result.profileVersion } }
      : {}),
  };
  const documents: RequestDocument[] = [
    { name: 'request.json', mediaType: 'application/json', content: `${JSON.stringify(request, null, 2)}\n` },
  ];
  if (result.request) {
    documents.push({
      name: 'request.html',
      mediaType: 'text/html',
      content: renderLetter(request, result, parties, annexes, letter.language),
    });
  }
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  return {
    request,
    documents,
    check: {
      ...(result.profileVersion ? { profileVersion: result.profileVersion } : {}),
      errors,
      forced: !result.ok,
    },
  };
}

/**
 * The printable letter of a checked draft (what `buildOutgoingRequest` seals as request.html), for a preview
 * before sending; undefined when the draft does not validate.
 */
export function previewLetter(
  draft: unknown,
  result: CheckResult,
  parties: { readonly sender: DraftParty; readonly recipient: DraftParty },
  annexes: readonly LetterAnnex[] = [],
  letter: { readonly language?: LetterLanguage | undefined } = {},
): string | undefined {
  return buildOutgoingRequest(draft, result, parties, annexes, letter).documents.find(
    (d) => d.name === 'request.html',
  )?.content;
}

function renderLetter(
  request: Record<string, unknown>,
  result: CheckResult,
  parties: { readonly sender: DraftParty; readonly recipient: DraftParty },
  annexes: readonly LetterAnnex[],
  language: LetterLanguage | undefined,
): string {
  const validated = result.request;
  if (!validated) throw new TypeError('a letter is rendered from a validated request only');
  // `request` is the validated request plus `checkedAgainst`, so it is still of the validated request's kind.
  const letterRequest: typeof validated = { ...validated, ...request };
  const party = (p: DraftParty) => ({ name: p.name, country: p.country, id: p.id });
  return renderRequestHtml(
    letterRequest,
    { sender: party(parties.sender), recipient: party(parties.recipient) },
    annexes,
    { language },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
