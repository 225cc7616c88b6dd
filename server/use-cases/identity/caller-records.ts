// Use cases, identity: the caller's member record and its authority as the bearer check read them for this request,
// so a use case later in the same request (the manifest check of a post) uses that read instead of reading again.
// Keyed by the principal object the bearer check made for this request: each request authenticates afresh and gets
// a new principal, so nothing outlives its request and a revocation or deactivation counts from the next request
// on, exactly as when the member is read once per request. A principal built elsewhere (tests, scripts) has no
// record here and its use cases read the directory.
import type { Authority, Member, Principal } from '../../../shared/domain/identity/types.ts';

/** What the bearer check read: the member, and its authority (none for the operator's own members). */
export interface CallerRecords {
  readonly member: Member;
  readonly authority: Authority | undefined;
}

const callerOf = new WeakMap<Principal, CallerRecords>();

/** Note the records the bearer check just verified for `principal` (made from them). */
export function rememberCaller(principal: Principal, records: CallerRecords): void {
  callerOf.set(principal, records);
}

/** The records read for this request's principal, if the bearer check made it. */
export function callerRecordsOf(principal: Principal): CallerRecords | undefined {
  return callerOf.get(principal);
}

/** The member record read for this request's principal, if the bearer check made it. */
export function callerMemberOf(principal: Principal): Member | undefined {
  return callerOf.get(principal)?.member;
}
