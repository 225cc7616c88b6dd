// Keystore (Node): private files and folders — 0700 directories, 0600 files, atomic writes, mode checks.
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { KeystoreError } from './keystore-error.ts';

export const privateDirMode = 0o700;
export const privateFileMode = 0o600;

const checksModes = process.platform !== 'win32';

/** The keystore folder: `POUCH_HOME` when set, else `~/.pouch`. */
export function resolvePouchHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.POUCH_HOME?.trim();
  return fromEnv ? fromEnv : join(homedir(), '.pouch');
}

/** Create a folder (and parents) readable only by its owner; tighten it if it already exists. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: privateDirMode });
  if (checksModes) await chmod(path, privateDirMode);
}

/**
 * Write a file only its owner can read, atomically: a 0600 temp file in the same folder, then a rename.
 * A crash leaves either the old content or the new one, never half a key. With `exclusive`, an existing
 * file is kept and the call resolves to false (a hard link, unlike a rename, never replaces).
 */
export async function writePrivateFile(
  path: string,
  content: string,
  options: { exclusive?: boolean } = {},
): Promise<boolean> {
  await ensurePrivateDir(dirname(path));
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', privateFileMode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (checksModes) await chmod(temp, privateFileMode);
    if (!options.exclusive) {
      await rename(temp, path);
      return true;
    }
    try {
      await link(temp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Read a private file, or undefined when it does not exist. Refuses (like ssh) a file others can read,
 * because a secret that leaked on disk should be noticed, not silently used.
 */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  try {
    if (checksModes) {
      const info = await stat(path);
      if ((info.mode & 0o077) !== 0) {
        throw new KeystoreError(
          'permissions-too-open',
          `${path} is readable by other users; run: chmod 600 ${path}`,
          {
            details: { path },
          },
        );
      }
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Delete a file if it exists. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
