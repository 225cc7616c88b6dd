// CLI support for the administration commands (pouch authority|member|keys register/rotate/revoke/approve|
// recipients|profile publish): which authority and member a command is about, public keys read from files, and
// the authority key the admin holds to sign statements. Commands stay thin over client/sdk/directory-api.ts.
import { readFile } from 'node:fs/promises';
import { isKeystoreError } from '../keystore/keystore-error.ts';
import { type AuthoritySigner, splitClientId } from '../sdk/directory-api.ts';
import { resolveAuthorityId } from './authority-resolver.ts';
import { CliUsageError } from './cli-errors.ts';
import type { CommandContext } from './command.ts';
import { defaultProfileName } from './command-context.ts';

/** The `--authority` option every admin command takes (default: the authority of the profile). */
export const authorityOption = {
  authority: {
    type: 'string',
    valueName: 'ID',
    description: "the authority: id, name or country (default: your profile's own authority)",
  },
} as const;

/** The `--authority-key` option of every command that signs a statement. */
export const authorityKeyOption = {
  'authority-key': {
    type: 'string',
    valueName: 'NAME',
    description: "the keystore's authority key that signs the statement (default 'authority')",
  },
} as const;

/** The profile's client id split into authority and member, for commands that default to "my own". */
export async function ownIds(ctx: CommandContext): Promise<{ authorityId: string; memberId: string }> {
  const profile = await ctx.keystore.readProfile(ctx.profileName ?? defaultProfileName);
  const [authorityId, memberId] = splitClientId(profile.clientId);
  return { authorityId, memberId };
}

/**
 * The authority a command acts on: `--authority` when given (an id, a name or a country, through the one
 * resolver), else the profile's own.
 */
export async function resolveAuthorityArgument(
  ctx: CommandContext,
  given: string | undefined,
): Promise<string> {
  if (given !== undefined) {
    const id = given.trim();
    if (id === '') throw new CliUsageError('--authority must not be empty');
    return resolveAuthorityId(await ctx.createClient(), id);
  }
  return (await ownIds(ctx)).authorityId;
}

/** A member argument: a member id, or a client id `AUTHORITY:MEMBER` (its authority must match). */
export function resolveMemberArgument(authorityId: string, given: string): string {
  const value = given.trim();
  if (!value.includes(':')) return value;
  const [authority, member] = splitClientId(value);
  if (authority !== authorityId) {
    throw new CliUsageError(
      `member ${value} is not in authority ${authorityId}: pass --authority ${authority} or the member id alone`,
    );
  }
  return member;
}

/**
 * A public key from a file: a bare JWK (what `pouch keys show NAME` prints) or the JSON `pouch --json keys show
 * NAME` / `keys new` prints (its `publicJwk`). A private key is refused, so a secret is never sent.
 */
export async function readPublicJwkFile(
  path: string,
  what: string,
): Promise<Record<string, unknown> & { kty: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliUsageError(
      `cannot read ${what} file ${path}: give the file 'pouch keys show NAME > FILE' wrote`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliUsageError(`${path} is not JSON: give the public JWK 'pouch keys show NAME' prints`);
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const jwk = (
    typeof record.publicJwk === 'object' && record.publicJwk !== null ? record.publicJwk : record
  ) as Record<string, unknown>;
  if (typeof jwk.kty !== 'string') {
    throw new CliUsageError(`${path} holds no JWK: give the public JWK 'pouch keys show NAME' prints`);
  }
  if ('d' in jwk) {
    throw new CliUsageError(
      `${path} holds a private key: send only the public JWK 'pouch keys show NAME' prints`,
    );
  }
  return { ...jwk, kty: jwk.kty };
}

/** The public JWK of a signing key in this keystore (with its kid). */
export async function keystorePublicJwk(
  ctx: CommandContext,
  name: string,
): Promise<Record<string, unknown> & { kty: string }> {
  const key = await ctx.keystore.showKey(name);
  if (key.kind !== 'signing') {
    throw new CliUsageError(`key '${name}' is a sealing key: name a signing key ('pouch keys list')`);
  }
  return { ...key.publicJwk, kty: key.publicJwk.kty ?? '' };
}

/** Unlock the authority key the admin holds (passphrase from POUCH_PASSPHRASE or a prompt). */
export async function unlockAuthoritySigner(
  ctx: CommandContext,
  name: string | undefined,
): Promise<AuthoritySigner> {
  const keyName = name ?? 'authority';
  try {
    const { info, privateKey } = await ctx.keystore.unlockSigningKey(keyName, ctx.passphrase);
    return { privateKey, publicJwk: info.publicJwk };
  } catch (error) {
    if (isKeystoreError(error) && error.reason === 'key-not-found') {
      throw new CliUsageError(
        `no authority key '${keyName}' in this keystore: sign on the machine that holds it, or pass --authority-key NAME`,
      );
    }
    throw error;
  }
}
