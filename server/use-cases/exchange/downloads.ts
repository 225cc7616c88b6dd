// Use cases, exchange: retrieval of a sealed document. The presigned GET is handed out only once its retrieval
// (`document.retrieved`, with a ContentHandover receipt) is in the ledger (fail closed); a keyed retry gets a
// fresh URL and its first retrieval back, never a second one.
import { PouchError } from '../../../shared/domain/errors.ts';
import type { Principal } from '../../../shared/domain/identity/types.ts';
import { objectKeys, presignLimits } from '../../config/storage-definitions.ts';
import type { DocumentRecord } from '../../ports/exchange-repository.ts';
import { actorOf } from '../ledger-recorder.ts';
import type { EffectIds, ExchangeContext } from './exchange-context.ts';

/** Build the download use case. */
export function createDownloads(ctx: ExchangeContext) {
  const { deps, recorder, access } = ctx;

  /** The plaintext digest the sender's signed manifest gave the document (from its `message.sent` event). */
  async function plaintextDigestOf(exchangeId: string, doc: DocumentRecord): Promise<string | undefined> {
    const messages = await deps.exchanges.listMessages(exchangeId);
    const message = messages.find((m) => m.messageId === doc.messageId);
    if (!message) return undefined;
    const events = await deps.ledger.read(exchangeId);
    const sent = events.find((e) => e.seq === message.seq);
    return sent?.documents?.find((d) => d.documentId === doc.documentId)?.plaintextSha256;
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
    const plaintextSha256 = (await plaintextDigestOf(exchangeId, doc)) ?? doc.sealedSha256;
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
          documents: [{ documentId, plaintextSha256, sealedSha256: doc.sealedSha256, size: doc.sealedSize }],
        },
      }),
      { projection: 'best-effort', ...ids },
    );
    return { url: presigned.url, expiresAt: presigned.expiresAt, expiresInSeconds: seconds, document: doc };
  };
}
