// CLI command `pouch keys audit`: every key ever registered under the profile's name at the exchange, with its
// fingerprint, status, who added it and when, and whether this keystore holds it. An active key it does not
// hold can sign as the member: the command says so in one warning line (issue 12, finding 3).
import { auditMemberKeys, describeUnheldKeys, type KeyAudit } from '../../sdk/directory-api.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { defaultProfileName } from '../command-context.ts';

/** Audit the keys registered under `clientId` against the signing keys of this keystore. */
export async function auditOwnKeys(
  ctx: CommandContext,
  client: Awaited<ReturnType<CommandContext['createClient']>>,
  clientId: string,
  options: { readonly signatures?: boolean } = {},
): Promise<KeyAudit> {
  const held = (await ctx.keystore.listKeys()).flatMap((k) => (k.kind === 'signing' ? [k.publicJwk] : []));
  return auditMemberKeys(client, clientId, held, options);
}

/**
 * After login/whoami: warn (one line, stderr) about any active key under the member's name that this keystore
 * does not hold. Returns the audit's unheld kids for `--json` output. A failed check is itself a warning, never
 * silence.
 */
export async function warnAboutUnheldKeys(
  ctx: CommandContext,
  client: Awaited<ReturnType<CommandContext['createClient']>>,
  clientId: string,
): Promise<readonly string[] | undefined> {
  if (clientId.startsWith('operator:')) return undefined;
  try {
    const audit = await auditOwnKeys(ctx, client, clientId);
    const warning = describeUnheldKeys(audit);
    if (warning) ctx.note(warning);
    return audit.unheldActiveKeys;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    ctx.note(
      `warning: could not check the keys registered under ${clientId} (${why}) — run 'pouch keys audit'`,
    );
    return undefined;
  }
}

export const keysAuditCommand = defineCommand({
  name: 'keys audit',
  summary: 'List every key the exchange holds under your name: fingerprint, status, who added it and when',
  options: {},
  details:
    "An active key marked HELD=no can sign as you. If you did not ask for it, tell your authority's admins.\n" +
    'SIGNED=pending: active at the exchange but not in the keys statement your authority key signed.',
  async run(ctx) {
    const profile = await ctx.keystore.readProfile(ctx.profileName ?? defaultProfileName);
    const client = await ctx.createClient();
    const audit = await auditOwnKeys(ctx, client, profile.clientId, { signatures: true });
    const header = ['KID', 'FINGERPRINT', 'STATUS', 'SIGNED', 'ADDED BY', 'ADDED AT', 'HELD'];
    const rows = audit.keys.map((k) => [
      k.kid,
      k.fingerprint,
      k.status,
      k.signature === 'revoked' ? '-' : k.signature === 'signed' ? 'yes' : 'pending',
      k.addedBy ?? 'unknown',
      k.createdAt,
      k.held ? 'yes' : 'no',
    ]);
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
    );
    const format = (row: readonly string[]) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ');
    ctx.print(audit, [`Keys registered under ${audit.clientId}:`, format(header), ...rows.map(format)]);
    const warning = describeUnheldKeys(audit);
    if (warning) ctx.note(warning);
    if (audit.keys.some((k) => k.signature === 'pending')) {
      ctx.note(
        "A pending key is not signed by your authority key: counterparts do not trust what it signs. Ask your admin to run 'pouch keys approve'.",
      );
    }
    return 0;
  },
});
