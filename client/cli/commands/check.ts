// CLI command `pouch check DRAFT --to AUTHORITY`: validates a draft against its instrument and the recipient's
// published profile, and prints every finding with its path, severity, rule and source.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import {
  type CheckResult,
  checkDraft,
  formatFindings,
  toFindingRecord,
} from '../../../shared/domain/requests/check.ts';
import { checkContextFor } from '../../../shared/domain/requests/outgoing-request.ts';
import { fetchDirectoryEntry, fetchMe } from '../../sdk/exchange-api.ts';
import { resolveAuthorityId } from '../authority-resolver.ts';
import { CliUsageError } from '../cli-errors.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { readPublishedProfile } from '../directory-context.ts';
import { EXIT } from '../exit-codes.ts';

/** Read a draft file (YAML or JSON) and check it against the recipient's requirements. */
export async function checkDraftFile(ctx: CommandContext, path: string, to: string): Promise<CheckResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliUsageError(`cannot read ${path}; check the path`, 'check');
  }
  let draft: unknown;
  try {
    draft = parse(text);
  } catch (error) {
    throw new CliUsageError(`${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, 'check');
  }
  const client = await ctx.createClient();
  const recipient = await fetchDirectoryEntry(client, to);
  const sender = await fetchDirectoryEntry(client, (await fetchMe(client)).authorityId);
  const profile = await readPublishedProfile(ctx.keystore.home, recipient);
  return checkDraft(draft, checkContextFor(sender, recipient, profile));
}

export const checkCommand = defineCommand({
  name: 'check',
  summary: 'Check a draft request against its instrument and the recipient’s requirements',
  positionals: { names: ['DRAFT'] },
  options: {
    to: {
      type: 'string',
      valueName: 'AUTHORITY',
      description: 'recipient authority: id, name or country (required)',
    },
  },
  details: 'Exits 0 when the draft has no errors (warnings are allowed), 1 otherwise.',
  async run(ctx, { values, positionals }) {
    if (!values.to) throw new CliUsageError('name the recipient with --to AUTHORITY', 'check');
    const to = await resolveAuthorityId(await ctx.createClient(), values.to);
    const result = await checkDraftFile(ctx, positionals[0] ?? '', to);
    const errors = result.findings.filter((f) => f.severity === 'error').length;
    const summary = result.ok
      ? `The draft passes${result.profileVersion ? ` (checked against profile v${result.profileVersion})` : ''}.`
      : `The draft has ${errors} error(s): fix them before sending.`;
    ctx.print(
      {
        ok: result.ok,
        profileVersion: result.profileVersion ?? null,
        findings: result.findings.map(toFindingRecord),
      },
      [...formatFindings(result.findings).split('\n'), summary],
    );
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});
