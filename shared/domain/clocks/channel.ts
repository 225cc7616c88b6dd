// Domain, clocks: the 24/7 channel. Under Budapest art. 35 each Party keeps a point of contact available around
// the clock for preservation (arts. 29 and 30) and urgent help; CETS 224 art. 9 sends emergency disclosure through
// it. The policy (server/policy/policy.ts) confines the `contact-247` role to these matters, notifications send
// them to the 24/7 contacts, and every list puts emergencies first.

/** Kinds of request the 24/7 point of contact handles, whatever their urgency. */
export const TWENTY_FOUR_SEVEN_KINDS: readonly string[] = [
  'preservation',
  'traffic-disclosure',
  'emergency-disclosure',
];

/** Whether an exchange is a 24/7 matter: one of those kinds, or any request of emergency urgency. */
export function isTwentyFourSevenMatter(request: {
  readonly kind?: string | undefined;
  readonly urgency?: string | undefined;
}): boolean {
  return (
    request.urgency === 'emergency' ||
    (request.kind !== undefined && TWENTY_FOUR_SEVEN_KINDS.includes(request.kind))
  );
}
