// Bench: size of the API Lambda bundle (same esbuild options as the deployed asset) and its cold start in a
// fresh Node process, against a baseline bundle that only builds a one-route Hono app.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { apiBundleFile, apiEntry, lambdaBuildOptions, projectRoot } from '../infra/bundle.ts';
import { evidenceBucket, ledgerTable, mainTable, replayTable } from '../server/config/storage-definitions.ts';
import { median, printComparison, printFigure } from './report.ts';

const runs = 7;
const run$ = promisify(execFile);

/** The baseline: the smallest useful Lambda on the same stack (Hono behind hono/aws-lambda, one route). */
const baselineSource = `
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
const app = new Hono();
app.get('/openapi.json', (c) => c.json({ openapi: '3.1.0' }));
export const handler = handle(app);
`;

/**
 * Runs in each fresh process: import the bundle (module evaluation, config, composition start), then one
 * call that needs no DynamoDB or S3 (GET /openapi.json), which awaits the composed app.
 */
const probeSource = `
const t0 = performance.now();
const mod = await import(process.argv[2]);
const t1 = performance.now();
const event = {
  version: '2.0', routeKey: '$default', rawPath: '/openapi.json', rawQueryString: '',
  headers: { host: 'bench.example' }, isBase64Encoded: false,
  requestContext: { http: { method: 'GET', path: '/openapi.json', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1',
    userAgent: 'bench' }, domainName: 'bench.example', requestId: 'bench', routeKey: '$default',
    stage: '$default', timeEpoch: Date.now(), accountId: '0', apiId: 'bench' },
};
const res = await mod.handler(event, { awsRequestId: 'bench', functionName: 'bench' });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, totalMs: t2 - t0, status: res?.statusCode }));
`;

/**
 * A stand-in for KMS GetPublicKey: the app fetches the signing key's public half while it composes, and
 * this bench must run offline. Any other call gets a 400, so an unexpected AWS call shows up as a failure.
 */
async function startFakeKms(): Promise<{ server: Server; url: string }> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers['x-amz-target'] === 'TrentService.GetPublicKey') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({
            KeyId: 'arn:aws:kms:eu-central-1:000000000000:key/bench',
            KeySpec: 'ECC_NIST_P256',
            KeyUsage: 'SIGN_VERIFY',
            PublicKey: der,
            SigningAlgorithms: ['ECDSA_SHA_256'],
          }),
        );
        return;
      }
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({ __type: 'BenchUnexpectedCall', message: String(req.headers['x-amz-target']) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Environment of the Lambda as infra/stateless-stack.ts sets it, with local stand-ins for AWS. */
function lambdaEnvironment(kmsUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_OPTIONS: '--enable-source-maps',
    POUCH_MODE: 'aws',
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_KMS: kmsUrl,
    [mainTable.envVar]: 'bench-main',
    [ledgerTable.envVar]: 'bench-ledger',
    [replayTable.envVar]: 'bench-replay',
    [evidenceBucket.envVar]: 'bench-evidence',
    POUCH_ISSUER: 'https://bench.example',
    POUCH_SIGNER: 'kms',
    POUCH_SIGNING_KEY_ID: 'arn:aws:kms:eu-central-1:000000000000:key/bench',
    POUCH_TOKEN_SIGNING_KEY_ID: 'arn:aws:kms:eu-central-1:000000000000:key/bench-tokens',
    POUCH_LOG_LEVEL: 'silent',
  };
}

interface Probe {
  readonly importMs: number;
  readonly totalMs: number;
  readonly status?: number;
}

async function coldStarts(probe: string, bundle: string, env: NodeJS.ProcessEnv): Promise<Probe[]> {
  const out: Probe[] = [];
  for (let i = 0; i < runs; i++) {
    // Sequential on purpose: parallel processes would compete for CPU and inflate each other's times.
    const { stdout } = await run$(process.execPath, [probe, pathToFileURL(bundle).href], {
      env,
      timeout: 30_000,
    });
    out.push(JSON.parse(stdout) as Probe);
  }
  return out;
}

/** Bundle, measure sizes, then cold-start both bundles `runs` times each in fresh processes. */
export async function run(): Promise<void> {
  const dir = join(projectRoot, 'bench', '.tmp', `bundle-${process.pid}`);
  const apiDir = join(dir, 'api');
  const baseDir = join(dir, 'baseline');
  mkdirSync(baseDir, { recursive: true });
  const kms = await startFakeKms();
  try {
    await build(lambdaBuildOptions(apiEntry, apiDir));
    const {
      entryPoints: _entry,
      outdir: _outdir,
      outExtension: _ext,
      ...shared
    } = lambdaBuildOptions(apiEntry, baseDir);
    await build({
      ...shared,
      stdin: { contents: baselineSource, resolveDir: projectRoot, loader: 'ts', sourcefile: 'baseline.ts' },
      outfile: join(baseDir, apiBundleFile),
    });

    const apiFile = join(apiDir, apiBundleFile);
    const baseFile = join(baseDir, apiBundleFile);
    const api = readFileSync(apiFile);
    const base = readFileSync(baseFile);
    const apiGz = gzipSync(api, { level: 9 }).length;
    printFigure('bundle size (minified)', api.length, 'bytes', `(${(api.length / 1024).toFixed(1)} KB)`);
    printFigure('bundle size (gzip -9)', apiGz, 'bytes', `(${(apiGz / 1024).toFixed(1)} KB)`);
    printComparison({
      bench: 'bundle size vs hono-only',
      unit: 'KB',
      ours: api.length / 1024,
      baseline: base.length / 1024,
      baselineName: 'hono-only',
      higherIsBetter: false,
    });

    const probe = join(dir, 'probe.mjs');
    writeFileSync(probe, probeSource);
    const env = lambdaEnvironment(kms.url);
    const ours = await coldStarts(probe, apiFile, env);
    const baseline = await coldStarts(probe, baseFile, env);
    const failed = ours.filter((p) => p.status !== 200);
    if (failed.length > 0) throw new Error(`API first call did not return 200: ${JSON.stringify(failed[0])}`);

    printComparison({
      bench: `cold import (median of ${runs})`,
      unit: 'ms',
      ours: median(ours.map((p) => p.importMs)),
      baseline: median(baseline.map((p) => p.importMs)),
      baselineName: 'hono-only',
      higherIsBetter: false,
    });
    printComparison({
      bench: `cold import + first request (median of ${runs})`,
      unit: 'ms',
      ours: median(ours.map((p) => p.totalMs)),
      baseline: median(baseline.map((p) => p.totalMs)),
      baselineName: 'hono-only',
      higherIsBetter: false,
    });
  } finally {
    kms.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
