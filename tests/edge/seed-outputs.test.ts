// `npm run seed` after the documented deploy (issue 15, item 2): it reads the region and the main table's name
// from the stack outputs that `npx cdk deploy --all --outputs-file cdk-outputs.json` wrote, when the
// environment does not name them; an explicit environment wins; a file of another shape is refused in one line.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  environmentFromOutputs,
  stackNames,
  statefulOutputs,
} from '../../server/config/deployment-outputs.ts';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { startTestExchange } from '../support/local-exchange.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

function runSeed(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'functions/seed-directory.ts', ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
    );
  });
}

describe('stack outputs for operator tools', () => {
  it('maps the stateful outputs to the environment names the server reads', () => {
    expect(
      environmentFromOutputs({
        [stackNames.stateful]: {
          [statefulOutputs.region]: 'eu-central-1',
          [statefulOutputs.tables.Main]: 'PouchStateful-MainTable-1',
          [statefulOutputs.tables.Ledger]: 'PouchStateful-LedgerTable-1',
          [statefulOutputs.tables.Replay]: 'PouchStateful-ReplayTable-1',
          [statefulOutputs.evidenceBucket]: 'pouchstateful-evidence-1',
        },
        [stackNames.stateless]: { ApiUrl: 'https://d111.cloudfront.net' },
      }),
    ).toEqual({
      AWS_REGION: 'eu-central-1',
      POUCH_MAIN_TABLE: 'PouchStateful-MainTable-1',
      POUCH_LEDGER_TABLE: 'PouchStateful-LedgerTable-1',
      POUCH_REPLAY_TABLE: 'PouchStateful-ReplayTable-1',
      POUCH_EVIDENCE_BUCKET: 'pouchstateful-evidence-1',
    });
    expect(() => environmentFromOutputs({ PouchStateless: {} })).toThrow();
  });
});

describe('npm run seed with cdk-outputs.json', () => {
  let exchange: Exchange;
  let base: Record<string, string>;
  let seedFile: string;
  const id = 'auth_seedOutputsTest00000000';
  beforeAll(async () => {
    exchange = await startTestExchange();
    base = {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: exchange.embedded.dynamodbEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const { publicKey } = await generateKeyPair('ES256');
    seedFile = join(exchange.dataDir, 'directory.json');
    await writeFile(
      seedFile,
      JSON.stringify({
        authorities: [
          {
            id,
            country: 'XE',
            name: 'Seeded from outputs (fictional)',
            roles: ['central-authority'],
            recipients: [(await generateIdentity()).recipient],
            members: [
              {
                id: 'first-admin',
                displayName: 'First admin',
                role: 'admin',
                keys: [await exportJWK(publicKey)],
              },
            ],
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await exchange.stop();
  });

  const outputsFile = async (mainTable: string) => {
    const file = join(exchange.dataDir, `cdk-outputs-${mainTable}.json`);
    await writeFile(
      file,
      JSON.stringify({
        [stackNames.stateful]: {
          [statefulOutputs.region]: 'local',
          [statefulOutputs.tables.Main]: mainTable,
        },
      }),
    );
    return file;
  };

  it('seeds with only the outputs file to go by', async () => {
    const file = await outputsFile(exchange.runtime.config.tables.main);
    const run = await runSeed([seedFile], { ...base, POUCH_CDK_OUTPUTS: file });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await exchange.runtime.directory.getAuthority(id))?.name).toBe('Seeded from outputs (fictional)');
  });

  it('lets the environment win over the file', async () => {
    const file = await outputsFile('no-such-table');
    const run = await runSeed([seedFile], {
      ...base,
      POUCH_CDK_OUTPUTS: file,
      POUCH_MAIN_TABLE: exchange.runtime.config.tables.main,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 authorities and 0 members created');
  });

  it('refuses a file that is not cdk deploy outputs, and says what is missing without one', async () => {
    const bad = join(exchange.dataDir, 'not-outputs.json');
    await writeFile(bad, JSON.stringify({ hello: 'world' }));
    const refused = await runSeed([seedFile], { ...base, POUCH_CDK_OUTPUTS: bad });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('--outputs-file');
    const none = await runSeed([seedFile], {
      ...base,
      POUCH_CDK_OUTPUTS: join(exchange.dataDir, 'absent.json'),
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('POUCH_MAIN_TABLE');
    expect(none.stderr).toContain('--outputs-file cdk-outputs.json');
  });
});
