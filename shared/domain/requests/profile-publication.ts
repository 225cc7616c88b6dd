// Domain layer, "right first time": what an authority may publish as its requirement profile. One owner for the
// rule, applied by the exchange at publication (and by the seed), so senders never meet a profile their drafts
// cannot satisfy: it has the documented shape (its JSON Schema is generated from `publishableProfileSchema`),
// and every requirement names a field the request template of its kind models — one that `pouch send` carries
// into the sealed request.json, not one that `pouch check` insists on while the sealed request drops it.
import { z } from 'zod';
import { PouchError } from '../errors.ts';
import { REQUEST_KINDS, type RequestKind } from './instruments.ts';
import { extraRequirementSchema, type Profile, parseProfile, profileSchema } from './profile.ts';
import { listElements } from './schemas.ts';

/**
 * A requirement profile as an authority writes it: the profile without the two fields the exchange owns (its
 * `version`, which the exchange assigns or the statement carries, and `authorityId`, which is the publisher's).
 * Unknown fields are refused, so a misspelt key is an error rather than a requirement silently not applied.
 */
export const publishableProfileSchema = z
  .strictObject({
    ...profileSchema.shape,
    authorityId: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "The publishing authority's directory id; when given it must be its own" }),
    version: z.number().int().positive().optional().meta({
      description:
        'Ignored in a bare profile (the exchange assigns the next version); a signed statement carries its own',
    }),
    extraRequired: z
      .partialRecord(z.enum(REQUEST_KINDS), z.array(z.strictObject(extraRequirementSchema.shape)))
      .default({})
      .meta({
        description:
          'Extra requirements per kind of request; each path must be a field the request template of that kind models',
      }),
  })
  .meta({
    title: 'Pouch requirement profile',
    description:
      "An authority's requirements on the requests it receives, applied by `pouch draft` and `pouch check` on top of the instrument's mandatory elements.",
  });

/** One requirement no sent request could carry. */
export interface UncarriedRequirement {
  readonly kind: RequestKind;
  readonly path: string;
  readonly rule: string;
}

/**
 * True when `path` (a profile path: dotted keys, `[]` for every item) names a field of the kind's template that
 * a checked draft keeps: an element itself (`offences[].penalty`, `personsConcerned`, `personsConcerned[]` for
 * its items), or a key under a free-form record (`additional.anything`). A key an object template does not list
 * is stripped when the draft is checked, so it is not carried.
 */
export function isCarriedPath(kind: RequestKind, path: string): boolean {
  const elements = new Map(listElements(kind).map((e) => [e.path, e]));
  const tokens = path.split('.');
  let prefix = '';
  for (const [i, token] of tokens.entries()) {
    const each = token.endsWith('[]');
    const key = each ? token.slice(0, -2) : token;
    const element = elements.get(prefix ? `${prefix}.${key}` : key);
    if (!element) return false;
    // A record keeps every key, and whatever lies below it (`additional.x.y`).
    if (element.type === 'record') return !each;
    if (each && element.type !== 'array') return false;
    // Without `[]`, a path cannot reach into the items of an array (the check would never find a value there).
    if (!each && element.type === 'array' && i < tokens.length - 1) return false;
    prefix = each ? `${element.path}[]` : element.path;
  }
  return true;
}

/** Every requirement of `profile` whose path no sent request of its kind could carry. */
export function findUncarriedRequirements(profile: Profile): UncarriedRequirement[] {
  const out: UncarriedRequirement[] = [];
  for (const kind of REQUEST_KINDS) {
    for (const req of profile.extraRequired[kind] ?? []) {
      if (!isCarriedPath(kind, req.path)) out.push({ kind, path: req.path, rule: req.rule });
    }
  }
  return out;
}

/**
 * Check a profile an authority publishes (bare, signed, or seeded) and return it as senders will read it.
 *
 * @throws PouchError ERR_PROFILE_INVALID (details.issues: path and message) when it does not have the documented
 *   shape or names another authority; ERR_PROFILE_FIELD_UNKNOWN (details.fields: kind, path, rule) when a
 *   requirement names a field the request template of its kind does not model.
 * @example
 * validatePublishedProfile(authority.id, { languages: ['en'], acceptedBases: ['untoc'] });
 */
export function validatePublishedProfile(authorityId: string, raw: unknown): Profile {
  const shaped = publishableProfileSchema.safeParse(raw);
  if (!shaped.success) {
    const issues = shaped.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new PouchError(
      'ERR_PROFILE_INVALID',
      `The requirement profile does not have the documented shape: ${issues
        .slice(0, 5)
        .map((i) => `${i.path || '(profile)'}: ${i.message}`)
        .join('; ')} (see docs/schemas/requirement-profile.schema.json)`,
      { details: { issues } },
    );
  }
  if (shaped.data.authorityId !== undefined && shaped.data.authorityId !== authorityId) {
    throw new PouchError(
      'ERR_PROFILE_INVALID',
      `The profile names authority ${shaped.data.authorityId}, but it is published by ${authorityId}: drop authorityId or give your own`,
      { details: { issues: [{ path: 'authorityId', message: `must be ${authorityId}` }] } },
    );
  }
  const profile = parseProfile({ ...shaped.data, authorityId, version: shaped.data.version ?? 1 });
  const uncarried = findUncarriedRequirements(profile);
  if (uncarried.length > 0) {
    throw new PouchError(
      'ERR_PROFILE_FIELD_UNKNOWN',
      `No request could carry ${uncarried
        .map((u) => `${u.kind} ${u.path} (rule ${u.rule})`)
        .join(
          ', ',
        )}: the request template does not model it. Use a field of the template, or a key under 'additional' (e.g. additional.${uncarried[0]?.rule ?? 'answer'})`,
      { details: { fields: uncarried } },
    );
  }
  return profile;
}
