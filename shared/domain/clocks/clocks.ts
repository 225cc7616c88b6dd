// Domain, clocks: the clocks of one exchange, read off its track (track.ts) and the time. Each running clock has
// stages (a reminder before it is due, then what happens when it is due); the sweep acts on the stages whose time
// has come and records each in the ledger, and the due lists sort by urgency and then by due time.
import type { Urgency } from '../exchange/urgency.ts';
import {
  citeForReaders,
  type ProvisionId,
  type ProvisionSource,
  provisionSource,
} from '../requests/instruments.ts';
import {
  type ClockAction,
  PRODUCTION_DATA_CATEGORIES,
  type ProductionDataCategory,
  type Track,
} from './track.ts';

export const CLOCK_NAMES = [
  'acknowledge',
  'deadline',
  'preservation',
  'production-subscriber',
  'production-traffic',
] as const;
export type ClockName = (typeof CLOCK_NAMES)[number];

/**
 * - `running`: due at `dueAt`; `met`: done in time or late; `stopped`: the exchange ended first;
 * - `continued`: a preservation kept in force by the formal request that followed it (Budapest art. 29(7));
 * - `lapsed`: a preservation that expired with no formal request linked.
 */
export type ClockState = 'running' | 'met' | 'stopped' | 'continued' | 'lapsed';

export interface Clock {
  readonly name: ClockName;
  readonly dueAt: string;
  readonly state: ClockState;
  /**
   * Where the time limit comes from, as users read it. A limit whose citation is unverified (INSTRUMENTS.md
   * marks it "verify") reads `indicative (citation unverified): …` and never quotes the article.
   */
  readonly basis: string;
  /** The provision a treaty time limit comes from, with whether its citation is verified (one rule: instruments.ts). */
  readonly source?: ProvisionSource;
}

export type StageName = 'due-soon' | 'overdue' | 'escalated' | 'lapsed';

/** One step of a running clock: at `at`, the sweep records `action`. */
export interface Stage {
  readonly clock: ClockName;
  readonly stage: StageName;
  readonly at: string;
  readonly dueAt: string;
  readonly action: ClockAction;
  /** The key a fired stage leaves in the track (`clock/stage/dueAt`): a stage fires once. */
  readonly key: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How long before a clock is due its reminder fires. */
const REMINDER_LEAD_MS: Readonly<Record<ClockName, number | undefined>> = {
  preservation: 7 * DAY_MS,
  deadline: 2 * DAY_MS,
  acknowledge: undefined,
  'production-subscriber': 3 * DAY_MS,
  'production-traffic': 3 * DAY_MS,
};

/**
 * CETS 224 art. 8 production orders: the days from receipt within which the data are due, per category.
 * INSTRUMENTS.md marks these "verify": the clocks run as indicative, and their provision says so.
 */
const PRODUCTION_DAYS: Readonly<Record<ProductionDataCategory, number>> = { subscriber: 20, traffic: 45 };
const PRODUCTION_PROVISION: ProvisionId = 'cets224-8-time-limits';
const PRODUCTION_WORDS: Readonly<Record<ProductionDataCategory, string>> = {
  subscriber: 'subscriber information',
  traffic: 'traffic data',
};
const PRESERVATION_PROVISION: ProvisionId = 'budapest-29-7';

/** Sort rank of an urgency: emergencies first in every list. */
export const URGENCY_RANK: Readonly<Record<Urgency, number>> = { emergency: 0, urgent: 1, normal: 2 };

const plus = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

/** The clocks of an exchange (none before its request is sent). */
export function clocksOf(t: Track): Clock[] {
  if (!t.submittedAt) return [];
  const clocks: Clock[] = [];
  const ended = t.endedAt !== undefined;
  if (t.acknowledgeWithinHours !== undefined) {
    clocks.push({
      name: 'acknowledge',
      dueAt: plus(t.submittedAt, t.acknowledgeWithinHours * HOUR_MS),
      state: t.acknowledgedAt ? 'met' : ended ? 'stopped' : 'running',
      basis: `the recipient's published profile: acknowledge ${t.urgency} requests within ${t.acknowledgeWithinHours} h`,
    });
  }
  if (t.deadline) {
    clocks.push({
      name: 'deadline',
      dueAt: t.deadline,
      state: t.executedAt ? 'met' : ended ? 'stopped' : 'running',
      basis: "the requester's deadline",
    });
  }
  if (t.preservationExpiresAt) {
    clocks.push({
      name: 'preservation',
      dueAt: t.preservationExpiresAt,
      state: t.continuedBy ? 'continued' : t.lapsed ? 'lapsed' : ended ? 'stopped' : 'running',
      basis: `${citeForReaders(PRESERVATION_PROVISION)}: preserved for at least 60 days, and until the formal request is decided`,
      source: provisionSource(PRESERVATION_PROVISION),
    });
  }
  if (t.kind === 'production-order') {
    // Received when the request lands in the requested authority's box; answered by the first evidence.
    const answeredAt = t.firstEvidenceAt ?? t.executedAt;
    for (const category of t.dataCategories ?? PRODUCTION_DATA_CATEGORIES) {
      const days = PRODUCTION_DAYS[category];
      clocks.push({
        name: `production-${category}`,
        dueAt: plus(t.submittedAt, days * DAY_MS),
        state: answeredAt ? 'met' : ended ? 'stopped' : 'running',
        basis: `${citeForReaders(PRODUCTION_PROVISION)}: ${PRODUCTION_WORDS[category]} within ${days} days of receipt (CETS 224 production order)`,
        source: provisionSource(PRODUCTION_PROVISION),
      });
    }
  }
  return clocks;
}

/** The stages of a running clock, in time order. */
function stagesOf(t: Track, clock: Clock): Stage[] {
  const stage = (name: StageName, at: string, action: ClockAction): Stage => ({
    clock: clock.name,
    stage: name,
    at,
    dueAt: clock.dueAt,
    action,
    key: `${clock.name}/${name}/${clock.dueAt}`,
  });
  const stages: Stage[] = [];
  const lead = REMINDER_LEAD_MS[clock.name];
  if (lead !== undefined) stages.push(stage('due-soon', plus(clock.dueAt, -lead), 'clock.reminded'));
  if (clock.name === 'preservation') stages.push(stage('lapsed', clock.dueAt, 'clock.lapsed'));
  else if (clock.name === 'acknowledge' && t.urgency === 'emergency') {
    // An emergency left unacknowledged past the promised time goes to the next 24/7 contact and the admins.
    stages.push(stage('escalated', clock.dueAt, 'clock.escalated'));
  } else stages.push(stage('overdue', clock.dueAt, 'clock.reminded'));
  return stages;
}

/** Stages of running clocks not yet acted on, in time order. */
export function openStages(t: Track): Stage[] {
  return clocksOf(t)
    .filter((c) => c.state === 'running')
    .flatMap((c) => {
      // A stage is passed once it or any later stage of the same clock has fired.
      const stages = stagesOf(t, c);
      const lastFired = stages.findLastIndex((s) => t.fired.includes(s.key));
      return stages.slice(lastFired + 1);
    })
    .sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * What the sweep records now: each open stage whose time has come. When a reminder and the due stage are both
 * past (a sweep that did not run for days), only the latest stage of each clock is recorded.
 */
export function dueStages(t: Track, now: Date): Stage[] {
  const due = openStages(t).filter((s) => Date.parse(s.at) <= now.getTime());
  const latest = new Map<ClockName, Stage>();
  for (const s of due) latest.set(s.clock, s);
  return [...latest.values()];
}

/** When the sweep next has something to do for this exchange; undefined when no clock runs. */
export function nextStageAt(t: Track): string | undefined {
  return openStages(t)[0]?.at;
}

/** How a running clock stands at `now`, for the due lists. */
export type DueState = 'overdue' | 'due-soon' | 'running';

export function dueStateOf(clock: Clock, now: Date): DueState {
  const due = Date.parse(clock.dueAt);
  if (due <= now.getTime()) return 'overdue';
  const lead = REMINDER_LEAD_MS[clock.name] ?? 0;
  return due - lead <= now.getTime() ? 'due-soon' : 'running';
}

/** The earliest due time among running clocks (what the due lists sort on after urgency). */
export function earliestDue(t: Track): string | undefined {
  return clocksOf(t)
    .filter((c) => c.state === 'running')
    .map((c) => c.dueAt)
    .sort()[0];
}
