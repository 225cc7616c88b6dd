// Client transfer engine: the small JSON file that lets an interrupted upload resume. uploadFile writes it
// atomically after parts finish and deletes it after completion; a restarted CLI reads it to continue.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { PouchError } from '../../shared/domain/errors.ts';

const sha256Base64 = z.string().regex(/^[A-Za-z0-9+/]{43}=$/);
const count = z.number().int().nonnegative();

const stateSchema = z.object({
  version: z.literal(1),
  kind: z.enum(['single', 'multipart']),
  documentId: z.string().min(1),
  key: z.string().min(1).optional(),
  uploadId: z.string().min(1).optional(),
  partSize: z.number().int().positive(),
  partCount: z.number().int().positive(),
  file: z.object({
    path: z.string().min(1),
    size: count,
    mtimeMs: z.number().nonnegative(),
    sha256: sha256Base64,
  }),
  completedParts: z.array(
    z.object({ partNumber: z.number().int().positive(), etag: z.string().min(1), sha256: sha256Base64 }),
  ),
  updatedAt: z.string(),
});

/**
 * Resume state, format version 1. Holds no secrets and no URLs (presigned URLs expire; they are requested
 * again). `file` identifies the exact bytes: a changed size, mtime or SHA-256 means the upload cannot resume.
 */
export type ResumeState = z.infer<typeof stateSchema>;

/** Read a resume state file. Resolves `undefined` when there is none; a damaged one is ERR_VALIDATION. */
export async function readResumeState(path: string): Promise<ResumeState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PouchError('ERR_VALIDATION', 'Upload resume state is not valid JSON', {
      cause: error,
      details: { path },
    });
  }
  const result = stateSchema.safeParse(parsed);
  if (!result.success) {
    throw new PouchError('ERR_VALIDATION', 'Upload resume state is damaged', {
      details: { path, fields: result.error.issues.map((i) => i.path.join('.')) },
    });
  }
  return result.data;
}

/**
 * Write the state atomically: a temp file in the same folder, then rename over the old one, so a crash
 * leaves either the previous state or the new one, never half of either.
 */
export async function writeResumeState(path: string, state: ResumeState): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Delete the state file (after completion). Missing is fine. */
export async function deleteResumeState(path: string): Promise<void> {
  await rm(path, { force: true });
}
