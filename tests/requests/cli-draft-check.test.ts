// End-to-end: `pouch draft` then `pouch check` as a demo officer against a real local exchange (the recipient's
// profile comes from the directory over HTTP): the untouched skeleton fails, the completed draft passes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { pouchAs, useCliHarness } from '../support/cli-harness.ts';

describe('pouch draft and pouch check against the local exchange', () => {
  const cli = useCliHarness({ prefix: 'pouch-draft-check-' });

  const pouch = (...args: string[]) => pouchAs(cli.northland)(args);

  it('pre-fills both authorities in the skeleton: the recipient from --to, the sender from the signed-in profile', async () => {
    const draftPath = join(cli.exchange.dataDir, 'prefilled.yaml');
    expect((await pouch('draft', 'mla', '--to', cli.southmark.authorityId, '--out', draftPath)).code).toBe(0);
    const draft = parse(await readFile(draftPath, 'utf8')) as Record<string, Record<string, unknown>>;
    const south = (await cli.exchange.runtime.directory.getAuthority(cli.southmark.authorityId))!;
    const north = (await cli.exchange.runtime.directory.getAuthority(cli.northland.authorityId))!;
    expect(draft.requestedAuthority).toMatchObject({
      authorityId: cli.southmark.authorityId,
      name: south.name,
      country: south.country,
    });
    expect(draft.requestingAuthority).toMatchObject({
      authorityId: cli.northland.authorityId,
      name: north.name,
      country: north.country,
    });
  });

  it('writes a skeleton with the recipient’s requirements that fails its check, then passes when completed', async () => {
    const draftPath = join(cli.exchange.dataDir, 'request.yaml');
    const drafted = await pouch('draft', 'mla', '--to', cli.southmark.authorityId, '--out', draftPath);
    expect(drafted.code).toBe(0);
    const skeleton = await readFile(draftPath, 'utf8');
    expect(skeleton).toContain('UNTOC art. 18(15)');
    expect(skeleton).toContain('dualCriminalityStatement');

    const failing = await pouch('--json', 'check', draftPath, '--to', cli.southmark.authorityId);
    expect(failing.code).toBe(1);
    const report = JSON.parse(failing.stdout) as {
      ok: boolean;
      findings: Array<{ path: string; severity: string; rule: string; source: string }>;
    };
    expect(report.ok).toBe(false);
    const errors = report.findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.path)).toEqual(
      expect.arrayContaining(['facts', 'additional.dualCriminalityStatement']),
    );
    expect(errors.find((f) => f.path === 'facts')?.source).toContain('UNTOC art. 18(15)(c)');
    expect(errors.find((f) => f.path === 'additional.dualCriminalityStatement')?.source).toContain(
      cli.southmark.authorityId,
    );

    const entry = (await cli.exchange.runtime.directory.getAuthority(cli.southmark.authorityId))!;
    const profile = parseProfile({ ...entry.profile, authorityId: cli.southmark.authorityId });
    const completed = buildSampleFor('mla', profile);
    (completed.requestingAuthority as Record<string, unknown>).authorityId = cli.northland.authorityId;
    await writeFile(draftPath, stringify(completed));
    const passing = await pouch('check', draftPath, '--to', cli.southmark.authorityId);
    expect(passing.stderr).toBe('');
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain('The draft passes');
  });

  it('answers a bad kind with one line and exit code 2', async () => {
    const res = await pouch('draft', 'telepathy');
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('unknown kind');
  });
});
