// CLI: the command registry. To add a command, put it in its own file here (defineCommand) and list it below.
import type { CommandDefinition, OptionSpecs } from '../command.ts';
import { auditExportCommand } from './audit-export.ts';
import { checkCommand } from './check.ts';
import { directoryListCommand } from './directory-list.ts';
import { directoryPinCommand } from './directory-pin.ts';
import { directorySearchCommand } from './directory-search.ts';
import { directoryShowCommand } from './directory-show.ts';
import { draftCommand } from './draft.ts';
import { fetchCommand } from './fetch.ts';
import { inboxCommand } from './inbox.ts';
import { keysAuditCommand } from './keys-audit.ts';
import { keysExportCommand } from './keys-export.ts';
import { keysListCommand } from './keys-list.ts';
import { keysNewCommand } from './keys-new.ts';
import { keysShowCommand } from './keys-show.ts';
import { loginCommand } from './login.ts';
import { openCommand } from './open.ts';
import { replyCommand } from './reply.ts';
import { sendCommand } from './send.ts';
import { showCommand } from './show.ts';
import { statsCommand } from './stats.ts';
import { verifyCommand } from './verify.ts';
import { whoamiCommand } from './whoami.ts';

/** Every `pouch` command, in help order. */
export const commands: readonly CommandDefinition<OptionSpecs>[] = [
  keysNewCommand,
  keysListCommand,
  keysShowCommand,
  keysExportCommand,
  keysAuditCommand,
  loginCommand,
  whoamiCommand,
  directoryListCommand,
  directorySearchCommand,
  directoryShowCommand,
  directoryPinCommand,
  draftCommand,
  checkCommand,
  sendCommand,
  inboxCommand,
  showCommand,
  statsCommand,
  fetchCommand,
  replyCommand,
  openCommand,
  auditExportCommand,
  verifyCommand,
];
