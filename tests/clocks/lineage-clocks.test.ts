// Clocks, lineage and the 24/7 channel, driven by a fake clock through a whole preservation → MLA → evidence
// lineage on the real embedded servers: the preservation's expiry on the label, its reminder and extension, the
// MLA that keeps it in force, an emergency's escalation, a lapse, the due lists, and a sweep that records nothing
// twice. Every clock stage lands in the ledger through the one recorder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DueList, ExchangeClocks, Figures, Lineage } from '../../shared/api/clocks.ts';
import { CLOCK_ACTIONS, LINKED_ACTION, PRESERVATION_DAYS } from '../../shared/domain/clocks/track.ts';
import { LEDGER_ACTIONS } from '../../shared/domain/ledger/event.ts';
import { asPrincipal } from '../custody/custody-fixture.ts';
import { DAY, HOUR, PROMISE, startClockParties } from './clock-fixture.ts';

let t: Awaited<ReturnType<typeof startClockParties>>;

beforeAll(async () => {
  t = await startClockParties();
}, 60_000);
afterAll(async () => {
  await t?.x.stop();
});

const iso = (ms: number) => new Date(ms).toISOString();

describe('a preservation, its MLA and the evidence: lineage and clocks', () => {
  let preservation: string;
  let mla: string;
  let sentAt: number;

  it('a 24/7 contact sends a preservation; its expiry (60 days, art. 29(7)) is on the label', async () => {
    const p = await t.create(t.a.member('contact-247'), t.b.authorityId, 'preservation', 'urgent');
    preservation = p.id;
    sentAt = t.x.now();
    await t.send(t.a.member('contact-247'), preservation, 'request');
    const label = await t.x.runtime.exchanges.getExchange(
      asPrincipal(t.a.member('contact-247')),
      preservation,
    );
    expect(label.label.preservationExpiresAt).toBe(iso(sentAt + PRESERVATION_DAYS * DAY));
    const { body } = await t.json<ExchangeClocks>(
      t.b.member('contact-247'),
      `/v1/exchanges/${preservation}/clocks`,
    );
    const byName = Object.fromEntries(body.clocks.map((c) => [c.name, c]));
    expect(byName.preservation).toMatchObject({
      state: 'running',
      dueAt: iso(sentAt + 60 * DAY),
      due: 'running',
    });
    expect(byName.acknowledge).toMatchObject({
      state: 'running',
      dueAt: iso(sentAt + PROMISE.urgent * HOUR),
    });
  });

  it('acknowledging meets the acknowledgement clock', async () => {
    t.x.advance(HOUR);
    await t.send(t.b.member('contact-247'), preservation, 'acknowledgement');
    const { body } = await t.json<ExchangeClocks>(
      t.a.member('officer'),
      `/v1/exchanges/${preservation}/clocks`,
    );
    expect(body.clocks.find((c) => c.name === 'acknowledge')?.state).toBe('met');
  });

  it('a week before expiry the sweep records a reminder once, and the due list says it is about to lapse', async () => {
    t.x.advance(53 * DAY);
    const first = await t.x.runtime.clocks.sweep.sweep();
    expect(first.recorded).toBe(1);
    expect((await t.x.runtime.clocks.sweep.sweep()).recorded).toBe(0);
    const reminded = (await t.events(preservation)).filter((e) => e.action === 'clock.reminded');
    expect(reminded).toHaveLength(1);
    expect(reminded[0]).toMatchObject({
      actor: { role: 'system' },
      details: { clock: 'preservation', stage: 'due-soon', dueAt: iso(sentAt + 60 * DAY) },
    });
    const { body } = await t.json<DueList>(t.a.member('contact-247'), '/v1/clocks/due');
    expect(body.items.find((i) => i.exchangeId === preservation)?.due).toBe('due-soon');
  });

  it('an extension (a message) moves the expiry by another 60 days', async () => {
    t.x.advance(DAY);
    await t.send(t.a.member('contact-247'), preservation, 'extension');
    const label = await t.x.exchange.runtime.exchangeRepository.getExchange(preservation);
    expect(label?.preservationExpiresAt).toBe(iso(sentAt + 120 * DAY));
  });

  it('the MLA that follows ends the preservation clock: it is continued, never lapses', async () => {
    t.x.advance(DAY);
    const m = await t.create(t.a.member('officer'), t.b.authorityId, 'mla', 'normal', {
      links: [{ exchangeId: preservation, kind: 'preservation-to-mla' }],
    });
    mla = m.id;
    const linked = (await t.events(preservation)).filter((e) => e.action === 'exchange.linked');
    expect(linked).toHaveLength(1);
    expect(linked[0]?.details).toMatchObject({ followedBy: mla, linkKind: 'preservation-to-mla' });
    const { body } = await t.json<ExchangeClocks>(
      t.a.member('officer'),
      `/v1/exchanges/${preservation}/clocks`,
    );
    expect(body.clocks.find((c) => c.name === 'preservation')?.state).toBe('continued');
    t.x.advance(70 * DAY);
    await t.x.runtime.clocks.sweep.sweep();
    expect((await t.events(preservation)).some((e) => e.action === 'clock.lapsed')).toBe(false);
  });

  it('shows the lineage as a tree, and never a linked exchange the caller cannot see', async () => {
    await t.send(t.a.member('officer'), mla, 'request');
    const answer = await t.create(t.b.member('officer'), t.a.authorityId, 'mla', 'normal', {
      links: [{ exchangeId: mla, kind: 'evidence-in-answer' }],
    });
    const officer = await t.json<Lineage>(t.b.member('officer'), `/v1/exchanges/${mla}/lineage`);
    expect(officer.status).toBe(200);
    expect(officer.body.roots).toHaveLength(1);
    const root = officer.body.roots[0]!;
    expect(root.exchangeId).toBe(preservation);
    expect(root.followers.map((f) => [f.kind, f.node.exchangeId])).toEqual([['preservation-to-mla', mla]]);
    expect(root.followers[0]?.node.followers.map((f) => [f.kind, f.node.exchangeId])).toEqual([
      ['evidence-in-answer', answer.id],
    ]);
    // B's 24/7 contact works the preservation but not the MLA: the tree stops at the preservation.
    const contact = await t.json<Lineage>(t.b.member('contact-247'), `/v1/exchanges/${preservation}/lineage`);
    expect(contact.status).toBe(200);
    expect(JSON.stringify(contact.body)).not.toContain(mla);
    expect(contact.body.roots[0]?.followers).toEqual([]);
    // A third authority sees nothing at all.
    const outsider = await t.json<{ code: string }>(t.c.member('officer'), `/v1/exchanges/${mla}/lineage`);
    expect(outsider.status).toBe(404);
    expect(outsider.body.code).toBe('ERR_NOT_FOUND');
  });

  it('names each link (kind, references, counterpart) and leaves out a linked exchange the caller cannot see', async () => {
    const nameOf = async (id: string) => (await t.x.exchange.runtime.directory.getAuthority(id))?.name;
    const officer = await t.json<Lineage>(t.b.member('officer'), `/v1/exchanges/${mla}/lineage`);
    const pres = await t.x.exchange.runtime.exchangeRepository.getExchange(preservation);
    expect(officer.body.links.find((l) => l.direction === 'follows')).toEqual({
      exchangeId: preservation,
      direction: 'follows',
      linkKind: 'preservation-to-mla',
      kind: 'preservation',
      status: pres?.status,
      requesterReference: pres?.requesterReference,
      counterpart: { authorityId: t.a.authorityId, name: await nameOf(t.a.authorityId) },
    });
    expect(officer.body.links.filter((l) => l.direction === 'followed-by').map((l) => l.linkKind)).toEqual([
      'evidence-in-answer',
    ]);
    expect(officer.body.roots[0]?.requesterReference).toBe(pres?.requesterReference);
    // An emergency disclosure that follows up the MLA: B's 24/7 contact works the emergency, not the MLA, so
    // its links name nothing, and the MLA's id, reference and kind appear nowhere in the answer.
    const emergency = await t.create(
      t.a.member('officer'),
      t.b.authorityId,
      'emergency-disclosure',
      'emergency',
      {
        links: [{ exchangeId: mla, kind: 'follow-up' }],
      },
    );
    const contact = await t.json<Lineage>(t.b.member('contact-247'), `/v1/exchanges/${emergency.id}/lineage`);
    expect(contact.status).toBe(200);
    expect(contact.body.links).toEqual([]);
    const mlaLabel = await t.x.exchange.runtime.exchangeRepository.getExchange(mla);
    expect(JSON.stringify(contact.body)).not.toContain(mla);
    expect(JSON.stringify(contact.body)).not.toContain(mlaLabel?.requesterReference ?? mla);
    // Nor does the label's bare `links`, read alone or in the inbox; A's officer still reads the link.
    const contactLabel = await t.json<{ label: { links: string[] } }>(
      t.b.member('contact-247'),
      `/v1/exchanges/${emergency.id}`,
    );
    expect(contactLabel.status).toBe(200);
    expect(contactLabel.body.label.links).toEqual([]);
    const inbox = await t.json<{ items: { id: string; links: string[] }[] }>(
      t.b.member('contact-247'),
      '/v1/exchanges?box=inbox',
    );
    expect(inbox.body.items.find((i) => i.id === emergency.id)?.links).toEqual([]);
    expect(JSON.stringify(inbox.body)).not.toContain(mla);
    const ownLabel = await t.json<{ label: { links: string[] } }>(
      t.a.member('officer'),
      `/v1/exchanges/${emergency.id}`,
    );
    expect(ownLabel.body.label.links).toEqual([mla]);
    // A's officer sees both and gets the MLA named.
    const mine = await t.json<Lineage>(t.a.member('officer'), `/v1/exchanges/${emergency.id}/lineage`);
    expect(mine.body.links.map((l) => [l.direction, l.exchangeId, l.kind, l.counterpart.name])).toEqual([
      ['follows', mla, 'mla', await nameOf(t.b.authorityId)],
    ]);
  });

  it('refuses a link to an exchange the caller cannot see, or one between other authorities', async () => {
    await expect(
      t.create(t.c.member('officer'), t.b.authorityId, 'mla', 'normal', {
        links: [{ exchangeId: mla, kind: 'follow-up' }],
      }),
    ).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    const other = await t.create(t.a.member('officer'), t.c.authorityId, 'mla', 'normal');
    await expect(
      t.create(t.a.member('officer'), t.b.authorityId, 'mla', 'normal', {
        links: [{ exchangeId: other.id, kind: 'follow-up' }],
      }),
    ).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    await expect(
      t.create(t.a.member('officer'), t.b.authorityId, 'mla', 'normal', {
        links: [{ exchangeId: other.id, kind: 'preservation-to-mla' }],
      }),
    ).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
  });

  it('refuses an extension of anything but a preservation', async () => {
    await expect(t.send(t.a.member('officer'), mla, 'extension')).rejects.toMatchObject({
      code: 'ERR_INVALID_STATE',
    });
  });
});

describe('emergencies, lapses and the due list', () => {
  it('an emergency unacknowledged past its promised time escalates (recorded), and comes first', async () => {
    const normal = await t.create(t.a.member('officer'), t.b.authorityId, 'mla', 'normal', {
      deadline: iso(t.x.now() + 3 * DAY),
    });
    await t.send(t.a.member('officer'), normal.id, 'request');
    const emergency = await t.create(
      t.a.member('contact-247'),
      t.b.authorityId,
      'emergency-disclosure',
      'emergency',
    );
    await t.send(t.a.member('contact-247'), emergency.id, 'request');
    const due = await t.json<DueList>(t.b.member('officer'), '/v1/clocks/due');
    expect(due.body.items[0]?.exchangeId).toBe(emergency.id);
    expect(due.body.items.map((i) => i.exchangeId)).toContain(normal.id);

    t.x.advance(PROMISE.emergency * HOUR + 60_000);
    const swept = await t.x.runtime.clocks.sweep.sweep();
    expect(swept.recorded).toBeGreaterThanOrEqual(1);
    const escalated = (await t.events(emergency.id)).filter((e) => e.action === 'clock.escalated');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]?.details).toMatchObject({
      clock: 'acknowledge',
      stage: 'escalated',
      escalatedTo: ['contact-247', 'admin'],
    });
    expect((await t.x.runtime.clocks.sweep.sweep()).recorded).toBe(0);

    // A 24/7 contact's list holds only its matters: the emergency, never the normal MLA.
    const contact = await t.json<DueList>(t.b.member('contact-247'), '/v1/clocks/due');
    const ids = contact.body.items.map((i) => i.exchangeId);
    expect(ids).toContain(emergency.id);
    expect(ids).not.toContain(normal.id);
    expect(contact.body.items.find((i) => i.exchangeId === emergency.id)?.due).toBe('overdue');

    // The deadline: a reminder two days before, then overdue.
    t.x.advance(DAY + HOUR);
    await t.x.runtime.clocks.sweep.sweep();
    t.x.advance(2 * DAY);
    await t.x.runtime.clocks.sweep.sweep();
    const stages = (await t.events(normal.id))
      .filter((e) => e.action === 'clock.reminded' && e.details?.clock === 'deadline')
      .map((e) => e.details?.stage);
    expect(stages).toEqual(['due-soon', 'overdue']);
  });

  it('a preservation with no MLA lapses at its expiry (recorded once)', async () => {
    const p = await t.create(t.a.member('contact-247'), t.b.authorityId, 'preservation', 'urgent');
    await t.send(t.a.member('contact-247'), p.id, 'request');
    t.x.advance(PRESERVATION_DAYS * DAY + HOUR);
    await t.x.runtime.clocks.sweep.sweep();
    await t.x.runtime.clocks.sweep.sweep();
    const events = await t.events(p.id);
    expect(events.filter((e) => e.action === 'clock.lapsed')).toHaveLength(1);
    // Both stages were past at once: only the latest (the lapse) is recorded, not a stale reminder.
    const preservationReminders = events.filter(
      (e) => e.action === 'clock.reminded' && e.details?.clock === 'preservation',
    );
    expect(preservationReminders).toHaveLength(0);
    // Its unacknowledged (urgent, not emergency) acknowledgement clock is recorded as overdue instead.
    expect(
      events
        .filter((e) => e.action === 'clock.reminded' && e.details?.clock === 'acknowledge')
        .map((e) => e.details?.stage),
    ).toEqual(['overdue']);
    const { body } = await t.json<ExchangeClocks>(t.a.member('contact-247'), `/v1/exchanges/${p.id}/clocks`);
    expect(body.clocks.find((c) => c.name === 'preservation')?.state).toBe('lapsed');
  });
});

describe('LEDGER_ACTIONS (lineage and clocks)', () => {
  it('every lineage and clock action was recorded by the story above', async () => {
    const wanted = [LINKED_ACTION, ...CLOCK_ACTIONS];
    for (const action of wanted) expect(LEDGER_ACTIONS).toContain(action);
    const seen = new Set<string>();
    for (const label of (
      await t.x.exchange.runtime.exchangeRepository.listForAuthority(t.a.authorityId, { limit: 100 })
    ).items) {
      for (const e of await t.events(label.id)) seen.add(e.action);
    }
    for (const action of wanted) expect(seen).toContain(action);
  });
});

describe('delay figures through the API', () => {
  it('shows each authority its own figures per counterpart: acknowledgement times, lapses; nobody else’s', async () => {
    const mine = await t.json<Figures>(t.a.member('auditor'), '/v1/figures');
    expect(mine.status).toBe(200);
    expect(mine.body.authorityId).toBe(t.a.authorityId);
    const preservations = mine.body.figures.filter(
      (f) => f.kind === 'preservation' && f.side === 'sent' && f.counterpart === t.b.authorityId,
    );
    expect(preservations.reduce((n, f) => n + f.requests, 0)).toBe(2);
    expect(preservations.reduce((n, f) => n + f.lapsedPreservations, 0)).toBe(1);
    const acknowledged = preservations.find((f) => f.acknowledge.count === 1);
    expect(acknowledged?.acknowledge.median).toBe(3600);
    const theirs = await t.json<Figures>(t.b.member('officer'), '/v1/figures');
    expect(theirs.body.figures.every((f) => f.counterpart === t.a.authorityId)).toBe(true);
    expect(theirs.body.figures.some((f) => f.side === 'received' && f.kind === 'preservation')).toBe(true);
    const outsider = await t.json<Figures>(t.c.member('officer'), '/v1/figures');
    expect(outsider.body.figures).toEqual([]);
    // A's own 24/7 contact, whose role falls short, is told so (403): no hidden object is at stake.
    const contact = await t.json<{ code: string }>(t.a.member('contact-247'), '/v1/figures');
    expect([contact.status, contact.body.code]).toEqual([403, 'ERR_FORBIDDEN']);
  });
});
