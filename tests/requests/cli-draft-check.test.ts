// End-to-end: `pouch draft` then `pouch check` as a demo officer against a real local exchange (the recipient's
// profile comes from the directory over HTTP): the untouched skeleton fails, the completed draft passes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildSampleFor } from '../../server/local/demo-profiles.ts';
import { parseProfile } from '../../shared/domain/requests/profile.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

describe('pouch draft and pouch check against the local exchange', () => {
  let exchange: Exchange;
  let northland: Exchange['demo'][number];
  let southmark: Exchange['demo'][number];
  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
    northland = exchange.demo.find((d) => d.slug === 'northland')!;
    southmark = exchange.demo.find((d) => d.slug === 'southmark')!;
  });
  afterAll(async () => {
    await exchange.stop();
  });

  const pouch = (...args: string[]) =>
    runPouch(['--profile', 'officer', ...args], { POUCH_HOME: northland.home });

  it('pre-fills both authorities in the skeleton: the recipient from --to, the sender from the signed-in profile', async () => {
    const draftPath = join(exchange.dataDir, 'prefilled.yaml');
    expect((await pouch('draft', 'mla', '--to', southmark.authorityId, '--out', draftPath)).code).toBe(0);
    const draft = parse(await readFile(draftPath, 'utf8')) as Record<string, Record<string, unknown>>;
    const south = (await exchange.runtime.directory.getAuthority(southmark.authorityId))!;
    const north = (await exchange.runtime.directory.getAuthority(northland.authorityId))!;
    expect(draft.requestedAuthority).toMatchObject({
      authorityId: southmark.authorityId,
      name: south.name,
      country: south.country,
    });
    expect(draft.requestingAuthority).toMatchObject({
      authorityId: northland.authorityId,
      name: north.name,
      country: north.country,
    });
  });

  it('writes a skeleton with the recipient’s requirements that fails its check, then passes when completed', async () => {
    const draftPath = join(exchange.dataDir, 'request.yaml');
    const drafted = await pouch('draft', 'mla', '--to', southmark.authorityId, '--out', draftPath);
    expect(drafted.code).toBe(0);
    const skeleton = await readFile(draftPath, 'utf8');
    expect(skeleton).toContain('UNTOC art. 18(15)');
    expect(skeleton).toContain('dualCriminalityStatement');

    const failing = await pouch('--json', 'check', draftPath, '--to', southmark.authorityId);
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
      southmark.authorityId,
    );

    const entry = (await exchange.runtime.directory.getAuthority(southmark.authorityId))!;
    const profile = parseProfile({ ...entry.profile, authorityId: southmark.authorityId });
    const completed = buildSampleFor('mla', profile);
    (completed.requestingAuthority as Record<string, unknown>).authorityId = northland.authorityId;
    await writeFile(draftPath, stringify(completed));
    const passing = await pouch('check', draftPath, '--to', southmark.authorityId);
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
