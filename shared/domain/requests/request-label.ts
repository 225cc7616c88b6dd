// Domain layer, label vs contents: what a request (a draft, or the request.json opened from a pouch) says about
// its own label — addressee, kind, urgency, deadline, the requester's reference — and the one comparison of those
// with a label. `pouch send` builds the label from the checked draft with it; the recipient's client checks the
// opened request against the label with it.
import type { Urgency } from '../exchange/urgency.ts';

/** The label fields a request speaks for. Absent: the request says nothing about it (a blank draft element). */
export interface RequestLabelClaims {
  /** The addressee's directory id (`requestedAuthority` or, for spontaneous information, `receivingAuthority`). */
  readonly recipientId?: string;
  /** The addressee's country, for a draft that names the authority without its directory id. */
  readonly recipientCountry?: string;
  readonly kind?: string;
  /** The urgency block's level; a request without one is `normal`. */
  readonly urgency: Urgency | string;
  readonly deadline?: string;
  readonly reference?: string;
}

/** The label a request is compared with: the one the sender addressed and sealed it under. */
export interface RequestLabel {
  readonly recipientId: string;
  /** The addressee's country in the directory, when known (checked when the request gives no directory id). */
  readonly recipientCountry?: string;
  readonly kind: string;
  readonly urgency: string;
  readonly deadline?: string | undefined;
  readonly requesterReference: string;
}

/** The label fields a request and a label can disagree on, in the order they are compared. */
export type RequestLabelField = 'recipient' | 'kind' | 'urgency' | 'deadline' | 'reference';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * Read what a request says about its label. Never throws: a request that is not an object says nothing but
 * its (default) urgency.
 * @example labelClaimsOfRequest(parse(yaml)) // { recipientId: 'auth_…', kind: 'mla', urgency: 'urgent', … }
 */
export function labelClaimsOfRequest(request: unknown): RequestLabelClaims {
  if (!isRecord(request)) return { urgency: 'normal' };
  const to = isRecord(request.requestedAuthority)
    ? request.requestedAuthority
    : isRecord(request.receivingAuthority)
      ? request.receivingAuthority
      : undefined;
  const urgency = isRecord(request.urgency) ? request.urgency : undefined;
  const caseReference = isRecord(request.caseReference) ? request.caseReference : undefined;
  const recipientId = text(to?.authorityId);
  const recipientCountry = text(to?.country);
  const kind = text(request.kind);
  const deadline = text(urgency?.deadline);
  const reference = text(caseReference?.reference);
  return {
    ...(recipientId === undefined ? {} : { recipientId }),
    ...(recipientCountry === undefined ? {} : { recipientCountry }),
    ...(kind === undefined ? {} : { kind }),
    urgency: text(urgency?.level) ?? 'normal',
    ...(deadline === undefined ? {} : { deadline }),
    ...(reference === undefined ? {} : { reference }),
  };
}

/**
 * The first label field a request contradicts, or undefined. The addressee must be the label's recipient (by
 * directory id; by country when the request names none); kind, urgency (absent means normal) and deadline must be
 * the label's; the reference, when the request gives one, must be the requester's reference on the label.
 */
export function describeRequestLabelMismatch(
  request: unknown,
  label: RequestLabel,
): RequestLabelField | undefined {
  const claims = labelClaimsOfRequest(request);
  if (claims.recipientId !== undefined && claims.recipientId !== label.recipientId) return 'recipient';
  if (
    claims.recipientId === undefined &&
    claims.recipientCountry !== undefined &&
    label.recipientCountry !== undefined &&
    claims.recipientCountry !== label.recipientCountry
  ) {
    return 'recipient';
  }
  if (claims.kind !== undefined && claims.kind !== label.kind) return 'kind';
  if (claims.urgency !== label.urgency) return 'urgency';
  if ((claims.deadline ?? null) !== (label.deadline ?? null)) return 'deadline';
  if (claims.reference !== undefined && claims.reference !== label.requesterReference) return 'reference';
  return undefined;
}
