// Start-up support: seed the directory from a JSON file (demo authorities locally; the operator's public keys on
// AWS). This file owns the seed format; the writes go through the directory use case (createDirectoryBootstrap),
// so seeding obeys the same rules as the API. Idempotent: it creates what is absent and adds keys that are
// missing; it never overwrites fields the operator or admins have since changed, never re-activates a revoked key
// and never deletes anything.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PouchError } from '../../../shared/domain/errors.ts';
import { authorityIdPattern, kidPattern, memberIdPattern } from '../../../shared/domain/identity/ids.ts';
import { AUTHORITY_ROLES, MEMBER_ROLES, OPERATOR_ID } from '../../../shared/domain/identity/types.ts';
import { languagePattern, treatyPattern } from '../../../shared/domain/identity/validation.ts';
import type { DirectoryRepository } from '../../ports/directory-repository.ts';
import { type AuthoritySeed, createDirectoryBootstrap } from './directory-bootstrap.ts';
import {
  buildAuthorityKey,
  buildMemberKey,
  checkPublishableProfile,
  validateAuthorityFields,
  verifyProfileStatement,
  verifyRecipientsStatement,
} from './directory-model.ts';

const jwk = z.looseObject({ kty: z.string(), kid: z.string().regex(kidPattern).optional() });

/**
 * The profile as the seed file gives it. Parsed as any object (the stored profile is what the file says), then
 * checked by the publication rule; the generated JSON Schema puts the requirement profile's schema here.
 */
export const seedProfileField = z.record(z.string(), z.unknown());

const seedMember = z.strictObject({
  /** Optional; derived from the authority id, role and display name when absent, so reseeding is stable. */
  id: z.string().regex(memberIdPattern).optional(),
  displayName: z.string().min(1).max(200),
  role: z.enum(MEMBER_ROLES),
  keys: z.array(jwk).min(1).max(20),
  /** The member's keys signed by the authority key (kind member-keys, version 1); needs `authorityKey` and `id`. */
  keysStatement: z.string().max(16_384).optional(),
});

const seedAuthority = z.strictObject({
  /** Optional; derived from country and name when absent (`auth_` + 22 chars of a SHA-256), so reseeding is stable. */
  id: z.string().regex(authorityIdPattern).optional(),
  country: z.string().regex(/^[A-Z]{2}$/),
  name: z.string().min(1).max(200),
  roles: z.array(z.enum(AUTHORITY_ROLES)).min(1),
  recipients: z.array(z.string()).min(1),
  languages: z.array(z.string().regex(languagePattern)).default([]),
  treaties: z.array(z.string().regex(treatyPattern)).default([]),
  /** A requirement profile (docs/schemas/requirement-profile.schema.json), checked like a published one. */
  profile: seedProfileField.optional(),
  /** The authority key (public JWK); its fingerprint is what counterparts pin. */
  authorityKey: jwk.optional(),
  /** The recipients signed by the authority key (version 1); needs `authorityKey` and a fixed `id`. */
  recipientsStatement: z.string().max(16_384).optional(),
  /** The profile signed by the authority key (kind profile, version 1); it replaces `profile`. */
  profileStatement: z
    .string()
    .max(96 * 1024)
    .optional(),
  members: z
    .array(seedMember)
    .min(1)
    .refine((ms) => ms.some((m) => m.role === 'admin'), 'an authority needs at least one admin'),
});

/** The seed file: demo or initial authorities, and optionally the operator's members and public keys. */
export const seedFileSchema = z.strictObject({
  $schema: z.string().optional(),
  operator: z
    .strictObject({
      members: z.array(
        z.strictObject({
          id: z.string().regex(memberIdPattern),
          displayName: z.string().min(1).max(200),
          keys: z.array(jwk).min(1).max(20),
        }),
      ),
    })
    .optional(),
  authorities: z.array(seedAuthority).default([]),
});

export type SeedFile = z.input<typeof seedFileSchema>;

/** One member of the seed file, as seeding left it: its client id and the key ids the file gives it. */
export interface SeededMemberSummary {
  readonly clientId: string;
  readonly displayName: string;
  readonly role: string;
  /** Created by this run (false: it was there already; missing keys were added). */
  readonly created: boolean;
  readonly kids: readonly string[];
}

/** One authority of the seed file, as seeding left it. */
export interface SeededAuthoritySummary {
  readonly authorityId: string;
  readonly name: string;
  readonly country: string;
  readonly created: boolean;
  readonly members: readonly SeededMemberSummary[];
}

export interface SeedResult {
  readonly authoritiesCreated: readonly string[];
  readonly membersCreated: readonly string[];
  readonly keysAdded: number;
  /** Every authority in the file with the ids an operator hands on (authority, client ids, kids). */
  readonly authorities: readonly SeededAuthoritySummary[];
  /** The operator's members in the file. */
  readonly operatorMembers: readonly SeededMemberSummary[];
}

const derive = (prefix: string, ...parts: string[]) =>
  `${prefix}${createHash('sha256')
    .update(`pouch-seed:${parts.join(':')}`)
    .digest('base64url')
    .slice(0, 22)}`;

/**
 * Seed the directory. Validates the whole file first (ERR_VALIDATION, nothing written), then creates what is
 * absent. Every write is audited as a system change (`system:seed`).
 *
 * @example
 * await seedDirectory(runtime.directory, JSON.parse(await readFile('demo/directory.json', 'utf8')));
 */
export async function seedDirectory(
  repo: DirectoryRepository,
  json: unknown,
  options: { now?: number } = {},
): Promise<SeedResult> {
  const parsed = seedFileSchema.safeParse(json);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    throw new PouchError('ERR_VALIDATION', 'Invalid seed file', { details: { errors } });
  }
  const file = parsed.data;
  const now = options.now ?? Date.now();
  const at = new Date(now).toISOString();
  // Validate and prepare the whole file before the first write: a bad entry anywhere writes nothing.
  const operatorMembers = (file.operator?.members ?? []).map((op) => ({
    id: op.id,
    displayName: op.displayName,
    keys: op.keys.map((k) => buildMemberKey(k, at, 'system:seed')),
  }));
  const authorities: AuthoritySeed[] = [];
  for (const a of file.authorities) {
    validateAuthorityFields(a);
    const id = a.id ?? derive('auth_', a.country, a.name);
    if (a.profile !== undefined) checkPublishableProfile(id, a.profile);
    const { authorityKey: authorityJwk, recipientsStatement, profileStatement, ...fields } = a;
    const authorityKey = authorityJwk === undefined ? undefined : buildAuthorityKey(authorityJwk);
    const signs =
      recipientsStatement !== undefined ||
      profileStatement !== undefined ||
      a.members.some((m) => m.keysStatement !== undefined);
    if (signs && authorityKey === undefined) {
      throw new PouchError('ERR_VALIDATION', 'A statement needs the authority key that signed it');
    }
    const signedProfile =
      profileStatement === undefined || authorityKey === undefined
        ? undefined
        : await verifyProfileStatement({ id, authorityKey }, profileStatement);
    const signedRecipients =
      recipientsStatement === undefined || authorityKey === undefined
        ? undefined
        : await verifyRecipientsStatement({ id, authorityKey }, recipientsStatement);
    authorities.push({
      ...fields,
      id,
      authorityKey,
      signedRecipients,
      signedProfile,
      members: a.members.map((m) => ({
        id: m.id ?? derive('mem_', id, m.role, m.displayName),
        displayName: m.displayName,
        role: m.role,
        keys: m.keys.map((k) => buildMemberKey(k, at, 'system:seed')),
        ...(m.keysStatement === undefined ? {} : { keysStatement: m.keysStatement }),
      })),
    });
  }

  const bootstrap = createDirectoryBootstrap(repo);
  const change = { source: 'seed', now };
  const created: string[] = [];
  const membersCreated: string[] = [];
  let keysAdded = 0;
  for (const op of operatorMembers) {
    const done = await bootstrap.ensureOperatorMember(change, op);
    if (done.created) membersCreated.push(`${OPERATOR_ID}:${op.id}`);
    keysAdded += done.keysAdded;
  }
  for (const authority of authorities) {
    const done = await bootstrap.ensureAuthority(change, authority);
    if (done.authorityCreated) created.push(authority.id);
    membersCreated.push(...done.membersCreated.map((m) => `${authority.id}:${m}`));
    keysAdded += done.keysAdded;
  }
  const createdMembers = new Set(membersCreated);
  const summary = (
    authorityId: string,
    m: { id: string; displayName: string; role: string; keys: readonly { kid: string }[] },
  ) => ({
    clientId: `${authorityId}:${m.id}`,
    displayName: m.displayName,
    role: m.role,
    created: createdMembers.has(`${authorityId}:${m.id}`),
    kids: m.keys.map((k) => k.kid),
  });
  return {
    authoritiesCreated: created,
    membersCreated,
    keysAdded,
    authorities: authorities.map((a) => ({
      authorityId: a.id,
      name: a.name,
      country: a.country,
      created: created.includes(a.id),
      members: a.members.map((m) => summary(a.id, m)),
    })),
    operatorMembers: operatorMembers.map((m) => summary(OPERATOR_ID, { ...m, role: 'operator' })),
  };
}

/**
 * The ids a seed run leaves, for the operator to hand on: one line per authority (name, country, id, whether
 * this run created it), then its members (client id, role, name, key ids). The same for the operator's members.
 *
 * @example
 * console.log(formatSeedReport(await seedDirectory(repo, json)).join('\n'));
 */
export function formatSeedReport(result: SeedResult): string[] {
  const state = (created: boolean) => (created ? 'created' : 'existed');
  const memberLines = (members: readonly SeededMemberSummary[]) =>
    members.map(
      (m) =>
        `    ${m.clientId}  ${m.role}  ${m.displayName}  (${state(m.created)})  kids: ${m.kids.join(', ') || '-'}`,
    );
  const lines = [
    `Seeded: ${result.authoritiesCreated.length} authorities and ${result.membersCreated.length} members created, ${result.keysAdded} keys added.`,
  ];
  if (result.operatorMembers.length > 0) {
    lines.push('', 'Operator members:', ...memberLines(result.operatorMembers));
  }
  for (const a of result.authorities) {
    lines.push(
      '',
      `${a.name} (${a.country})  ${a.authorityId}  (${state(a.created)})`,
      ...memberLines(a.members),
    );
  }
  return lines;
}
