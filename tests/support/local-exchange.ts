// Test support: start a real local exchange (dynalite + s3rver over HTTP, real adapters) in a temp folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDemoKeystores } from '../../client/keystore/demo-keystores.ts';
import { type LocalExchange, startLocalExchange } from '../../server/local/local-exchange.ts';
import type { LogFields, Logger } from '../../server/ports/logger.ts';
import { createContractObserver } from './contract.ts';

export interface CapturedLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

/** A logger that keeps every line in memory, so tests can assert on what was (and was not) logged. */
export function createCapturingLogger(): Logger & { lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const at =
    (level: CapturedLog['level']) =>
    (message: string, fields: LogFields = {}) => {
      lines.push({ level, message, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Start an exchange on free ports with its data in a fresh temp folder. Call `stop()` in afterAll. */
export async function startTestExchange(
  options: {
    env?: Record<string, string>;
    dataDir?: string;
    logger?: Logger;
    seedDemo?: boolean;
    /** Serve the built portal at `/` (tests/portal: the suite's global setup builds it). */
    portalDir?: string;
  } = {},
): Promise<LocalExchange & { stop(): Promise<void>; logger: Logger & { lines: CapturedLog[] } }> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'pouch-test-')));
  const logger =
    (options.logger as (Logger & { lines: CapturedLog[] }) | undefined) ?? createCapturingLogger();
  const exchange = await startLocalExchange({
    dataDir,
    port: 0,
    env: { POUCH_LOG_LEVEL: 'silent', ...options.env },
    logger,
    ...(options.seedDemo ? { seedDemo: openDemoKeystores() } : {}),
    ...(options.portalDir ? { portalDir: options.portalDir } : {}),
    // Every response is checked against /openapi.json; a mismatch fails the test that received it.
    observeResponse: createContractObserver(),
  });
  return Object.assign(exchange, {
    logger,
    async stop() {
      await exchange.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  });
}
