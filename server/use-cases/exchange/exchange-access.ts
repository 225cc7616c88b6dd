// Use cases, exchange: load an exchange label the caller may see under a policy rule. A miss and an outsider's
// "no" answer alike (404 ERR_NOT_FOUND, same body); a party's member whose role falls short gets 403. All are
// denials in the security log, so probing leaves a trace.
import { PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { ID_PATTERN } from '../../../shared/domain/ids.ts';
import {
  authorize,
  denial,
  EXCHANGE_RULES,
  type ExchangeRule,
  exchangeDenialKind,
} from '../../policy/policy.ts';
import type { ExchangeLabel, ExchangeRepository } from '../../ports/exchange-repository.ts';

const NO_SUCH_EXCHANGE = 'No such exchange';

/** Build the loader over the exchange repository. */
export function createExchangeAccess(exchanges: Pick<ExchangeRepository, 'getExchange'>) {
  return {
    /** The label of `exchangeId` if `rule` lets `principal` at it; otherwise the not-found of a miss. */
    async load(principal: Principal, exchangeId: string, rule: ExchangeRule): Promise<ExchangeLabel> {
      // Not an id at all: no lookup, and nothing worth logging (the route's schema let it through by length).
      if (!ID_PATTERN.test(exchangeId)) throw new PouchError('ERR_NOT_FOUND', NO_SUCH_EXCHANGE);
      const label = await exchanges.getExchange(exchangeId);
      const why = { attempt: rule, resourceId: exchangeId, message: NO_SUCH_EXCHANGE };
      if (!label) throw denial({ ...why, rule: 'exchange-exists' });
      authorize(EXCHANGE_RULES[rule](principal, label), {
        ...why,
        rule,
        kind: exchangeDenialKind(principal, label),
      });
      return label;
    },
  };
}

export type ExchangeAccess = ReturnType<typeof createExchangeAccess>;

/** Which side of the exchange the caller works for. */
export const sideOf = (principal: Principal, label: ExchangeLabel): 'requester' | 'requested' =>
  principal.authorityId === label.requesterId ? 'requester' : 'requested';
