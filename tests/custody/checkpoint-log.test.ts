// The checkpoint log against a real local exchange: inclusion proofs verify for every exchange, consistency
// proofs verify between any two checkpoint sizes, concurrent builders never fork the log, signed checkpoints
// are published under checkpoints/ (a failed publish is made good before a newer checkpoint is signed), and
// the routes serve the same proofs.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoCheckpointStore } from '../../server/adapters/dynamo-checkpoint-store.ts';
import { createS3CheckpointPublisher } from '../../server/adapters/s3-checkpoint-publisher.ts';
import { objectKeys } from '../../server/config/storage-definitions.ts';
import type { CheckpointPublisher } from '../../server/ports/checkpoint-store.ts';
import { createCheckpointService } from '../../server/use-cases/custody/checkpoint-service.ts';
import { verifyCheckpoint } from '../../shared/custody/checkpoints.ts';
import { StorageError } from '../../shared/domain/errors.ts';
import { encodeHeadLeaf, verifyChainHeadProof } from '../../shared/domain/ledger/checkpoint.ts';
import {
  computeRoot,
  fromHex,
  hashLeaf,
  toHex,
  verifyConsistency,
} from '../../shared/domain/ledger/merkle.ts';
import type { SeededAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { asPrincipal, createCaller, runExchange, seedParties, type TestExchange } from './custody-fixture.ts';

describe('checkpoint log', () => {
  let exchange: TestExchange;
  let a: SeededAuthority;
  let b: SeededAuthority;
  let c: SeededAuthority;
  const ids: string[] = [];
  const sizes: number[] = [];

  beforeAll(async () => {
    exchange = await startTestExchange();
    ({ a, b, c } = await seedParties(exchange));
    for (let round = 0; round < 3; round++) {
      ids.push(await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 }));
      ids.push(await runExchange(exchange, b.member('officer'), c.authorityId, { messages: 1 }));
      // Move an older chain too, so its head appears again in the log.
      if (ids[0]) await exchange.runtime.exchanges.getExchange(asPrincipal(a.member('auditor')), ids[0]);
      const { checkpoint, created } = await exchange.runtime.checkpoints.build();
      expect(created).toBe(true);
      sizes.push(checkpoint!.size);
    }
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  it('builds only when something changed, and the log only grows', async () => {
    const again = await exchange.runtime.checkpoints.build();
    expect(again.created).toBe(false);
    expect(again.checkpoint!.size).toBe(sizes[sizes.length - 1]);
    expect([...sizes].sort((x, y) => x - y)).toEqual(sizes);
  });

  it('proves every exchange’s latest head in the latest checkpoint, signed by the exchange key', async () => {
    const jwk = await exchange.runtime.signer.publicJwk();
    for (const id of ids) {
      const proof = await exchange.runtime.checkpoints.inclusionProof(id);
      const checkpoint = await verifyCheckpoint(proof.checkpoint.jws, jwk);
      const head = await exchange.runtime.ledger.head(id);
      expect(proof.head).toEqual({ chain: id, seq: head!.seq, hash: head!.hash });
      expect(verifyChainHeadProof(checkpoint, { ...proof, proof: proof.proof })).toBe(true);
      expect(
        verifyChainHeadProof(checkpoint, { ...proof, head: { ...proof.head, seq: proof.head.seq + 1 } }),
      ).toBe(false);
    }
  });

  it('gives consistency proofs that verify between any two checkpoint sizes, and fail across a forged root', async () => {
    for (const first of sizes) {
      for (const second of sizes.filter((s) => s >= first)) {
        const p = await exchange.runtime.checkpoints.consistencyProof(first, second);
        const ok = verifyConsistency(
          first,
          second,
          fromHex(p.first.rootHash),
          fromHex(p.second.rootHash),
          p.proof.map(fromHex),
        );
        expect(ok, `${first}..${second}`).toBe(true);
        if (first < second && first > 0) {
          expect(
            verifyConsistency(
              first,
              second,
              fromHex('00'.repeat(32)),
              fromHex(p.second.rootHash),
              p.proof.map(fromHex),
            ),
          ).toBe(false);
        }
      }
    }
  });

  it('keeps every published checkpoint in the evidence bucket under checkpoints/', async () => {
    for (const size of sizes) {
      const stored = await exchange.runtime.checkpoints.get(size);
      const object = await exchange.runtime.clients.s3.send(
        new GetObjectCommand({
          Bucket: exchange.runtime.config.evidenceBucket,
          Key: objectKeys.checkpoint(size),
        }),
      );
      expect(await object.Body!.transformToString()).toBe(stored.jws);
    }
  });

  it('never forks the log when several builders race', async () => {
    // More changes, then four independent services (separate caches) building at once over the same table.
    for (let i = 0; i < 4; i++)
      ids.push(await runExchange(exchange, a.member('officer'), c.authorityId, { messages: 1 }));
    const published: number[] = [];
    const publisher: CheckpointPublisher = {
      publish: async (cp) => void published.push(cp.size),
      isPublished: async (size) => published.includes(size),
    };
    const { runtime } = exchange;
    const builders = Array.from({ length: 4 }, () => {
      const store = createDynamoCheckpointStore(runtime.clients.doc, runtime.config.tables.main);
      return createCheckpointService({
        store,
        chains: store,
        ledger: runtime.ledger,
        signer: runtime.signer,
        publisher,
      });
    });
    const results = await Promise.all(builders.map((s) => s.build()));
    expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1);
    const leaves = await runtime.checkpoints.leaves();
    expect(leaves.map((l) => l.index)).toEqual(leaves.map((_, i) => i));
    // Each head is in the log at most once: racing builders did not append the same head twice.
    const keys = leaves.map((l) => `${l.chain}#${l.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every checkpoint ever signed is a prefix of the one leaf sequence: same root as recomputed from the leaves.
    const hashes = leaves.map((l) => hashLeaf(encodeHeadLeaf(l)));
    const final = (await runtime.checkpoints.latest()).size;
    for (const size of [...sizes, ...published, final]) {
      expect((await runtime.checkpoints.get(size)).rootHash).toBe(toHex(computeRoot(hashes, size)));
    }
    for (const id of ids) {
      const head = await runtime.ledger.head(id);
      expect(leaves.some((l) => l.chain === id && l.hash === head!.hash)).toBe(true);
    }
  });

  it('publishes a checkpoint whose publish failed (fault injected) before it signs a newer one', async () => {
    const { runtime } = exchange;
    const s3 = createS3CheckpointPublisher(runtime.clients.s3, runtime.config.evidenceBucket);
    let failPublish = false;
    const publisher: CheckpointPublisher = {
      async publish(checkpoint) {
        if (failPublish) throw new StorageError('injected publish failure', new Error('injected'));
        await s3.publish(checkpoint);
      },
      isPublished: (size) => s3.isPublished(size),
    };
    const store = createDynamoCheckpointStore(runtime.clients.doc, runtime.config.tables.main);
    const service = createCheckpointService({
      store,
      chains: store,
      ledger: runtime.ledger,
      signer: runtime.signer,
      publisher,
    });
    await service.build(); // settle: whatever earlier tests left unpublished is published now

    ids.push(await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 }));
    failPublish = true;
    await expect(service.build()).rejects.toMatchObject({ code: 'ERR_STORAGE' });
    const stranded = (await store.latestCheckpoint())!;
    expect(await s3.isPublished(stranded.size)).toBe(false);
    // While publishing keeps failing, no newer checkpoint is signed over the unpublished one.
    ids.push(await runExchange(exchange, a.member('officer'), b.authorityId, { messages: 1 }));
    await expect(service.build()).rejects.toMatchObject({ code: 'ERR_STORAGE' });
    expect((await store.latestCheckpoint())!.size).toBe(stranded.size);

    failPublish = false;
    const { checkpoint, created } = await service.build();
    expect(created).toBe(true);
    expect(checkpoint!.size).toBeGreaterThan(stranded.size);
    for (const size of [stranded.size, checkpoint!.size]) {
      const object = await runtime.clients.s3.send(
        new GetObjectCommand({ Bucket: runtime.config.evidenceBucket, Key: objectKeys.checkpoint(size) }),
      );
      expect(await object.Body!.transformToString()).toBe((await store.getCheckpoint(size))!.jws);
    }
  });

  it('serves proofs over HTTP: latest, by size, consistency and inclusion (for the parties only)', async () => {
    const call = createCaller(exchange);
    const latest = (await (await call(c.member('auditor'), 'GET', '/v1/checkpoints/latest')).json()) as {
      size: number;
      rootHash: string;
    };
    const first = sizes[0]!;
    const res = await call(
      c.member('auditor'),
      'GET',
      `/v1/checkpoints/consistency?first=${first}&second=${latest.size}`,
    );
    const body = (await res.json()) as { first: { rootHash: string }; proof: string[] };
    expect(
      verifyConsistency(
        first,
        latest.size,
        fromHex(body.first.rootHash),
        fromHex(latest.rootHash),
        body.proof.map(fromHex),
      ),
    ).toBe(true);
    expect((await call(c.member('auditor'), 'GET', `/v1/checkpoints/${first}`)).status).toBe(200);
    expect((await call(c.member('auditor'), 'GET', '/v1/checkpoints/999999')).status).toBe(404);
    expect(
      (
        await call(
          c.member('auditor'),
          'GET',
          `/v1/checkpoints/consistency?first=${latest.size}&second=${first}`,
        )
      ).status,
    ).toBe(400);
    const id = ids[0]!;
    expect((await call(a.member('auditor'), 'GET', `/v1/exchanges/${id}/inclusion-proof`)).status).toBe(200);
    expect((await call(c.member('auditor'), 'GET', `/v1/exchanges/${id}/inclusion-proof`)).status).toBe(404);
    expect((await call(a.member('officer'), 'POST', '/v1/checkpoints')).status).toBe(403);
  });
});
