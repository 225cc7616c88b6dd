// Progress while sealing and opening: the rule for when a bar is drawn, and a large document through
// deliverMessage and fetchExchange against the local exchange, whose bars run from 0 to the whole file.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CRYPTO_PROGRESS_MIN_BYTES,
  deliverMessage,
  type UploadProgressSink,
  withCryptoProgress,
} from '../../client/exchange/deliver-message.ts';
import { fetchExchange } from '../../client/exchange/fetch-documents.ts';
import { openDemoOfficer, sealingRecipients } from '../support/demo-officer.ts';
import { startTestExchange } from '../support/local-exchange.ts';

interface RecordedBar {
  label: string;
  total: number;
  updates: number[];
  finished: boolean;
}

function recordBars(): { bars: RecordedBar[]; create: (label: string, total: number) => UploadProgressSink } {
  const bars: RecordedBar[] = [];
  return {
    bars,
    create(label, total) {
      const bar: RecordedBar = { label, total, updates: [], finished: false };
      bars.push(bar);
      return {
        update: (done) => void bar.updates.push(done),
        finish: () => {
          bar.finished = true;
        },
      };
    },
  };
}

describe('withCryptoProgress', () => {
  it('draws no bar below the threshold, and passes no callback', async () => {
    const { bars, create } = recordBars();
    const seen = await withCryptoProgress(create, 'sealing a', CRYPTO_PROGRESS_MIN_BYTES - 1, async (o) => o);
    expect(seen).toEqual({});
    expect(bars).toEqual([]);
  });

  it('draws a bar at the threshold, feeds it, and finishes it even when the work fails', async () => {
    const { bars, create } = recordBars();
    await expect(
      withCryptoProgress(create, 'opening b', CRYPTO_PROGRESS_MIN_BYTES, async ({ onProgress }) => {
        onProgress?.(5);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(bars).toEqual([
      { label: 'opening b', total: CRYPTO_PROGRESS_MIN_BYTES, updates: [5], finished: true },
    ]);
  });
});

describe('a large document shows sealing and opening progress', () => {
  let exchange: Awaited<ReturnType<typeof startTestExchange>>;
  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('reports sealing from the plaintext and opening from the sealed bytes, each up to the whole file', async () => {
    const north = await openDemoOfficer(exchange, 'northland');
    const south = await openDemoOfficer(exchange, 'southmark');
    const plaintext = randomBytes(CRYPTO_PROGRESS_MIN_BYTES + 7);
    const file = join(exchange.dataDir, 'big.bin');
    await writeFile(file, plaintext);
    const sending = recordBars();
    const sent = await deliverMessage({
      client: north.client,
      signer: north.signer,
      home: north.keystore.home,
      operation: 'send',
      exchange: {
        create: { kind: 'mla', urgency: 'normal', requestedId: south.authorityId, requesterReference: 'P-1' },
      },
      recipients: await sealingRecipients(north, south.authorityId),
      message: { kind: 'request' },
      files: [{ path: file }],
      createProgress: sending.create,
    });
    const sealing = sending.bars.find((b) => b.label === 'sealing big.bin');
    expect(sealing).toMatchObject({ total: plaintext.length, finished: true });
    expect(sealing!.updates.length).toBeGreaterThan(1);
    expect(sealing!.updates).toEqual([...sealing!.updates].sort((a, b) => a - b));
    expect(sealing!.updates.at(-1)).toBe(plaintext.length);
    expect(sending.bars.map((b) => b.label)).toContain('big.bin'); // the upload's own bar

    const fetching = recordBars();
    const out = join(exchange.dataDir, 'received');
    const fetched = await fetchExchange({
      client: south.client,
      exchangeId: sent.exchangeId,
      outDir: out,
      identities: [await south.keystore.unlockSealingIdentity('seal')],
      createProgress: fetching.create,
    });
    const sealedSize = sent.documents[0]!.sealedSize;
    const opening = fetching.bars.find((b) => b.label === 'opening big.bin');
    expect(opening).toMatchObject({ total: sealedSize, finished: true });
    expect(opening!.updates.at(-1)).toBe(sealedSize);
    expect((await readFile(fetched.documents[0]!.path)).equals(plaintext)).toBe(true);
  });
});
