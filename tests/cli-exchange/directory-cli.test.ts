// End-to-end: `pouch directory list|search|show` and the authority resolver as subprocesses against the local
// exchange with the demo directory — names beside ids, stable JSON, and a name, country or id accepted wherever
// an AUTHORITY is (show, pin, draft --to, check --to, inbox --counterpart); ambiguous and unknown ones refused
// with their codes and exit codes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { expectJson, pouchAs, useCliHarness } from '../support/cli-harness.ts';

interface Summary {
  id: string;
  name: string;
  country: string;
  countryName: string | null;
  status: string;
  roles: string[];
  contacts247: { memberId: string; displayName: string }[];
}

describe('pouch directory list, search and show, and AUTHORITY by name or country', () => {
  const cli = useCliHarness({ prefix: 'pouch-directory-cli-' });

  // Read at call time: the harness's authorities exist only once beforeAll ran.
  const north = (args: string[]) => pouchAs(cli.northland)(args);

  it('lists every authority with name, country, id, status, roles and 24/7 contacts; JSON sorted and stable', async () => {
    const listed = expectJson<{ authorities: Summary[] }>(await north(['directory', 'list', '--json']));
    const ids = listed.authorities.map((a) => a.id);
    for (const demo of [cli.northland, cli.southmark, cli.eastmere]) expect(ids).toContain(demo.authorityId);
    const south = listed.authorities.find((a) => a.id === cli.southmark.authorityId)!;
    expect(south).toMatchObject({ country: 'XB', countryName: null, status: 'active' });
    expect(south.name).toContain('Southmark');
    expect(south.roles).toContain('contact-247');
    expect(south.contacts247.length).toBeGreaterThan(0);
    expect(Object.keys(south).sort()).toEqual(
      ['contacts247', 'country', 'countryName', 'id', 'name', 'roles', 'status'].sort(),
    );
    expect(listed.authorities.map((a) => a.country)).toEqual(
      [...listed.authorities.map((a) => a.country)].sort(),
    );
    const human = await north(['directory', 'list']);
    expect(human.code).toBe(0);
    const line = human.stdout.split('\n').find((l) => l.includes(cli.southmark.authorityId))!;
    expect(line).toContain('Southmark');
    expect(human.stdout.split('\n')[0]).toMatch(/^NAME\s+COUNTRY\s+ID\s+STATUS\s+ROLES\s+24\/7 CONTACTS$/);
  });

  it('searches by name part, country code and id, case-insensitively', async () => {
    const by = async (words: string[]) =>
      expectJson<{ authorities: Summary[] }>(
        await north(['directory', 'search', ...words, '--json']),
      ).authorities.map((a) => a.id);
    expect(await by(['southMARK'])).toEqual([cli.southmark.authorityId]);
    expect(await by(['xc'])).toEqual([cli.eastmere.authorityId]);
    expect(await by([cli.northland.authorityId.slice(5, 15)])).toEqual([cli.northland.authorityId]);
    expect((await by(['republic'])).sort()).toEqual(
      [cli.northland.authorityId, cli.southmark.authorityId].sort(),
    );
    const none = await north(['directory', 'search', 'Westland']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('directory list');
  });

  it('shows one authority by name or by country, with the same id as by id', async () => {
    const byName = expectJson<Summary & { authorityId: string; fingerprint: string }>(
      await north(['directory', 'show', 'southmark', '--json']),
    );
    const byCountry = expectJson<Summary & { authorityId: string }>(
      await north(['directory', 'show', 'XB', '--json']),
    );
    const byId = expectJson<Summary & { authorityId: string }>(
      await north(['directory', 'show', cli.southmark.authorityId, '--json']),
    );
    expect(byName.authorityId).toBe(cli.southmark.authorityId);
    expect(byCountry).toEqual(byId);
    expect(byName.fingerprint).toBe(cli.southmark.authorityKeyFingerprint);
    expect(byName.roles).toContain('central-authority');
  });

  it('refuses an ambiguous authority with the candidates (ERR_AUTHORITY_AMBIGUOUS, exit 2) and an unknown one (ERR_AUTHORITY_NOT_FOUND, exit 4)', async () => {
    const ambiguous = await north(['directory', 'show', 'Republic', '--json']);
    expect(ambiguous.code).toBe(2);
    expect(JSON.parse(ambiguous.stderr.trim().split('\n').at(-1)!).error.code).toBe(
      'ERR_AUTHORITY_AMBIGUOUS',
    );
    const human = await north(['check', join(cli.work, 'none.yaml'), '--to', 'republic']);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain(cli.northland.authorityId);
    expect(human.stderr).toContain(cli.southmark.authorityId);
    const unknown = await north(['inbox', '--counterpart', 'Westland', '--json']);
    expect(unknown.code).toBe(4);
    expect(JSON.parse(unknown.stderr.trim().split('\n').at(-1)!).error.code).toBe('ERR_AUTHORITY_NOT_FOUND');
    const pin = await north(['directory', 'pin', 'Westland', 'abc']);
    expect(pin.code).toBe(4);
    expect(pin.stderr).toContain('pouch directory search');
  });

  it('takes a name for draft --to and inbox --counterpart, and pins by country', async () => {
    const out = join(cli.work, 'mla.yaml');
    const drafted = await north(['draft', 'mla', '--to', 'Southmark', '--out', out]);
    expect(drafted.code, drafted.stderr).toBe(0);
    expect(drafted.stdout).toContain(`--to ${cli.southmark.authorityId}`);
    const skeleton = parse(await readFile(out, 'utf8')) as { requestedAuthority: { authorityId: string } };
    expect(skeleton.requestedAuthority.authorityId).toBe(cli.southmark.authorityId);
    const inbox = expectJson<{ items: unknown[] }>(
      await north(['inbox', '--counterpart', 'eastmere', '--json']),
    );
    expect(inbox.items).toEqual([]);
    const pinned = expectJson<{ authorityId: string }>(
      await north(['directory', 'pin', 'xc', cli.eastmere.authorityKeyFingerprint, '--json']),
    );
    expect(pinned.authorityId).toBe(cli.eastmere.authorityId);
  });

  it('a language Southmark does not accept is an error in check and send, unless a translation is listed and attached', async () => {
    const example = parse(await readFile('docs/examples/mla-northland-to-southmark.yaml', 'utf8')) as Record<
      string,
      unknown
    >;
    const spanish = join(cli.work, 'mla-es.yaml');
    await writeFile(spanish, stringify({ ...example, language: 'es' }));
    const checked = expectJson<{ ok: boolean; findings: { rule: string; severity: string }[] }>({
      ...(await north(['check', spanish, '--to', 'Southmark', '--json'])),
      code: 0,
    });
    expect(checked.ok).toBe(false);
    expect(checked.findings).toContainEqual(
      expect.objectContaining({ rule: 'profile.language', severity: 'error' }),
    );
    const refused = await north(['send', '--draft', spanish, '--to', 'southmark']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pouch check');

    const translated = join(cli.work, 'mla-es-translated.yaml');
    await writeFile(
      translated,
      stringify({ ...example, language: 'es', translations: [{ language: 'en', file: 'request-en.pdf' }] }),
    );
    const passes = expectJson<{ ok: boolean }>(await north(['check', translated, '--to', 'XB', '--json']));
    expect(passes.ok).toBe(true);
    const unattached = await north(['send', '--draft', translated, '--to', 'XB']);
    expect(unattached.code).toBe(2);
    expect(unattached.stderr).toContain('request-en.pdf');
  });
});
