// Test support: the one set-up of the transfer suites (tests/documents). A real local exchange (s3rver) with the
// S3 DocumentStore adapter wired straight to its evidence bucket, a scratch folder in the exchange's data folder,
// and the outcome of a call as a stable PouchError code.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createS3DocumentStore } from '../../server/adapters/s3-document-store.ts';
import type { DocumentStore } from '../../server/ports/document-store.ts';
import { isPouchError, type PouchErrorCode } from '../../shared/domain/errors.ts';
import { startTestExchange } from './local-exchange.ts';

export type TestExchange = Awaited<ReturnType<typeof startTestExchange>>;

/** What a suite's hooks set up; read only inside tests and hooks (before `beforeAll`, every field throws). */
export interface DocumentStoreHarness {
  readonly exchange: TestExchange;
  /** The adapter as the API builds it, reading objects back when storage reports no checksum (s3rver). */
  readonly store: DocumentStore;
  /** A scratch folder inside the exchange's data folder (removed with it). */
  readonly dir: string;
}

/** Register `beforeAll`/`afterAll` in the calling `describe`: start the exchange, build the store, make `dir`. */
export function useDocumentStore(options: { readonly prefix: string }): DocumentStoreHarness {
  let state: { exchange: TestExchange; store: DocumentStore; dir: string } | undefined;
  let exchange: TestExchange | undefined;
  const started = () => {
    if (!state) throw new Error('document store harness: read before beforeAll ran');
    return state;
  };
  beforeAll(async () => {
    exchange = await startTestExchange();
    const store = createS3DocumentStore(exchange.runtime.clients.s3, {
      bucket: exchange.runtime.config.evidenceBucket,
      presignSeconds: exchange.runtime.config.presignSeconds,
      verifyByReadingWhenNoChecksum: true,
    });
    const dir = await mkdtemp(join(exchange.dataDir, options.prefix));
    state = { exchange, store, dir };
  });
  afterAll(async () => {
    await exchange?.stop();
  });
  return {
    get exchange() {
      return started().exchange;
    },
    get store() {
      return started().store;
    },
    get dir() {
      return started().dir;
    },
  };
}

/** How a call settled: its PouchError code, 'resolved', or 'not a PouchError' (so a test can assert on all three). */
export async function settledCode(
  promise: Promise<unknown>,
): Promise<PouchErrorCode | 'resolved' | 'not a PouchError'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isPouchError(error) ? error.code : 'not a PouchError';
  }
}
