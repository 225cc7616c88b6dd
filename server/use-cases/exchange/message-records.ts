// Use cases, exchange: the message records are a projection of `message.sent` events. A message is written from
// its intent once its event is in the ledger; a read completes any message whose writer stopped after the append.
import type { LedgerEvent } from '../../../shared/domain/ledger/event.ts';
import type {
  DocumentRecord,
  ExchangeRepository,
  MessageIntent,
  MessageRecord,
} from '../../ports/exchange-repository.ts';

/** Turn an intent into the message its ledger event made it, and attach its documents to it. */
export async function completeMessage(
  exchanges: ExchangeRepository,
  intent: MessageIntent,
  event: LedgerEvent,
  /** The documents as the caller read them in this request (the post checked each against the manifest). */
  known: readonly DocumentRecord[] = [],
): Promise<MessageRecord> {
  const message: MessageRecord = { ...intent, sentAt: event.time, seq: event.seq };
  await exchanges.putMessage(message);
  for (const documentId of intent.documentIds) {
    const doc =
      known.find((d) => d.documentId === documentId && d.exchangeId === intent.exchangeId) ??
      (await exchanges.getDocument(intent.exchangeId, documentId));
    if (doc && doc.messageId !== intent.messageId) {
      await exchanges.putDocument({ ...doc, messageId: intent.messageId });
    }
  }
  return message;
}

/**
 * The exchange's messages, completing any whose `message.sent` event is in the ledger but whose record was
 * never written (the sender's request failed after the append). Intents without an event stay invisible. Only
 * intents without a record are looked up (`sentEventOf`, by the message's event id), never the whole chain.
 */
export async function completeMessages(
  exchanges: ExchangeRepository,
  exchangeId: string,
  sentEventOf: (messageId: string) => Promise<LedgerEvent | undefined>,
): Promise<MessageRecord[]> {
  const [messages, intents] = await Promise.all([
    exchanges.listMessages(exchangeId),
    exchanges.listMessageIntents(exchangeId),
  ]);
  const known = new Set(messages.map((m) => m.messageId));
  let completed = false;
  for (const intent of intents) {
    if (known.has(intent.messageId)) continue;
    const event = await sentEventOf(intent.messageId);
    if (event?.action !== 'message.sent' || event.subject?.messageId !== intent.messageId) continue;
    await completeMessage(exchanges, intent, event);
    completed = true;
  }
  return completed ? exchanges.listMessages(exchangeId) : messages;
}
