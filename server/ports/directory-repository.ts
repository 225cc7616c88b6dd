// Port: the directory of authorities (authorities, members, keys) and its audit log. The use cases in
// server/use-cases/identity/directory-service.ts call it after the policy has said yes.
import type { AuditRecord, Authority, AuthorityEntry, Member } from '../../shared/domain/identity/types.ts';
import type { ChainHead } from '../../shared/domain/ledger/checkpoint.ts';

/** A page of audit records, newest first, with an opaque cursor for the next page. */
export interface AuditPage {
  readonly records: readonly AuditRecord[];
  readonly cursor?: string;
}

/**
 * Every write takes the audit record of the change. The adapter writes the record (`pending`) before the
 * change and settles it after, so no change is ever visible without its audit record. Writes that replace
 * an item are conditional on its `version` (optimistic concurrency; a lost race is ERR_CONFLICT).
 */
export interface DirectoryRepository {
  /** One authority without members; undefined when absent. */
  getAuthority(authorityId: string): Promise<Authority | undefined>;
  /** One authority with its members; undefined when absent. */
  getAuthorityEntry(authorityId: string): Promise<AuthorityEntry | undefined>;
  /** Every authority with its members (the public directory). Never includes the operator. */
  listAuthorityEntries(): Promise<AuthorityEntry[]>;
  /** One member, by a single GetItem: the per-request check of access tokens uses this. */
  getMember(authorityId: string, memberId: string): Promise<Member | undefined>;
  /**
   * A caller's member and its authority, read together in one round trip (the per-request check of access tokens
   * and client assertions needs both: the key, and the authority's status and key chain). The operator's members
   * have no authority item: only the member is read.
   */
  getCaller(
    authorityId: string,
    memberId: string,
  ): Promise<{ readonly member?: Member; readonly authority?: Authority }>;
  /** Create an authority and its first admin. ERR_CONFLICT when the id exists. */
  createAuthority(authority: Authority, firstAdmin: Member, audit: AuditRecord): Promise<void>;
  /** Replace an authority entry; `authority.version` must be the stored version + 1. */
  updateAuthority(authority: Authority, audit: AuditRecord): Promise<void>;
  /** Create (version 1, must not exist) or replace (stored version + 1) a member. */
  putMember(member: Member, audit: AuditRecord): Promise<void>;
  /** The audit log of one authority (or of `operator`), newest first. */
  listAudit(authorityId: string, options?: { limit?: number; cursor?: string }): Promise<AuditPage>;
}

/**
 * The directory log (shared/directory/directory-log.ts): every change the repository writes is appended to it,
 * after the change, at the next seq; a change a crash left unlogged is logged by the next write or head read.
 * Read by the checkpoint service (its head, the lines after a logged head) and served to clients.
 */
export interface DirectoryLog {
  /** The head of the chain, once every change that stands is logged; undefined before the first change. */
  head(): Promise<ChainHead | undefined>;
  /** The stored lines (`{"body":...,"hash":"..."}`) in seq order, from `fromSeq` on, at most `limit`. */
  readLines(fromSeq?: number, limit?: number): AsyncIterable<string>;
}
