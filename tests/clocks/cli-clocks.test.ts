// End-to-end: the clock commands as subprocesses against a real local exchange with the demo authorities —
// `pouch send --link ID:KIND`, the lineage and clocks in `pouch show`, `pouch inbox --due` and `pouch stats`
// (a table, and --json), and the one-line refusal of a bad link kind or period.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DueList, Figures } from '../../shared/api/clocks.ts';
import { expectJson, pouchAs, useCliHarness } from '../support/cli-harness.ts';

describe('pouch show, inbox --due and stats', () => {
  const cli = useCliHarness({ prefix: 'pouch-cli-clocks-', timeout: 60_000 });

  it('links an MLA to a preservation, shows the lineage and clocks, lists what is due, and prints figures', async () => {
    const note = join(cli.work, 'note.txt');
    await writeFile(note, 'Please preserve the mailbox.\n');
    const send = (kind: string, reference: string, extra: string[] = []) =>
      pouchAs(
        cli.northland,
        kind === 'preservation' ? 'contact-247' : 'officer',
      )([
        '--json',
        'send',
        '--to',
        cli.southmark.authorityId,
        '--kind',
        kind,
        '--urgency',
        'urgent',
        '--reference',
        reference,
        ...extra,
        note,
      ]);
    const preservation = expectJson<{ exchangeId: string }>(await send('preservation', 'NL-24/7-1'));
    const mla = expectJson<{ exchangeId: string }>(
      await send('stored-data', 'NL-MLA-1', ['--link', `${preservation.exchangeId}:preservation-to-mla`]),
    );

    const shown = await pouchAs(cli.southmark)(['show', mla.exchangeId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Lineage:');
    // Names, not bare ids: the link reads by kind, reference and counterpart; the id comes last, for `pouch show`.
    expect(shown.stdout).toContain(
      `follows preservation NL-24/7-1 with Republic of Northland — Ministry of Justice, Central Authority (${cli.northland.authorityId}) — preservation-to-mla`,
    );
    expect(shown.stdout).toContain(`preservation-to-mla: stored-data NL-MLA-1  Republic of Northland`);
    expect(shown.stdout).toContain(`[${mla.exchangeId}]  ← this exchange`);
    expect(shown.stdout).not.toContain('follows up');
    const preserved = await pouchAs(cli.southmark, 'contact-247')(['show', preservation.exchangeId]);
    expect(preserved.stdout).toContain('preservation expires');
    expect(preserved.stdout).toMatch(/preservation {2}continued/);
    // The 24/7 contact cannot see the MLA, so the lineage shows none of it.
    expect(preserved.stdout).not.toContain(mla.exchangeId);

    // A production order (CETS 224): its time limits are unverified, so pouch show reads them as indicative.
    const order = expectJson<{ exchangeId: string }>(await send('production-order', 'NL-PO-1'));
    const orderShown = await pouchAs(cli.southmark)(['show', order.exchangeId]);
    expect(orderShown.stdout).toMatch(/production-subscriber {2}running.*indicative \(citation unverified\)/);
    expect(orderShown.stdout).toMatch(/production-traffic {2}running.*indicative \(citation unverified\)/);
    expect(orderShown.stdout).not.toMatch(/art\. 8/);

    const due = expectJson<DueList>(await pouchAs(cli.southmark)(['--json', 'inbox', '--due']));
    // Southmark promises to acknowledge urgent requests within 24 h (its demo profile): the MLA's clock runs.
    expect(due.items.find((i) => i.exchangeId === mla.exchangeId)?.clocks.map((c) => c.name)).toEqual([
      'acknowledge',
    ]);
    const table = await pouchAs(cli.southmark)(['inbox', '--due']);
    expect(table.stdout).toMatch(/^EXCHANGE +KIND +URGENCY +DUE/m);

    const figures = expectJson<Figures>(await pouchAs(cli.northland)(['--json', 'stats']));
    expect(figures.authorityId).toBe(cli.northland.authorityId);
    expect(figures.figures.map((f) => [f.kind, f.side, f.counterpart, f.requests]).sort()).toEqual([
      ['preservation', 'sent', cli.southmark.authorityId, 1],
      ['production-order', 'sent', cli.southmark.authorityId, 1],
      ['stored-data', 'sent', cli.southmark.authorityId, 1],
    ]);
    const stats = await pouchAs(cli.northland)(['stats']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^PERIOD +COUNTERPART +SIDE +KIND +REQUESTS/m);
    // About a dozen CLI subprocesses: slow on a loaded machine.
  }, 240_000);

  it('refuses a bad link kind or period in one line, non-zero', async () => {
    const bad = await pouchAs(cli.northland)([
      'send',
      '--to',
      cli.southmark.authorityId,
      '--kind',
      'mla',
      '--reference',
      'R-1',
      '--link',
      'exch_x:sideways',
      'x',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')[0]).toContain('unknown link kind');
    const period = await pouchAs(cli.northland)(['stats', '--period', 'March']);
    expect(period.code).not.toBe(0);
    expect(period.stderr).toContain('--period must be a month');
  });
});
