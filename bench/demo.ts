// Demo (`npm run demo`): starts its own local exchange in a temp folder and plays a whole mutual legal assistance
// story by running the real `pouch` CLI as Northland and Southmark, printing each step with its timing.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { openDemoKeystores } from '../client/keystore/demo-keystores.ts';
import { buildSampleFor } from '../server/local/demo-profiles.ts';
import { startLocalExchange } from '../server/local/local-exchange.ts';
import { parseProfile } from '../shared/domain/requests/profile.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const MiB = 1024 * 1024;

/** Evidence size in bytes: POUCH_DEMO_SIZE (bytes, or with a k/M/G suffix), default 1 GiB. */
function readEvidenceSize(text: string | undefined): number {
  if (!text) return 1024 * MiB;
  const match = /^(\d+)\s*([kKmMgG]?)i?[bB]?$/.exec(text.trim());
  if (!match) throw new Error(`POUCH_DEMO_SIZE must be a size such as 1G, 200M or 5000000, got "${text}"`);
  const unit = { '': 1, k: 1024, m: MiB, g: 1024 * MiB }[(match[2] ?? '').toLowerCase()] ?? 1;
  return Number(match[1]) * unit;
}

/** Write `size` bytes quickly: one random MiB block, repeated (sealing makes every byte on the wire unique). */
async function writeEvidenceFile(path: string, size: number): Promise<void> {
  const block = Buffer.alloc(MiB);
  crypto.getRandomValues(new Uint8Array(block.buffer, block.byteOffset, 65_536));
  for (let i = 65_536; i < MiB; i += 65_536) block.copy(block, i, 0, 65_536);
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += MiB) {
    if (!out.write(block.subarray(0, Math.min(MiB, size - written)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// Colour only for a person at a terminal: a pipe or a log file gets plain text (and NO_COLOR is honoured).
const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
const bold = (text: string) => (colour ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (colour ? `\x1b[2m${text}\x1b[0m` : text);

let stepNumber = 0;
/** Print a step, run it, and print how long it took. */
async function step<T>(title: string, action: () => Promise<T>): Promise<T> {
  stepNumber++;
  console.log(`\n${bold(`${String(stepNumber).padStart(2)}. ${title}`)}`);
  const started = performance.now();
  const result = await action();
  console.log(`    ${dim(`(${seconds(performance.now() - started)})`)}`);
  return result;
}

/**
 * Run `pouch` as a demo member. With `json`, stdout is parsed and returned; otherwise it is shown. Progress bars
 * and notes go to this terminal's stderr.
 */
async function pouch(home: string, profile: string, args: string[], json = false): Promise<unknown> {
  console.log(`    $ pouch --profile ${profile} ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'client/cli/main.ts', '--profile', profile, ...(json ? ['--json'] : []), ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, POUCH_HOME: home, POUCH_PROFILE: undefined },
      stdio: ['ignore', json ? 'pipe' : 'inherit', 'inherit'],
    },
  );
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`pouch ${args[0]} failed (exit ${code})`);
  return json ? JSON.parse(stdout) : undefined;
}

interface Sent {
  exchangeId: string;
  status: string;
  documents: Array<{ name: string; size: number }>;
}

const dataDir = await mkdtemp(join(tmpdir(), 'pouch-demo-'));
// Ctrl-C (or a kill) mid-demo: stop the exchange and remove the temporary folder, then exit as a shell would.
let closeExchange: (() => Promise<void>) | undefined;
const interrupted = (signal: NodeJS.Signals) => {
  console.log(`\nInterrupted (${signal}): stopping the exchange and removing ${dataDir}`);
  void (closeExchange?.() ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => rm(dataDir, { recursive: true, force: true }))
    .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
const evidenceSize = readEvidenceSize(process.env.POUCH_DEMO_SIZE);
const demoStarted = performance.now();
const exchange = await step(
  'Start a local exchange (dynalite + s3rver) with the fictional demo authorities',
  () =>
    startLocalExchange({
      dataDir,
      port: 0,
      env: { POUCH_LOG_LEVEL: 'silent' },
      seedDemo: openDemoKeystores(),
    }),
);
closeExchange = () => exchange.close();
try {
  console.log(`    API ${exchange.url}; data in ${dataDir}`);
  const northland = exchange.demo.find((d) => d.slug === 'northland');
  const southmark = exchange.demo.find((d) => d.slug === 'southmark');
  if (!northland || !southmark) throw new Error('the demo authorities were not seeded');
  const north = (args: string[], json = false, profile = 'officer') =>
    pouch(northland.home, profile, args, json);
  const south = (args: string[], json = false) => pouch(southmark.home, 'officer', args, json);

  const note = join(dataDir, 'preservation-note.txt');
  await writeFile(
    note,
    'Expedited preservation (Budapest Convention art. 29): mailbox alpha@example.test, 1 Jan - 31 Mar 2026.\n',
  );
  const preservation = (await step(
    'Northland’s 24/7 contact sends an urgent preservation request to Southmark',
    () =>
      north(
        [
          'send',
          '--to',
          southmark.authorityId,
          '--kind',
          'preservation',
          '--urgency',
          'urgent',
          '--reference',
          'NL-24/7-2026-0007',
          note,
        ],
        true,
        'contact-247',
      ),
  )) as Sent;
  console.log(`    exchange ${preservation.exchangeId} is ${preservation.status}`);

  const draftPath = join(dataDir, 'request.yaml');
  await step(
    'Northland drafts the formal MLA request and checks it against Southmark’s requirements',
    async () => {
      const entry = await exchange.runtime.directory.getAuthority(southmark.authorityId);
      const profile = parseProfile({ ...entry?.profile, authorityId: southmark.authorityId });
      const draft = buildSampleFor('mla', profile);
      (draft.requestingAuthority as Record<string, unknown>).authorityId = northland.authorityId;
      await writeFile(draftPath, stringify(draft));
      await north(['check', draftPath, '--to', southmark.authorityId]);
    },
  );
  const mla = (await step('Northland sends the MLA request, linked to the preservation request', () =>
    north(
      [
        'send',
        '--to',
        southmark.authorityId,
        '--link',
        `${preservation.exchangeId}:preservation-to-mla`,
        '--draft',
        draftPath,
      ],
      true,
    ),
  )) as Sent;
  console.log(
    `    exchange ${mla.exchangeId} is ${mla.status}; sealed: ${mla.documents.map((d) => d.name).join(', ')}`,
  );

  await step('Southmark looks at its inbox and opens the request (delivery is recorded)', async () => {
    await south(['inbox']);
    await south(['show', mla.exchangeId]);
  });
  await step('Southmark acknowledges, with its own reference', () =>
    south(['reply', mla.exchangeId, 'ack', '--reference', 'SM-2026-117']),
  );
  await step('Southmark asks for more information', () =>
    south(['reply', mla.exchangeId, 'ask', '--text', 'Please confirm the account holder’s date of birth.']),
  );
  await step('Northland answers', () =>
    north([
      'reply',
      mla.exchangeId,
      'answer',
      '--text',
      'Date of birth: 1 April 1980 (see the annex of the request).',
    ]),
  );

  const evidence = join(dataDir, 'evidence-package.img');
  await step(`Southmark prepares a ${(evidenceSize / MiB).toFixed(0)} MiB evidence package`, () =>
    writeEvidenceFile(evidence, evidenceSize),
  );
  await step('Southmark seals, uploads (multipart, resumable) and sends the evidence as final', async () => {
    const started = performance.now();
    await south(['reply', mla.exchangeId, 'evidence', '--final', evidence]);
    const rate = evidenceSize / MiB / ((performance.now() - started) / 1000);
    console.log(`    ${rate.toFixed(0)} MiB/s end to end (seal + hash + upload + commit)`);
  });
  const out = join(dataDir, 'northland-received');
  await step('Northland fetches everything: signature, sealed hash, opening and plaintext hash checked', () =>
    north(['fetch', mla.exchangeId, '--out', out]),
  );
  const received = await stat(join(out, '05-evidence', 'evidence-package.img')).catch(() => undefined);
  console.log(`    evidence received and verified: ${received ? `${received.size} bytes` : 'missing!'}`);
  await step('Northland closes the exchange', () => north(['reply', mla.exchangeId, 'close']));
  await step('The exchange as Northland sees it now (its clocks and its lineage)', () =>
    north(['show', mla.exchangeId]),
  );
  await step('Southmark’s due list, emergencies first', () => south(['inbox', '--due']));
  await step('Northland’s delay figures per counterpart', () => north(['stats']));

  const bundle = join(dataDir, 'custody.jsonl');
  await step('Northland’s auditor exports the custody bundle', () =>
    north(['audit', 'export', mla.exchangeId, '--out', bundle], false, 'auditor'),
  );
  const fingerprint = await step(
    'The auditor compares the exchange’s custody key fingerprint with the one the operator publishes',
    async () => {
      // Out of band in real life (the operator's website, a letter): here, what `npm start` prints at start.
      const published = exchange.runtime.signer.kid;
      console.log(`    operator publishes: ${published}`);
      const live = (await north(['verify', '--show-key', '--live'], true, 'auditor')) as {
        fingerprints: string[];
      };
      const inBundle = (await north(['verify', '--show-key', bundle], true, 'auditor')) as {
        fingerprint: string;
      };
      console.log(`    exchange serves:    ${live.fingerprints.join(', ')}`);
      console.log(`    bundle carries:     ${inBundle.fingerprint}`);
      if (!live.fingerprints.includes(published) || inBundle.fingerprint !== published) {
        throw new Error('the custody key fingerprints differ: do not trust this bundle');
      }
      console.log('    all three match');
      return published;
    },
  );
  await step('The auditor verifies the bundle offline against the pinned key', () =>
    north(['verify', '--exchange-key', fingerprint, bundle], false, 'auditor'),
  );
  console.log(`\nDemo finished in ${seconds(performance.now() - demoStarted)}.`);
} finally {
  await exchange.close();
  await rm(dataDir, { recursive: true, force: true });
}
