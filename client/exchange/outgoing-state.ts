// Client exchange workflows: the local state of one outgoing message (a send or a reply), so that re-running the
// same command after an interruption reuses the same exchange, sealed files, document ids, Idempotency-Keys and
// signed manifest — and re-running it after success answers with the same result instead of sending twice.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MessageIdSchema } from '../../shared/api/common.ts';
import { PouchError } from '../../shared/domain/errors.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const digestsSchema = z.object({
  plaintextSha256: hex64,
  plaintextSize: z.number().int().nonnegative(),
  sealedSha256: hex64,
  sealedSize: z.number().int().nonnegative(),
});

const documentSchema = z.object({
  /** The plaintext file sealed (a user file, or one the workflow wrote into the state folder). */
  source: z.string().min(1),
  name: z.string().min(1).max(255),
  mediaType: z.string().min(3),
  sealedPath: z.string().min(1),
  digests: digestsSchema.optional(),
  /**
   * A multipart upload's part size and the composite of its part digests (what storage verifies and the manifest
   * binds); absent for a single PUT.
   */
  parts: z
    .object({
      partSize: z.number().int().positive(),
      sealedPartsSha256: z.string().regex(/^[0-9a-f]{64}-[1-9][0-9]{0,4}$/),
    })
    .optional(),
  idempotencyKey: z.string().min(8),
  documentId: z.string().optional(),
  committed: z.boolean(),
});

const stateSchema = z.object({
  version: z.literal(1),
  key: hex64,
  operation: z.enum(['send', 'reply']),
  exchangeId: z.string().optional(),
  createIdempotencyKey: z.string().min(8),
  messageId: MessageIdSchema,
  messageIdempotencyKey: z.string().min(8),
  documents: z.array(documentSchema),
  /** The signed manifest, kept so a retry posts exactly the same body under the same Idempotency-Key. */
  manifest: z.string().optional(),
  result: z
    .object({
      exchangeId: z.string(),
      messageId: z.string(),
      status: z.string(),
      seq: z.number(),
      sentAt: z.string(),
    })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type OutgoingState = z.infer<typeof stateSchema>;
export type OutgoingDocument = z.infer<typeof documentSchema>;

/** The folder of one outgoing message, with its state file. */
export interface OutgoingFolder {
  readonly dir: string;
  readonly statePath: string;
}

/** A file as it was when the command ran: a changed file is a different send. */
export async function describeSourceFile(
  path: string,
): Promise<{ path: string; size: number; mtimeMs: number }> {
  const absolute = resolve(path);
  try {
    const info = await stat(absolute);
    if (!info.isFile()) throw new Error('not a file');
    return { path: absolute, size: info.size, mtimeMs: info.mtimeMs };
  } catch (cause) {
    throw new PouchError('ERR_VALIDATION', `Cannot read ${path}: check the path`, {
      cause,
      details: { path },
    });
  }
}

/**
 * The key of an outgoing message: a hash of who sends it, where, and everything that defines it (parameters
 * and files by path, size and modification time). The same command line over the same files gives the same key.
 */
export function deriveOutgoingKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Where the state of the outgoing message `key` lives under the keystore home. */
export function locateOutgoingFolder(home: string, key: string): OutgoingFolder {
  const dir = join(home, 'outgoing', key.slice(0, 32));
  return { dir, statePath: join(dir, 'state.json') };
}

/** Read the state of an outgoing message; undefined when there is none yet. */
export async function readOutgoingState(folder: OutgoingFolder): Promise<OutgoingState | undefined> {
  let text: string;
  try {
    text = await readFile(folder.statePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new PouchError(
      'ERR_VALIDATION',
      `The send state ${folder.statePath} is damaged; delete its folder`,
      {
        details: { path: folder.statePath },
      },
    );
  }
  return parsed.data;
}

/** Write the state atomically (temp file, then rename), private to the user. */
export async function writeOutgoingState(folder: OutgoingFolder, state: OutgoingState): Promise<void> {
  await mkdir(folder.dir, { recursive: true, mode: 0o700 });
  const tmp = join(folder.dir, `.state.${randomBytes(6).toString('hex')}.tmp`);
  const next = { ...state, updatedAt: new Date().toISOString() };
  try {
    await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(tmp, folder.statePath);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** After success: delete the sealed copies and upload states, keep only the state file with its result. */
export async function pruneOutgoingFolder(folder: OutgoingFolder, state: OutgoingState): Promise<void> {
  for (const doc of state.documents) {
    await rm(doc.sealedPath, { force: true });
    await rm(`${doc.sealedPath}.upload.json`, { force: true });
    await rm(`${doc.sealedPath}.journal.json`, { force: true });
    if (doc.source.startsWith(`${folder.dir}/`)) await rm(doc.source, { force: true });
  }
}
