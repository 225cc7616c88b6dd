// Secondary adapter: the Logger port on AWS Lambda Powertools, which writes one JSON object per line.
import { Console } from 'node:console';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogFields, Logger } from '../ports/logger.ts';

/** Field names whose values are never written, at any depth. */
const redacted =
  /^(authorization|cookie|token|access_token|client_assertion|assertion|password|passphrase|secret|d|privateKey|identity)$/i;

/**
 * Build the process logger. `silent` drops everything (tests). `stream`: write every line there instead of
 * Powertools' stdout/stderr split — the local exchange sends its log to stderr so that stdout carries only the
 * human banner.
 */
export function createJsonLogger(
  level: 'debug' | 'info' | 'warn' | 'error' | 'silent',
  options: { readonly stream?: NodeJS.WritableStream } = {},
): Logger {
  const logger = new PowertoolsLogger({
    serviceName: 'pouch',
    logLevel: level === 'silent' ? 'SILENT' : (level.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'),
  });
  // Powertools prints through its own Console over process.stdout/stderr and has no option for another stream;
  // its `console` member is a plain property at run time, so a Console over the one stream replaces it.
  if (options.stream) {
    Reflect.set(logger, 'console', new Console({ stdout: options.stream, stderr: options.stream }));
  }
  return {
    debug: (message, fields) => logger.debug(message, redact(fields)),
    info: (message, fields) => logger.info(message, redact(fields)),
    warn: (message, fields) => logger.warn(message, redact(fields)),
    error: (message, fields) => logger.error(message, redact(fields)),
  };
}

/** Replace secret-looking fields with a marker before anything is serialised. */
export function redact(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  return redactValue(fields, 0) as LogFields;
}

function redactValue(value: unknown, depth: number): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      cause: redactValue(value.cause, depth + 1),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = redacted.test(k) ? '[redacted]' : redactValue(v, depth + 1);
  return out;
}
