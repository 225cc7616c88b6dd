// Issue 12, finding 9a: counterpart-chosen strings (the requester's reference, document names and media types)
// never reach the recipient's terminal as control sequences. The exchange itself refuses control characters in
// references and media types (tests/hardening/printable-text.test.ts), so the hostile reference is written straight
// into the stored label here, as an older record or a hostile operator could hold it; document names stay free
// text. Then `pouch inbox` and `pouch show` run as the recipient's subprocess: human output carries no control
// character, `--json` stays exact.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalLine, terminalText } from '../../client/cli/terminal-text.ts';
import { openDemoOfficer, sealingRecipients, sendNewRequest } from '../support/demo-officer.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { runPouch } from './support/run-pouch.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

/** Clear the screen, set the window title, a hyperlink, a bidi override, and a forged line. */
const hostileReference = 'NL-\u001b[2J\u001b]0;pwned\u0007\u001b]8;;https://evil.example\u0007x\u202E-1';
const hostileName = 'annex\u001b[31m\r\nOK: forged line.txt';
/** Any C0/C1 control except the newlines we print ourselves, or a bidi/format character. */
const controlOrFormat = /(?!\n)[\p{Cc}\p{Cf}]/u;

describe('terminalLine / terminalText', () => {
  it('shows every control and format character as ?, keeps tabs, and keeps our own line breaks only', () => {
    expect(terminalLine('a\u001b[2Jb\u0007c\u009bd\u202Ee\tf\r\ng')).toBe('a?[2Jb?c?d?e\tf??g');
    expect(terminalText('one\ntwo')).toBe('one\ntwo');
    expect(terminalText(['one', 'two\nthree'])).toBe('one\ntwo?three');
  });
});

describe('hostile counterpart strings in pouch inbox and pouch show', () => {
  let exchange: Exchange;
  let exchangeId: string;
  let southHome: string;

  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
    const north = await openDemoOfficer(exchange, 'northland');
    const south = await openDemoOfficer(exchange, 'southmark');
    southHome = exchange.demo.find((d) => d.slug === 'southmark')!.home;
    const file = join(exchange.dataDir, 'annex.txt');
    await writeFile(file, 'annex\n');
    const sent = await sendNewRequest(north, {
      counterpartId: south.authorityId,
      reference: 'NL-PLAIN-1',
      recipients: await sealingRecipients(north, south.authorityId),
      files: [{ path: file, name: hostileName, mediaType: 'text/plain' }],
    });
    exchangeId = sent.exchangeId;
    // Every stored copy of the label (one per party) gets the hostile reference.
    const doc = exchange.runtime.clients.doc;
    const TableName = exchange.runtime.config.tables.main;
    const scanned = await doc.send(
      new ScanCommand({
        TableName,
        FilterExpression: 'id = :id AND attribute_exists(requesterReference)',
        ExpressionAttributeValues: { ':id': exchangeId },
      }),
    );
    expect(scanned.Items?.length).toBeGreaterThan(0);
    for (const item of scanned.Items ?? []) {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET requesterReference = :r',
          ExpressionAttributeValues: { ':r': hostileReference },
        }),
      );
    }
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  const south = (...args: string[]) =>
    runPouch(['--profile', 'officer', '--url', exchange.url, ...args], { POUCH_HOME: southHome });

  it('pouch inbox prints the reference without its escape sequences', async () => {
    const run = await south('inbox');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(exchangeId);
    expect(run.stdout).toContain('NL-?[2J?]0;pwned??]8;;https://evil.example?x?-1');
    expect(run.stdout).not.toMatch(controlOrFormat);
  });

  it('pouch show prints the reference and name without control characters or forged lines', async () => {
    const run = await south('show', exchangeId);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(exchangeId);
    expect(run.stdout).not.toMatch(controlOrFormat);
    // The CR LF inside the name stays on the document's line: no line of output starts with the forged "OK:".
    expect(run.stdout.split('\n').some((line) => line.startsWith('OK:'))).toBe(false);
  });

  it('--json stays exact JSON: the values are the server’s, escaped by JSON, not rewritten', async () => {
    const run = await south('--json', 'inbox');
    expect(run.code).toBe(0);
    const items = (JSON.parse(run.stdout) as { items: Array<{ id: string; requesterReference: string }> })
      .items;
    expect(items.find((item) => item.id === exchangeId)?.requesterReference).toBe(hostileReference);
  });
});
