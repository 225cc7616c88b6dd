// Issue 12, finding 4 (CLI): an auditor keeps the checkpoint a verified bundle was checked against
// (`pouch verify --save-checkpoint`) and later proves that the exchange's log only grew from it
// (`pouch verify --consistency OLD [NEW]`, RFC 9162 consistency proof from the exchange), pinned to the custody
// key. A checkpoint the operator signed over another history of the same log fails with exit 1 and
// ERR_LEDGER_FORKED. Also: a bundle still in format v1 (only the latest logged head) stays readable.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../shared/custody/checkpoints.ts';
import { runPouch } from '../client/support/run-pouch.ts';
import { seedTestAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { runExchange, type TestExchange } from './custody-fixture.ts';

describe('pouch verify --save-checkpoint and --consistency', () => {
  let exchange: TestExchange;
  let home: string;
  let exchangeId: string;
  let requester: Awaited<ReturnType<typeof seedTestAuthority>>;
  let southmarkId: string;

  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
    const southmark = exchange.demo.find((d) => d.slug === 'southmark')!;
    home = southmark.home;
    southmarkId = southmark.authorityId;
    requester = await seedTestAuthority(exchange.runtime.directory, {
      members: [{ role: 'admin' }, { role: 'officer' }],
    });
    exchangeId = await runExchange(exchange, requester.member('officer'), southmarkId, { messages: 1 });
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  const pouch = (...args: string[]) => runPouch(['--profile', 'auditor', ...args], { POUCH_HOME: home });
  const fingerprint = () => exchange.runtime.signer.kid;
  const path = (name: string) => join(exchange.dataDir, name);

  it('keeps the verified checkpoint, then proves the grown log consistent with it (live and from files)', async () => {
    const saved = await pouch(
      '--json',
      'verify',
      '--live',
      '--save-checkpoint',
      path('old.json'),
      exchangeId,
    );
    expect(saved.code).toBe(0);
    expect(JSON.parse(saved.stdout)).toMatchObject({ ok: true, bundleVersion: 2, loggedHeads: 1 });
    const old = JSON.parse(await readFile(path('old.json'), 'utf8'));
    expect(old).toMatchObject({
      type: 'pouch-checkpoint',
      exchangeId,
      exchangeKeyFingerprint: fingerprint(),
    });

    // The log grows: another exchange, a checkpoint.
    await runExchange(exchange, requester.member('officer'), southmarkId, { messages: 1 });
    await exchange.runtime.checkpoints.build();

    const live = await pouch('--json', 'verify', '--consistency', path('old.json'), '--live');
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const report = JSON.parse(live.stdout);
    expect(report).toMatchObject({
      ok: true,
      consistent: true,
      proofFrom: 'exchange',
      first: { size: old.size },
    });
    expect(report.second.size).toBeGreaterThan(old.size);

    const file = path('newer.jsonl');
    expect((await pouch('audit', 'export', exchangeId, '--out', file)).code).toBe(0);
    const again = await pouch(
      'verify',
      '--exchange-key',
      fingerprint(),
      '--save-checkpoint',
      path('new.json'),
      file,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/logged head\(s\) found in the chain/);
    const fromFiles = await pouch(
      'verify',
      '--consistency',
      path('old.json'),
      '--exchange-key',
      fingerprint(),
      path('new.json'),
    );
    expect(fromFiles.code).toBe(0);
    expect(fromFiles.stdout).toMatch(/^OK: checkpoint \d+ .* extends checkpoint \d+/m);
  });

  it('names a checkpoint signed over another history of the log: exit 1, ERR_LEDGER_FORKED', async () => {
    const old = JSON.parse(await readFile(path('old.json'), 'utf8'));
    // The operator (holding the custody key) signs another root at the same size: a split view of the log.
    const rootHash = 'ab'.repeat(32);
    const jws = await signCheckpoint(exchange.runtime.signer, {
      v: 1,
      size: old.size,
      rootHash,
      time: new Date().toISOString(),
    });
    await writeFile(path('forked.json'), JSON.stringify({ ...old, rootHash, jws }));
    const sameSize = await pouch(
      '--json',
      'verify',
      '--consistency',
      path('old.json'),
      '--exchange-key',
      fingerprint(),
      path('forked.json'),
    );
    expect(sameSize.code).toBe(1);
    expect(JSON.parse(sameSize.stdout)).toMatchObject({
      ok: false,
      code: 'ERR_LEDGER_FORKED',
      broken: { pointer: 'checkpoint: consistency' },
    });
    // Kept as OLD, the forked checkpoint does not lead to the exchange's later log either.
    const later = await pouch('--json', 'verify', '--consistency', path('forked.json'), '--live');
    expect(later.code).toBe(1);
    expect(JSON.parse(later.stdout).code).toBe('ERR_LEDGER_FORKED');
  });

  it('refuses without a pin (exit 3) and a checkpoint signed by another key (exit 1)', async () => {
    const unpinned = await pouch('--json', 'verify', '--consistency', path('old.json'), path('new.json'));
    expect(unpinned.code).toBe(3);
    expect(JSON.parse(unpinned.stdout)).toMatchObject({ ok: false, pinned: false });
    const other = await pouch(
      '--json',
      'verify',
      '--consistency',
      path('old.json'),
      '--exchange-key',
      'A'.repeat(43),
      path('new.json'),
    );
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout).broken.pointer).toBe('old checkpoint: signature');
  });

  it('still reads a v1 bundle (only the latest logged head), and says what it does not prove', async () => {
    const file = path('v2.jsonl');
    expect((await pouch('audit', 'export', exchangeId, '--out', file)).code).toBe(0);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    const inclusions = lines.filter((l) => l.includes('"type":"inclusion"'));
    expect(inclusions.length).toBeGreaterThan(1);
    const v1 = lines
      .filter((l) => !l.includes('"type":"inclusion"') || l === inclusions.at(-1))
      .map((l) => (l.includes('"type":"header"') ? l.replace('"v":2', '"v":1') : l));
    await writeFile(path('v1.jsonl'), `${v1.join('\n')}\n`);
    const verdict = await pouch('verify', '--exchange-key', fingerprint(), path('v1.jsonl'));
    expect(verdict.code).toBe(0);
    expect(verdict.stdout).toContain('NOTE: a v1 bundle proves only the latest logged head');
    // In v1, a second inclusion record is out of place; in v2, the logged heads come by ascending leaf index.
    const doubled = lines.map((l) => (l.includes('"type":"header"') ? l.replace('"v":2', '"v":1') : l));
    await writeFile(path('v1-doubled.jsonl'), `${doubled.join('\n')}\n`);
    const refused = await pouch(
      '--json',
      'verify',
      '--exchange-key',
      fingerprint(),
      path('v1-doubled.jsonl'),
    );
    expect(JSON.parse(refused.stdout).broken.pointer).toBe('checkpoint: order');
    const i = lines.indexOf(inclusions[0]!);
    const swapped = [...lines];
    [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
    await writeFile(path('v2-swapped.jsonl'), `${swapped.join('\n')}\n`);
    const reordered = await pouch(
      '--json',
      'verify',
      '--exchange-key',
      fingerprint(),
      path('v2-swapped.jsonl'),
    );
    expect(JSON.parse(reordered.stdout).broken.pointer).toBe('checkpoint: order');
  });
});
