// Domain layer, "right first time": the legal basis finder. From the treaties of both States it suggests the
// bases available for a kind of request; check uses it to warn when the chosen basis does not apply.
import {
  describeTreaty,
  formatCitation,
  formatTreaty,
  KINDS,
  normalizeTreatyId,
  type RequestKind,
  type TreatyId,
} from './instruments.ts';

/** A legal basis available between two States for a kind of request. */
export interface LegalBasisOption {
  readonly basis: TreatyId;
  readonly title: string;
  /** Why it applies (both parties, covers the kind) and any caveat on its scope. */
  readonly reason: string;
  readonly caveat?: string;
}

/**
 * One reason a chosen basis does not apply, without words: finding-words.ts says it in each language, and
 * `reasons` below is its English.
 */
export type LegalBasisProblem =
  | { readonly problem: 'unknown-basis'; readonly basis: string }
  | { readonly problem: 'sender-not-bound'; readonly treaty: string }
  | { readonly problem: 'recipient-not-bound'; readonly treaty: string }
  | { readonly problem: 'requires-parties'; readonly treaty: string; readonly needed: string }
  | { readonly problem: 'kind-not-provided'; readonly treaty: string; readonly kind: RequestKind };

/** Why a chosen basis applies or not. */
export interface LegalBasisAssessment {
  readonly applies: boolean;
  /** `problems` in English, as the CLI prints them. */
  readonly reasons: readonly string[];
  readonly problems: readonly LegalBasisProblem[];
}

/** A problem in English (treaties by `formatTreaty`'s short title). */
export function describeLegalBasisProblem(p: LegalBasisProblem): string {
  switch (p.problem) {
    case 'unknown-basis':
      return `${p.basis} is not a legal basis Pouch knows.`;
    case 'sender-not-bound':
      return `The requesting State is not bound by ${formatTreaty(p.treaty)}.`;
    case 'recipient-not-bound':
      return `The requested State is not bound by ${formatTreaty(p.treaty)}.`;
    case 'requires-parties':
      return `${formatTreaty(p.treaty)} is open only to Parties to ${formatTreaty(p.needed)}, which both States must be.`;
    case 'kind-not-provided':
      return `${formatTreaty(p.treaty)} does not provide for a ${KINDS[p.kind].title.toLowerCase()} (${formatCitation(KINDS[p.kind].basis)}).`;
  }
}

function assessment(problems: LegalBasisProblem[]): LegalBasisAssessment {
  return { applies: problems.length === 0, reasons: problems.map(describeLegalBasisProblem), problems };
}

/**
 * Explain whether `basis` is available between the two States for `kind`.
 * @example assessLegalBasis('budapest', ['budapest'], ['untoc'], 'preservation').applies // false
 */
export function assessLegalBasis(
  basis: string,
  senderTreaties: readonly string[],
  recipientTreaties: readonly string[],
  kind: RequestKind,
): LegalBasisAssessment {
  const id = normalizeTreatyId(basis);
  const info = describeTreaty(id);
  if (!info) return assessment([{ problem: 'unknown-basis', basis }]);
  const sender = new Set(senderTreaties.map(normalizeTreatyId));
  const recipient = new Set(recipientTreaties.map(normalizeTreatyId));
  const problems: LegalBasisProblem[] = [];
  if (id !== 'reciprocity') {
    if (!sender.has(id)) problems.push({ problem: 'sender-not-bound', treaty: id });
    if (!recipient.has(id)) problems.push({ problem: 'recipient-not-bound', treaty: id });
    for (const needed of info.requires ?? []) {
      if (!sender.has(needed) || !recipient.has(needed)) {
        problems.push({ problem: 'requires-parties', treaty: id, needed });
      }
    }
  }
  if (!info.kinds.includes(kind)) problems.push({ problem: 'kind-not-provided', treaty: id, kind });
  return assessment(problems);
}

/**
 * Suggest the legal bases available between two States for a kind of request, treaties first and
 * reciprocity last (where the kind allows it).
 * @example findLegalBases(['untoc', 'budapest'], ['budapest'], 'preservation') // [{ basis: 'budapest', ... }]
 */
export function findLegalBases(
  senderTreaties: readonly string[],
  recipientTreaties: readonly string[],
  kind: RequestKind,
): LegalBasisOption[] {
  const candidates = [...new Set([...senderTreaties.map(normalizeTreatyId), 'reciprocity'])];
  const options: LegalBasisOption[] = [];
  for (const id of candidates) {
    if (!assessLegalBasis(id, senderTreaties, recipientTreaties, kind).applies) continue;
    const info = describeTreaty(id);
    if (!info) continue;
    const reason =
      id === 'reciprocity'
        ? 'Available without a treaty, at the discretion of the requested State.'
        : `Both States are bound by ${formatTreaty(id)}, which provides for this kind of request.`;
    options.push({
      basis: id as TreatyId,
      title: id.startsWith('bilateral:') ? formatTreaty(id) : info.title,
      reason,
      ...(info.caveat ? { caveat: info.caveat } : {}),
    });
  }
  return options;
}
