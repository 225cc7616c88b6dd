// The cost of a delay-figure update as exchanges grow (issue 14): with 10, 1,000 and 10,000 exchanges in the very
// figure an acknowledgement moves, the acknowledgement makes the same storage calls (counted on the wrapped
// DynamoDB and S3 clients): the update overwrites the exchange's own contributions and reads none of the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CostScenario, startCostScenario } from '../support/constant-cost.ts';
import { measureFigureUpdate, seedFigureContributions } from '../support/figure-cost.ts';

let s: CostScenario;

beforeAll(async () => {
  s = await startCostScenario();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

describe('figure updates cost the same at any size', () => {
  it('an acknowledgement makes the same calls with 10, 1,000 and 10,000 exchanges in its figure', async () => {
    const bySize: Record<number, string[]> = {};
    for (const size of [10, 1_000, 10_000]) {
      await seedFigureContributions(s, size);
      const cost = await measureFigureUpdate(s);
      // The figure it moved holds the seeded exchanges and every measured one so far: it did grow.
      expect(cost.figureRequests).toBeGreaterThan(size);
      bySize[size] = cost.calls;
    }
    expect(bySize[1_000]).toEqual(bySize[10]);
    expect(bySize[10_000]).toEqual(bySize[10]);
    // The figure update itself is point writes: a PutCommand per party's contribution.
    expect(bySize[10]?.some((c) => c.startsWith('PutCommand'))).toBe(true);
    console.log(`figure update: ${bySize[10]?.length} calls at 10, 1,000 and 10,000 exchanges`, bySize[10]);
  }, 300_000);
});
