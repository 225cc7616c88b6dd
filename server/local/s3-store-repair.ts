// Local mode infrastructure: before the embedded S3 server (s3rver 3.7) serves, find what a kill left
// half-written in its data folder and repair it or set it aside in a quarantine folder (never deleted), so one
// interrupted write cannot make the local exchange fail for good. Run by startEmbeddedServers.
//
// How s3rver 3.7 lays out a bucket (node_modules/s3rver/lib/stores/filesystem.js), and what "whole" means:
//   <bucket>/<key dirs>/<name>._S3rver_object         the bytes (streamed; truncated first on an overwrite)
//   <bucket>/<key dirs>/<name>._S3rver_object.md5     hex MD5 of the bytes, written after them
//   <bucket>/<key dirs>/<name>._S3rver_metadata.json  JSON headers, written last
//   <bucket>/._S3rver_uploads/<uploadId>/key, metadata, <n>, <n>.md5   a multipart upload in progress
// A PUT is answered only after all three files are written, so an object is whole when its metadata parses and
// its MD5 file names the bytes' MD5. Anything else was never acknowledged:
//   - metadata present but empty or cut short, MD5 matches: the kill hit the metadata write, the bytes are
//     whole. The metadata is rebuilt (`{}`: s3rver's default headers) and the broken file quarantined.
//   - metadata missing, or MD5 missing or different: the bytes are not known to be whole (a listing during the
//     write even writes an MD5 of the partial bytes). The object's files are quarantined.
//   - MD5 or metadata with no object, a part without its MD5, an upload without a readable key: quarantined.
// The checksum records s3-checksums.ts keeps (<name>._S3rver_checksum.json, <n>.checksum.json in an upload) go
// with their object or part: set aside with it, when it is missing, when the record is unreadable or names
// another MD5 (it would be ignored anyway; setting it aside makes the folder say what is trusted), and any
// temp file a kill left between write and rename.
// Every object is read and hashed (about 1 s per GiB): file times cannot stand in for it, because s3rver writes
// the MD5 and answers before its write stream has flushed the last bytes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { readObjectRecord } from './s3-checksums.ts';

const OBJECT = '._S3rver_object';
const MD5 = '._S3rver_object.md5';
const METADATA = '._S3rver_metadata.json';
const UPLOADS = '._S3rver_uploads';
const CHECKSUM = '._S3rver_checksum.json';
const PART_CHECKSUM = '.checksum.json';
/** A checksum record's temp file (written, then renamed over the record). */
const CHECKSUM_TEMP = /checksum\.json\.tmp-[0-9a-f]+$/;

export interface S3RepairAction {
  /** The file or folder, relative to the S3 data folder. */
  readonly path: string;
  readonly action: 'metadata-rebuilt' | 'quarantined';
  readonly reason: string;
}

export interface S3RepairSummary {
  readonly objectsChecked: number;
  readonly actions: readonly S3RepairAction[];
  /** Where set-aside files went (only when something was set aside). */
  readonly quarantineDir?: string;
}

/**
 * Check every object and multipart upload under `s3Dir`; repair or move to `quarantineDir` (same relative
 * paths) what a kill left half-written. Safe to run on a healthy folder: it then changes nothing.
 *
 * @example
 * const summary = await repairS3Store({ s3Dir: '.pouch/s3', quarantineDir: '.pouch/quarantine/2026-01-01T00-00-00Z' });
 */
export async function repairS3Store(options: {
  s3Dir: string;
  quarantineDir: string;
}): Promise<S3RepairSummary> {
  const { s3Dir, quarantineDir } = options;
  const actions: S3RepairAction[] = [];
  let objectsChecked = 0;
  let quarantined = false;

  async function quarantine(path: string, reason: string): Promise<void> {
    const rel = relative(s3Dir, path);
    const target = join(quarantineDir, rel);
    await mkdir(dirname(target), { recursive: true });
    await rename(path, target);
    quarantined = true;
    actions.push({ path: rel, action: 'quarantined', reason });
  }

  async function checkObject(base: string, names: Set<string>): Promise<void> {
    const objectPath = `${base}${OBJECT}`;
    const md5Path = `${base}${MD5}`;
    const metadataPath = `${base}${METADATA}`;
    const checksumPath = `${base}${CHECKSUM}`;
    const present = [md5Path, metadataPath, checksumPath].filter((p) => names.has(p));
    if (!names.has(objectPath)) {
      for (const path of present) await quarantine(path, 'no object beside it');
      return;
    }
    objectsChecked++;
    const setAside = async (reason: string) => {
      for (const path of [objectPath, ...present]) await quarantine(path, reason);
    };
    if (!names.has(metadataPath)) return setAside('metadata never written: the upload did not finish');
    const md5 = names.has(md5Path) ? await readMd5(md5Path, { multipart: true }) : undefined;
    if (md5 === undefined) return setAside('no valid MD5: the bytes are not known to be whole');
    if ((await objectMd5(objectPath, md5, names.has(checksumPath) ? checksumPath : undefined)) !== md5) {
      return setAside('the bytes differ from their MD5: a write was cut short');
    }
    if (names.has(checksumPath) && (await recordedMd5(checksumPath)) !== md5) {
      await quarantine(checksumPath, 'checksum record unreadable or made for other bytes');
    }
    if (!(await readsAsJsonObject(metadataPath))) {
      await quarantine(metadataPath, 'metadata empty or cut short');
      await writeFile(metadataPath, '{}');
      actions.push({
        path: relative(s3Dir, metadataPath),
        action: 'metadata-rebuilt',
        reason: 'the bytes match their MD5; headers reset to defaults',
      });
    }
  }

  async function checkUpload(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    const keyOk = names.has('key') && (await readFile(join(dir, 'key'), 'utf8')).length > 0;
    if (!keyOk || !names.has('metadata') || !(await readsAsJsonObject(join(dir, 'metadata')))) {
      return quarantine(dir, 'multipart upload whose creation did not finish');
    }
    for (const name of names) {
      if (/^\d+$/.test(name)) {
        const part = join(dir, name);
        const md5 = names.has(`${name}.md5`) ? await readMd5(`${part}.md5`) : undefined;
        const record = names.has(`${name}${PART_CHECKSUM}`) ? `${part}${PART_CHECKSUM}` : undefined;
        if (md5 === undefined || (await md5Of(part)) !== md5) {
          await quarantine(part, 'part not confirmed whole: its upload was cut short');
          if (names.has(`${name}.md5`)) await quarantine(`${part}.md5`, 'MD5 of a part set aside');
          if (record) await quarantine(record, 'checksum record of a part set aside');
        } else if (record && (await recordedMd5(record)) !== md5) {
          await quarantine(record, 'checksum record unreadable or made for other bytes');
        }
      } else if (/^\d+\.md5$/.test(name) && !names.has(name.slice(0, -4))) {
        await quarantine(join(dir, name), 'MD5 of a part that is not there');
      } else if (name.endsWith(PART_CHECKSUM) && !names.has(name.slice(0, -PART_CHECKSUM.length))) {
        await quarantine(join(dir, name), 'checksum record of a part that is not there');
      } else if (CHECKSUM_TEMP.test(name)) {
        await quarantine(join(dir, name), 'checksum record left half-written');
      }
    }
  }

  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    const files = new Set<string>();
    const bases = new Set<string>();
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === UPLOADS) {
          for (const upload of await readdir(path, { withFileTypes: true })) {
            if (upload.isDirectory()) await checkUpload(join(path, upload.name));
          }
        } else {
          await walk(path);
        }
        continue;
      }
      if (!entry.isFile()) continue;
      if (CHECKSUM_TEMP.test(entry.name)) {
        await quarantine(path, 'checksum record left half-written');
        continue;
      }
      files.add(path);
      for (const suffix of [MD5, METADATA, OBJECT, CHECKSUM]) {
        if (entry.name.endsWith(suffix)) {
          bases.add(path.slice(0, -suffix.length));
          break;
        }
      }
    }
    for (const base of bases) await checkObject(base, files);
  }

  const buckets = await readdir(s3Dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const bucket of buckets) {
    if (bucket.isDirectory()) await walk(join(s3Dir, bucket.name));
  }
  return { objectsChecked, actions, ...(quarantined ? { quarantineDir } : {}) };
}

/** A part's MD5, or an object's: its MD5, or (assembled by s3-checksums.ts) S3's multipart form `…-N`. */
async function readMd5(path: string, options: { multipart?: boolean } = {}): Promise<string | undefined> {
  const text = await readFile(path, 'utf8');
  return (options.multipart ? /^[0-9a-f]{32}(-\d+)?$/ : /^[0-9a-f]{32}$/).test(text) ? text : undefined;
}

/**
 * The object's bytes hashed the way `expected` is written: their MD5, or for a multipart ETag the MD5 of each
 * part's MD5, cut by the part sizes its checksum record holds (undefined without a usable record).
 */
async function objectMd5(
  objectPath: string,
  expected: string,
  recordPath: string | undefined,
): Promise<string | undefined> {
  if (!expected.includes('-')) return md5Of(objectPath);
  if (recordPath === undefined) return undefined;
  const record = await readObjectRecord(recordPath);
  if (record?.partSizes === undefined || record.md5 !== expected) return undefined;
  const outer = createHash('md5');
  const sizes = record.partSizes;
  let index = 0;
  let left = sizes[0] ?? 0;
  let part = createHash('md5');
  const closeFullParts = () => {
    while (index < sizes.length && left === 0) {
      outer.update(part.digest());
      part = createHash('md5');
      index++;
      left = sizes[index] ?? 0;
    }
  };
  closeFullParts();
  for await (const chunk of createReadStream(objectPath)) {
    let bytes = chunk as Buffer;
    while (bytes.length > 0) {
      if (index >= sizes.length) return undefined;
      const take = Math.min(left, bytes.length);
      part.update(bytes.subarray(0, take));
      bytes = bytes.subarray(take);
      left -= take;
      closeFullParts();
    }
  }
  if (index !== sizes.length) return undefined;
  return `${outer.digest('hex')}-${record.partSizes.length}`;
}

/** The MD5 a checksum record was made for; undefined when the record does not parse. */
async function recordedMd5(path: string): Promise<string | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || !('md5' in parsed)) return undefined;
    return typeof parsed.md5 === 'string' ? parsed.md5 : undefined;
  } catch {
    return undefined;
  }
}

async function readsAsJsonObject(path: string): Promise<boolean> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

function md5Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
