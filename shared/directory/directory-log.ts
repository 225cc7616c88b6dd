// Core (shared by the exchange and every client): the directory log — one hash-chained chain of every directory
// change (authority registered or changed, statements published, members added or changed, keys added or
// revoked), in the ledger's own event format (shared/domain/ledger/event.ts) under the reserved chain id
// `directory`. The checkpoint service logs its head beside the exchanges' chain heads, with the same extend-only
// rule, so the head enters the signed checkpoints (issue 12, finding 3).
//
// Why it detects a directory shown differently to different parties: each entry carries the state the change left
// (the authority's status and authority-key fingerprint, a member's status and role, and the digest of every
// signed statement in force: statementDigest, SHA-256 over the RFC 8785 form). The statements themselves stay
// where they are served (the directory entry); a client hashes the statement it holds and compares. A client that is served an entry of the directory compares it with the latest logged state of that
// authority and its members, in a chain whose checkpointed head it checked against a signed checkpoint. To show
// one party an older (rolled-back) or another statement, the operator must either leave the log unchanged (the
// comparison fails) or log a different history (the chain no longer contains the checkpointed head, or the next
// head does not extend the logged one and the checkpoint service refuses it).

import type { PublicJwk } from '../crypto/compact-jws.ts';
import { verifyCheckpoint } from '../custody/checkpoints.ts';
import { PouchError } from '../domain/errors.ts';
import { type ChainHead, verifyChainHeadProof } from '../domain/ledger/checkpoint.ts';
import { decodeEventLine, type JsonValue, type LedgerEvent } from '../domain/ledger/event.ts';
import { createStreamVerifier } from '../domain/ledger/stream-verifier.ts';
import { statementDigest } from './statements.ts';

/** The reserved chain id of the directory log (exchange ids never take it: they are `exch_…`). */
export const DIRECTORY_CHAIN = 'directory';

/** What an authority's directory entry says that a counterpart relies on. */
export interface AuthorityLogState {
  readonly authorityId: string;
  readonly status: string;
  /** Fingerprint of the current authority key, null when it has none. */
  readonly authorityKey: string | null;
  /** How many rotations its authority-key chain has. */
  readonly rotations: number;
  /** statementDigest of the recipients statement in force, null when there is none. */
  readonly recipientsStatementSha256: string | null;
  /** statementDigest of the profile statement in force, null when there is none. */
  readonly profileStatementSha256: string | null;
}

/** What a member's directory entry says that a counterpart relies on. */
export interface MemberLogState {
  readonly authorityId: string;
  readonly memberId: string;
  readonly status: string;
  readonly role: string;
  /** statementDigest of the member-keys statement in force, null when there is none. */
  readonly keysStatementSha256: string | null;
}

/** The `details` of a directory log entry: the audit record it belongs to and the state the change left. */
export interface DirectoryLogDetails {
  readonly auditId: string;
  readonly authorityId: string;
  readonly authority?: AuthorityLogState;
  readonly members?: readonly MemberLogState[];
}

const digestOrNull = (jws: string | undefined): string | null =>
  jws === undefined ? null : statementDigest(jws);

/** The state of an authority as the log keeps it, from the fields both the store and the wire view have. */
export function authorityLogState(a: {
  readonly id: string;
  readonly status: string;
  readonly fingerprint?: string | undefined;
  readonly rotations?: number | undefined;
  readonly recipientsStatement?: string | undefined;
  readonly profileStatement?: string | undefined;
}): AuthorityLogState {
  return {
    authorityId: a.id,
    status: a.status,
    authorityKey: a.fingerprint ?? null,
    rotations: a.rotations ?? 0,
    recipientsStatementSha256: digestOrNull(a.recipientsStatement),
    profileStatementSha256: digestOrNull(a.profileStatement),
  };
}

/** The state of a member as the log keeps it. */
export function memberLogState(
  authorityId: string,
  m: {
    readonly id: string;
    readonly status: string;
    readonly role: string;
    readonly keysStatement?: string | undefined;
  },
): MemberLogState {
  return {
    authorityId,
    memberId: m.id,
    status: m.status,
    role: m.role,
    keysStatementSha256: digestOrNull(m.keysStatement),
  };
}

/** The `details` member of a directory log entry, as plain JSON. */
export function directoryLogDetails(details: DirectoryLogDetails): { readonly [key: string]: JsonValue } {
  return JSON.parse(JSON.stringify(details)) as { readonly [key: string]: JsonValue };
}

/** The checkpointed heads of the directory chain, as the exchange serves them with the log. */
export interface DirectoryLogProof {
  readonly checkpoint: { readonly size: number; readonly rootHash: string; readonly jws: string };
  readonly treeSize: number;
  readonly heads: ReadonlyArray<{
    readonly leafIndex: number;
    readonly head: ChainHead;
    readonly proof: readonly string[];
  }>;
}

const broken = (message: string, details?: Record<string, unknown>) =>
  new PouchError('ERR_PROOF_INVALID', message, details ? { details } : {});

/**
 * Verify a served directory log: the lines form one intact chain from genesis, the checkpoint is signed by one
 * of the custody keys, and every directory head it logged is in it (inclusion proof) and in the chain (same seq,
 * same hash). Returns the events and the seq of the latest checkpointed head (entries after it are chained but
 * not yet checkpointed). Throws ERR_PROOF_INVALID.
 */
export async function verifyDirectoryLog(
  lines: readonly string[],
  proof: DirectoryLogProof | undefined,
  custodyKeys: readonly PublicJwk[],
): Promise<{ events: LedgerEvent[]; checkpointedSeq: number | undefined }> {
  let checkpointedSeq: number | undefined;
  const anchors: ChainHead[] = [];
  if (proof) {
    let signed: Awaited<ReturnType<typeof verifyCheckpoint>> | undefined;
    for (const key of custodyKeys) {
      try {
        signed = await verifyCheckpoint(proof.checkpoint.jws, key);
        break;
      } catch {
        // try the next published key
      }
    }
    if (!signed) throw broken('The checkpoint is not signed by the exchange custody key');
    for (const logged of proof.heads) {
      if (logged.head.chain !== DIRECTORY_CHAIN) throw broken('A logged head belongs to another chain');
      const included = verifyChainHeadProof(signed, {
        head: logged.head,
        leafIndex: logged.leafIndex,
        treeSize: proof.treeSize,
        proof: logged.proof,
      });
      if (!included) throw broken(`The directory head at seq ${logged.head.seq} is not in the checkpoint`);
      anchors.push(logged.head);
      checkpointedSeq = Math.max(checkpointedSeq ?? -1, logged.head.seq);
    }
  }
  const verifier = createStreamVerifier({ chain: DIRECTORY_CHAIN, anchors });
  for (const line of lines) if (!verifier.push(line)) break;
  const verdict = verifier.result();
  if (!verdict.ok) {
    throw broken(`The directory log is broken: ${verdict.broken.reason}: ${verdict.broken.message}`, {
      reason: verdict.broken.reason,
      seq: verdict.broken.seq,
    });
  }
  return { events: lines.map(decodeEventLine), checkpointedSeq };
}

/** The latest logged state of an authority and of each of its members, from verified log events. */
export function latestLoggedStates(
  events: readonly LedgerEvent[],
  authorityId: string,
): { authority?: AuthorityLogState; members: Map<string, MemberLogState>; seq?: number } {
  let authority: AuthorityLogState | undefined;
  let seq: number | undefined;
  const members = new Map<string, MemberLogState>();
  for (const event of events) {
    const details = event.details as Partial<DirectoryLogDetails> | undefined;
    if (details?.authorityId !== authorityId) continue;
    seq = event.seq;
    if (details.authority) authority = withDigests(details.authority);
    for (const m of details.members ?? []) members.set(m.memberId, withDigests(m));
  }
  return { ...(authority ? { authority } : {}), members, ...(seq === undefined ? {} : { seq }) };
}

/**
 * A logged state in the digest form. Entries written before the log carried digests hold the statements
 * themselves (`recipientsStatement`, `profileStatement`, `keysStatement`): they are hashed here, so one
 * comparison serves both.
 */
function withDigests<T extends AuthorityLogState | MemberLogState>(state: T): T {
  const legacy = state as T &
    Partial<Record<'recipientsStatement' | 'profileStatement' | 'keysStatement', unknown>>;
  const { recipientsStatement, profileStatement, keysStatement, ...rest } = legacy;
  const digest = (value: unknown) => (typeof value === 'string' ? statementDigest(value) : null);
  return {
    ...rest,
    ...('recipientsStatement' in legacy ? { recipientsStatementSha256: digest(recipientsStatement) } : {}),
    ...('profileStatement' in legacy ? { profileStatementSha256: digest(profileStatement) } : {}),
    ...('keysStatement' in legacy ? { keysStatementSha256: digest(keysStatement) } : {}),
  } as T;
}

/** One field where the served directory differs from the logged one. */
export interface LogMismatch {
  readonly memberId?: string;
  readonly field: string;
}

/**
 * Compare what the exchange served about an authority with the latest logged state. Throws
 * ERR_DIRECTORY_LOG_MISMATCH (with every differing field) when they differ, or when the authority is not logged.
 */
export function checkServedAgainstLog(
  served: { readonly authority: AuthorityLogState; readonly members: readonly MemberLogState[] },
  logged: ReturnType<typeof latestLoggedStates>,
): void {
  const mismatches: LogMismatch[] = [];
  if (!logged.authority) mismatches.push({ field: 'authority' });
  else {
    for (const field of Object.keys(served.authority) as Array<keyof AuthorityLogState>) {
      if (served.authority[field] !== logged.authority[field]) mismatches.push({ field });
    }
  }
  for (const member of served.members) {
    const at = logged.members.get(member.memberId);
    if (!at) {
      mismatches.push({ memberId: member.memberId, field: 'member' });
      continue;
    }
    for (const field of Object.keys(member) as Array<keyof MemberLogState>) {
      if (member[field] !== at[field]) mismatches.push({ memberId: member.memberId, field });
    }
  }
  if (mismatches.length > 0) {
    const what = mismatches.map((m) => (m.memberId ? `${m.memberId}.${m.field}` : m.field)).join(', ');
    throw new PouchError(
      'ERR_DIRECTORY_LOG_MISMATCH',
      `The directory serves ${served.authority.authorityId} differently from its logged history (${what}): do not rely on it; report it to the authority and the operator`,
      { details: { authorityId: served.authority.authorityId, mismatches } },
    );
  }
}
