// Test support: clock tracks seeded straight into the main table with their sweep-index keys (the API is too slow
// on the embedded servers to create 100,000 exchanges), shared by tests/clocks/sweep-cost.test.ts and
// bench/clock-sweep.bench.ts. The first `due` tracks' next stage opened an hour ago; the rest open 1 to 60 days
// ahead. Seeded tracks have no label or chain, so the sweep reads them and records nothing.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clockKeys, exchangeKeys } from '../../server/adapters/main-table-keys.ts';
import type { Track } from '../../shared/domain/clocks/track.ts';
import { batchPut } from './batch-put.ts';

function trackOf(i: number, at: string): Track {
  return {
    exchangeId: `exch_bench${String(i).padStart(17, '0')}`,
    kind: 'preservation',
    urgency: i % 10 === 0 ? 'emergency' : 'normal',
    requesterId: 'auth_benchA',
    requestedId: 'auth_benchB',
    createdAt: at,
    links: [],
    followers: [],
    status: 'submitted',
    submittedAt: at,
    preservationExpiresAt: at,
    infoRounds: 0,
    forced: false,
    lapsed: false,
    fired: [],
    lastSeq: 1,
  };
}

/** Seed tracks `from` to `to - 1` (the first `due` of all are due at `now` minus an hour). */
export async function seedClockTracks(
  doc: DynamoDBDocumentClient,
  table: string,
  options: { from?: number; to: number; due: number; now: number; writers?: number },
): Promise<void> {
  const items: Record<string, unknown>[] = [];
  for (let i = options.from ?? 0; i < options.to; i++) {
    const at = new Date(
      i < options.due ? options.now - 3_600_000 : options.now + (1 + (i % 60)) * 86_400_000,
    ).toISOString();
    const track = trackOf(i, at);
    items.push({
      pk: exchangeKeys.pk(track.exchangeId),
      sk: clockKeys.trackSk,
      lastSeq: 1,
      track: JSON.stringify(track),
      gsi1pk: clockKeys.sweepIndexPk,
      gsi1sk: clockKeys.sweepIndexSk(at, track.exchangeId),
    });
  }
  await batchPut(doc, table, items, options.writers ?? 8);
}
