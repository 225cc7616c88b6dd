// Entry-point test: `npm run seed -- FILE` seeds the directory through the real DynamoDB client (pointed at the
// embedded dynalite with the SDK's standard AWS_ENDPOINT_URL_DYNAMODB), and is idempotent.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../shared/crypto/age-keys.ts';
import { startTestExchange } from '../support/local-exchange.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
type Exchange = Awaited<ReturnType<typeof startTestExchange>>;

function runSeed(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'functions/seed-directory.ts', ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
    );
  });
}

describe('npm run seed', () => {
  let exchange: Exchange;
  let env: Record<string, string>;
  beforeAll(async () => {
    exchange = await startTestExchange();
    env = {
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: exchange.embedded.dynamodbEndpoint,
      POUCH_MAIN_TABLE: exchange.runtime.config.tables.main,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  });
  afterAll(async () => {
    await exchange.stop();
  });

  it('creates the authorities of a seed file once, and reports a bad file in one line', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const file = join(exchange.dataDir, 'directory.json');
    const id = 'auth_seedEntryTest0000000000';
    await writeFile(
      file,
      JSON.stringify({
        authorities: [
          {
            id,
            country: 'XD',
            name: 'Seeded authority (fictional)',
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
    const first = await runSeed([file], env);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('1 authorities and 1 members created');
    expect((await exchange.runtime.directory.getAuthority(id))?.name).toBe('Seeded authority (fictional)');
    // The ids to hand on: the authority, the member's client id and its key id, readable and as JSON.
    expect(first.stdout).toContain(`Seeded authority (fictional) (XD)  ${id}  (created)`);
    expect(first.stdout).toContain(`${id}:first-admin  admin  First admin  (created)  kids: `);
    const again = await runSeed([file, '--json'], env);
    const report = JSON.parse(again.stdout) as {
      authoritiesCreated: string[];
      authorities: {
        authorityId: string;
        created: boolean;
        members: { clientId: string; kids: string[] }[];
      }[];
    };
    expect(report.authoritiesCreated).toEqual([]);
    expect(report.authorities).toEqual([
      expect.objectContaining({
        authorityId: id,
        created: false,
        members: [expect.objectContaining({ clientId: `${id}:first-admin`, kids: [expect.any(String)] })],
      }),
    ]);
    expect(first.stdout).toContain(report.authorities[0]!.members[0]!.kids[0]!);

    await writeFile(file, JSON.stringify({ authorities: [{ id, country: 'nowhere' }] }));
    const bad = await runSeed([file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('Invalid seed file');

    const missing = await runSeed([file], { ...env, POUCH_MAIN_TABLE: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('POUCH_MAIN_TABLE');
  });
});
