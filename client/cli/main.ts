// CLI entry point (`npm run pouch -- ...`): wires the command registry to the real process and exits.
import { commands } from './commands/index.ts';
import { runCli, validateRegistry } from './router.ts';

validateRegistry(commands);
process.exitCode = await runCli(process.argv.slice(2), commands, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
