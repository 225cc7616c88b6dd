// Test support: the label claims a test sender signs in its manifests (the exchange refuses a post without them,
// ERR_LABEL_MISMATCH), read from the exchange's label as the sender sees it.
import type { ExchangeService } from '../../server/use-cases/exchange/exchange-service.ts';
import { type ClaimedLabelView, labelClaimsFor, type ManifestLabel } from '../../shared/custody/manifest.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';

/** Claims for a sender of `authorityId`, from a label it was served. */
export function claimsFromLabel(
  label: ClaimedLabelView,
  authorityId: string,
  requestedReference?: string,
): ManifestLabel {
  return labelClaimsFor(
    label,
    authorityId === label.requesterId ? 'requester' : 'requested',
    requestedReference,
  );
}

/** Claims for `principal`, reading the label through the use cases. */
export async function claimsFromExchanges(
  exchanges: Pick<ExchangeService, 'getExchange'>,
  principal: Principal,
  exchangeId: string,
  requestedReference?: string,
): Promise<ManifestLabel> {
  const { label } = await exchanges.getExchange(principal, exchangeId);
  return claimsFromLabel(label, principal.authorityId, requestedReference);
}
