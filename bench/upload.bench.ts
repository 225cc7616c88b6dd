// Benchmark: end-to-end multipart upload to the embedded s3rver, our transfer engine (hash parts, presign,
// concurrent checksum-bound part PUTs, complete, confirm) against @aws-sdk/lib-storage's Upload.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { hashFileParts } from '../client/transfer/hash-file.ts';
import { uploadFile } from '../client/transfer/upload-file.ts';
import { createAwsClients, destroyAwsClients } from '../server/adapters/aws-clients.ts';
import { createS3DocumentStore } from '../server/adapters/s3-document-store.ts';
import { type Config, loadConfig, localDefaults } from '../server/config/config.ts';
import { bootstrapStorage } from '../server/local/bootstrap.ts';
import { startEmbeddedServers } from '../server/local/embedded-servers.ts';
import type { DocumentStore } from '../server/ports/document-store.ts';
import { planUpload } from '../shared/domain/upload-plan.ts';
import { writeRepeatedRandom } from './random-input.ts';
import { median, ownPeakRssKb, printComparison, printFigure, timeRuns } from './report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const thisFile = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RUNS = 3;
const CONCURRENCY = 4;
const CHILD_FLAG = '--rss-child';

/** Runs the upload benchmark; `POUCH_BENCH_QUICK=1` uploads 128 MiB instead of 1 GiB. */
export async function run(): Promise<void> {
  const quick = process.env.POUCH_BENCH_QUICK === '1';
  const size = quick ? 128 * MiB : GiB;
  const label = size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`;
  const dir = join(here, '.tmp', `upload-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const servers = await startEmbeddedServers({ dataDir: join(dir, 'servers'), persistDynamo: false });
  const config = localConfig(dir, servers.dynamodbPort, servers.s3Port);
  const clients = createAwsClients(config);
  try {
    await bootstrapStorage(clients, config);
    const input = join(dir, 'sealed.bin');
    await writeRepeatedRandom(input, size);
    const store = createS3DocumentStore(clients.s3, {
      bucket: config.evidenceBucket,
      presignSeconds: config.presignSeconds,
      verifyByReadingWhenNoChecksum: true,
    });
    const plan = planUpload(size, config.maxDocumentBytes);
    if (plan.kind !== 'multipart') throw new Error('bench size must plan a multipart upload');

    const oursUpload: number[] = [];
    const oursConfirmed: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const key = `bench/ours-${i}.age`;
      const start = performance.now();
      const { partSha256s } = await uploadOurs(store, input, key, config.maxDocumentBytes);
      oursUpload.push(performance.now() - start);
      const confirmStart = performance.now();
      await store.confirmObject({
        key,
        size,
        expected: { kind: 'multipart', partSha256s, partSize: plan.partSize },
      });
      oursConfirmed.push(oursUpload.at(-1)! + performance.now() - confirmStart);
      await deleteObject(clients.s3, config.evidenceBucket, key);

      const theirKey = `bench/lib-storage-${i}.age`;
      baseline.push(
        ...(await timeRuns(1, () =>
          new Upload({
            client: clients.s3,
            params: { Bucket: config.evidenceBucket, Key: theirKey, Body: createReadStream(input) },
            partSize: plan.partSize,
            queueSize: CONCURRENCY,
          }).done(),
        )),
      );
      await deleteObject(clients.s3, config.evidenceBucket, theirKey);
    }
    const mbps = (ms: number): number => size / 1e6 / (ms / 1000);
    printComparison({
      bench: `upload ${label} multipart (ours: hash parts + presign + ${CONCURRENCY} concurrent PUTs + complete)`,
      unit: 'MB/s',
      ours: mbps(median(oursUpload)),
      baseline: mbps(median(baseline)),
      baselineName: 'lib-storage Upload',
      higherIsBetter: true,
      target: 0.8,
    });
    printComparison({
      bench: `upload ${label} multipart (ours + local confirm by reading; on AWS confirm is one HeadObject)`,
      unit: 'MB/s',
      ours: mbps(median(oursConfirmed)),
      baseline: mbps(median(baseline)),
      baselineName: 'lib-storage Upload',
      higherIsBetter: true,
      target: 0.8,
    });
    const rss = await measureUploadRss(input, servers.dynamodbPort, servers.s3Port, dir);
    printFigure(
      `upload ${label} peak RSS of our client (child process, its own VmHWM: the tsx-run upload, not the bench that forked it)`,
      rss.peakMb,
      'MB',
      `(${rss.startMb.toFixed(0)} MB of it is the process before uploading: Node + tsx + AWS SDK)`,
    );
  } finally {
    destroyAwsClients(clients);
    await servers.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the CLI and API do together for one document: plan, hash, create, upload parts, complete. */
async function uploadOurs(
  store: DocumentStore,
  input: string,
  key: string,
  maxBytes: number,
): Promise<{ partSha256s: readonly string[] }> {
  const { size } = await stat(input);
  const plan = planUpload(size, maxBytes);
  if (plan.kind !== 'multipart') throw new Error('expected a multipart plan');
  const hashes = await hashFileParts(input, plan.partSize);
  const { uploadId } = await store.createMultipart({
    key,
    size,
    partSize: plan.partSize,
    partSha256s: hashes.partSha256s,
  });
  await uploadFile({
    path: input,
    plan,
    hashes,
    target: { documentId: key, key, uploadId },
    presign: (parts) => store.presignParts({ key, uploadId, parts }),
    complete: (parts) => store.completeMultipart({ key, uploadId, parts }),
    concurrency: CONCURRENCY,
  });
  return { partSha256s: hashes.partSha256s };
}

function localConfig(dir: string, dynamodbPort: number, s3Port: number): Config {
  return loadConfig({
    ...localDefaults(dir, { http: 0, dynamodb: dynamodbPort, s3: s3Port }),
    POUCH_LOG_LEVEL: 'silent',
  });
}

async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  // Bench clean-up only: the evidence bucket on AWS has Object Lock and no code path deletes documents.
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Upload once from a fresh Node process against this s3rver and return the child's peak RSS in MB. */
async function measureUploadRss(
  input: string,
  dynamodbPort: number,
  s3Port: number,
  dir: string,
): Promise<{ peakMb: number; startMb: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', thisFile, CHILD_FLAG, input, String(dynamodbPort), String(s3Port), dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`RSS child exited with ${code}`);
  const { maxRssKb, startRssBytes } = JSON.parse(stdout) as { maxRssKb: number; startRssBytes: number };
  return { peakMb: (maxRssKb * 1024) / 1e6, startMb: startRssBytes / 1e6 };
}

/** Child side of {@link measureUploadRss}: upload once, then report its own peak RSS and where it started. */
async function runRssChild(input: string, dynamodbPort: number, s3Port: number, dir: string): Promise<void> {
  const config = localConfig(dir, dynamodbPort, s3Port);
  const clients = createAwsClients(config);
  const startRssBytes = process.memoryUsage().rss;
  try {
    const store = createS3DocumentStore(clients.s3, {
      bucket: config.evidenceBucket,
      presignSeconds: config.presignSeconds,
      verifyByReadingWhenNoChecksum: true,
    });
    await uploadOurs(store, input, 'bench/rss.age', config.maxDocumentBytes);
    await deleteObject(clients.s3, config.evidenceBucket, 'bench/rss.age');
  } finally {
    destroyAwsClients(clients);
  }
  process.stdout.write(JSON.stringify({ maxRssKb: ownPeakRssKb(), startRssBytes }));
}

if (process.argv[1] === thisFile && process.argv[2] === CHILD_FLAG) {
  const [input, dynamodbPort, s3Port, dir] = process.argv.slice(3);
  if (input === undefined || dynamodbPort === undefined || s3Port === undefined || dir === undefined) {
    throw new Error('bad child args');
  }
  await runRssChild(input, Number(dynamodbPort), Number(s3Port), dir);
}
