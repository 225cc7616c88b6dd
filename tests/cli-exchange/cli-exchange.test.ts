// End-to-end: the `pouch` exchange commands as subprocesses against a real local exchange (dynalite + s3rver,
// real age sealing, real signatures): the whole MLA story, a multipart upload interrupted and resumed, idempotent
// re-runs, interoperability with the `age` CLI, tampering caught by `pouch fetch`, and the draft check gate.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { objectKeys } from '../../server/config/storage-definitions.ts';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { expandPath } from '../../shared/domain/requests/check.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { isBlank } from '../../shared/domain/requests/schemas.ts';
import { expectJson, pouchAs, useCliHarness } from '../support/cli-harness.ts';

interface Delivery {
  exchangeId: string;
  messageId: string;
  status: string;
  alreadySent: boolean;
  resumed: boolean;
  partsSkipped: number;
  documents: Array<{ documentId: string; name: string; plaintextSha256: string; size: number }>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('pouch send, inbox, show, reply, fetch and open against the local exchange', () => {
  const cli = useCliHarness({ prefix: 'pouch-cli-exchange-' });

  async function writeCompletedDraft(path: string): Promise<void> {
    const entry = (await cli.exchange.runtime.directory.getAuthority(cli.southmark.authorityId))!;
    const profile = parseProfile({ ...entry.profile, authorityId: cli.southmark.authorityId });
    const draft = buildSampleFor('mla', profile);
    (draft.requestingAuthority as Record<string, unknown>).authorityId = cli.northland.authorityId;
    await writeFile(path, stringify(draft));
  }

  it('plays the whole story: preservation, linked MLA request (resumed multipart), ack, question, answer, evidence, fetch, close', async () => {
    const north = pouchAs(cli.northland);
    const south = pouchAs(cli.southmark);

    const note = join(cli.work, 'preservation-note.txt');
    await writeFile(note, 'Please preserve the mailbox of account alpha@example.test.\n');
    const preservation = expectJson<Delivery>(
      await north([
        '--json',
        'send',
        '--to',
        cli.southmark.authorityId,
        '--kind',
        'preservation',
        '--urgency',
        'urgent',
        '--reference',
        'NL-24/7-2026-0001',
        note,
      ]),
    );
    expect(preservation.exchangeId).toMatch(/^exch_/);
    expect(preservation.status).toBe('submitted');

    // The MLA request: a completed draft plus a 20 MiB annex (multipart: 3 parts). The hook counts stored parts
    // across the message: request.json and request.html take one each, so 3 stops after the annex's first part.
    const draftPath = join(cli.work, 'request.yaml');
    await writeCompletedDraft(draftPath);
    const annex = join(cli.work, 'annex.bin');
    const annexBytes = randomBytes(20 * 1024 * 1024);
    await writeFile(annex, annexBytes);
    // The recipient, kind, urgency, deadline and reference come from the checked draft (finding 7).
    const sendArgs = [
      '--json',
      'send',
      '--to',
      cli.southmark.authorityId,
      '--link',
      preservation.exchangeId,
      '--draft',
      draftPath,
      annex,
    ];
    const interrupted = await north(sendArgs, { POUCH_TEST_ABORT_AFTER_PARTS: '3' });
    expect(interrupted.code).not.toBe(0);
    expect(interrupted.stderr).toContain('run the same command again to resume');

    const mla = expectJson<Delivery>(await north(sendArgs));
    expect(mla.resumed).toBe(true);
    expect(mla.partsSkipped).toBeGreaterThanOrEqual(1);
    expect(mla.status).toBe('submitted');
    expect(mla.documents.map((d) => d.name)).toEqual(['request.json', 'request.html', 'annex.bin']);
    expect(mla.documents[2]?.plaintextSha256).toBe(sha256(annexBytes));

    // Re-running after success sends nothing twice.
    const again = expectJson<Delivery>(await north(sendArgs));
    expect(again).toMatchObject({ alreadySent: true, exchangeId: mla.exchangeId, messageId: mla.messageId });
    const outbox = expectJson<{ items: Array<{ id: string; links: string[] }> }>(
      await north(['--json', 'inbox', '--box', 'outbox']),
    );
    expect(outbox.items.filter((i) => i.id === mla.exchangeId)).toHaveLength(1);
    expect(outbox.items).toHaveLength(2);
    expect(outbox.items.find((i) => i.id === mla.exchangeId)?.links).toEqual([preservation.exchangeId]);

    // Southmark sees it, reads it (delivery), and may acknowledge.
    const inbox = await south(['inbox']);
    expect(inbox.code).toBe(0);
    expect(inbox.stdout).toContain(mla.exchangeId);
    expect(inbox.stdout).toContain('NL-MJ-2025-0042');
    const shown = expectJson<{
      label: { status: string };
      side: string;
      messages: Array<{ kind: string; documents: Array<{ name?: string }> }>;
      nextMoves: Array<{ kind: string; yours: boolean; verb?: string }>;
    }>(await south(['--json', 'show', mla.exchangeId]));
    expect(shown.side).toBe('requested');
    expect(shown.messages[0]?.documents.map((d) => d.name)).toEqual([
      'request.json',
      'request.html',
      'annex.bin',
    ]);
    expect(shown.nextMoves.filter((m) => m.yours).map((m) => m.verb)).toEqual(
      expect.arrayContaining(['ack', 'ask', 'evidence', 'refuse', 'note']),
    );

    expect((await south(['reply', mla.exchangeId, 'ack', '--reference', 'SM-2026-17'])).code).toBe(0);
    const asked = expectJson<Delivery>(
      await south(['--json', 'reply', mla.exchangeId, 'ask', '--text', 'Which period do the records cover?']),
    );
    expect(asked.status).toBe('information-requested');
    const answered = expectJson<Delivery>(
      await north(['--json', 'reply', mla.exchangeId, 'answer', '--text', 'January to March 2026.']),
    );
    expect(answered.status).toBe('acknowledged');

    const evidence = join(cli.work, 'evidence.zip');
    const evidenceBytes = randomBytes(300_000);
    await writeFile(evidence, evidenceBytes);
    const executed = expectJson<Delivery>(
      await south(['--json', 'reply', mla.exchangeId, 'evidence', '--final', evidence]),
    );
    expect(executed.status).toBe('executed');

    // Southmark fetches the request; Northland fetches everything and keeps the sealed evidence.
    const southOut = join(cli.work, 'south-out');
    const southFetch = expectJson<{ documents: Array<{ name: string; path: string }> }>(
      await south(['--json', 'fetch', mla.exchangeId, '--out', southOut, '--message', mla.messageId]),
    );
    const fetchedAnnex = southFetch.documents.find((d) => d.name === 'annex.bin')!;
    expect(sha256(await readFile(fetchedAnnex.path))).toBe(sha256(annexBytes));
    const request = JSON.parse(
      await readFile(southFetch.documents.find((d) => d.name === 'request.json')!.path, 'utf8'),
    ) as { kind: string; checkedAgainst?: { authorityId: string } };
    expect(request.kind).toBe('mla');
    expect(request.checkedAgainst?.authorityId).toBe(cli.southmark.authorityId);
    // What Southmark's profile requires and the draft answers is in what was sealed, not only in what was checked.
    const southProfile = parseProfile({
      ...(await cli.exchange.runtime.directory.getAuthority(cli.southmark.authorityId))!.profile,
      authorityId: cli.southmark.authorityId,
    });
    const required = southProfile.extraRequired.mla ?? [];
    expect(required.map((r) => r.path)).toContain('additional.dualCriminalityStatement');
    for (const r of required) {
      for (const found of expandPath(request, r.path)) expect(isBlank(found.value), r.path).toBe(false);
    }

    const northOut = join(cli.work, 'north-out');
    const fetched = expectJson<{
      messages: Array<{ kind: string; signatureVerified: boolean }>;
      documents: Array<{ name: string; path: string; sealedPath?: string; outcome: string }>;
    }>(await north(['--json', 'fetch', mla.exchangeId, '--out', northOut, '--keep-sealed']));
    expect(fetched.messages.map((m) => m.kind)).toEqual([
      'request',
      'acknowledgement',
      'info-request',
      'info-reply',
      'evidence',
    ]);
    const fetchedEvidence = fetched.documents.find((d) => d.name === 'evidence.zip')!;
    expect(fetchedEvidence.path).toBe(join(northOut, '05-evidence', 'evidence.zip'));
    expect(sha256(await readFile(fetchedEvidence.path))).toBe(sha256(evidenceBytes));
    expect(await readFile(join(northOut, '03-info-request', 'message.txt'), 'utf8')).toContain(
      'Which period',
    );
    const leftovers = (await readdir(northOut)).filter((n) => n.startsWith('.'));
    expect(leftovers).toEqual([]);

    // Interoperability: the sealed file opens with the standard age CLI and with `pouch open`.
    const identityFile = join(cli.work, 'northland-seal.txt');
    expect((await north(['keys', 'export', 'seal', '--out', identityFile])).code).toBe(0);
    const { stdout: ageOut } = await promisify(execFile)(
      'age',
      ['-d', '-i', identityFile, fetchedEvidence.sealedPath!],
      { encoding: 'buffer', maxBuffer: 10 * 1024 * 1024 },
    );
    expect(sha256(ageOut)).toBe(sha256(evidenceBytes));
    const opened = join(cli.work, 'opened.zip');
    expect((await north(['open', fetchedEvidence.sealedPath!, '--out', opened])).code).toBe(0);
    expect(sha256(await readFile(opened))).toBe(sha256(evidenceBytes));

    // A second fetch finds everything present and verified; then Northland closes.
    const refetch = expectJson<{ documents: Array<{ outcome: string }> }>(
      await north(['--json', 'fetch', mla.exchangeId, '--out', northOut]),
    );
    expect(refetch.documents.every((d) => d.outcome === 'present')).toBe(true);
    const closed = expectJson<Delivery>(await north(['--json', 'reply', mla.exchangeId, 'close']));
    expect(closed.status).toBe('closed');
    // A closed exchange takes nothing more: not even a note, and not even an upload.
    const late = await north(['reply', mla.exchangeId, 'note', '--text', 'one more thing']);
    expect(late.code).not.toBe(0);
    expect(late.stderr.trim().split('\n')).toHaveLength(1);
    expect(late.stderr).toMatch(/closed/);

    const events = await cli.exchange.runtime.ledger.read(mla.exchangeId);
    const sent = events.filter((e) => e.action === 'message.sent');
    expect(sent.map((e) => e.details?.messageKind)).toEqual([
      'request',
      'acknowledgement',
      'info-request',
      'info-reply',
      'evidence',
      'closure',
    ]);
  }, 120_000);

  it('refuses a draft with errors unless --force, and records a forced send in the ledger', async () => {
    const north = pouchAs(cli.northland);
    const draftPath = join(cli.work, 'incomplete.yaml');
    expect((await north(['draft', 'mla', '--to', cli.southmark.authorityId, '--out', draftPath])).code).toBe(
      0,
    );
    const args = [
      'send',
      '--to',
      cli.southmark.authorityId,
      '--reference',
      'NL-2026-0099',
      '--draft',
      draftPath,
    ];

    const refused = await north(['--json', ...args]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr.trim().split('\n').pop()!)).toMatchObject({
      error: { code: 'ERR_DRAFT_INVALID' },
    });
    const outbox = expectJson<{ items: Array<{ requesterReference: string }> }>(
      await north(['--json', 'inbox', '--box', 'outbox']),
    );
    expect(outbox.items.map((i) => i.requesterReference)).not.toContain('NL-2026-0099');

    const forced = expectJson<Delivery & { check: { errors: number; forced: boolean } }>(
      await north(['--json', ...args, '--force']),
    );
    expect(forced.check.forced).toBe(true);
    expect(forced.check.errors).toBeGreaterThan(0);
    const events = await cli.exchange.runtime.ledger.read(forced.exchangeId);
    const sent = events.find((e) => e.action === 'message.sent');
    expect(sent?.outcome).toBe('forced');
    // The check result is the sender's, signed in its manifest and recorded as such.
    expect(sent?.details?.senderAssertions).toEqual({ check: forced.check });
  });

  it('catches a sealed document altered in storage and leaves nothing at the output path', async () => {
    const north = pouchAs(cli.northland);
    const south = pouchAs(cli.southmark);
    const file = join(cli.work, 'statement.txt');
    await writeFile(file, 'Witness statement, 3 pages.\n'.repeat(200));
    const sent = expectJson<Delivery>(
      await north([
        '--json',
        'send',
        '--to',
        cli.southmark.authorityId,
        '--kind',
        'mla',
        '--reference',
        'NL-T-1',
        file,
      ]),
    );
    const documentId = sent.documents[0]!.documentId;

    const s3 = cli.exchange.runtime.clients.s3;
    const Bucket = cli.exchange.runtime.config.evidenceBucket;
    const Key = objectKeys.document(sent.exchangeId, documentId);
    const stored = Buffer.from(
      await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray(),
    );
    stored[stored.length - 5]! ^= 0x01;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: stored }));

    const out = join(cli.work, 'tampered');
    await mkdir(out);
    const failed = await south(['fetch', sent.exchangeId, '--out', out]);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toContain('do not match the signed manifest');
    expect(failed.stderr).toContain('nothing was saved');
    expect(await exists(join(out, '01-request', 'statement.txt'))).toBe(false);
    const everything = await readdir(out, { recursive: true });
    expect(everything.filter((n) => n.includes('statement') || n.startsWith('.'))).toEqual([]);
  });
});
