// Test support: what one delay-figure update costs as an authority's exchanges grow (issue 14), shared by
// tests/clocks/figure-cost.test.ts and bench/clock-sweep.bench.ts. On the constant-cost scenario (every storage
// call counted on wrapped clients), both authorities' figure partitions are seeded straight into the main table
// with contributions to the very figure the update moves (same counterpart, kind and month), then one real
// exchange is sent and acknowledged through the use cases, and the acknowledgement's calls are counted.
import { randomBytes } from 'node:crypto';
import { figureKeys } from '../../server/adapters/main-table-keys.ts';
import { type ClaimedLabelView, signManifest } from '../../shared/custody/manifest.ts';
import type { MessageKind } from '../../shared/domain/exchange/state-machine.ts';
import type { Principal } from '../../shared/domain/identity/types.ts';
import { newId } from '../../shared/domain/ids.ts';
import { batchPut } from './batch-put.ts';
import type { CostScenario } from './constant-cost.ts';
import type { TestPrincipal } from './identity.ts';
import { claimsFromLabel } from './label-claims.ts';

const KIND = 'mla';

const asPrincipal = (who: TestPrincipal): Principal => ({
  kind: 'member',
  clientId: who.clientId,
  authorityId: who.authorityId,
  memberId: who.memberId,
  role: who.role,
});

/** Contributions seeded so far per scenario (seeding only ever adds). */
const seeded = new WeakMap<CostScenario, number>();

/**
 * Grow both authorities' figures to `total` exchanges of this month: each seeded exchange contributes to the
 * sender's `sent` and the recipient's `received` figure, as a real one would.
 */
export async function seedFigureContributions(s: CostScenario, total: number): Promise<void> {
  const { doc } = s.exchange.runtime.clients;
  const table = s.exchange.runtime.config.tables.main;
  const period = new Date().toISOString().slice(0, 7);
  const from = seeded.get(s) ?? 0;
  const items: Record<string, unknown>[] = [];
  for (let i = from; i < total; i++) {
    const exchangeId = `exch_figseed${String(i).padStart(13, '0')}`;
    const base = {
      exchangeId,
      kind: KIND,
      period,
      acknowledgeSeconds: 3600 + i,
      infoRounds: i % 3,
      forced: i % 7 === 0,
      lapsed: false,
    };
    for (const [owner, counterpart, side] of [
      [s.sender.authorityId, s.recipient.authorityId, 'sent'],
      [s.recipient.authorityId, s.sender.authorityId, 'received'],
    ] as const) {
      items.push({
        pk: figureKeys.pk(owner),
        sk: figureKeys.sk(period, exchangeId),
        contribution: JSON.stringify({ ...base, counterpart, side }),
      });
    }
  }
  await batchPut(doc, table, items, 4);
  seeded.set(s, Math.max(from, total));
}

async function post(
  s: CostScenario,
  who: TestPrincipal,
  label: ClaimedLabelView & { readonly id: string },
  kind: MessageKind,
) {
  const exchangeId = label.id;
  const messageId = newId('msg');
  const manifest = await signManifest(
    {
      v: 1,
      exchangeId,
      messageId,
      messageKind: kind,
      sender: who.clientId,
      iat: Math.floor(Date.now() / 1000),
      documents: [],
      // From the label in hand, so signing the claims adds no storage call to what is counted.
      label: claimsFromLabel(label, who.authorityId),
    },
    who.key.privateKey,
    { alg: 'ES256', kid: who.key.kid },
  );
  await s.exchange.runtime.exchanges.postMessage(asPrincipal(who), exchangeId, {
    messageId,
    kind,
    documentIds: [],
    manifest,
  });
}

export interface FigureUpdateCost {
  /** Every storage call of the acknowledgement (its figure update included), in order. */
  readonly calls: string[];
  readonly ms: number;
  /** Requests in the sender's figure the update moved, read back through the API's use case. */
  readonly figureRequests: number;
}

/**
 * Send one request and count what its acknowledgement costs: the acknowledgement moves both parties'
 * figures (time to acknowledge), so its calls hold the figure update.
 */
export async function measureFigureUpdate(s: CostScenario): Promise<FigureUpdateCost> {
  const svc = s.exchange.runtime.exchanges;
  const label = await svc.createExchange(asPrincipal(s.sender), {
    kind: KIND,
    urgency: 'normal',
    requestedId: s.recipient.authorityId,
    requesterReference: `FIG-${randomBytes(3).toString('hex')}`,
  });
  await post(s, s.sender, label, 'request');
  // The recipient's first read records delivery; done before counting so only the acknowledgement is measured.
  await svc.getExchange(asPrincipal(s.recipient), label.id);
  s.calls.take();
  const t0 = performance.now();
  await post(s, s.recipient, label, 'acknowledgement');
  const ms = performance.now() - t0;
  const calls = s.calls.take();
  const { figures } = await s.exchange.runtime.clocks.reads.figures(asPrincipal(s.sender), undefined);
  const figure = figures.find(
    (f) => f.counterpart === s.recipient.authorityId && f.kind === KIND && f.side === 'sent',
  );
  return { calls, ms, figureRequests: figure?.requests ?? 0 };
}
