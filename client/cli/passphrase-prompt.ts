// CLI (primary adapter): where passphrases come from — POUCH_PASSPHRASE, else a no-echo prompt on a TTY.

import type { PassphraseSource } from '../keystore/keystore.ts';
import { KeystoreError } from '../keystore/keystore-error.ts';
import { CliCancelledError, CliUsageError } from './cli-errors.ts';
import type { OutputStream } from './command.ts';

/** The subset of `process.stdin` a hidden prompt needs. */
export interface PromptInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  off(event: 'data', listener: (chunk: string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/**
 * Read one line from a TTY without echoing it. Ctrl-C and Ctrl-D cancel (CliCancelledError).
 *
 * @example
 * const secret = await readHiddenLine('Passphrase: ', process.stdin, process.stderr);
 */
export function readHiddenLine(prompt: string, input: PromptInput, output: OutputStream): Promise<string> {
  output.write(prompt);
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          finish();
          reject(new CliCancelledError());
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}

/**
 * The CLI's PassphraseSource. New keys ask twice; an empty passphrase is refused for new keys.
 * Without POUCH_PASSPHRASE and without a TTY it throws `passphrase-required` instead of hanging.
 */
export function createPassphraseSource(
  env: Readonly<Record<string, string | undefined>>,
  input: PromptInput,
  output: OutputStream,
): PassphraseSource {
  return async ({ keyName, purpose }) => {
    const fromEnv = env.POUCH_PASSPHRASE;
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (!input.isTTY || !output.isTTY) {
      throw new KeystoreError(
        'passphrase-required',
        `Key '${keyName}' needs a passphrase and there is no terminal`,
        {
          details: { name: keyName },
        },
      );
    }
    if (purpose === 'unlock') return readHiddenLine(`Passphrase for key '${keyName}': `, input, output);
    const first = await readHiddenLine(`New passphrase for key '${keyName}': `, input, output);
    if (first === '') throw new CliUsageError('the passphrase must not be empty', 'keys new');
    const second = await readHiddenLine('Repeat the passphrase: ', input, output);
    if (first !== second) {
      throw new KeystoreError('passphrase-mismatch', 'The two passphrases differ', {
        details: { name: keyName },
      });
    }
    return first;
  };
}
