// End-to-end (issue 13): `pouch send --draft --lang fr` seals the printable letter in French, listing the annex
// with the same plaintext SHA-256 the signed manifest carries; an unknown language is one CLI line with a stable
// code, before anything is opened or sent.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { letterTextFor } from '../../shared/domain/requests/letter-text.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { expectJson, jsonErrorCode, pouchAs, useCliHarness } from '../support/cli-harness.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Delivery {
  exchangeId: string;
  messageId: string;
  documents: Array<{ name: string; plaintextSha256: string }>;
}

describe('pouch send --lang: the letter in French (issue 13)', () => {
  const cli = useCliHarness({ prefix: 'pouch-letter-lang-' });

  async function writeDraft(name: string, reference: string) {
    const entry = (await cli.exchange.runtime.directory.getAuthority(cli.southmark.authorityId))!;
    const profile = parseProfile({ ...entry.profile, authorityId: cli.southmark.authorityId });
    const draft = buildSampleFor('mla', profile);
    (draft.requestingAuthority as Record<string, unknown>).authorityId = cli.northland.authorityId;
    (draft.caseReference as Record<string, unknown>).reference = reference;
    const path = join(cli.work, name);
    await writeFile(path, stringify(draft));
    return path;
  }

  it('refuses an unknown letter language with one line and a stable code, sending nothing', async () => {
    const north = pouchAs(cli.northland);
    const draft = await writeDraft('de.yaml', 'NL-LANG-DE');
    const refused = await north(['--json', 'send', '--draft', draft, '--lang', 'de']);
    expect(jsonErrorCode(refused)).toBe('ERR_VALIDATION');
    const human = await north(['send', '--draft', draft, '--lang', 'de']);
    expect(human.code).not.toBe(0);
    expect(human.stderr.trim().split('\n')).toHaveLength(1);
    expect(human.stderr).toContain('--lang');
    const outbox = expectJson<{ items: unknown[] }>(await north(['--json', 'inbox', '--box', 'outbox']));
    expect(outbox.items).toHaveLength(0);
  });

  it('seals a French letter that lists the annex with the digest the manifest signs', async () => {
    const north = pouchAs(cli.northland);
    const south = pouchAs(cli.southmark);
    const draft = await writeDraft('fr.yaml', 'NL-LANG-FR');
    const annexBytes = randomBytes(200 * 1024);
    const annex = join(cli.work, 'relevés.pdf');
    await writeFile(annex, annexBytes);

    const sent = expectJson<Delivery>(
      await north(['--json', 'send', '--draft', draft, '--lang', 'fr', annex]),
    );
    const signed = sent.documents.find((d) => d.name === 'relevés.pdf')?.plaintextSha256;
    expect(signed).toBe(sha256(annexBytes));

    const out = join(cli.work, 'south-out');
    const fetched = expectJson<{ documents: Array<{ name: string; path: string }> }>(
      await south(['--json', 'fetch', sent.exchangeId, '--out', out, '--message', sent.messageId]),
    );
    const html = await readFile(fetched.documents.find((d) => d.name === 'request.html')!.path, 'utf8');
    const fr = letterTextFor('fr').text;
    const en = letterTextFor('en').text;
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain(`1. ${fr.sections.basis}`);
    expect(html).toContain(fr.salutation);
    expect(html).not.toContain(en.sections.basis);
    expect(html).not.toContain(en.salutation);
    // The letter's annex row carries the very digest the signed manifest lists for that document's plaintext.
    expect(html).toMatch(
      new RegExp(
        `<tr><td>1</td><td>relevés\\.pdf</td><td>200,0 Kio</td><td><code>${signed}</code></td></tr>`,
      ),
    );
  });

  it('keeps the English letter by default', async () => {
    const north = pouchAs(cli.northland);
    const south = pouchAs(cli.southmark);
    const draft = await writeDraft('en.yaml', 'NL-LANG-EN');
    const sent = expectJson<Delivery>(await north(['--json', 'send', '--draft', draft]));
    const out = join(cli.work, 'south-out-en');
    const fetched = expectJson<{ documents: Array<{ name: string; path: string }> }>(
      await south(['--json', 'fetch', sent.exchangeId, '--out', out, '--message', sent.messageId]),
    );
    const html = await readFile(fetched.documents.find((d) => d.name === 'request.html')!.path, 'utf8');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain(letterTextFor('en').text.salutation);
  });
});
