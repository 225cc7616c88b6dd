// Domain: how fast an answer is needed. The one list of urgency levels: the exchange label, the request form's
// urgency block, the wire schemas (shared/api) and the CLI all read it from here.
export const URGENCIES = ['normal', 'urgent', 'emergency'] as const;
export type Urgency = (typeof URGENCIES)[number];
