// End-to-end: `pouch audit export` and `pouch verify` as subprocesses, as a demo auditor of the requested
// authority against a real local exchange: the exported bundle verifies against the pinned custody key (exit 0,
// human timeline); a tampered copy fails with the broken element named (exit 1); `pouch verify --live` fetches
// and verifies. Issue 12 finding 5: a bundle forged with the forger's own key no longer passes unpinned.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPouch } from '../client/support/run-pouch.ts';
import { seedTestAuthority } from '../support/identity.ts';
import { startTestExchange } from '../support/local-exchange.ts';
import { createCaller, runExchange, seedParties, type TestExchange } from './custody-fixture.ts';

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
  /** The custody key fingerprint the operator publishes out of band (the local server prints it at start). */
  const fingerprint = () => exchange.runtime.signer.kid;

  it('exports a bundle that verifies offline, then names the tampered element and exits 1', async () => {
    const file = join(exchange.dataDir, 'custody.jsonl');
    const exported = await pouch('audit', 'export', exchangeId, '--out', file);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`Wrote ${file}`);

    const ok = await pouch('verify', '--exchange-key', fingerprint(), file);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`pinned exchange key ${fingerprint()}`);
    expect(ok.stdout).toContain('message.sent');
    expect(ok.stdout).toContain('auditor.viewed');
    expect(ok.stdout).toMatch(/OK: \d+ events/);

    const lines = (await readFile(file, 'utf8')).split('\n');
    const index = lines.findIndex((l) => l.includes('"action":"document.uploaded"'));
    const seq = Number(/"seq":(\d+)/.exec(lines[index]!)![1]);
    lines[index] = lines[index]!.replace('"outcome":"success"', '"outcome":"forced"');
    const tampered = join(exchange.dataDir, 'tampered.jsonl');
    await writeFile(tampered, lines.join('\n'));
    const broken = await pouch('verify', '--exchange-key', fingerprint(), tampered);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`BROKEN: event seq ${seq}: hash`);

    // Broken beats unpinned: a tampered bundle exits 1 with or without a pin.
    const json = await pouch('--json', 'verify', tampered);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).broken.pointer).toBe(`event seq ${seq}: hash`);
  });

  it('verifies live: fetches the bundle from the exchange and checks it the same way', async () => {
    const live = await pouch('--json', 'verify', '--live', exchangeId);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const report = JSON.parse(live.stdout) as { ok: boolean; exchangeId: string; manifests: number };
    expect(report).toMatchObject({
      ok: true,
      pinned: true,
      pinnedBy: 'live',
      exchangeId,
      manifests: 2,
      exchangeKeyFingerprint: fingerprint(),
    });
  });

  it('prints the fingerprints to compare out of band: the exchange’s published custody key and the bundle’s', async () => {
    const published = await pouch('verify', '--show-key', '--live');
    expect(published.code).toBe(0);
    expect(published.stdout).toContain(fingerprint());
    // The token key (the JWKS) is another key: a custody fingerprint is never the token key's.
    expect(published.stdout).not.toContain(exchange.runtime.tokenSigner.kid);

    const file = join(exchange.dataDir, 'show-key.jsonl');
    expect((await pouch('audit', 'export', exchangeId, '--out', file)).code).toBe(0);
    const shown = await pouch('--json', 'verify', '--show-key', file);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ source: 'bundle', fingerprint: fingerprint() });
  });

  it('pins with a JWK file as well as a fingerprint', async () => {
    const file = join(exchange.dataDir, 'pinned-by-file.jsonl');
    expect((await pouch('audit', 'export', exchangeId, '--out', file)).code).toBe(0);
    const keyFile = join(exchange.dataDir, 'custody-key.jwk.json');
    await writeFile(keyFile, JSON.stringify(await exchange.runtime.signer.publicJwk()));
    const ok = await pouch('--json', 'verify', '--exchange-key', keyFile, file);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, pinned: true, pinnedBy: 'exchange-key' });
  });

  describe('a bundle forged with the forger’s own key (issue 12, finding 5)', () => {
    let forgerExchange: TestExchange;
    let forged: string;
    let genuine: string;

    beforeAll(async () => {
      // The forger runs the same software with its own custody key: every hash, link, receipt, checkpoint and
      // proof in its bundle is internally consistent, signed by a key the forger chose.
      forgerExchange = await startTestExchange();
      const { a, b } = await seedParties(forgerExchange);
      const forgedId = await runExchange(forgerExchange, a.member('officer'), b.authorityId, { messages: 1 });
      const res = await createCaller(forgerExchange)(
        a.member('auditor'),
        'GET',
        `/v1/exchanges/${forgedId}/bundle`,
      );
      expect(res.status).toBe(200);
      forged = join(exchange.dataDir, 'forged.jsonl');
      await writeFile(forged, await res.text());
      genuine = join(exchange.dataDir, 'genuine.jsonl');
      expect((await pouch('audit', 'export', exchangeId, '--out', genuine)).code).toBe(0);
    });
    afterAll(async () => {
      await forgerExchange?.stop();
    });

    it('unpinned, it exits 3 (not 0) and --json says pinned false and ok false', async () => {
      const human = await pouch('verify', forged);
      expect(human.code).toBe(3);
      expect(human.stdout).toContain('NOT PINNED');
      expect(human.stdout).not.toMatch(/^OK:/m);

      const json = await pouch('--json', 'verify', forged);
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: false,
        pinned: false,
        exchangeKeyFingerprint: forgerExchange.runtime.signer.kid,
      });
      // A genuine bundle is no different unpinned: the exit code says what was checked, not what was hoped.
      expect((await pouch('--json', 'verify', genuine)).code).toBe(3);
    });

    it('pinned to the real exchange key, it fails with one clear line naming both fingerprints', async () => {
      const refused = await pouch('verify', '--exchange-key', fingerprint(), forged);
      expect(refused.code).toBe(1);
      const lines = refused.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('BROKEN: exchange key: untrusted');
      expect(lines[0]).toContain(forgerExchange.runtime.signer.kid);
      expect(lines[0]).toContain(fingerprint());

      const json = await pouch('--json', 'verify', '--exchange-key', fingerprint(), forged);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: false,
        pinned: true,
        broken: { pointer: 'exchange key: untrusted' },
      });
      expect((await pouch('verify', '--exchange-key', fingerprint(), genuine)).code).toBe(0);
    });

    it('a pin that is neither a key file nor a fingerprint is a usage error (exit 2)', async () => {
      const bad = await pouch('verify', '--exchange-key', 'not-a-key', genuine);
      expect(bad.code).toBe(2);
    });
  });
});
