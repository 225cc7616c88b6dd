// Use cases, exchange: retrieval of a sealed document. The presigned GET is handed out only once its retrieval
// (`document.retrieved`, with a ContentHandover receipt) is in the ledger (fail closed); a keyed retry gets a
// fresh URL and its first retrieval back, never a second one.
import { PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { objectKeys, presignLimits } from '../../config/storage-definitions.ts';
import { actorOf, naturalEventIds } from '../ledger-recorder.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';

/** Build the download use case. */
export function createDownloads(ctx: ExchangeContext) {
  const { deps, recorder, access } = ctx;

  /**
   * The document's digest as its `message.sent` event records it (the form storage verified, with the plaintext
   * digest of the sender's signed manifest), so that the retrieval names exactly what the submission named; and
   * the authority that sent it, which the retrieval's receipt names.
   */
  async function sentDigestOf(exchangeId: string, messageId: string, documentId: string) {
    const sent = await recorder.find(exchangeId, naturalEventIds.messageSent(exchangeId, messageId));
    const digest =
      sent?.action === 'message.sent' && sent.subject?.messageId === messageId
        ? sent.documents?.find((d) => d.documentId === documentId)
        : undefined;
    // A document is attached to its message only after that event is in the ledger: fail closed, never guess.
    if (!sent || !digest)
      throw new PouchError('ERR_LEDGER_BROKEN', 'The sent message of this document is not in the ledger');
    return { digest, sender: sent.actor.authorityId };
  }

  /** A presigned GET for a sealed document, after its retrieval is in the ledger (fail closed). */
  return async function presignDownload(
    principal: Principal,
    exchangeId: string,
    documentId: string,
    ids: EffectIds = {},
  ) {
    const label = await access.load(principal, exchangeId, 'read-exchange');
    const doc = await deps.exchanges.getDocument(exchangeId, documentId);
    // Only sent documents can be retrieved (a pending or unsent upload is not there for the reader).
    if (doc?.state !== 'committed' || !doc.messageId) {
      throw new PouchError('ERR_NOT_FOUND', 'No such document');
    }
    const messageId = doc.messageId;
    const { digest, sender } = await sentDigestOf(exchangeId, messageId, documentId);
    // Signed first, handed out only once the retrieval is in the ledger: nothing can fail between the two.
    const seconds = Math.min(deps.presignSeconds, presignLimits.maxPresignSeconds);
    const presigned = await deps.documents.presignGet({
      key: objectKeys.document(exchangeId, documentId),
      expiresInSeconds: seconds,
    });
    await recorder.record(
      label,
      (status) => ({
        status,
        fields: {
          actor: actorOf(principal),
          action: 'document.retrieved',
          outcome: 'success',
          subject: { documentId, messageId },
          documents: [digest],
        },
      }),
      { projection: 'best-effort', ...ids, messageSender: sender },
    );
    return { url: presigned.url, expiresAt: presigned.expiresAt, expiresInSeconds: seconds, document: doc };
  };
}
