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

/** Why a chosen basis applies or not. */
export interface LegalBasisAssessment {
  readonly applies: boolean;
  readonly reasons: readonly string[];
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
  if (!info) return { applies: false, reasons: [`${basis} is not a legal basis Pouch knows.`] };
  const sender = new Set(senderTreaties.map(normalizeTreatyId));
  const recipient = new Set(recipientTreaties.map(normalizeTreatyId));
  const reasons: string[] = [];
  const title = formatTreaty(id);
  if (id !== 'reciprocity') {
    if (!sender.has(id)) reasons.push(`The requesting State is not bound by ${title}.`);
    if (!recipient.has(id)) reasons.push(`The requested State is not bound by ${title}.`);
    for (const needed of info.requires ?? []) {
      if (!sender.has(needed) || !recipient.has(needed)) {
        reasons.push(
          `${title} is open only to Parties to ${formatTreaty(needed)}, which both States must be.`,
        );
      }
    }
  }
  if (!info.kinds.includes(kind)) {
    reasons.push(
      `${title} does not provide for a ${KINDS[kind].title.toLowerCase()} (${formatCitation(KINDS[kind].basis)}).`,
    );
  }
  return { applies: reasons.length === 0, reasons };
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
