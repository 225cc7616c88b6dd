// End-to-end (issue 12, finding 7): the label comes from the checked draft. `pouch send` as a subprocess against a
// real local exchange: a draft addressed to Southmark is not sent to Eastmere, a flag that disagrees with the draft
// is refused (ERR_LABEL_MISMATCH), the check's warnings are shown, and the label is signed in the manifest; the
// requested authority's reference (`reply ack --reference`) reaches the ledger, inbox, show and verify; and the
// recipient's `pouch fetch` refuses a label the operator bent, and a sealed request that contradicts its label.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { deliverMessage } from '../../client/exchange/deliver-message.ts';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { expectJson, jsonErrorCode, pouchAs, useCliHarness } from '../support/cli-harness.ts';
import { openDemoOfficer, sealingRecipients } from '../support/demo-officer.ts';

describe('the label comes from the checked draft (finding 7)', () => {
  const cli = useCliHarness({ prefix: 'pouch-label-' });

  /** A completed MLA draft from Northland to Southmark (urgent, deadline 2025-04-01, ref NL-MJ-2025-0042). */
  async function writeDraft(name: string, change: (draft: Record<string, unknown>) => void = () => {}) {
    const entry = (await cli.exchange.runtime.directory.getAuthority(cli.southmark.authorityId))!;
    const profile = parseProfile({ ...entry.profile, authorityId: cli.southmark.authorityId });
    const draft = buildSampleFor('mla', profile);
    (draft.requestingAuthority as Record<string, unknown>).authorityId = cli.northland.authorityId;
    change(draft);
    const path = join(cli.work, name);
    await writeFile(path, stringify(draft));
    return path;
  }

  const outboxCount = async () =>
    expectJson<{ items: unknown[] }>(await pouchAs(cli.northland)(['--json', 'inbox', '--box', 'outbox']))
      .items.length;

  it('refuses a draft addressed to another authority, and a flag that disagrees with the draft, before anything is sent', async () => {
    const north = pouchAs(cli.northland);
    const draft = await writeDraft('to-southmark.yaml');
    const before = await outboxCount();

    const misrouted = await north(['--json', 'send', '--to', cli.eastmere.authorityId, '--draft', draft]);
    expect(jsonErrorCode(misrouted)).toBe('ERR_LABEL_MISMATCH');
    const human = await north(['send', '--to', cli.eastmere.authorityId, '--draft', draft]);
    expect(human.code).toBe(1);
    expect(human.stderr.trim().split('\n')).toHaveLength(1);

    for (const flag of [
      ['--urgency', 'normal'],
      ['--reference', 'NL-2026-0042'],
      ['--kind', 'preservation'],
      ['--deadline', '2025-05-01'],
    ]) {
      const refused = await north(['--json', 'send', '--draft', draft, ...flag]);
      expect(jsonErrorCode(refused), flag.join(' ')).toBe('ERR_LABEL_MISMATCH');
    }

    // A draft that names its addressee by country only: Southmark's country is not Eastmere's.
    const byName = await writeDraft('by-name.yaml', (d) => {
      delete (d.requestedAuthority as Record<string, unknown>).authorityId;
    });
    const byCountry = await north(['--json', 'send', '--to', cli.eastmere.authorityId, '--draft', byName]);
    expect(jsonErrorCode(byCountry)).toBe('ERR_LABEL_MISMATCH');

    expect(await outboxCount()).toBe(before);
  });

  it('takes the label from the draft, shows the check warnings and signs the label in the manifest', async () => {
    const north = pouchAs(cli.northland);
    // Passes the check, with a warning: the draft names another country for the sender than the directory does.
    const draft = await writeDraft('with-warning.yaml', (d) => {
      (d.requestingAuthority as Record<string, unknown>).country = 'XQ';
    });
    const sent = await north(['send', '--draft', draft]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toContain('directory.country-mismatch');

    const again = expectJson<{
      exchangeId: string;
      alreadySent: boolean;
      label: Record<string, unknown>;
      findings: Array<{ severity: string; rule: string }>;
    }>(await north(['--json', 'send', '--draft', draft]));
    expect(again.alreadySent).toBe(true);
    expect(again.findings).toContainEqual(
      expect.objectContaining({ severity: 'warning', rule: 'directory.country-mismatch' }),
    );
    const claims = {
      recipientId: cli.southmark.authorityId,
      kind: 'mla',
      urgency: 'urgent',
      deadline: '2025-04-01',
      requesterReference: 'NL-MJ-2025-0042',
    };
    expect(again.label).toEqual(claims);

    const { label, messages } = await cli.exchange.runtime.exchanges.getExchange(
      {
        kind: 'member',
        clientId: `${cli.northland.authorityId}:officer`,
        authorityId: cli.northland.authorityId,
        memberId: 'officer',
        role: 'officer',
      },
      again.exchangeId,
    );
    expect(label).toMatchObject({
      requestedId: cli.southmark.authorityId,
      urgency: 'urgent',
      deadline: '2025-04-01',
      requesterReference: 'NL-MJ-2025-0042',
    });
    expect(decodeJwt(messages[0]!.manifest).label).toEqual(claims);
  });

  it("records the requested authority's reference and shows it in inbox, show, the ledger and verify", async () => {
    const north = pouchAs(cli.northland);
    const south = pouchAs(cli.southmark);
    const draft = await writeDraft('for-reference.yaml', (d) => {
      (d.caseReference as Record<string, unknown>).reference = 'NL-REF-7';
    });
    const { exchangeId } = expectJson<{ exchangeId: string }>(
      await north(['--json', 'send', '--draft', draft]),
    );

    const mine = await north(['reply', exchangeId, 'note', '--text', 'x', '--reference', 'NL-X']);
    expect(mine.code).toBe(2);
    expect((await south(['reply', exchangeId, 'ack', '--reference', 'SM-2026-17'])).code).toBe(0);

    const sent = (await cli.exchange.runtime.ledger.read(exchangeId)).filter(
      (e) => e.action === 'message.sent',
    );
    expect(sent.at(-1)?.details?.requestedReference).toBe('SM-2026-17');
    expect((await south(['inbox'])).stdout).toContain('SM-2026-17');
    expect((await north(['inbox', '--box', 'outbox'])).stdout).toContain('SM-2026-17');
    expect((await south(['show', exchangeId])).stdout).toContain('SM-2026-17');

    const auditor = pouchAs(cli.northland, 'auditor');
    const file = join(cli.work, 'custody.jsonl');
    expect((await auditor(['audit', 'export', exchangeId, '--out', file])).code).toBe(0);
    const verified = await auditor(['verify', '--exchange-key', cli.exchange.runtime.signer.kid, file]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain('SM-2026-17');
    const report = expectJson<{ label: { requestedReference?: string; requesterReference?: string } }>(
      await auditor(['--json', 'verify', '--exchange-key', cli.exchange.runtime.signer.kid, file]),
    );
    expect(report.label).toMatchObject({ requestedReference: 'SM-2026-17', requesterReference: 'NL-REF-7' });
  });

  it('refuses a fetch when the label the exchange shows is not the label the sender signed', async () => {
    const north = pouchAs(cli.northland);
    const south = pouchAs(cli.southmark);
    const draft = await writeDraft('bent.yaml', (d) => {
      (d.caseReference as Record<string, unknown>).reference = 'NL-BENT-1';
    });
    const { exchangeId } = expectJson<{ exchangeId: string }>(
      await north(['--json', 'send', '--draft', draft]),
    );
    const repo = cli.exchange.runtime.exchangeRepository;
    const honest = (await repo.getExchange(exchangeId))!;

    // The operator bends the label in its own table: the urgency drops from urgent to normal.
    await repo.putExchange({ ...honest, urgency: 'normal' });
    const out = join(cli.work, 'bent-out');
    const refused = await south(['--json', 'fetch', exchangeId, '--out', out]);
    expect(jsonErrorCode(refused)).toBe('ERR_LABEL_MISMATCH');
    expect(
      (await readdir(out, { recursive: true }).catch(() => [])).filter((n) => n.endsWith('.json')),
    ).toEqual([]);

    // Nor can it give the requested authority a reference it never signed.
    const moved = (await repo.getExchange(exchangeId))!;
    await repo.putExchange({ ...moved, urgency: honest.urgency, requestedReference: 'SM-INVENTED' });
    expect(jsonErrorCode(await south(['--json', 'fetch', exchangeId, '--out', out]))).toBe(
      'ERR_LABEL_MISMATCH',
    );

    // Put back (the read recorded a delivery since, so the label moved on): the same fetch now passes.
    const { requestedReference: _invented, ...current } = (await repo.getExchange(exchangeId))!;
    await repo.putExchange({ ...current, urgency: honest.urgency });
    const fetched = await south(['--json', 'fetch', exchangeId, '--out', out]);
    expect(fetched.code, fetched.stderr).toBe(0);
  });

  it('refuses an opened request that contradicts its label, even when the signed label claims match the label', async () => {
    // A client that opens the exchange as "normal" and signs "normal" as its label claims (the exchange refuses a
    // manifest without claims), but seals a request that says "urgent". The recipient's client reads the sealed
    // request and refuses the label.
    const sender = await openDemoOfficer(cli.exchange, 'northland');
    const request = buildSampleFor('mla');
    (request.requestedAuthority as Record<string, unknown>).authorityId = cli.southmark.authorityId;
    expect((request.urgency as { level: string }).level).toBe('urgent');
    const requesterReference = (request.caseReference as { reference: string }).reference;
    const result = await deliverMessage({
      client: sender.client,
      signer: sender.signer,
      home: sender.keystore.home,
      operation: 'send',
      exchange: {
        create: {
          kind: 'mla',
          urgency: 'normal',
          requestedId: cli.southmark.authorityId,
          requesterReference,
        },
      },
      label: { recipientId: cli.southmark.authorityId, kind: 'mla', urgency: 'normal', requesterReference },
      recipients: await sealingRecipients(sender, cli.southmark.authorityId),
      message: { kind: 'request' },
      generated: [{ name: 'request.json', mediaType: 'application/json', content: JSON.stringify(request) }],
    });
    const out = join(cli.work, 'legacy-out');
    const fetched = await pouchAs(cli.southmark)(['--json', 'fetch', result.exchangeId, '--out', out]);
    expect(jsonErrorCode(fetched)).toBe('ERR_LABEL_MISMATCH');
    expect((await readdir(out, { recursive: true })).filter((n) => n.endsWith('request.json'))).toEqual([]);
  });
});
