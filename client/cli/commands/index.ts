// CLI: the command registry. To add a command, put it in its own file here (defineCommand) and list it below.
import type { CommandDefinition, OptionSpecs } from '../command.ts';
import { checkCommand } from './check.ts';
import { draftCommand } from './draft.ts';
import { keysExportCommand } from './keys-export.ts';
import { keysListCommand } from './keys-list.ts';
import { keysNewCommand } from './keys-new.ts';
import { keysShowCommand } from './keys-show.ts';
import { loginCommand } from './login.ts';
import { whoamiCommand } from './whoami.ts';

/** Every `pouch` command, in help order. */
export const commands: readonly CommandDefinition<OptionSpecs>[] = [
  keysNewCommand,
  keysListCommand,
  keysShowCommand,
  keysExportCommand,
  loginCommand,
  whoamiCommand,
  draftCommand,
  checkCommand,
];
