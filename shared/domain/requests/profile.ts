// Domain layer, "right first time": an authority's requirement profile, published in the directory and
// applied by check and draft on top of the instrument's mandatory elements. Profiles are versioned.
import { z } from 'zod';
import { PouchError } from '../errors.ts';
import { URGENCIES } from '../exchange/urgency.ts';
import { isTreatyId, REQUEST_KINDS, type RequestKind, type TreatyId } from './instruments.ts';

/** Channels an authority may prefer for receiving requests. */
export const CHANNELS = ['pouch', '24-7-network', 'email', 'diplomatic', 'interpol', 'post'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * A path into a request: dotted keys, `[]` for every item of an array.
 * Examples: `additional.dualCriminalityStatement`, `personsConcerned`, `offences[].penalty`.
 */
const pathSchema = z
  .string()
  .regex(
    /^[A-Za-z_][\w-]*(\[\])?(\.[A-Za-z_][\w-]*(\[\])?)*$/,
    'must be a dotted path such as additional.foo',
  );

/** One extra requirement of the recipient for a kind of request. */
export const extraRequirementSchema = z.object({
  path: pathSchema,
  /** Stable rule id, e.g. 'dual-criminality-statement'. */
  rule: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a kebab-case rule id'),
  explanation: z.string().min(1),
  /** When set, the value (or each item of it) must be one of these. */
  allowedValues: z.array(z.string().min(1)).min(1).optional(),
  /** An example answer, shown in draft skeletons. */
  example: z.string().optional(),
});
export type ExtraRequirement = z.infer<typeof extraRequirementSchema>;

const languageTag = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag such as en');

/** Schema of a requirement profile. */
export const profileSchema = z.object({
  authorityId: z.string().min(1),
  version: z.number().int().positive(),
  publishedAt: z.string().optional(),
  languages: z.array(languageTag).min(1),
  acceptedBases: z.array(z.custom<TreatyId>(isTreatyId, 'must be a legal basis id')).min(1),
  extraRequired: z.partialRecord(z.enum(REQUEST_KINDS), z.array(extraRequirementSchema)).default({}),
  preferredChannels: z
    .array(
      z.object({
        channel: z.enum(CHANNELS),
        kinds: z.array(z.enum(REQUEST_KINDS)).optional(),
        note: z.string().optional(),
      }),
    )
    .default([]),
  notes: z.array(z.string()).default([]),
  /**
   * How many hours the authority promises to take, at most, to acknowledge a request of each urgency (for
   * example 4 for emergencies). The exchange starts an acknowledgement clock from the promise in force when the
   * exchange is created.
   */
  acknowledgeWithinHours: z.partialRecord(z.enum(URGENCIES), z.number().int().min(1).max(8760)).optional(),
});

const acknowledgePromiseSchema = profileSchema.shape.acknowledgeWithinHours;

/**
 * The hours a published profile (as the directory stores it) promises for acknowledging a request of `urgency`;
 * undefined when it promises nothing or the promise is malformed.
 */
export function acknowledgeWithinHoursOf(
  profile: { readonly [field: string]: unknown },
  urgency: (typeof URGENCIES)[number],
): number | undefined {
  const parsed = acknowledgePromiseSchema.safeParse(profile.acknowledgeWithinHours);
  return parsed.success ? parsed.data?.[urgency] : undefined;
}
/** A requirement profile as published. */
export type Profile = z.infer<typeof profileSchema>;
/** A requirement profile as written by admins (defaults not yet applied). */
export type ProfileInput = z.input<typeof profileSchema>;

/**
 * Parse and validate a requirement profile.
 * @throws PouchError ERR_VALIDATION with `details.issues` when the profile is malformed.
 */
export function parseProfile(input: unknown): Profile {
  const parsed = profileSchema.safeParse(input);
  if (!parsed.success) {
    throw new PouchError('ERR_VALIDATION', 'Invalid requirement profile', {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return parsed.data;
}

/**
 * Check that `next` may replace `previous` in the directory: same authority and a higher version.
 * @throws PouchError ERR_VALIDATION otherwise.
 */
export function assertProfileSuccessor(previous: Profile | undefined, next: Profile): void {
  if (!previous) return;
  if (previous.authorityId !== next.authorityId) {
    throw new PouchError('ERR_VALIDATION', 'A profile can only replace a profile of the same authority', {
      details: { expected: previous.authorityId, actual: next.authorityId },
    });
  }
  if (next.version <= previous.version) {
    throw new PouchError('ERR_VALIDATION', 'A new profile must have a higher version', {
      details: { current: previous.version, proposed: next.version },
    });
  }
}

/** Pick the latest version among an authority's profiles (undefined when none). */
export function selectLatestProfile(profiles: readonly Profile[]): Profile | undefined {
  return profiles.reduce<Profile | undefined>(
    (best, p) => (!best || p.version > best.version ? p : best),
    undefined,
  );
}

/** The extra requirements a profile sets for a kind. */
export function listProfileRequirements(profile: Profile, kind: RequestKind): readonly ExtraRequirement[] {
  return profile.extraRequired[kind] ?? [];
}

/**
 * True when the profile accepts a language: exact tag, or its primary subtag (`en-GB` is accepted by `en`).
 * @example acceptsLanguage(profile, 'fr-BE') // true when profile.languages includes 'fr'
 */
export function acceptsLanguage(profile: Profile, language: string): boolean {
  const wanted = language.toLowerCase();
  const primary = wanted.split('-')[0];
  return profile.languages.some((l) => {
    const accepted = l.toLowerCase();
    return accepted === wanted || accepted === primary;
  });
}

/** The channels a profile prefers for a kind, in the order given. */
export function listPreferredChannels(profile: Profile, kind: RequestKind): Channel[] {
  return profile.preferredChannels.filter((c) => !c.kinds || c.kinds.includes(kind)).map((c) => c.channel);
}

/**
 * How findings and comments cite a profile, in English (what the CLI prints) or French.
 * @example formatProfileSource(profile) // 'profile xb-foj-ca v3'; with 'fr': 'profil xb-foj-ca v3'
 */
export function formatProfileSource(
  profile: Pick<Profile, 'authorityId' | 'version'>,
  language: 'en' | 'fr' = 'en',
): string {
  return `${language === 'fr' ? 'profil' : 'profile'} ${profile.authorityId} v${profile.version}`;
}
