// CETS 224 production-order clocks (issue 14): 20 days for subscriber information and 45 for traffic data from
// receipt. INSTRUMENTS.md marks those limits "verify", so the clocks run as indicative: their source says
// `verified: false`, the due list and `pouch show` read "indicative (citation unverified)" without quoting the
// article, `pouch check` marks the citation (verify), and the printed letter says nothing of them. Driven by a
// fake clock on the real embedded servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatClock, formatClockTag } from '../../client/cli/clock-lines.ts';
import { NORTHLAND, SAMPLE_REQUESTS, SOUTHMARK } from '../../server/local/demo-profiles.ts';
import type { DueList, ExchangeClocks } from '../../shared/api/clocks.ts';
import { clocksOf } from '../../shared/domain/clocks/clocks.ts';
import {
  dataCategoriesOfRequest,
  foldChain,
  type ProductionDataCategory,
} from '../../shared/domain/clocks/track.ts';
import { createEvent, type LedgerEvent } from '../../shared/domain/ledger/event.ts';
import { checkDraft } from '../../shared/domain/requests/check.ts';
import {
  citeForReaders,
  formatCitation,
  formatLetterCitation,
  isVerifiedProvision,
  PROVISIONS,
  UNVERIFIED_CITATION,
} from '../../shared/domain/requests/instruments.ts';
import { renderRequestHtml } from '../../shared/domain/requests/render-html.ts';
import { asPrincipal } from '../custody/custody-fixture.ts';
import { buildContext } from '../requests/helpers.ts';
import { DAY, startClockParties } from './clock-fixture.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.parse('2026-03-02T09:00:00.000Z');

/** A production order's chain: created (with the declared categories), then its request sent at T0. */
function productionTrack(categories?: readonly ProductionDataCategory[]) {
  const actor = { authorityId: 'auth_a', memberId: 'm1', role: 'officer' };
  const events: LedgerEvent[] = [];
  const push = (fields: Parameters<typeof createEvent>[1], time: number) =>
    events.push(createEvent(events.at(-1), fields, { chain: 'exch_p', now: new Date(time) }));
  push(
    {
      actor,
      action: 'exchange.created',
      outcome: 'success',
      details: {
        kind: 'production-order',
        urgency: 'normal',
        requesterId: 'auth_a',
        requestedId: 'auth_b',
        links: [],
        ...(categories ? { dataCategories: [...categories] } : {}),
      },
    },
    T0 - 1000,
  );
  push(
    {
      actor,
      action: 'message.sent',
      outcome: 'success',
      details: { messageKind: 'request', side: 'requester', status: 'submitted' },
    },
    T0,
  );
  const track = foldChain(events);
  if (!track) throw new Error('no track');
  return track;
}

describe('CETS 224 clocks, indicative because their citation is unverified', () => {
  it('the one rule: the time-limit provision is marked verify, and readers get "indicative" without the article', () => {
    expect(isVerifiedProvision('cets224-8-time-limits')).toBe(false);
    expect(citeForReaders('cets224-8-time-limits')).toBe(UNVERIFIED_CITATION);
    expect(citeForReaders('budapest-29-7')).toBe('Budapest Convention art. 29(7)');
    // pouch check shows it marked; a letter leaves it out.
    expect(formatCitation(['cets224-8-time-limits'])).toBe('CETS 224 art. 8 (verify)');
    expect(formatLetterCitation(['cets224-8-time-limits'])).toBe('');
  });

  it('runs 20 days for subscriber information and 45 for traffic data from receipt, flagged unverified', () => {
    const clocks = clocksOf(productionTrack(['subscriber', 'traffic']));
    const byName = Object.fromEntries(clocks.map((c) => [c.name, c]));
    expect(byName['production-subscriber']).toMatchObject({ dueAt: iso(T0 + 20 * DAY), state: 'running' });
    expect(byName['production-traffic']).toMatchObject({ dueAt: iso(T0 + 45 * DAY), state: 'running' });
    for (const clock of [byName['production-subscriber'], byName['production-traffic']]) {
      expect(clock?.source).toMatchObject({ instrument: 'CETS 224', verified: false });
      expect(clock?.basis.startsWith(`${UNVERIFIED_CITATION}:`)).toBe(true);
      // The article is not quoted beside the limit as if it were law.
      expect(clock?.basis).not.toMatch(/art\.\s*\d/);
    }
  });

  it('runs only the declared category; undeclared, both run; any other kind has none', () => {
    expect(clocksOf(productionTrack(['traffic'])).map((c) => c.name)).toEqual(['production-traffic']);
    expect(clocksOf(productionTrack()).map((c) => c.name)).toEqual([
      'production-subscriber',
      'production-traffic',
    ]);
    expect(dataCategoriesOfRequest(SAMPLE_REQUESTS['production-order'])).toEqual(['subscriber']);
    expect(dataCategoriesOfRequest(SAMPLE_REQUESTS.mla)).toBeUndefined();
  });

  it('a verified treaty limit keeps its citation: the preservation clock cites art. 29(7)', () => {
    expect(PROVISIONS['budapest-29-7'].article).toBe('art. 29(7)');
    expect(isVerifiedProvision('budapest-29-7')).toBe(true);
  });

  it('pouch show and the due list print the clock as indicative, never with the article', () => {
    const [clock] = clocksOf(productionTrack(['subscriber']));
    const line = formatClock({ ...clock!, due: 'running' });
    expect(line).toContain('production-subscriber');
    expect(line).toContain(UNVERIFIED_CITATION);
    expect(line).not.toMatch(/art\.\s*8/);
    // The due list's cell marks it too.
    expect(formatClockTag({ ...clock!, due: 'due-soon' })).toBe(
      'production-subscriber (indicative) due-soon',
    );
    const { source: _verifiedOrNot, ...plain } = clock!;
    expect(formatClockTag({ ...plain, name: 'deadline' })).toBe('deadline');
  });

  it('never in the printed letter; pouch check marks the note (verify)', () => {
    const ctx = buildContext(NORTHLAND, SOUTHMARK, false);
    const result = checkDraft(SAMPLE_REQUESTS['production-order'], ctx);
    expect(result.request).toBeDefined();
    const note = result.findings.find((f) => f.rule === 'instrument.note' && /20 days/.test(f.message));
    expect(note?.source).toBe('CETS 224 art. 8 (verify)');
    const html = renderRequestHtml(result.request!, { sender: NORTHLAND, recipient: SOUTHMARK });
    for (const text of [UNVERIFIED_CITATION, 'indicative', '20 days', '45 days', 'within 20', 'verify']) {
      expect(html).not.toContain(text);
    }
  });
});

describe('CETS 224 clocks through the API, with a fake clock', () => {
  let t: Awaited<ReturnType<typeof startClockParties>>;
  beforeAll(async () => {
    t = await startClockParties();
  }, 60_000);
  afterAll(async () => {
    await t?.x.stop();
  });

  it('a traffic-data production order: the 45-day clock in the clocks and the due list, reminded, then met', async () => {
    const order = await t.x.runtime.exchanges.createExchange(asPrincipal(t.a.member('officer')), {
      kind: 'production-order',
      urgency: 'normal',
      requestedId: t.b.authorityId,
      requesterReference: 'PO-TRAFFIC-1',
      dataCategories: ['traffic'],
    });
    const sentAt = t.x.now();
    await t.send(t.a.member('officer'), order.id, 'request');
    const { body } = await t.json<ExchangeClocks>(t.b.member('officer'), `/v1/exchanges/${order.id}/clocks`);
    const clock = body.clocks.find((c) => c.name === 'production-traffic');
    expect(clock).toMatchObject({
      dueAt: iso(sentAt + 45 * DAY),
      state: 'running',
      source: { verified: false },
    });
    expect(clock?.basis.startsWith(UNVERIFIED_CITATION)).toBe(true);
    expect(body.clocks.some((c) => c.name === 'production-subscriber')).toBe(false);

    t.x.advance(43 * DAY);
    expect((await t.x.runtime.clocks.sweep.sweep()).recorded).toBeGreaterThanOrEqual(1);
    const reminded = (await t.events(order.id)).filter(
      (e) => e.action === 'clock.reminded' && e.details?.clock === 'production-traffic',
    );
    expect(reminded).toHaveLength(1);
    const due = await t.json<DueList>(t.b.member('officer'), '/v1/clocks/due');
    const item = due.body.items.find((i) => i.exchangeId === order.id);
    // Its acknowledgement clock (10 days) is long overdue; the production clock is about to fall due.
    const listed = item?.clocks.find((c) => c.name === 'production-traffic');
    expect(listed?.due).toBe('due-soon');
    expect(listed?.basis).toContain(UNVERIFIED_CITATION);

    await t.send(t.b.member('officer'), order.id, 'acknowledgement');
    await t.send(t.b.member('officer'), order.id, 'evidence', { final: true });
    const after = await t.json<ExchangeClocks>(t.a.member('officer'), `/v1/exchanges/${order.id}/clocks`);
    expect(after.body.clocks.find((c) => c.name === 'production-traffic')?.state).toBe('met');
  });

  it('refuses data categories on any other kind of request', async () => {
    await expect(
      t.x.runtime.exchanges.createExchange(asPrincipal(t.a.member('officer')), {
        kind: 'mla',
        urgency: 'normal',
        requestedId: t.b.authorityId,
        requesterReference: 'MLA-CAT-1',
        dataCategories: ['subscriber'],
      }),
    ).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
  });
});
