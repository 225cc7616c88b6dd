// End-to-end, doc-driven: the `sh title="onboard"` blocks of docs/operations.md ("Onboarding a fourth authority
// with the CLI alone") are extracted exactly as written and run in order, in one bash, against a fresh local
// exchange with the demo authorities, with `pouch` on PATH as `npm link` puts it. Each block must exit 0, and the
// end state is checked: the officer's message delivered to Northland and verified, the acknowledgement back.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PouchRun, repoRoot, runPouch } from '../client/support/run-pouch.ts';
import { startTestExchange } from '../support/local-exchange.ts';

type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

/** The onboarding blocks of the runbook, in order. */
async function readOnboardingBlocks(): Promise<string[]> {
  const doc = await readFile(join(repoRoot, 'docs', 'operations.md'), 'utf8');
  return [...doc.matchAll(/^```sh title="onboard"\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runBash(script: string, env: Record<string, string>, cwd: string): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', script],
      { cwd, env: { ...process.env, POUCH_DEBUG: '', POUCH_PROFILE: '', ...env }, timeout: 850_000 },
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

let exchange: Exchange;
let work: string;
let onboard: string;
let run: ScriptRun;
let blocks: string[];

afterAll(async () => {
  await exchange?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

// Each CLI run takes 2-5 s on a loaded machine; the cases below make up to four.
describe('docs/operations.md: onboarding a fourth authority with the CLI alone', { timeout: 180_000 }, () => {
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
    shared = { onboard, url: exchange.url, northId: northland.authorityId };
  }, 900_000);

  it('has the onboarding blocks, from the authority key to an exchanged message', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    const all = blocks.join('\n');
    for (const step of [
      'pouch keys new --name authority',
      'authority add',
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
    expect({
      code: run.code,
      done,
      failed: run.stderr.split('\n').filter((l) => l.startsWith('@@failed')),
    }).toEqual({
      code: 0,
      done: blocks.map((_, index) => index),
      failed: [],
    });
  });

  it("delivers the officer's message to Northland, verified, and the acknowledgement back", async () => {
    const sent = JSON.parse(await readFile(join(onboard, 'sent.json'), 'utf8')) as { exchangeId: string };
    expect(sent.exchangeId).toMatch(/^exch_/);
    const note = await readFile(join(onboard, 'preservation-note.txt'));
    const received = await findFile(join(onboard, 'northland-received'), 'preservation-note.txt');
    expect(received, 'Northland fetched the note').toBeDefined();
    expect(await readFile(received!)).toEqual(note);

    // Northland fetches again as a script would: every manifest verified under Westfold's signed keys.
    const northland = exchange.demo.find((d) => d.slug === 'northland')!;
    const again = await runPouch(
      ['--profile', 'officer', '--json', 'fetch', sent.exchangeId, '--out', join(work, 'refetch')],
      { POUCH_HOME: northland.home },
    );
    expect(again.code, again.stderr).toBe(0);
    const fetched = JSON.parse(again.stdout) as {
      status: string;
      messages: Array<{ kind: string }>;
      documents: Array<{ name: string; outcome: string }>;
    };
    expect(fetched.status).toBe('acknowledged');
    expect(fetched.messages.map((m) => m.kind)).toEqual(['request', 'acknowledgement']);
    expect(fetched.documents).toEqual([
      expect.objectContaining({ name: 'preservation-note.txt', outcome: 'fetched' }),
    ]);
    // Westfold's officer fetched both signed manifests, Northland's acknowledgement included.
    expect(run.stdout).toMatch(/westfold-received[\s\S]*2 signed manifest\(s\) verified/);
  });
});

describe('admin commands on the onboarded authority: who may do what, from the CLI', {
  timeout: 180_000,
}, () => {
  // Runs after the walkthrough above (same file, sequential): it reuses its keystores and ids.
  const westfold = () =>
    readJson<{ authority: { id: string }; firstAdmin: { clientId: string } }>('westfold.json');
  const officer = () => readJson<{ id: string; clientId: string }>('officer.json');
  const home = (who: string) => join(sharedOnboard(), who);
  const as = (who: string, args: string[]) =>
    runPouch(args, { POUCH_HOME: home(who), POUCH_URL: sharedUrl() });
  const failure = (r: PouchRun) => {
    const line = r.stderr.trim().split('\n').pop() ?? '';
    return { exit: r.code, code: (JSON.parse(line) as { error: { code: string } }).error.code };
  };

  it('refuses an officer who adds a member: 403 ERR_FORBIDDEN, exit 5', async () => {
    const added = await as('westfold-officer', [
      '--json',
      'member',
      'add',
      'Mallory',
      '--role',
      'admin',
      '--key',
      join(sharedOnboard(), 'westfold-officer.pub.json'),
    ]);
    expect(failure(added)).toEqual({ exit: 5, code: 'ERR_FORBIDDEN' });
  });

  it("hides another authority's members from Westfold's admin: 404, exit 4", async () => {
    const north = await as('westfold-admin', ['--json', 'member', 'list', '--authority', sharedNorthId()]);
    expect(north.code, north.stderr).toBe(0);
    const victim = (
      JSON.parse(north.stdout) as { members: Array<{ id: string; role: string }> }
    ).members.find((m) => m.role === 'officer')!;
    const promote = await as('westfold-admin', [
      '--json',
      'member',
      'role',
      victim.id,
      'admin',
      '--authority',
      sharedNorthId(),
    ]);
    expect(failure(promote)).toEqual({ exit: 4, code: 'ERR_NOT_FOUND' });
    const add = await as('westfold-admin', [
      '--json',
      'member',
      'add',
      'Mallory',
      '--role',
      'officer',
      '--key',
      join(sharedOnboard(), 'westfold-officer.pub.json'),
      '--authority',
      sharedNorthId(),
    ]);
    expect(failure(add)).toEqual({ exit: 4, code: 'ERR_NOT_FOUND' });
  });

  it('lets the operator sign nothing for an authority: no key of its own is the authority key', async () => {
    const { authority } = await westfold();
    expect((await as('operator', ['keys', 'new', '--name', 'authority'])).code).toBe(0);
    const recipients = await as('operator', [
      '--json',
      'recipients',
      'add',
      (await readFile(join(sharedOnboard(), 'westfold-seal.txt'), 'utf8')).trim(),
      '--authority',
      authority.id,
    ]);
    expect(failure(recipients)).toEqual({ exit: 1, code: 'ERR_AUTHORITY_PIN_MISMATCH' });
    // And what is inside the authority is not the operator's: its members are hidden from it.
    const member = await as('operator', [
      '--json',
      'member',
      'add',
      'Mallory',
      '--role',
      'admin',
      '--key',
      join(sharedOnboard(), 'westfold-officer.pub.json'),
      '--authority',
      authority.id,
    ]);
    expect(failure(member)).toEqual({ exit: 4, code: 'ERR_NOT_FOUND' });
  });

  it('keeps a key the admin registers for an officer pending: the admin cannot sign in as the officer with it', async () => {
    const { authority } = await westfold();
    const { id: officerId, clientId } = await officer();
    expect((await as('westfold-admin', ['keys', 'new', '--name', 'planted'])).code).toBe(0);
    const registered = await as('westfold-admin', [
      '--json',
      'keys',
      'register',
      '--key',
      'planted',
      '--member',
      officerId,
    ]);
    expect(registered.code, registered.stderr).toBe(0);
    const { kid } = JSON.parse(registered.stdout) as { kid: string };

    // The admin tries to sign in as the officer with its own key: refused until the authority key signs it.
    const login = await as('westfold-admin', [
      '--json',
      '--profile',
      'as-officer',
      'login',
      '--client-id',
      clientId,
      '--key',
      'planted',
    ]);
    expect(failure(login)).toEqual({ exit: 7, code: 'ERR_KEY_UNSIGNED' });

    // The officer sees it, pending and not held.
    const audit = await as('westfold-officer', ['--json', 'keys', 'audit']);
    expect(audit.code, audit.stderr).toBe(0);
    const keys = (
      JSON.parse(audit.stdout) as { keys: Array<{ kid: string; signature: string; held: boolean }> }
    ).keys;
    expect(keys.find((k) => k.kid === kid)).toMatchObject({ signature: 'pending', held: false });
    expect(keys.filter((k) => k.kid !== kid).every((k) => k.signature === 'signed' && k.held)).toBe(true);

    // Revoked and recorded in the signed statement: the officer's own key still works.
    const revoked = await as('westfold-admin', [
      '--json',
      'keys',
      'revoke',
      kid,
      '--member',
      officerId,
      '--sign',
    ]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ authorityId: authority.id, statementVersion: 2 });
    expect((await as('westfold-officer', ['whoami'])).code).toBe(0);
  });

  it('deactivates a member (its keys stop at once) and reactivates it', async () => {
    const { clientId } = await officer();
    expect((await as('westfold-admin', ['member', 'deactivate', clientId])).code).toBe(0);
    expect(failure(await as('westfold-officer', ['--json', 'whoami']))).toEqual({
      exit: 7,
      code: 'ERR_MEMBER_DEACTIVATED',
    });
    expect((await as('westfold-admin', ['member', 'deactivate', clientId, '--reactivate'])).code).toBe(0);
    expect((await as('westfold-officer', ['whoami'])).code).toBe(0);
  });

  it('rotates the admin its own key: the new key is signed first, the old one then refused', async () => {
    const { firstAdmin } = await westfold();
    expect((await as('westfold-admin', ['keys', 'new', '--name', 'admin-2'])).code).toBe(0);
    const rotated = await as('westfold-admin', ['--json', 'keys', 'rotate', '--new', 'admin-2']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect((JSON.parse(rotated.stdout) as { revoked: string[] }).revoked).toHaveLength(1);
    expect((await as('westfold-admin', ['whoami'])).code).toBe(0);
    const old = await as('westfold-admin', [
      '--json',
      '--profile',
      'old-key',
      'login',
      '--client-id',
      firstAdmin.clientId,
      '--key',
      'admin',
    ]);
    expect(failure(old)).toEqual({ exit: 7, code: 'ERR_KEY_REVOKED' });
  });

  it('removes a recipient, but never the last one', async () => {
    const list = await as('westfold-admin', ['--json', 'recipients', 'list']);
    const { signed } = JSON.parse(list.stdout) as { signed: string[] };
    expect(signed).toHaveLength(2);
    const removed = await as('westfold-admin', ['--json', 'recipients', 'remove', signed[1]!]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ version: 3, recipients: [signed[0]] });
    expect(failure(await as('westfold-admin', ['--json', 'recipients', 'remove', signed[0]!]))).toEqual({
      exit: 2,
      code: 'ERR_VALIDATION',
    });
  });
});

let shared: { onboard: string; url: string; northId: string } | undefined;
const sharedOnboard = () => shared!.onboard;
const sharedUrl = () => shared!.url;
const sharedNorthId = () => shared!.northId;
async function readJson<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(join(sharedOnboard(), name), 'utf8')) as T;
}

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
