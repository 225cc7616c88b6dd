// Domain, clocks: the kinds of link between exchanges (lineage). A link is written once, when the later exchange
// is created (`exchange.created` names its links; `exchange.linked` on each earlier chain names the follower), so
// the ledger is the record of who followed what; server/use-cases/clocks/ projects it into a tree.
import { PouchError } from '../errors.ts';

/**
 * - `preservation-to-mla`: the MLA request that follows an expedited preservation (Budapest art. 29(2)(f)); it
 *   keeps the preservation in force (art. 29(7)), so the preservation's clock stops lapsing.
 * - `police-to-mla`: the MLA request that formalises a police-to-police request.
 * - `follow-up`: any later request in the same matter.
 * - `evidence-in-answer`: an exchange that carries evidence answering an earlier request.
 */
export const LINK_KINDS = [
  'preservation-to-mla',
  'police-to-mla',
  'follow-up',
  'evidence-in-answer',
] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** A link from a later exchange to an earlier one. */
export interface ExchangeLink {
  readonly exchangeId: string;
  readonly kind: LinkKind;
}

/** Kinds of request that formalise an earlier one as MLA (what may follow a preservation or a police request). */
const FORMAL_KINDS: ReadonlySet<string> = new Set([
  'mla',
  'stored-data',
  'subscriber-information',
  'traffic-disclosure',
  'production-order',
  'realtime-traffic',
  'interception',
  'emergency-mla',
]);

export function isLinkKind(value: string): value is LinkKind {
  return (LINK_KINDS as readonly string[]).includes(value);
}

/** The two parties of an exchange, in either order. */
interface Parties {
  readonly kind: string;
  readonly requesterId: string;
  readonly requestedId: string;
}

/**
 * Check one link of a new exchange to an earlier one. Both must join the same two authorities (in either
 * direction), so a link can never show one party an exchange of a third; a `preservation-to-mla` link must go
 * from a formal request to a preservation.
 *
 * @throws PouchError ERR_VALIDATION naming the link.
 */
export function checkLink(later: Parties, kind: LinkKind, earlier: Parties & { readonly id: string }): void {
  const same = new Set([later.requesterId, later.requestedId]);
  if (!same.has(earlier.requesterId) || !same.has(earlier.requestedId)) {
    throw new PouchError(
      'ERR_VALIDATION',
      'A link must join two exchanges between the same two authorities',
      {
        details: { field: 'json.links', exchangeId: earlier.id, reason: 'other-parties' },
      },
    );
  }
  if (kind === 'preservation-to-mla' && (earlier.kind !== 'preservation' || !FORMAL_KINDS.has(later.kind))) {
    throw new PouchError(
      'ERR_VALIDATION',
      'A preservation-to-mla link goes from a formal request to a preservation request',
      { details: { field: 'json.links', exchangeId: earlier.id, reason: 'kinds' } },
    );
  }
  if (kind === 'police-to-mla' && !FORMAL_KINDS.has(later.kind)) {
    throw new PouchError('ERR_VALIDATION', 'A police-to-mla link goes from a formal request', {
      details: { field: 'json.links', exchangeId: earlier.id, reason: 'kinds' },
    });
  }
}
