// The checkpoint service under concurrent callers on the real embedded servers: several bundle exports and
// `ensureCheckpointed` calls at once through the ONE service a process holds (its leaf cache is shared), plus
// independent services over the same table (separate processes). No caller may see ERR_LEDGER_BROKEN, the log
// stays one gap-free sequence, and every bundle exported in the crowd verifies.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoCheckpointStore } from '../../server/adapters/dynamo-checkpoint-store.ts';
import { createCheckpointService } from '../../server/use-cases/custody/checkpoint-service.ts';
import { verifyBundle } from '../../shared/custody/bundle.ts';
import { encodeHeadLeaf } from '../../shared/domain/ledger/checkpoint.ts';
import { computeRoot, hashLeaf, toHex } from '../../shared/domain/ledger/merkle.ts';
import type { SeededAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { createCaller, runExchange, seedParties, type TestExchange } from './custody-fixture.ts';

describe('checkpoint service under concurrent exports', () => {
  let exchange: TestExchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  const ids: string[] = [];

  beforeAll(async () => {
    exchange = await startTestExchange();
    ({ a, b } = await seedParties(exchange));
    for (let i = 0; i < 6; i++) {
      ids.push(await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 }));
    }
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  async function expectOneGapFreeLog(): Promise<void> {
    const { checkpoints } = exchange.runtime;
    const leaves = await checkpoints.leaves();
    expect(leaves.map((l) => l.index)).toEqual(leaves.map((_, i) => i));
    const latest = await checkpoints.latest();
    const hashes = leaves.map((l) => hashLeaf(encodeHeadLeaf(l)));
    expect(latest.rootHash).toBe(toHex(computeRoot(hashes, latest.size)));
  }

  it('answers every one of many concurrent ensureCheckpointed calls on one service', async () => {
    const { checkpoints } = exchange.runtime;
    for (let round = 0; round < 3; round++) {
      // New chains, then checkpoint each of them (and an older one) twice at once, interleaved with proof reads.
      const fresh = [ids[round] as string];
      for (let i = 0; i < 4; i++) {
        fresh.push(await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 }));
      }
      const calls = [...fresh, ...fresh].flatMap((id) => [
        checkpoints.ensureCheckpointed(id),
        checkpoints.ensureCheckpointed(id).then(() => checkpoints.inclusionProof(id)),
      ]);
      const settled = await Promise.allSettled(calls);
      const failures = settled.filter((s) => s.status === 'rejected').map((s) => s.reason);
      expect(failures).toEqual([]);
      ids.push(...fresh.slice(1));
    }
    await expectOneGapFreeLog();
  }, 60_000);

  it('exports bundles of many exchanges at once over HTTP: every answer 200, every bundle verifies', async () => {
    const call = createCaller(exchange);
    const officer = a.member('officer');
    const targets = [...new Set(ids)].slice(0, 6);
    const responses = await Promise.all(
      [...targets, ...targets].map((id) => call(officer, 'GET', `/v1/exchanges/${id}/bundle`)),
    );
    const problems = await Promise.all(
      responses.filter((r) => r.status !== 200).map(async (r) => `${r.status} ${await r.text()}`),
    );
    expect(problems).toEqual([]);
    for (const response of responses) {
      const verdict = await verifyBundle(Readable.from([await response.text()]));
      expect(verdict.ok).toBe(true);
    }
    expect(exchange.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    await expectOneGapFreeLog();
  }, 60_000);

  it('lets independent services (separate processes) and the shared one build at once without a false alarm', async () => {
    const { runtime } = exchange;
    for (let i = 0; i < 4; i++)
      ids.push(await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 }));
    const others = Array.from({ length: 3 }, () => {
      const store = createDynamoCheckpointStore(runtime.clients.doc, runtime.config.tables.main);
      return createCheckpointService({
        store,
        chains: store,
        ledger: runtime.ledger,
        signer: runtime.signer,
        publisher: { publish: async () => undefined, isPublished: async () => true },
      });
    });
    const settled = await Promise.allSettled([
      ...others.map((s) => s.build()),
      ...ids.slice(-4).map((id) => runtime.checkpoints.ensureCheckpointed(id)),
      runtime.checkpoints.build(),
    ]);
    expect(settled.filter((s) => s.status === 'rejected').map((s) => s.reason)).toEqual([]);
    await expectOneGapFreeLog();
  }, 60_000);

  it('tolerates a proof read that lands between a builder writing a leaf and noting it (interleaving forced)', async () => {
    const { runtime } = exchange;
    const id = await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 });
    const store = createDynamoCheckpointStore(runtime.clients.doc, runtime.config.tables.main);
    let service: ReturnType<typeof createCheckpointService> | undefined;
    let interleaved = 0;
    service = createCheckpointService({
      store: {
        ...store,
        // The leaf is in the table; before the builder hears so, a reader of the same service refreshes.
        async appendLeaf(leaf) {
          const written = await store.appendLeaf(leaf);
          if (written && service) {
            await service.leaves();
            interleaved++;
          }
          return written;
        },
      },
      chains: store,
      ledger: runtime.ledger,
      signer: runtime.signer,
      publisher: { publish: async () => undefined, isPublished: async () => true },
    });
    await service.leaves();
    const built = await service.ensureCheckpointed(id);
    expect(interleaved).toBeGreaterThan(0);
    expect(built.checkpoint?.size).toBe((await service.leaves()).length);
    await expectOneGapFreeLog();
  });

  it('still says ERR_LEDGER_BROKEN when a stored leaf differs from the one read before (tampering injected)', async () => {
    const { runtime } = exchange;
    const store = createDynamoCheckpointStore(runtime.clients.doc, runtime.config.tables.main);
    let tamper = false;
    const service = createCheckpointService({
      store: {
        ...store,
        async readLeaves(from) {
          if (!tamper) return store.readLeaves(from);
          const [first, ...rest] = await store.readLeaves(0);
          return [{ ...first!, hash: '00'.repeat(32) }, ...rest];
        },
      },
      chains: store,
      ledger: runtime.ledger,
      signer: runtime.signer,
      publisher: { publish: async () => undefined, isPublished: async () => true },
    });
    expect((await service.leaves()).length).toBeGreaterThan(0);
    tamper = true;
    await expect(service.leaves()).rejects.toMatchObject({ code: 'ERR_LEDGER_BROKEN' });
  });
});
