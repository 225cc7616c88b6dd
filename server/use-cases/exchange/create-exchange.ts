// Use cases, exchange: open an exchange between the caller's authority and a requested authority. The genesis
// event (`exchange.created`, status `open`) goes in the ledger first, then the label is written once per party.
import { checkLink, type ExchangeLink } from '../../../shared/domain/clocks/lineage.ts';
import {
  checkDataCategoriesFitKind,
  type ProductionDataCategory,
} from '../../../shared/domain/clocks/track.ts';
import { PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { derivedId, newId } from '../../../shared/domain/ids.ts';
import { REQUEST_KINDS } from '../../../shared/domain/requests/instruments.ts';
import { acknowledgeWithinHoursOf } from '../../../shared/domain/requests/profile.ts';
import { authorize, canCreateExchange } from '../../policy/policy.ts';
import type { ExchangeLabel, Urgency } from '../../ports/exchange-repository.ts';
import { actorOf } from '../ledger-recorder.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';

export interface CreateExchangeInput {
  readonly kind: string;
  readonly urgency: Urgency;
  readonly requestedId: string;
  readonly requesterReference: string;
  /** Earlier exchanges this one follows: a bare id is a follow-up. */
  readonly links?: readonly (string | ExchangeLink)[] | undefined;
  readonly deadline?: string | undefined;
  /** A production order: the categories of data it asks for (which CETS 224 time limit runs). */
  readonly dataCategories?: readonly ProductionDataCategory[] | undefined;
}

/** Build the create use case. */
export function createCreateExchange(ctx: ExchangeContext) {
  const { deps, recorder, access } = ctx;

  /** Create an exchange; a resumed attempt (same ids) finds its genesis event and appends nothing. */
  return async function createExchange(
    principal: Principal,
    input: CreateExchangeInput,
    ids: EffectIds & { readonly exchangeId?: string } = {},
  ): Promise<ExchangeLabel> {
    const exchangeId = ids.exchangeId ?? newId('exch');
    authorize(canCreateExchange(principal, input), {
      rule: 'create-exchange',
      attempt: 'create exchange',
      message: 'No such resource',
      // No hidden object is at stake: the caller is told its role falls short.
      kind: 'role',
    });
    if (!(REQUEST_KINDS as readonly string[]).includes(input.kind)) {
      throw new PouchError('ERR_VALIDATION', `Unknown kind of request: ${input.kind}`, {
        details: { field: 'json.kind' },
      });
    }
    checkDataCategoriesFitKind(input.kind, input.dataCategories);
    if (input.requestedId === principal.authorityId) {
      throw new PouchError('ERR_VALIDATION', 'An authority cannot send a request to itself', {
        details: { field: 'json.requestedId' },
      });
    }
    const requested = await deps.directory.getAuthority(input.requestedId);
    if (!requested) {
      throw new PouchError('ERR_VALIDATION', 'The requested authority is not in the directory', {
        details: { field: 'json.requestedId' },
      });
    }
    if (requested.status !== 'active') {
      throw new PouchError(
        'ERR_AUTHORITY_SUSPENDED',
        'The requested authority is suspended by the operator',
        {
          details: { field: 'json.requestedId' },
        },
      );
    }
    // Lineage: the caller must see each earlier exchange, and each must join the same two authorities.
    const links = (input.links ?? []).map(
      (l): ExchangeLink => (typeof l === 'string' ? { exchangeId: l, kind: 'follow-up' } : l),
    );
    const earlier: ExchangeLabel[] = [];
    for (const link of links) {
      const target = await access.load(principal, link.exchangeId, 'read-exchange');
      checkLink({ ...input, requesterId: principal.authorityId }, link.kind, target);
      earlier.push(target);
    }
    await deps.quotas.chargeExchange(principal);
    const promised = acknowledgeWithinHoursOf(requested.profile, input.urgency);

    const at = ctx.now().toISOString();
    const draft: ExchangeLabel = {
      id: exchangeId,
      kind: input.kind,
      urgency: input.urgency,
      requesterId: principal.authorityId,
      requestedId: input.requestedId,
      requesterReference: input.requesterReference,
      links: links.map((l) => l.exchangeId),
      createdAt: at,
      createdBy: principal.clientId,
      status: 'open',
      ledgerSeq: 0,
      updatedAt: at,
      ...(input.deadline ? { deadline: input.deadline } : {}),
    };
    const { event: genesis } = await recorder.open(
      exchangeId,
      {
        status: 'open',
        fields: {
          actor: actorOf(principal),
          action: 'exchange.created',
          outcome: 'success',
          details: {
            kind: draft.kind,
            urgency: draft.urgency,
            requesterId: draft.requesterId,
            requestedId: draft.requestedId,
            requesterReference: draft.requesterReference,
            links: links.map((l) => ({ exchangeId: l.exchangeId, kind: l.kind })),
            ...(draft.deadline ? { deadline: draft.deadline } : {}),
            ...(input.dataCategories ? { dataCategories: [...new Set(input.dataCategories)] } : {}),
            // The recipient's published promise in force now: the acknowledgement clock runs on it.
            ...(promised === undefined
              ? {}
              : { acknowledgeWithinHours: promised, profileVersion: requested.profile.version }),
          },
        },
      },
      ids.eventId === undefined ? {} : { eventId: ids.eventId },
    );
    const label: ExchangeLabel = { ...draft, createdAt: genesis.time, updatedAt: genesis.time };
    await deps.exchanges.putExchange(label);
    // Each earlier chain records its follower (the preservation's clock reads it), once per pair.
    for (const [i, target] of earlier.entries()) {
      const link = links[i] as ExchangeLink;
      await recorder.record(
        target,
        (status) => ({
          status,
          fields: {
            actor: actorOf(principal),
            action: 'exchange.linked',
            outcome: 'success',
            details: { followedBy: exchangeId, linkKind: link.kind },
          },
        }),
        { eventId: derivedId('evt', 'exchange.linked', target.id, exchangeId), projection: 'best-effort' },
      );
    }
    return label;
  };
}
