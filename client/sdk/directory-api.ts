// SDK (runtime-neutral): the directory calls a member makes about itself — its key history — and the check that
// tells it about an active key registered under its name that it does not hold (issue 12, finding 3); and the
// directory log, read whole, with the proofs of its checkpointed heads.
import { calculateJwkThumbprint, type JWK } from 'jose';
import {
  DirectoryLogSchema,
  type DirectoryLogWire,
  type MemberKeyHistoryWire,
} from '../../shared/api/directory.ts';
import { PouchError } from '../../shared/domain/errors.ts';
import type { PouchClient } from './pouch-client.ts';

/** Every key ever registered under a member's name, as the exchange answers it (one wire definition). */
export type MemberKeyHistory = MemberKeyHistoryWire;

/** One key of the history, its fingerprint recomputed here and whether the caller holds it. */
export interface AuditedKey {
  readonly kid: string;
  readonly alg: string;
  /** RFC 7638 thumbprint, computed by this client from the served JWK (the server's figure is not trusted). */
  readonly fingerprint: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  readonly addedBy?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  /** True when one of the caller's own public keys has this fingerprint. */
  readonly held: boolean;
}

export interface KeyAudit {
  readonly clientId: string;
  readonly keys: readonly AuditedKey[];
  /** Kids of active keys under the member's name that the caller does not hold: each one can sign as it. */
  readonly unheldActiveKeys: readonly string[];
}

const segment = (value: string) => encodeURIComponent(value);

/**
 * Every key ever registered under a member's name, with who added it and when (the member itself, its
 * authority's admins and auditors may read it).
 *
 * @example
 * const history = await listMemberKeys(client, 'auth_…', 'mem_…');
 */
export function listMemberKeys(
  client: PouchClient,
  authorityId: string,
  memberId: string,
): Promise<MemberKeyHistory> {
  return client.request(
    'GET',
    `/v1/directory/authorities/${segment(authorityId)}/members/${segment(memberId)}/keys`,
  );
}

/**
 * Compare a member's key history with the public keys the caller holds, by RFC 7638 fingerprint.
 *
 * @example
 * const audit = await auditMemberKeys(client, profile.clientId, keystoreKeys.map((k) => k.publicJwk));
 * if (audit.unheldActiveKeys.length > 0) warn(...);
 */
export async function auditMemberKeys(
  client: PouchClient,
  clientId: string,
  heldPublicJwks: readonly JWK[],
): Promise<KeyAudit> {
  const [authorityId, memberId] = splitClientId(clientId);
  const history = await listMemberKeys(client, authorityId, memberId);
  const held = new Set(await Promise.all(heldPublicJwks.map((jwk) => thumbprintOf(jwk))));
  const keys: AuditedKey[] = [];
  for (const k of history.keys) {
    const fingerprint = await thumbprintOf(k.jwk);
    keys.push({
      kid: k.kid,
      alg: k.alg,
      fingerprint,
      status: k.status,
      createdAt: k.createdAt,
      ...(k.addedBy === undefined ? {} : { addedBy: k.addedBy }),
      ...(k.revokedAt === undefined ? {} : { revokedAt: k.revokedAt }),
      ...(k.revokedBy === undefined ? {} : { revokedBy: k.revokedBy }),
      held: held.has(fingerprint),
    });
  }
  return {
    clientId,
    keys,
    unheldActiveKeys: keys.filter((k) => k.status === 'active' && !k.held).map((k) => k.kid),
  };
}

/** One warning line about unheld active keys, or undefined when there are none. */
export function describeUnheldKeys(audit: KeyAudit): string | undefined {
  const unheld = audit.keys.filter((k) => k.status === 'active' && !k.held);
  if (unheld.length === 0) return undefined;
  const listed = unheld
    .map((k) => `${k.kid} (added by ${k.addedBy ?? 'unknown'} at ${k.createdAt})`)
    .join(', ');
  return `warning: ${unheld.length === 1 ? 'an active key' : `${unheld.length} active keys`} registered under ${audit.clientId} ${unheld.length === 1 ? 'is' : 'are'} not in this keystore and can sign as you: ${listed} — see 'pouch keys audit'; if you did not ask for it, tell your authority's admins`;
}

async function thumbprintOf(jwk: JWK | Readonly<Record<string, string>>): Promise<string> {
  const { kty, crv, x, y } = jwk as JWK;
  // The RFC 7638 members of an EC or OKP key, each only when present.
  const members: JWK = {
    ...(kty === undefined ? {} : { kty }),
    ...(crv === undefined ? {} : { crv }),
    ...(x === undefined ? {} : { x }),
    ...(y === undefined ? {} : { y }),
  };
  return calculateJwkThumbprint(members, 'sha256');
}

function splitClientId(clientId: string): [string, string] {
  const at = clientId.indexOf(':');
  return [clientId.slice(0, at), clientId.slice(at + 1)];
}

/**
 * The whole directory log (every page), with the proofs of its logged heads in the latest checkpoint as the last
 * page carries them. Not verified here: pass it to verifyDirectoryLog (shared/directory/directory-log.ts).
 *
 * @example
 * const log = await fetchDirectoryLog(client);
 */
export async function fetchDirectoryLog(client: PouchClient): Promise<DirectoryLogWire> {
  const entries: string[] = [];
  let from: number | undefined = 0;
  let last: DirectoryLogWire | undefined;
  for (let pages = 0; from !== undefined; pages++) {
    if (pages > 10_000) throw new PouchError('ERR_PROOF_INVALID', 'The directory log does not end');
    const parsed = DirectoryLogSchema.safeParse(
      await client.request<unknown>('GET', `/v1/directory/log?from=${from}&limit=1000`),
    );
    if (!parsed.success)
      throw new PouchError('ERR_PROOF_INVALID', 'The exchange did not answer with a directory log');
    last = parsed.data;
    entries.push(...last.entries);
    from = last.next;
  }
  return { ...(last as DirectoryLogWire), entries };
}
