// Profiling tool (issue 16, not a bench run by `npm run bench`): where a `pouch send`'s time goes. Runs one send
// (deliverMessage, as bench/transfer.bench.ts does) and one plain lib-storage Upload of the sealed file against a
// local exchange in its own process, sampling every 100 ms: the seal's progress, the parts in flight and what
// each part sender waits for (the seal, a URL, storage's answer), from the `pouch:send` diagnostics channel; and
// the CPU of this process (all threads), of the exchange's process and of the whole machine.
// `node --openssl-legacy-provider --import tsx bench/send-timeline.ts`; POUCH_BENCH_TRANSFER_SIZE (default 1G),
// POUCH_BENCH_RUNS (default 1), POUCH_BENCH_TIMELINE=1 prints every 100 ms row (else the phase summary only),
// POUCH_BENCH_ONLY=ours|theirs runs one side;
// POUCH_BENCH_EXCHANGE_ARGS adds node options to the exchange's process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).

import { subscribe } from 'node:diagnostics_channel';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Upload } from '@aws-sdk/lib-storage';
import { deliverMessage } from '../client/exchange/deliver-message.ts';
import { loadManifestSigner } from '../client/exchange/member-signer.ts';
import { openKeystore } from '../client/keystore/keystore.ts';
import { fetchDirectoryEntry } from '../client/sdk/exchange-api.ts';
import { createPouchClient } from '../client/sdk/pouch-client.ts';
import { createAwsClients, destroyAwsClients } from '../server/adapters/aws-clients.ts';
import { sealFile } from '../shared/crypto/age-native.ts';
import { planUpload } from '../shared/domain/upload-plan.ts';
import { machineCpuMs, median } from './report.ts';
import { benchConfig, parseSize, startExchangeProcess, writeRepeatedRandom } from './transfer.bench.ts';

const here = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Sample {
  t: number;
  partsSealed: number;
  inFlight: number;
  waitSeal: number;
  waitUrl: number;
  sendingBody: number;
  awaitingAnswer: number;
  stored: number;
  clientCpu: number;
  clientMain: number;
  childCpu: number;
  childMain: number;
  machineCpu: number;
}

/** The exchange's process: this one's child running node. */
function childPid(): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (Number(fields[1]) === process.pid && command.includes('local-exchange-child')) return Number(name);
    } catch {}
  }
  return undefined;
}

/** utime + stime of a process (or, with a task id, of one of its threads), in ms. */
function processCpuMs(pid: number, tid?: number): number {
  const stat = readFileSync(
    tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
    'utf8',
  );
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

type Measured = 't' | 'clientCpu' | 'clientMain' | 'childCpu' | 'childMain' | 'machineCpu';

function sampler(pid: number, state: () => Omit<Sample, Measured>) {
  const samples: Sample[] = [];
  const start = performance.now();
  const take = (): void => {
    const cpu = process.cpuUsage();
    samples.push({
      t: performance.now() - start,
      ...state(),
      clientCpu: (cpu.user + cpu.system) / 1000,
      clientMain: processCpuMs(process.pid, process.pid),
      childCpu: processCpuMs(pid),
      childMain: processCpuMs(pid, pid),
      machineCpu: machineCpuMs() ?? 0,
    });
  };
  take();
  const timer = setInterval(take, 100);
  return {
    stop(): Sample[] {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** CPU of client, exchange and machine between two times, in cores. */
function cores(samples: readonly Sample[], from: number, to: number): string {
  const a = samples.find((s) => s.t >= from) ?? samples[0];
  const b = [...samples].reverse().find((s) => s.t <= to) ?? samples[samples.length - 1];
  if (!a || !b || b.t <= a.t) return 'n/a';
  const span = b.t - a.t;
  const f = (x: number) => (x / span).toFixed(2);
  return `client ${f(b.clientCpu - a.clientCpu)} (main thread ${f(b.clientMain - a.clientMain)}) + exchange ${f(b.childCpu - a.childCpu)} (main thread ${f(b.childMain - a.childMain)}) = machine ${f(b.machineCpu - a.machineCpu)} cores over ${(span / 1000).toFixed(2)} s`;
}

/** What the part senders are doing, all at zero: where a traced send starts, and all an untraced upload shows. */
function idleState() {
  return {
    partsSealed: 0,
    inFlight: 0,
    waitSeal: 0,
    waitUrl: 0,
    sendingBody: 0,
    awaitingAnswer: 0,
    stored: 0,
  };
}

async function main(): Promise<void> {
  const size = parseSize(process.env.POUCH_BENCH_TRANSFER_SIZE, 1024 * MiB);
  const runs = Math.max(1, Number(process.env.POUCH_BENCH_RUNS ?? 1));
  const verbose = process.env.POUCH_BENCH_TIMELINE === '1';
  const dir = join(here, '.tmp', `send-timeline-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const exchange = await startExchangeProcess(
    join(dir, 'exchange'),
    process.env.POUCH_BENCH_EXCHANGE_ARGS?.split(' ').filter(Boolean),
  );
  const pid = childPid();
  if (pid === undefined) throw new Error('no exchange process found');
  const config = benchConfig(join(dir, 'exchange'), exchange.embedded);
  const clients = createAwsClients(config);
  try {
    const officer = async (slug: string) => {
      const authority = exchange.demo.find((d) => d.slug === slug);
      if (!authority) throw new Error(slug);
      const keystore = openKeystore({ home: authority.home });
      const none = async (): Promise<string> => '';
      const profile = await keystore.unlockProfile('officer', none);
      const client = createPouchClient({ baseUrl: exchange.url, credentials: profile.credentials });
      const signer = await loadManifestSigner(keystore, 'officer', none);
      return { authorityId: authority.authorityId, keystore, client, signer };
    };
    const north = await officer('northland');
    const south = await officer('southmark');
    const recipients = [
      ...(await fetchDirectoryEntry(north.client, south.authorityId)).recipients,
      ...(await fetchDirectoryEntry(north.client, north.authorityId)).recipients,
    ];
    const plaintext = join(dir, 'evidence.img');
    await writeRepeatedRandom(plaintext, size);
    const sealed = join(dir, 'evidence.img.age');
    await sealFile(plaintext, sealed, recipients);
    const partSize = (() => {
      const plan = planUpload(size + Math.ceil(size / 65536) * 16 + 4096, Number.MAX_SAFE_INTEGER);
      return plan.kind === 'multipart' ? plan.partSize : 8 * MiB;
    })();

    const phases: Record<string, number[]> = {};
    const note = (name: string, value: number) => {
      phases[name] ??= [];
      phases[name].push(value);
    };
    for (let round = 0; round < runs; round++) {
      const only = process.env.POUCH_BENCH_ONLY;
      if (only !== 'theirs') {
        // Ours, traced.
        const st = idleState();
        const marks: Record<string, number> = {};
        const waits = { seal: 0, url: 0, answer: 0 };
        const since = {
          seal: new Map<number, number>(),
          url: new Map<number, number>(),
          answer: new Map<number, number>(),
        };
        let sealWaitStart: number[] = [];
        const started = performance.now();
        const onEvent = (message: unknown): void => {
          const { event, partNumber, at } = message as { event: string; partNumber?: number; at: number };
          const t = at - started;
          marks[event] ??= t;
          marks[`last ${event}`] = t;
          switch (event) {
            case 'sealed':
              st.partsSealed++;
              break;
            case 'wait-seal':
              st.waitSeal++;
              sealWaitStart.push(t);
              break;
            case 'sealed-wake':
              st.waitSeal--;
              waits.seal += t - (sealWaitStart.shift() ?? t);
              break;
            case 'part-start':
              st.inFlight++;
              break;
            case 'part-stored':
              st.inFlight--;
              st.stored++;
              break;
            case 'url-wait':
              st.waitUrl++;
              since.url.set(partNumber ?? 0, t);
              break;
            case 'url-got':
              st.waitUrl--;
              waits.url += t - (since.url.get(partNumber ?? 0) ?? t);
              break;
            case 'put-body-start':
              st.sendingBody++;
              break;
            case 'put-body-sent':
              st.sendingBody--;
              st.awaitingAnswer++;
              since.answer.set(partNumber ?? 0, t);
              break;
            case 'put-response':
              if (since.answer.has(partNumber ?? 0)) {
                st.awaitingAnswer--;
                waits.answer += t - (since.answer.get(partNumber ?? 0) ?? t);
                since.answer.delete(partNumber ?? 0);
              }
              break;
          }
        };
        subscribe('pouch:send', onEvent);
        const ours = sampler(pid, () => ({ ...st }));
        await deliverMessage({
          client: north.client,
          signer: north.signer,
          home: north.keystore.home,
          operation: 'send',
          exchange: {
            create: {
              kind: 'mla',
              urgency: 'normal',
              requestedId: south.authorityId,
              requesterReference: `TIMELINE-${process.pid}-${round}`,
            },
          },
          recipients,
          message: { kind: 'request' },
          files: [{ path: plaintext }],
        });
        const end = performance.now() - started;
        const samples = ours.stop();
        sealWaitStart = [];
        const sealDone = marks['last sealed'] ?? 0;
        const lastStored = marks['last part-stored'] ?? 0;
        console.log(
          `round ${round + 1} ours: ${(end / 1000).toFixed(2)} s; first part sealed ${marks.sealed?.toFixed(0)} ms, first PUT body ${marks['put-body-start']?.toFixed(0)} ms, seal done ${sealDone.toFixed(0)} ms, last part stored ${lastStored.toFixed(0)} ms, commit ${marks['complete-start']?.toFixed(0)}–${marks['complete-end']?.toFixed(0)} ms, end ${end.toFixed(0)} ms`,
        );
        console.log(
          `  waits summed over senders: for the seal ${(waits.seal / 1000).toFixed(2)} s, for a URL ${(waits.url / 1000).toFixed(2)} s, for storage's answer after the body ${(waits.answer / 1000).toFixed(2)} s`,
        );
        console.log(`  start → first PUT:       ${cores(samples, 0, marks['put-body-start'] ?? 0)}`);
        console.log(`  while sealing:           ${cores(samples, marks['put-body-start'] ?? 0, sealDone)}`);
        console.log(`  after the seal, parts:   ${cores(samples, sealDone, lastStored)}`);
        console.log(`  last part → end:         ${cores(samples, lastStored, end)}`);
        console.log(`  whole:                   ${cores(samples, 0, end)}`);
        const avg = (key: keyof Sample, from: number, to: number) => {
          const within = samples.filter((s) => s.t >= from && s.t <= to);
          return within.length ? within.reduce((n, s) => n + (s[key] as number), 0) / within.length : 0;
        };
        console.log(
          `  mean while sealing: in flight ${avg('inFlight', marks['put-body-start'] ?? 0, sealDone).toFixed(2)}, sending a body ${avg('sendingBody', marks['put-body-start'] ?? 0, sealDone).toFixed(2)}, waiting for the seal ${avg('waitSeal', marks['put-body-start'] ?? 0, sealDone).toFixed(2)}; after: in flight ${avg('inFlight', sealDone, lastStored).toFixed(2)}, sending ${avg('sendingBody', sealDone, lastStored).toFixed(2)}`,
        );
        note('ours s', end / 1000);
        note('seal done s', sealDone / 1000);
        note('first PUT ms', marks['put-body-start'] ?? 0);
        note('tail ms', end - lastStored);
        note('wait seal s', waits.seal / 1000);
        note('wait url s', waits.url / 1000);
        note('wait answer s', waits.answer / 1000);
        if (verbose) {
          console.log(
            '  t(ms) sealed inflight waitSeal waitUrl body answer stored | client (main) exchange (main) machine, cores',
          );
          for (let i = 1; i < samples.length; i++) {
            const s = samples[i] as Sample;
            const p = samples[i - 1] as Sample;
            const dt = s.t - p.t;
            const c = (k: 'clientCpu' | 'clientMain' | 'childCpu' | 'childMain' | 'machineCpu') =>
              ((s[k] - p[k]) / dt).toFixed(2);
            console.log(
              `  ${s.t.toFixed(0).padStart(5)} ${String(s.partsSealed).padStart(4)} ${s.inFlight} ${s.waitSeal} ${s.waitUrl} ${s.sendingBody} ${s.awaitingAnswer} ${String(s.stored).padStart(4)} | ${c('clientCpu')} (${c('clientMain')}) ${c('childCpu')} (${c('childMain')}) ${c('machineCpu')}`,
            );
          }
        }
      }
      if (only === 'ours') continue;
      // The plain upload of the sealed file, sampled the same way.
      const none = idleState();
      const theirs = sampler(pid, () => none);
      const t0 = performance.now();
      await new Upload({
        client: clients.s3,
        params: { Bucket: config.evidenceBucket, Key: `timeline-${round}`, Body: createReadStream(sealed) },
        partSize,
        queueSize: 4,
      }).done();
      const theirEnd = performance.now() - t0;
      const theirSamples = theirs.stop();
      console.log(
        `round ${round + 1} lib-storage: ${(theirEnd / 1000).toFixed(2)} s; ${cores(theirSamples, 0, theirEnd)}`,
      );
      note('theirs s', theirEnd / 1000);
    }
    console.log(
      Object.entries(phases)
        .map(([k, v]) => `${k} ${median(v).toFixed(2)} (${v.map((x) => x.toFixed(2)).join('/')})`)
        .join('; '),
    );
  } finally {
    destroyAwsClients(clients);
    await exchange.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
