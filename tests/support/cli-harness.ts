// Test support: the one set-up of the CLI end-to-end suites. A real local exchange seeded with the demo authorities
// (the seed writes each one's keystores under <dataDir>/demo/<slug>), a scratch folder, `pouch` run as a subprocess
// as one of those authorities (tests/client/support/run-pouch.ts), and reading a run's --json output or error code.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type PouchRun, runPouch } from '../client/support/run-pouch.ts';
import { startTestExchange } from './local-exchange.ts';

export type TestExchange = Awaited<ReturnType<typeof startTestExchange>>;
export type DemoAuthority = TestExchange['demo'][number];
export type DemoSlug = 'northland' | 'southmark' | 'eastmere';

/** The demo authority seeded under `slug`; throws when the exchange was started without it. */
export function demoAuthority(exchange: TestExchange, slug: DemoSlug): DemoAuthority {
  const demo = exchange.demo.find((d) => d.slug === slug);
  if (!demo) throw new Error(`the test exchange has no demo authority '${slug}' (start it with seedDemo)`);
  return demo;
}

/** What a suite's hooks set up; read only inside tests and hooks (before `beforeAll`, every field throws). */
export interface CliHarness {
  readonly exchange: TestExchange;
  /** A scratch folder for the suite's files, removed after the suite. */
  readonly work: string;
  readonly northland: DemoAuthority;
  readonly southmark: DemoAuthority;
  readonly eastmere: DemoAuthority;
}

export interface CliHarnessOptions {
  /** The scratch folder's name prefix (under the OS temp folder). */
  readonly prefix: string;
  /** Serve the built portal at `/` (tests/portal). */
  readonly portalDir?: string;
  /** The `beforeAll` timeout in ms (the vitest default when unset). */
  readonly timeout?: number;
}

/**
 * Register `beforeAll`/`afterAll` in the calling `describe` (or file): start the exchange with the demo authorities
 * and make the scratch folder; stop and remove both afterwards.
 */
export function useCliHarness(options: CliHarnessOptions): CliHarness {
  let exchange: TestExchange | undefined;
  let work: string | undefined;
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`cli harness: '${name}' is read before beforeAll ran`);
    return value;
  };
  beforeAll(async () => {
    exchange = await startTestExchange({
      seedDemo: true,
      ...(options.portalDir ? { portalDir: options.portalDir } : {}),
    });
    work = await mkdtemp(join(tmpdir(), options.prefix));
  }, options.timeout);
  afterAll(async () => {
    await exchange?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });
  return {
    get exchange() {
      return started(exchange, 'exchange');
    },
    get work() {
      return started(work, 'work');
    },
    get northland() {
      return demoAuthority(started(exchange, 'exchange'), 'northland');
    },
    get southmark() {
      return demoAuthority(started(exchange, 'exchange'), 'southmark');
    },
    get eastmere() {
      return demoAuthority(started(exchange, 'exchange'), 'eastmere');
    },
  };
}

/** `pouch --profile <profile> ...` as `demo` (its keystores as POUCH_HOME), with extra environment per run. */
export const pouchAs =
  (demo: DemoAuthority, profile = 'officer') =>
  (args: readonly string[], env: Record<string, string> = {}): Promise<PouchRun> =>
    runPouch(['--profile', profile, ...args], { POUCH_HOME: demo.home, ...env });

/** A successful run's --json output: exit 0 and no `pouch:` error line on stderr. */
export function expectJson<T>(run: PouchRun): T {
  expect(run.stderr, run.stderr).not.toMatch(/^pouch:/m);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** The stable code of a failed `--json` run's one-line error (its last stderr line). */
export function jsonErrorCode(run: PouchRun): string | undefined {
  expect(run.code).not.toBe(0);
  const last = run.stderr.trim().split('\n').pop() ?? '';
  return (JSON.parse(last) as { error?: { code?: string } }).error?.code;
}

export interface NoteToSend {
  /** The recipient authority's id. */
  readonly to: string;
  readonly reference: string;
  /** Where the note's file is written (the suite's scratch folder). */
  readonly dir: string;
  readonly fileName: string;
  readonly text: string;
  readonly kind?: string;
  readonly urgency?: string;
}

/** `pouch --json send` of a one-file note as `from`'s officer; expects success and returns the exchange id. */
export async function sendNote(from: DemoAuthority, note: NoteToSend): Promise<string> {
  const path = join(note.dir, note.fileName);
  await writeFile(path, note.text);
  const args = ['--json', 'send', '--to', note.to, '--kind', note.kind ?? 'preservation'];
  if (note.urgency) args.push('--urgency', note.urgency);
  args.push('--reference', note.reference, path);
  return expectJson<{ exchangeId: string }>(await pouchAs(from)(args)).exchangeId;
}
