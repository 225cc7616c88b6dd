// Test support: runs the real `pouch` CLI as a subprocess (node --import tsx client/cli/main.ts).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface PouchRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `pouch args...` with the given extra environment; never rejects on a non-zero exit. */
export function runPouch(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<PouchRun> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    POUCH_DEBUG: undefined,
    POUCH_PROFILE: undefined,
  };
  for (const [name, value] of Object.entries(env)) childEnv[name] = value;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'client/cli/main.ts', ...args],
      // A hung CLI still fails the test; 90 s because a 20 MiB send beside the browser suites on 2 cores has passed
      // 30 s (killed, it failed the whole story with an empty "Command failed").
      { cwd: repoRoot, env: childEnv as NodeJS.ProcessEnv, timeout: 90_000 },
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
