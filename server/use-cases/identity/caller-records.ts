// Use cases, identity: the caller's member record as the bearer check read it for this request, so a use case
// later in the same request (the manifest check of a post) uses that read instead of reading the member again.
// Keyed by the principal object the bearer check made for this request: each request authenticates afresh and gets
// a new principal, so nothing outlives its request and a revocation or deactivation counts from the next request
// on, exactly as when the member is read once per request. A principal built elsewhere (tests, scripts) has no
// record here and its use cases read the directory.
import type { Member, Principal } from '../../../shared/domain/identity/types.ts';

const memberOf = new WeakMap<Principal, Member>();

/** Note the member record the bearer check just verified for `principal` (made from it). */
export function rememberCallerMember(principal: Principal, member: Member): void {
  memberOf.set(principal, member);
}

/** The member record read for this request's principal, if the bearer check made it. */
export function callerMemberOf(principal: Principal): Member | undefined {
  return memberOf.get(principal);
}
