// End-to-end, doc-driven: the `sh title="onboard"` blocks of docs/operations.md ("Onboarding a fourth authority
// with the CLI alone") are extracted exactly as written and run in order, in one bash, against a fresh local
// exchange with the demo authorities, with `pouch` on PATH as `npm link` puts it. Each block must exit 0, and the
// end state is checked: the officer's message delivered to Northland and verified, the acknowledgement back.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../client/support/run-pouch.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

/** The onboarding blocks of the runbook, in order. */
export async function readOnboardingBlocks(): Promise<string[]> {
  const doc = await readFile(join(repoRoot, 'docs', 'operations.md'), 'utf8');
  return [...doc.matchAll(/^```sh title="onboard"\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runBash(script: string, env: Record<string, string>, cwd: string): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', script],
      { cwd, env: { ...process.env, POUCH_DEBUG: '', POUCH_PROFILE: '', ...env }, timeout: 280_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

const DONE = '@@onboard-block-done';

describe('docs/operations.md: onboarding a fourth authority with the CLI alone', () => {
  let exchange: Exchange;
  let work: string;
  let onboard: string;
  let run: ScriptRun;
  let blocks: string[];

  beforeAll(async () => {
    exchange = await startTestExchange({ seedDemo: true });
    work = await mkdtemp(join(tmpdir(), 'pouch-onboard-doc-'));
    onboard = join(work, 'onboard');
    // `pouch` on PATH, as `npm link` installs it: a link to the package's bin launcher.
    const bin = join(work, 'bin');
    await mkdir(bin);
    await symlink(join(repoRoot, 'client', 'bin', 'pouch.mjs'), join(bin, 'pouch'));
    const northland = exchange.demo.find((d) => d.slug === 'northland')!;
    const dataDir = dirname(dirname(northland.home));
    expect(exchange.runtime.operatorKeyFile).toBe(join(dataDir, 'operator-key.json'));
    blocks = await readOnboardingBlocks();
    const script = [
      'set -euo pipefail',
      `trap 'echo "@@failed at: $BASH_COMMAND" >&2' ERR`,
      ...blocks.flatMap((block, index) => [block, `echo "${DONE} ${index}"`]),
    ].join('\n');
    run = await runBash(
      script,
      {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        POUCH_URL: exchange.url,
        POUCH_DATA_DIR: dataDir,
        ONBOARD: onboard,
      },
      work,
    );
  }, 300_000);

  afterAll(async () => {
    await exchange?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('has the onboarding blocks, from the authority key to an exchanged message', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    const all = blocks.join('\n');
    for (const step of [
      'pouch keys new --name authority',
      'pouch authority add',
      'pouch authority fingerprint',
      'directory pin',
      'pouch recipients add',
      'pouch keys approve',
      'pouch profile publish',
      'pouch --json member add',
      'pouch --json send',
      'fetch "$EXCHANGE_ID"',
    ]) {
      expect(all).toContain(step);
    }
  });

  it('runs every block in order, each exiting 0', () => {
    const done = run.stdout
      .split('\n')
      .filter((line) => line.startsWith(DONE))
      .map((line) => Number(line.slice(DONE.length + 1)));
    expect({ code: run.code, done, failed: run.stderr.split('\n').filter((l) => l.startsWith('@@failed')) }).toEqual({
      code: 0,
      done: blocks.map((_, index) => index),
      failed: [],
    });
  });

  it("delivers the officer's message to Northland, verified, and the acknowledgement back", async () => {
    const sent = JSON.parse(await readFile(join(onboard, 'sent.json'), 'utf8')) as {
      exchangeId: string;
      status: string;
    };
    expect(sent.exchangeId).toMatch(/^exch_/);
    const note = await readFile(join(onboard, 'preservation-note.txt'));
    const received = await findFile(join(onboard, 'northland-received'), 'preservation-note.txt');
    expect(received, 'Northland fetched the note').toBeDefined();
    expect(await readFile(received!)).toEqual(note);

    const ack = await findFile(join(onboard, 'westfold-received'), undefined);
    expect(ack, 'Westfold fetched the acknowledgement').toBeDefined();
  });
});

/** The first file under `dir` (recursively) named `name`, or any file when `name` is undefined. */
async function findFile(dir: string, name: string | undefined): Promise<string | undefined> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = await findFile(path, name);
      if (found) return found;
    } else if (name === undefined || entry.name === name) {
      return path;
    }
  }
  return undefined;
}
