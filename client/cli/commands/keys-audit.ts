// CLI command `pouch keys audit`: every key ever registered under the profile's name at the exchange, with its
// fingerprint, status, who added it and when, and whether this keystore holds it. An active key it does not
// hold can sign as the member: the command says so in one warning line (issue 12, finding 3). Whether the
// authority key signed each key is checked against the member's own pin of its authority, not the served chain.
import { PouchError } from '../../../shared/domain/errors.ts';
import { readPins } from '../../keystore/pins.ts';
import {
  auditMemberKeys,
  describeUnheldKeys,
  type KeyAudit,
  splitClientId,
} from '../../sdk/directory-api.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { defaultProfileName } from '../command-context.ts';

/** Audit the keys registered under `clientId` against the signing keys of this keystore. */
export async function auditOwnKeys(
  ctx: CommandContext,
  client: Awaited<ReturnType<CommandContext['createClient']>>,
  clientId: string,
  options: { readonly signatures?: boolean; readonly pinnedFingerprint?: string | undefined } = {},
): Promise<KeyAudit> {
  const held = (await ctx.keystore.listKeys()).flatMap((k) => (k.kind === 'signing' ? [k.publicJwk] : []));
  return auditMemberKeys(client, clientId, held, options);
}

/**
 * `keys audit` against the member's own pin of its authority: the SIGNED column then means "signed by the key I
 * confirmed out of band", not "signed by whatever key the exchange serves". A chain that does not reach the pin
 * fails the audit (ERR_AUTHORITY_PIN_MISMATCH), since the operator could then vouch for any key.
 */
async function auditAgainstPin(
  ctx: CommandContext,
  client: Awaited<ReturnType<CommandContext['createClient']>>,
  clientId: string,
): Promise<{ audit: KeyAudit; pinned: boolean }> {
  const [authorityId] = splitClientId(clientId);
  const pin = (await readPins(ctx.keystore.home)).get(authorityId);
  try {
    const audit = await auditOwnKeys(ctx, client, clientId, {
      signatures: true,
      pinnedFingerprint: pin?.fingerprint,
    });
    return { audit, pinned: pin !== undefined };
  } catch (error) {
    if (!(pin && error instanceof PouchError && error.code === 'ERR_AUTHORITY_PIN_MISMATCH')) throw error;
    const served = (error.details as { served?: unknown } | undefined)?.served;
    throw new PouchError(
      'ERR_AUTHORITY_PIN_MISMATCH',
      `the exchange serves an authority key for your own authority ${authorityId} (${String(served)}) that does not chain to the one you pinned (${pin.fingerprint}): the directory may have been altered, so no key here can be called signed; confirm the fingerprint with your admins out of band, and re-pin only if they rotated ('pouch directory pin ${authorityId} FINGERPRINT')`,
      { cause: error, details: { authorityId, pinned: pin.fingerprint, served } },
    );
  }
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
    'SIGNED=pending: active at the exchange but not in the keys statement your authority key signed.\n' +
    'SIGNED is checked against your pin of your own authority (pouch directory pin); when the served\n' +
    'authority key does not chain to it, the audit fails with ERR_AUTHORITY_PIN_MISMATCH.',
  async run(ctx) {
    const profile = await ctx.keystore.readProfile(ctx.profileName ?? defaultProfileName);
    const client = await ctx.createClient();
    const { audit, pinned } = await auditAgainstPin(ctx, client, profile.clientId);
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
    ctx.print({ ...audit, pinned }, [
      `Keys registered under ${audit.clientId}:`,
      format(header),
      ...rows.map(format),
    ]);
    const warning = describeUnheldKeys(audit);
    if (warning) ctx.note(warning);
    if (!pinned) {
      const [authorityId] = splitClientId(profile.clientId);
      ctx.note(
        `warning: your own authority ${authorityId} is not pinned in this keystore, so SIGNED trusts the authority key the exchange serves: ask your admins for its fingerprint ('pouch authority fingerprint') and run 'pouch directory pin ${authorityId} FINGERPRINT'`,
      );
    }
    if (audit.keys.some((k) => k.signature === 'pending')) {
      ctx.note(
        "A pending key is not signed by your authority key: counterparts do not trust what it signs. Ask your admin to run 'pouch keys approve'.",
      );
    }
    return 0;
  },
});
