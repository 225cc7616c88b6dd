// CLI (primary adapter): errors only the command line raises — bad usage (exit 2) and a cancelled prompt.
import { PouchError } from '../../shared/domain/errors.ts';

/** The user typed something the command cannot accept. The router prints it on one line and exits 2. */
export class CliUsageError extends PouchError {
  override readonly name = 'CliUsageError';
  /** The command whose `--help` to point at, e.g. `keys new`; undefined for the top level. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super('ERR_VALIDATION', message);
    this.command = command;
  }
}

/** The user pressed Ctrl-C or Ctrl-D at a prompt. Exit 130, like a shell. */
export class CliCancelledError extends PouchError {
  override readonly name = 'CliCancelledError';
  constructor() {
    super('ERR_VALIDATION', 'cancelled');
  }
}
