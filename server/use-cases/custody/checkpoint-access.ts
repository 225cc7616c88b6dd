// Use cases, custody: the checkpoint log as the API offers it, under the policy. Any authenticated caller reads
// checkpoints and consistency proofs (they reveal only hashes); only the operator builds one on demand; a chain's
// inclusion proof is for those who may read that exchange's ledger. The log itself is checkpoint-service.ts.
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { authorize, canBuildCheckpoints } from '../../policy/policy.ts';
import type { ExchangeRepository } from '../../ports/exchange-repository.ts';
import { createExchangeAccess } from '../exchange/exchange-access.ts';
import type { CheckpointService } from './checkpoint-service.ts';

/** Build the checkpoint use cases over the log and the exchange labels. */
export function createCheckpointAccess(deps: {
  readonly checkpoints: CheckpointService;
  readonly exchanges: Pick<ExchangeRepository, 'getExchange'>;
}) {
  const access = createExchangeAccess(deps.exchanges);
  return {
    async build(principal: Principal) {
      authorize(canBuildCheckpoints(principal), {
        rule: 'build-checkpoints',
        attempt: 'build a checkpoint',
        message: 'No such resource',
        // No hidden object is at stake: the caller is told its role falls short.
        kind: 'role',
      });
      return deps.checkpoints.build();
    },
    latest: (_principal: Principal) => deps.checkpoints.latest(),
    get: (_principal: Principal, size: number) => deps.checkpoints.get(size),
    consistencyProof: (_principal: Principal, first: number, second: number) =>
      deps.checkpoints.consistencyProof(first, second),
    async inclusionProof(principal: Principal, exchangeId: string) {
      await access.load(principal, exchangeId, 'read-ledger');
      return deps.checkpoints.inclusionProof(exchangeId);
    },
  };
}

export type CheckpointAccess = ReturnType<typeof createCheckpointAccess>;
