// Test support: a real local exchange (dynalite + s3rver, real adapters, no checkpoint timer) and a second
// runtime composed over the same storage with an injected clock, so that tests can step from one rate-limit or
// read-record window to the next. The clock starts one second into a fresh minute (a little ahead of real time,
// so assertions signed now are valid), so a test does not straddle a window by chance.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroyAwsClients } from '../../server/adapters/aws-clients.ts';
import { createSmtpMailer } from '../../server/adapters/smtp-mailer.ts';
import { composeRuntime, type Runtime } from '../../server/composition/compose.ts';
import { type LocalExchange, startLocalExchange } from '../../server/local/local-exchange.ts';
import { signClientAssertion, type TestPrincipal, tokenRequestBody } from './identity.ts';
import { createCapturingLogger } from './local-exchange.ts';

export interface ClockedExchange {
  readonly exchange: LocalExchange;
  /** The runtime whose every use case, adapter and token check reads `now()`. */
  readonly runtime: Runtime;
  now(): number;
  /** Move the clock forward. */
  advance(ms: number): void;
  /** POST /v1/token with an assertion signed at the injected time. */
  requestToken(who: TestPrincipal): Promise<Response>;
  /** An access token for `who` at the injected time. */
  tokenFor(who: TestPrincipal): Promise<string>;
  /** Call the clocked app as `who` (a fresh token per caller and clock step). */
  call(who: TestPrincipal, method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/** Start the exchange with `env` (limits) and a clocked runtime over it. */
export async function startClockedExchange(env: Record<string, string> = {}): Promise<ClockedExchange> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pouch-clocked-'));
  const logger = createCapturingLogger();
  const exchange = await startLocalExchange({
    dataDir,
    port: 0,
    env: { POUCH_LOG_LEVEL: 'silent', ...env },
    logger,
    checkpointIntervalMs: 0,
    clockIntervalMs: 0,
  });
  let clock = (Math.floor(Date.now() / 60_000) + 1) * 60_000 + 1_000;
  const runtime = await composeRuntime(exchange.runtime.config, {
    now: () => clock,
    logger,
    // E-mail notifications go to the local exchange's SMTP catcher (exchange.mail), as local mode sends them.
    mailer: createSmtpMailer({
      host: '127.0.0.1',
      port: exchange.mail.port,
      from: 'notifications@pouch.local',
    }),
  });
  const audience = `${runtime.config.issuer.replace(/\/+$/, '')}/v1/token`;
  const bearers = new Map<string, string>();

  const requestToken = async (who: TestPrincipal) =>
    runtime.app.request('/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: tokenRequestBody(await signClientAssertion(who, { audience, iat: Math.floor(clock / 1000) })),
    });
  const tokenFor = async (who: TestPrincipal) => {
    const res = await requestToken(who);
    const body = (await res.json()) as { access_token?: string; code?: string };
    if (res.status !== 200 || !body.access_token)
      throw new Error(`token refused: ${res.status} ${body.code}`);
    return body.access_token;
  };

  return {
    exchange,
    runtime,
    now: () => clock,
    advance(ms) {
      clock += ms;
      bearers.clear();
    },
    requestToken,
    tokenFor,
    async call(who, method, path, body) {
      const cached = bearers.get(who.clientId) ?? (await tokenFor(who));
      bearers.set(who.clientId, cached);
      return runtime.app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${cached}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
    async stop() {
      destroyAwsClients(runtime.clients);
      await exchange.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
