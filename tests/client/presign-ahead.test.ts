// Tests (unit): the transfer engine's presigned-URL cache asks for the next parts ahead of the senders, one
// request at a time and never more than two batches ahead (client/transfer/part-sender.ts createUrlCache).
import { describe, expect, it } from 'vitest';
import { createUrlCache } from '../../client/transfer/part-sender.ts';
import type { PartToPresign, PresignedPart } from '../../shared/api/exchange.ts';

function harness(upcoming: number[]) {
  const requests: number[][] = [];
  const answers: Array<() => void> = [];
  const urls = createUrlCache({
    batchSize: 4,
    upcoming: () => upcoming,
    describe: (partNumber) => ({ partNumber, size: 1, sha256: 'x' }),
    presign: (parts: readonly PartToPresign[]) => {
      requests.push(parts.map((p) => p.partNumber));
      return new Promise<readonly PresignedPart[]>((resolve) => {
        answers.push(() =>
          resolve(
            parts.map((p) => ({
              method: 'PUT',
              partNumber: p.partNumber,
              url: `http://storage.invalid/${p.partNumber}`,
              headers: {},
              expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
            })),
          ),
        );
      });
    },
  });
  return { urls, requests, answer: () => answers.shift()?.() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('presigning ahead of the part senders', () => {
  it('asks for one batch at a time, up to two batches ahead, and serves the parts from it', async () => {
    const upcoming = Array.from({ length: 20 }, (_, i) => i + 1);
    const { urls, requests, answer } = harness(upcoming);
    urls.warm();
    urls.warm();
    expect(requests).toEqual([[1, 2, 3, 4]]);
    answer();
    await settle();
    expect(requests).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    answer();
    await settle();
    // Two batches ahead of the senders: nothing more until parts are taken.
    expect(requests).toHaveLength(2);
    upcoming.splice(0, 4);
    urls.warm();
    expect(requests[2]).toEqual([9, 10, 11, 12]);
    answer();
    await settle();
    expect((await urls.get(2)).url).toBe('http://storage.invalid/2');
    expect(requests).toHaveLength(3);
  });

  it('asks for nothing when every upcoming part is already asked for', async () => {
    const { urls, requests, answer } = harness([1, 2]);
    const first = urls.get(1);
    expect(requests).toEqual([[1, 2]]);
    urls.warm();
    expect(requests).toHaveLength(1);
    answer();
    expect((await first).partNumber).toBe(1);
  });
});
