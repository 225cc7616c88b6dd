// End-to-end: two issue-15 CLI fixes as an officer meets them, `pouch` as a subprocess against a real local
// exchange: the sender's empty inbox points to `--box outbox`, and re-running `send` after the exchange was
// closed says the message was already sent and where to look, never that the exchange is "now submitted".
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../client/cli/exit-codes.ts';
import { pouchAs, sendNote, useCliHarness } from '../support/cli-harness.ts';

describe('pouch hints for the sender (issue 15)', () => {
  const cli = useCliHarness({ prefix: 'pouch-cli-hints-' });

  it('the sender’s inbox is empty after sending, and says the sent exchange is in the outbox', async () => {
    const north = pouchAs(cli.northland);
    await sendNote(cli.northland, {
      to: cli.southmark.authorityId,
      reference: 'NL-HINT-1',
      dir: cli.work,
      fileName: 'note.txt',
      text: 'Please preserve the mailbox of account beta@example.test.\n',
    });

    const inbox = await north(['inbox']);
    expect(inbox.code).toBe(EXIT.ok);
    expect(inbox.stdout).toContain('No exchanges in your inbox.');
    expect(inbox.stdout).toContain("'pouch inbox --box outbox'");
    // The outbox it points to holds the exchange; and the outbox itself needs no such hint.
    const outbox = await north(['inbox', '--box', 'outbox']);
    expect(outbox.stdout).toContain('NL-HINT-1');
    expect(outbox.stdout).not.toContain('--box outbox');
    // Scripts read JSON: no hint there.
    const json = await north(['--json', 'inbox']);
    expect(JSON.parse(json.stdout)).toMatchObject({ box: 'inbox', items: [] });
  });

  it('a re-run send on a closed exchange says it was sent earlier, nothing sent again, never "now submitted"', async () => {
    const north = pouchAs(cli.northland);
    const note = join(cli.work, 'request.txt');
    await writeFile(note, 'Request for the subscriber of gamma@example.test.\n');
    const args = [
      'send',
      '--to',
      cli.southmark.authorityId,
      '--kind',
      'mla',
      '--reference',
      'NL-HINT-2',
      note,
    ];
    const first = await north(args);
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout).toMatch(/is now submitted\./);
    const exchangeId = /(exch_[A-Za-z0-9_-]+)/.exec(first.stdout)![1]!;

    expect((await north(['reply', exchangeId, 'withdraw', '--text', 'No longer needed.'])).code).toBe(
      EXIT.ok,
    );
    expect((await north(['reply', exchangeId, 'close'])).code).toBe(EXIT.ok);

    const again = await north(args);
    expect(again.stderr).not.toMatch(/^pouch:/m);
    expect(again.code).toBe(EXIT.ok);
    expect(again.stdout).not.toMatch(/now submitted/);
    expect(again.stdout).toContain('Already sent earlier');
    expect(again.stdout).toContain('nothing sent again');
    expect(again.stdout).toContain(`pouch show ${exchangeId}`);
    const json = await north(['--json', ...args]);
    expect(json.code).toBe(EXIT.ok);
    expect(JSON.parse(json.stdout)).toMatchObject({ exchangeId, alreadySent: true });
    // Nothing was sent again: the exchange stays closed with one request in it.
    const events = await cli.exchange.runtime.ledger.read(exchangeId);
    const sent = events.filter((e) => e.action === 'message.sent');
    expect(sent).toHaveLength(3);
    expect(sent.at(-1)?.details?.status).toBe('closed');
  });
});
