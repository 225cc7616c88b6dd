// Hardening (issue 17): nothing lost, nothing twice. Short form of the crash scenario (crash-harness.ts): four
// users do the whole flow through the SDK against the local exchange in a child process, which is SIGKILLed
// twice at seeded random moments (one aimed at a download in flight, one at an upload) and restarted on the
// same data; interrupted calls are retried with their keys. The long form is `npm run load -- --crash`.
// CRASH_SEED=<n> repeats a run.
import { beforeAll, describe, expect, it } from 'vitest';
import { type CrashReport, runCrashScenario } from '../support/crash-harness.ts';

const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe(`crash under load (seed ${seed})`, () => {
  let report: CrashReport;

  beforeAll(async () => {
    report = await runCrashScenario({
      users: 4,
      kills: 2,
      seed,
      minIterations: 1,
      minDocBytes: 64 * 1024,
      maxDocBytes: 1024 * 1024,
      killDelayMs: [300, 1200],
      deadlineMs: 45_000,
    });
    console.log(
      `crash seed ${seed}: ${report.kills.length} kills, ${report.flows} flows, ${report.acknowledged} acknowledged, ` +
        `${report.retriesCompletedOnce} retries completed once, ${report.chainsVerified} chains verified, ` +
        `${report.bundlesVerified} bundles verified, ${report.repairs.length} start-up repairs, ${report.seconds.toFixed(1)} s\n  ${report.kills.join('\n  ')}`,
    );
  }, 58_000);

  it('keeps everything acknowledged for both parties, once, with every chain and sampled bundle verifying', () => {
    expect(report.kills).toHaveLength(2);
    expect(report.flows).toBeGreaterThanOrEqual(4);
    expect(report.problems).toEqual([]);
    expect(report.chainsVerified).toBeGreaterThanOrEqual(report.flows);
    expect(report.bundlesVerified).toBeGreaterThan(0);
  });

  it('logs no ERROR line in the exchange output across the kills and restarts', () => {
    expect(report.errorLines).toEqual([]);
  });

  // KNOWN FAILING on branch `crash` until the ledger-recorder branch is merged (issue 17 item 1): a download in
  // flight at a kill has written `document.retrieved`; its retry with the same Idempotency-Key writes a second.
  it('records one document.retrieved per download key [issue 17 item 1: fixed by the ledger recorder branch]', () => {
    expect(report.duplicateRetrievals).toEqual([]);
  });
});
