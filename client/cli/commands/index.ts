// CLI: the command registry. To add a command, put it in its own file here (defineCommand) and list it below.
import type { CommandDefinition, OptionSpecs } from '../command.ts';
import { auditExportCommand } from './audit-export.ts';
import { auditReportCommand } from './audit-report.ts';
import { authorityAddCommand } from './authority-add.ts';
import { authorityFingerprintCommand } from './authority-fingerprint.ts';
import { authorityKeyRegisterCommand } from './authority-key-register.ts';
import { authorityKeyRotateCommand } from './authority-key-rotate.ts';
import { checkCommand } from './check.ts';
import { directoryListCommand } from './directory-list.ts';
import { directoryPinCommand } from './directory-pin.ts';
import { directorySearchCommand } from './directory-search.ts';
import { directoryShowCommand } from './directory-show.ts';
import { draftCommand } from './draft.ts';
import { fetchCommand } from './fetch.ts';
import { inboxCommand } from './inbox.ts';
import { keysApproveCommand } from './keys-approve.ts';
import { keysAuditCommand } from './keys-audit.ts';
import { keysExportCommand } from './keys-export.ts';
import { keysImportCommand } from './keys-import.ts';
import { keysListCommand } from './keys-list.ts';
import { keysNewCommand } from './keys-new.ts';
import { keysRegisterCommand } from './keys-register.ts';
import { keysRevokeCommand } from './keys-revoke.ts';
import { keysRotateCommand } from './keys-rotate.ts';
import { keysShowCommand } from './keys-show.ts';
import { loginCommand } from './login.ts';
import { memberAddCommand } from './member-add.ts';
import { memberDeactivateCommand } from './member-deactivate.ts';
import { memberListCommand } from './member-list.ts';
import { memberRoleCommand } from './member-role.ts';
import { openCommand } from './open.ts';
import { profilePublishCommand } from './profile-publish.ts';
import { recipientsAddCommand } from './recipients-add.ts';
import { recipientsListCommand } from './recipients-list.ts';
import { recipientsRemoveCommand } from './recipients-remove.ts';
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
  auditReportCommand,
  verifyCommand,
  keysImportCommand,
  keysRegisterCommand,
  keysApproveCommand,
  keysRotateCommand,
  keysRevokeCommand,
  authorityAddCommand,
  authorityFingerprintCommand,
  authorityKeyRegisterCommand,
  authorityKeyRotateCommand,
  memberAddCommand,
  memberListCommand,
  memberRoleCommand,
  memberDeactivateCommand,
  recipientsListCommand,
  recipientsAddCommand,
  recipientsRemoveCommand,
  profilePublishCommand,
];
