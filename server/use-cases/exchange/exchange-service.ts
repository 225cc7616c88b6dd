// Use cases of the sealed exchange, assembled: create (create-exchange.ts), reads (exchange-reads.ts), uploads
// (uploads.ts, commit-document.ts), messages (messages.ts) and downloads (downloads.ts). Every action lands in the
// custody ledger first (fail closed) through the one recorder (../ledger-recorder.ts); the label in the main table
// is a projection of the ledger. Policy is enforced in the use cases, where data is read, so a route cannot
// forget it.
import type { LedgerRecorder } from '../ledger-recorder.ts';
import { createCommitDocument } from './commit-document.ts';
import { createCreateExchange } from './create-exchange.ts';
import { createDownloads } from './downloads.ts';
import { createExchangeAccess } from './exchange-access.ts';
import type { ExchangeContext, ExchangeServiceDeps } from './exchange-context.ts';
import { createExchangeReads } from './exchange-reads.ts';
import { createMessages } from './messages.ts';
import { createUploads } from './uploads.ts';

export type { CreateExchangeInput } from './create-exchange.ts';
export type { EffectIds, ExchangeServiceDeps } from './exchange-context.ts';
export type { PostMessageInput } from './messages.ts';
export type { DeclareDocumentInput } from './uploads.ts';

/** Build the use cases over their ports and the one recorder (shared with the custody use cases). */
export function createExchangeService(deps: ExchangeServiceDeps, shared: { recorder: LedgerRecorder }) {
  const now = deps.now ?? (() => new Date());
  const { recorder } = shared;
  const ctx: ExchangeContext = { deps, recorder, access: createExchangeAccess(deps.exchanges), now };
  const reads = createExchangeReads(ctx);
  const uploads = createUploads(ctx);
  return {
    createExchange: createCreateExchange(ctx),
    listExchanges: reads.listExchanges,
    getExchange: reads.getExchange,
    listReceipts: reads.listReceipts,
    declareDocument: uploads.declareDocument,
    presignParts: uploads.presignParts,
    commitDocument: createCommitDocument(ctx),
    postMessage: createMessages(ctx),
    presignDownload: createDownloads(ctx),
  };
}

export type ExchangeService = ReturnType<typeof createExchangeService>;
