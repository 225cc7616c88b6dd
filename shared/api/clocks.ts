// Wire schemas (core) of the clocks: an exchange's lineage tree and clocks, the caller's due list and its delay
// figures. The routes (server/http/clock-routes.ts) validate and document with them; the SDK and the CLI
// (`pouch show`, `pouch inbox --due`, `pouch stats`) take their types from them. No content: ids, kinds, times.
import { z } from 'zod';
import { CLOCK_NAMES } from '../domain/clocks/clocks.ts';
import { LINK_KINDS } from '../domain/clocks/lineage.ts';
import { EXCHANGE_STATES } from '../domain/exchange/state-machine.ts';
import { UrgencySchema } from './common.ts';

export const ClockSchema = z
  .object({
    name: z.enum(CLOCK_NAMES),
    dueAt: z.string(),
    state: z.enum(['running', 'met', 'stopped', 'continued', 'lapsed']),
    /** Where the time limit comes from, as people read it ("indicative (citation unverified): …" when unverified). */
    basis: z.string(),
    /** The treaty provision behind the limit, and whether its citation is verified; unverified ones are indicative. */
    source: z
      .object({
        provision: z.string(),
        instrument: z.string(),
        article: z.string(),
        verified: z.boolean(),
      })
      .optional(),
    /** For a running clock, how it stands now. */
    due: z.enum(['overdue', 'due-soon', 'running']).optional(),
  })
  .readonly()
  .meta({ id: 'Clock' });
export type ClockView = z.output<typeof ClockSchema>;

export const ExchangeClocksSchema = z
  .object({ exchangeId: z.string(), now: z.string(), clocks: z.array(ClockSchema).readonly() })
  .meta({ id: 'ExchangeClocks' });
export type ExchangeClocks = z.output<typeof ExchangeClocksSchema>;

/**
 * One exchange of a lineage: what its label says (routing metadata and the requester's reference, which every
 * caller allowed to see the node may read on its label), never contents.
 */
export const LineageNodeSchema = z
  .object({
    exchangeId: z.string(),
    kind: z.string(),
    requesterReference: z.string(),
    urgency: UrgencySchema,
    status: z.enum(EXCHANGE_STATES),
    requesterId: z.string(),
    requestedId: z.string(),
    createdAt: z.string(),
    /** Later exchanges that follow this one, the caller may see, as nested nodes. */
    followers: z.array(
      z.object({ kind: z.enum(LINK_KINDS), node: z.lazy((): z.ZodType<LineageNode> => LineageNodeSchema) }),
    ),
  })
  .meta({ id: 'LineageNode' });
export interface LineageNode {
  exchangeId: string;
  kind: string;
  requesterReference: string;
  urgency: z.output<typeof UrgencySchema>;
  status: (typeof EXCHANGE_STATES)[number];
  requesterId: string;
  requestedId: string;
  createdAt: string;
  followers: { kind: (typeof LINK_KINDS)[number]; node: LineageNode }[];
}

/**
 * A link of the exchange asked about, to an exchange the caller may see, named as people know it: its kind, the
 * references on its label and the counterpart's name. A link to an exchange the caller may not see is left out.
 */
export const LinkEntrySchema = z
  .object({
    exchangeId: z.string(),
    /** `follows`: this exchange follows the linked one (the label's `links`); `followed-by`: the reverse. */
    direction: z.enum(['follows', 'followed-by']),
    linkKind: z.enum(LINK_KINDS),
    kind: z.string(),
    status: z.enum(EXCHANGE_STATES),
    requesterReference: z.string(),
    requestedReference: z.string().optional(),
    /** The other party than the caller's authority (the requested one for an outside reader). */
    counterpart: z.object({ authorityId: z.string(), name: z.string().optional() }),
  })
  .meta({ id: 'LinkEntry' });
export type LinkEntry = z.output<typeof LinkEntrySchema>;

export const LineageSchema = z
  .object({
    /** The exchange asked about. */
    exchangeId: z.string(),
    /** Its own links, each with names (the label's `links` carries bare ids). */
    links: z.array(LinkEntrySchema),
    /** The earliest exchanges the caller may see in this lineage, each with its followers. */
    roots: z.array(LineageNodeSchema),
  })
  .meta({ id: 'Lineage' });
export type Lineage = z.output<typeof LineageSchema>;

export const DueItemSchema = z
  .object({
    exchangeId: z.string(),
    kind: z.string(),
    urgency: UrgencySchema,
    counterpart: z.string(),
    earliestDue: z.string(),
    /** The worst standing of its clocks: overdue, due soon (about to lapse, for a preservation) or running. */
    due: z.enum(['overdue', 'due-soon', 'running']),
    clocks: z.array(ClockSchema).readonly(),
  })
  .meta({ id: 'DueItem' });

export const DueListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const DueListSchema = z
  .object({ now: z.string(), items: z.array(DueItemSchema).readonly() })
  .meta({ id: 'DueList' });
export type DueList = z.output<typeof DueListSchema>;

const SpreadSchema = z.object({
  count: z.number(),
  median: z.number().optional().meta({ description: 'seconds (nearest rank)' }),
  p90: z.number().optional().meta({ description: 'seconds (nearest rank)' }),
});

export const FigureSchema = z
  .object({
    counterpart: z.string(),
    side: z.enum(['sent', 'received']),
    kind: z.string(),
    period: z.string(),
    requests: z.number(),
    acknowledge: SpreadSchema,
    firstEvidence: SpreadSchema,
    execution: SpreadSchema,
    infoRounds: z.number(),
    forced: z.number(),
    forcedShare: z.number(),
    lapsedPreservations: z.number(),
  })
  .meta({ id: 'Figure' });

export const FiguresQuerySchema = z.object({
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, YYYY-MM')
    .optional(),
});

export const FiguresSchema = z
  .object({ authorityId: z.string(), figures: z.array(FigureSchema).readonly() })
  .meta({ id: 'Figures' });
export type Figures = z.output<typeof FiguresSchema>;
