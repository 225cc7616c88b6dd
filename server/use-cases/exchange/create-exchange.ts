// Use cases, exchange: open an exchange between the caller's authority and a requested authority. The genesis
// event (`exchange.created`, status `open`) goes in the ledger first, then the label is written once per party.
import { PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { REQUEST_KINDS } from '../../../shared/domain/requests/instruments.ts';
import { authorize, canCreateExchange } from '../../policy/policy.ts';
import type { ExchangeLabel, Urgency } from '../../ports/exchange-repository.ts';
import { actorOf } from '../ledger-recorder.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';

export interface CreateExchangeInput {
  readonly kind: string;
  readonly urgency: Urgency;
  readonly requestedId: string;
  readonly requesterReference: string;
  readonly links?: readonly string[] | undefined;
  readonly deadline?: string | undefined;
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
    authorize(canCreateExchange(principal), {
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
    for (const link of input.links ?? []) await access.load(principal, link, 'read-exchange');
    await deps.quotas.chargeExchange(principal);

    const at = ctx.now().toISOString();
    const draft: ExchangeLabel = {
      id: exchangeId,
      kind: input.kind,
      urgency: input.urgency,
      requesterId: principal.authorityId,
      requestedId: input.requestedId,
      requesterReference: input.requesterReference,
      links: [...(input.links ?? [])],
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
            links: [...draft.links],
            ...(draft.deadline ? { deadline: draft.deadline } : {}),
          },
        },
      },
      ids.eventId === undefined ? {} : { eventId: ids.eventId },
    );
    const label: ExchangeLabel = { ...draft, createdAt: genesis.time, updatedAt: genesis.time };
    await deps.exchanges.putExchange(label);
    return label;
  };
}
