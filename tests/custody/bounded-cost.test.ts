// Issue 12, finding 8 (cheap amplification), custody side, through the API against the embedded servers:
// - an auditor's reads are recorded once per member, exchange, view and interval, not once per GET (before: 50
//   reads appended 50 events), also when they race, and a read is never answered without its window's event;
// - an export neither signs a checkpoint nor stores a new object per request (before: one event, one log leaf,
//   one signed checkpoint and one Object Lock object per export), and `pouch verify` says honestly when the
//   newest events are not in a checkpoint yet.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../shared/custody/bundle.ts';
import type { LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import { installFaultInjector } from '../hardening/fault-harness.ts';
import { type ClockedExchange, startClockedExchange } from '../support/clocked-exchange.ts';
import type { TestPrincipal } from '../support/identity.ts';
import { runExchange, seedParties, type TestExchange } from './custody-fixture.ts';

const INTERVAL_SECONDS = 60;
const INLINE_MAX = 2048;

describe('bounded cost of custody reads and exports', () => {
  let x: ClockedExchange;
  let parties: Awaited<ReturnType<typeof seedParties>>;

  beforeAll(async () => {
    x = await startClockedExchange({
      POUCH_READ_RECORD_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
      POUCH_BUNDLE_INLINE_MAX_BYTES: String(INLINE_MAX),
    });
    parties = await seedParties({ runtime: x.runtime } as unknown as TestExchange);
  });
  afterAll(async () => {
    await x?.stop();
  });

  const newExchange = () =>
    runExchange(
      { runtime: x.runtime } as unknown as TestExchange,
      parties.a.member('officer'),
      parties.b.authorityId,
      {
        recipient: parties.b.member('officer'),
        messages: 2,
      },
    );
  const events = (id: string) => x.runtime.ledger.read(id);
  const readsBy = (list: readonly LedgerEvent[], who: TestPrincipal, action: string, view?: string) =>
    list.filter(
      (e) =>
        e.action === action &&
        e.actor.memberId === who.memberId &&
        e.actor.authorityId === who.authorityId &&
        e.details?.view === view,
    );

  it('50 auditor reads in a row append one auditor.viewed per interval, and one more a window later', async () => {
    const id = await newExchange();
    const auditor = parties.b.member('auditor');
    for (let i = 0; i < 50; i++) {
      const timeline = await x.call(auditor, 'GET', `/v1/exchanges/${id}/timeline`);
      expect(timeline.status).toBe(200);
      // Every answer carries the window's record of the read.
      const shown = ((await timeline.json()) as { events: LedgerEvent[] }).events;
      expect(readsBy(shown, auditor, 'auditor.viewed', 'timeline')).toHaveLength(1);
      expect((await x.call(auditor, 'GET', `/v1/exchanges/${id}`)).status).toBe(200);
    }
    const before = await events(id);
    expect(readsBy(before, auditor, 'auditor.viewed', 'timeline')).toHaveLength(1);
    expect(readsBy(before, auditor, 'auditor.viewed')).toHaveLength(1);

    x.advance(INTERVAL_SECONDS * 1000);
    for (let i = 0; i < 5; i++) {
      expect((await x.call(auditor, 'GET', `/v1/exchanges/${id}/timeline`)).status).toBe(200);
    }
    const after = await events(id);
    expect(readsBy(after, auditor, 'auditor.viewed', 'timeline')).toHaveLength(2);
    expect(after.length).toBe(before.length + 1);
  });

  it('concurrent reads by two auditors append one event each per interval', async () => {
    const id = await newExchange();
    const auditors = [parties.a.member('auditor'), parties.b.member('auditor')];
    for (const who of auditors) await x.tokenFor(who);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        x.call(auditors[i % 2]!, 'GET', `/v1/exchanges/${id}/timeline`).then((r) => r.status),
      ),
    );
    expect(new Set(answers)).toEqual(new Set([200]));
    const chain = await events(id);
    for (const who of auditors) expect(readsBy(chain, who, 'auditor.viewed', 'timeline')).toHaveLength(1);
    expect(new Set(chain.map((e) => e.id)).size).toBe(chain.length);
  });

  it('a read whose record failed is not answered, and the next read in the window records it (ledger fault injected)', async () => {
    const id = await newExchange();
    const auditor = parties.b.member('auditor');
    await x.tokenFor(auditor);
    const faults = installFaultInjector(x.runtime.clients, x.runtime.signer);
    // The read takes the window's counter (UpdateItem), then its ledger append (the first PutItem) fails.
    faults.arm({ op: 'PutItem', nth: 1, mode: 'error' });
    const failed = await x.call(auditor, 'GET', `/v1/exchanges/${id}/timeline`);
    expect(faults.disarm()).toBe(true);
    expect(failed.status).toBe(503);
    expect(readsBy(await events(id), auditor, 'auditor.viewed', 'timeline')).toHaveLength(0);

    const retried = await x.call(auditor, 'GET', `/v1/exchanges/${id}/timeline`);
    expect(retried.status).toBe(200);
    const shown = ((await retried.json()) as { events: LedgerEvent[] }).events;
    expect(readsBy(shown, auditor, 'auditor.viewed', 'timeline')).toHaveLength(1);
    expect((await x.call(auditor, 'GET', `/v1/exchanges/${id}/timeline`)).status).toBe(200);
    expect(readsBy(await events(id), auditor, 'auditor.viewed', 'timeline')).toHaveLength(1);
  });

  it('repeated exports sign no checkpoint, append no leaf and store one object (content-addressed)', async () => {
    const id = await newExchange();
    const auditor = parties.b.member('auditor');
    const officer = parties.a.member('officer');
    const exportAs = async (who: TestPrincipal) => {
      const res = await x.call(who, 'GET', `/v1/exchanges/${id}/bundle`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { export: { url: string; sha256: string; size: number } }).export;
    };
    // The first export of a chain that no checkpoint covers yet builds one (once per exchange).
    const first = await exportAs(auditor);
    expect(first.size).toBeGreaterThan(INLINE_MAX);
    const leaves = (await x.runtime.checkpoints.leaves()).length;
    const checkpoint = await x.runtime.checkpoints.latest();
    const chainLength = (await events(id)).length;

    const again = [];
    for (let i = 0; i < 20; i++) again.push(await exportAs(auditor));
    expect(new Set(again.map((e) => e.sha256))).toEqual(new Set([first.sha256]));
    expect((await x.runtime.checkpoints.leaves()).length).toBe(leaves);
    expect((await x.runtime.checkpoints.latest()).size).toBe(checkpoint.size);
    expect((await events(id)).length).toBe(chainLength);

    const objects = await x.runtime.clients.s3.send(
      new ListObjectsV2Command({
        Bucket: x.runtime.config.evidenceBucket,
        Prefix: `exchanges/${id}/exports/`,
      }),
    );
    expect(objects.Contents?.map((o) => o.Key)).toEqual([`exchanges/${id}/exports/${first.sha256}.jsonl`]);

    // A party's exports follow the same rule: one custody.exported per member and interval.
    for (let i = 0; i < 10; i++) await exportAs(officer);
    const chain = await events(id);
    expect(readsBy(chain, officer, 'custody.exported', 'bundle')).toHaveLength(1);
    expect(readsBy(chain, auditor, 'auditor.viewed', 'bundle')).toHaveLength(1);
    expect((await x.runtime.checkpoints.leaves()).length).toBe(leaves);
  });

  it('a bundle whose newest events are not checkpointed yet verifies, and pouch verify says so', async () => {
    const id = await newExchange();
    const bundleOf = async (who: TestPrincipal) => {
      const res = await x.call(who, 'GET', `/v1/exchanges/${id}/bundle`);
      expect(res.status).toBe(200);
      const { url } = ((await res.json()) as { export: { url: string } }).export;
      return Buffer.from(await (await fetch(url)).arrayBuffer());
    };
    await bundleOf(parties.b.member('auditor'));
    // Another member's export is recorded after the checkpointed head; no checkpoint is built for it.
    const bytes = await bundleOf(parties.a.member('auditor'));
    const verdict = await verifyBundle(Readable.from([bytes]), {
      trustedExchangeKeys: [await x.runtime.signer.publicJwk()],
    });
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.head!.seq).toBe(verdict.checkpointedHead!.seq + 1);

    const file = join(x.exchange.dataDir, `pending-${id}.jsonl`);
    await writeFile(file, bytes);
    const home = { POUCH_HOME: join(x.exchange.dataDir, 'cli-home') };
    const pin = ['--exchange-key', x.runtime.signer.kid];
    const human = await runPouch(['verify', ...pin, file], home);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/OK: \d+ events/);
    expect(human.stdout).toContain('not in a checkpoint yet');
    const json = await runPouch(['--json', 'verify', ...pin, file], home);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, uncheckpointedEvents: 1 });

    // The scheduled checkpoint covers it; the next export (same window: no new record) proves the whole chain.
    await x.runtime.checkpoints.build();
    const covered = await bundleOf(parties.a.member('auditor'));
    const coveredVerdict = await verifyBundle(Readable.from([covered]));
    expect(coveredVerdict.ok && coveredVerdict.head?.seq === coveredVerdict.checkpointedHead?.seq).toBe(true);
  });
});
