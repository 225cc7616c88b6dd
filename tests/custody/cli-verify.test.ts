// End-to-end: `pouch audit export` and `pouch verify` as subprocesses, as a demo auditor of the requested
// authority against a real local exchange: the exported bundle verifies (exit 0, human timeline); a tampered
// copy fails with the broken element named (exit 1); `pouch verify --live` fetches and verifies.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPouch } from '../client/support/run-pouch.ts';
import { seedTestAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { runExchange, type TestExchange } from './custody-fixture.ts';

describe('pouch audit export and pouch verify', () => {
  let exchange: TestExchange;
  let home: string;
  let exchangeId: string;

  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
    const southmark = exchange.demo.find((d) => d.slug === 'southmark')!;
    home = southmark.home;
    const requester = await seedTestAuthority(exchange.runtime.directory, {
      members: [{ role: 'admin' }, { role: 'officer' }],
    });
    exchangeId = await runExchange(exchange, requester.member('officer'), southmark.authorityId, {
      messages: 2,
    });
  });
  afterAll(async () => {
    await exchange?.stop();
  });

  const pouch = (...args: string[]) => runPouch(['--profile', 'auditor', ...args], { POUCH_HOME: home });

  it('exports a bundle that verifies offline, then names the tampered element and exits 1', async () => {
    const file = join(exchange.dataDir, 'custody.jsonl');
    const exported = await pouch('audit', 'export', exchangeId, '--out', file);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`Wrote ${file}`);

    const ok = await pouch('verify', file);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('message.sent');
    expect(ok.stdout).toContain('auditor.viewed');
    expect(ok.stdout).toMatch(/OK: \d+ events/);

    const lines = (await readFile(file, 'utf8')).split('\n');
    const index = lines.findIndex((l) => l.includes('"action":"document.uploaded"'));
    const seq = Number(/"seq":(\d+)/.exec(lines[index]!)![1]);
    lines[index] = lines[index]!.replace('"outcome":"success"', '"outcome":"forced"');
    const tampered = join(exchange.dataDir, 'tampered.jsonl');
    await writeFile(tampered, lines.join('\n'));
    const broken = await pouch('verify', tampered);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`BROKEN: event seq ${seq}: hash`);

    const json = await pouch('--json', 'verify', tampered);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).broken.pointer).toBe(`event seq ${seq}: hash`);
  });

  it('verifies live: fetches the bundle from the exchange and checks it the same way', async () => {
    const live = await pouch('--json', 'verify', '--live', exchangeId);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const report = JSON.parse(live.stdout) as { ok: boolean; exchangeId: string; manifests: number };
    expect(report).toMatchObject({ ok: true, exchangeId, manifests: 2 });
  });
});
